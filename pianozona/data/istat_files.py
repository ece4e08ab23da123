"""ISTAT download files: a .csv (or the CSV in a .zip) read within a size bound, its header line and its year.

Shared by the readers of `pianozona.data.istat_flat` and `pianozona.data.istat_recon`:
`load_source` returns a `Source`, `head_lines`/`find_header` locate the 'Codice comune'
header, `norm_label` normalises a header label, `resolve_year` finds the reference year
(argument, title, file name), `DOWNLOAD_FIX` is the advice of most file errors.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from pathlib import Path

from pianozona.errors import DataError, ParameterError
from pianozona.files import decode_bytes, read_bytes_bounded, read_stream_bounded

HEAD_LINES = 30  # the header must be within the first HEAD_LINES lines
Source = tuple[str, str, list[str]]  # (text, file name for messages, names to find a year in)
#: the largest ISTAT download read (bytes, also for the CSV inside a zip): the national
#: ricostruzione intercensuaria is the biggest file ISTAT offers and stays well below this
MAX_ISTAT_BYTES = 300 * 1024 * 1024
#: the most lines an ISTAT file can have: Italy never had more than 8,101 comuni (2001-2009), a POSAS,
#: STRASA or pre-2019 file has 102 lines each (ages 0-100 and the total) = 826,302 lines, a national
#: ricostruzione 3 lines each per year (2002-2019) = 437,454.  Reading stops past this many lines, so
#: a file that cannot be ISTAT's (a forgotten export, a generated one) costs a second and a few
#: tens of MB instead of minutes and gigabytes (parsing needs many times a file's size).
MAX_ISTAT_LINES = 1_000_000
#: what to do about a file over those limits
TOO_BIG_FIX = ("un file ISTAT dei comuni d'Italia ha al più circa 830.000 righe: controllare che sia il file "
               "scaricato da ISTAT, senza modifiche")
#: the advice of an error about a file that is damaged, incomplete or edited
DOWNLOAD_FIX = "scaricare di nuovo il file dal sito ISTAT senza modificarlo"

# Normalised header aliases (see `norm_label`); the first one present wins, so
# 'Totale maschi' is preferred to marital-status columns such as 'Maschi celibi'.
ALIASES = {
    "code": ("codice comune", "codice istat", "municipality code"),
    "name": ("comune", "denominazione", "municipality", "denominazione comune"),
    "age": ("età", "eta", "eta'", "age"),
    "M": ("totale maschi", "total males", "maschi", "males"),
    "F": ("totale femmine", "total females", "femmine", "females"),
}
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_JANUARY = re.compile(r"(?:gennaio|january)\s+((?:19|20)\d{2})(?!\d)", re.IGNORECASE)


def norm_label(label: object) -> str:
    """Normalise a header label: NFC, no quotes or underscores, lower case, single spaces."""
    text = unicodedata.normalize("NFC", str(label)).strip().strip('"').replace("_", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def _read_zip(path: Path) -> tuple[bytes, str]:
    """Return the bytes and name of the single CSV inside a zip archive."""
    try:
        raw = read_bytes_bounded(path, MAX_ISTAT_BYTES, what="file ISTAT", fix=TOO_BIG_FIX)
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = [m for m in archive.namelist()
                       if m.lower().endswith(".csv") and not m.startswith("__MACOSX/")]
            if len(members) != 1:
                raise DataError(f"l'archivio zip deve contenere un solo file CSV, ne contiene "
                                f"{len(members)} ({', '.join(members) or 'nessuno'})", file=path,
                                fix="estrarre il CSV giusto e passare il percorso del file .csv")
            if archive.getinfo(members[0]).file_size > MAX_ISTAT_BYTES:
                raise DataError(f"il CSV nell'archivio zip è troppo grande (oltre {MAX_ISTAT_BYTES // 2**20} MB)",
                                file=path, fix=DOWNLOAD_FIX)
            with archive.open(members[0]) as member:
                return read_stream_bounded(member, f"{path} [{members[0]}]", MAX_ISTAT_BYTES,
                                           max_lines=MAX_ISTAT_LINES, what="file ISTAT", fix=TOO_BIG_FIX), members[0]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, zlib.error) as exc:
        raise DataError("archivio zip danneggiato o non valido", file=path, fix=DOWNLOAD_FIX) from exc


def load_source(path: str | Path) -> Source:
    """Read and decode a .csv (or the CSV in a .zip); refuse missing and empty files."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():  # special files are refused by read_bytes_bounded
        raise DataError("file mancante", file=path,
                        fix="controllare il nome del file e la cartella in cui è stato salvato")
    names, raw, shown = [path.name], None, str(path)
    if path.suffix.lower() == ".zip":
        raw, member = _read_zip(path)
        shown = f"{path} [{member}]"
        names.append(Path(member).name)
    if raw is None:
        raw = read_bytes_bounded(path, MAX_ISTAT_BYTES, max_lines=MAX_ISTAT_LINES, what="file ISTAT", fix=TOO_BIG_FIX)
    if not raw.strip():
        raise DataError("il file è vuoto", file=shown, fix=DOWNLOAD_FIX)
    return decode_bytes(raw, shown), shown, names


def head_lines(text: str) -> list[str]:
    """The first `HEAD_LINES` lines of `text`, without carriage returns (where titles and header are)."""
    return [ln.rstrip("\r") for ln in text.split("\n", HEAD_LINES)[:HEAD_LINES]]


def header_cells(line: str) -> set[str]:
    """The normalised cells of a header line, whatever its separator (``;``, ``,`` or tab)."""
    return {norm_label(c) for c in re.split(r"[;,\t]", line)}


def find_header(head: list[str]) -> int | None:
    """Index of the first line with a 'Codice comune' cell, or None."""
    return next((i for i, ln in enumerate(head) if header_cells(ln) & set(ALIASES["code"])), None)


def check_year(year: object) -> int:
    """`year` as an int between 1900 and 2100, else a `ParameterError` naming ``year``."""
    if isinstance(year, bool) or not str(year).strip().isdigit() or not 1900 <= int(year) <= 2100:
        raise ParameterError("year", year, "indicare l'anno di riferimento con quattro cifre, ad esempio 2023")
    return int(year)


def resolve_year(year, title: list[str], names: list[str], file: str, kind: str) -> int:
    """Year from the argument, else the title (after 'gennaio' first), else the file name."""
    if year is not None:
        return check_year(year)
    text = " ".join(title)
    match = _YEAR_JANUARY.search(text) or _YEAR.search(text)
    for name in names:
        match = match or _YEAR.search(name)
    if not match:
        raise DataError("anno di riferimento non trovato né nel titolo né nel nome del file", file=file,
                        fix=f"passare l'anno, ad esempio read_{kind}(percorso, year=2023), oppure mettere "
                            f"l'anno nel nome del file, ad esempio {kind.upper()}_2023_it_Comuni.csv")
    return int(match.group(1))
