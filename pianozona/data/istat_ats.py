"""Read ISTAT's SDMX-CSV export of the survey of social services per ambito, lean in memory.

The export of the IstatData dataflow ``DCIS_SPESESERSOC1_5`` (codes in
`pianozona.data.ats_codes`) comes in the layouts IstatData writes:

- the SDMX REST service's SDMX-CSV: ``DATAFLOW`` (``IT1:47_940_DF_DCIS_SPESESERSOC1_5(1.0)``),
  the five dimensions, ``TIME_PERIOD``, ``OBS_VALUE`` and attribute columns
  (``OBS_STATUS``, ``UNIT_MULT``, ``NOTE_...``);
- the data browser's export with labels: each code column followed by its label
  column (``REF_AREA,Territorio,...``), the value in ``Osservazione`` (``shared/reference/istat_ats/``);
- SDMX-CSV 2.0 (``STRUCTURE,STRUCTURE_ID,...``) and cells written ``CODE: label``.
UTF-8 with or without BOM (cp1252 if a spreadsheet saved it so), ``,`` or ``;`` (then a decimal comma is
read as well).  The whole-Italy file holds every ambito x area x service x year, so nothing reads it whole:
`scan` checks every row in chunks of `CHUNK_ROWS` and keeps only a summary (territories, years, areas),
`read` keeps only the rows asked for (a region's ambiti, the measures a report uses).  Every problem is one
`DataError` naming the file, the line as a text editor numbers it, the column, the value and the fix.
The files live in ``<data folder>/istat_ats/`` (`folder_for`): one national file serves every district.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from pianozona.data.config import CONFIG_FILE
from pianozona.data.ats_codes import AREE_ISTAT, DATAFLOW_ID, DATAFLOW_REF, DIMENSIONS, area_kind
from pianozona.data.tabular import sniff_separator
from pianozona.files import decode_bytes
from pianozona.errors import DataError, Problem

__all__ = ["ATS_FOLDER", "AtsSummary", "CHUNK_ROWS", "DOWNLOAD_HINT", "Layout", "ambito_problem", "coverage",
           "files_in", "folder_for", "looks_like_sdmx", "read", "scan", "sniff", "summary"]

ATS_FOLDER = "istat_ats"
CHUNK_ROWS = 25_000  # about 25-30 MB of text cells at a time, whatever the file size (benchmarks/bench_istat_ats.py)
SUFFIXES = (".csv", ".txt")
VALUE_NAMES = ("OBS_VALUE", "OSSERVAZIONE", "OBSERVATION", "VALORE", "VALUE")
_DATAFLOW_NAMES = ("DATAFLOW", "STRUCTURE_ID")
_KNOWN = {*DIMENSIONS, "TIME_PERIOD", *VALUE_NAMES, "DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "ACTION",
          "OBS_STATUS", "UNIT_MULT", "UNIT_MEASURE", "UNIT_MEAS", "BASE_PER", "DECIMALS", "OBS_CONF"}
_REQUIRED = ("REF_AREA", "DATA_TYPE", "CATEG_OF_BENEFICIARIES", "CATEGORY_OF_SERVICE", "TIME_PERIOD")
_YEARS = frozenset(str(y) for y in range(1990, 2101))
_LINE = re.compile(r"line (\d+)")
#: how to get the file when online (data/README.md says the same)
DOWNLOAD_HINT = (
    "scaricare da IstatData il dataflow 'Utenti e spesa - Ambiti territoriali sociali (ATS)' "
    f"({DATAFLOW_REF}) come CSV (esploradati.istat.it: Assistenza e previdenza > Servizi sociali > esporta CSV), "
    "oppure con l'interrogazione SDMX descritta in data/README.md, e archiviarlo con "
    "pianozona import-istat FILE")


@dataclass(frozen=True)
class Layout:
    """How one export is written: encoding, separator, and where each column is."""

    path: Path
    encoding: str
    sep: str
    header: tuple[str, ...]  # the header cells as written
    codes: dict[str, int]  # dimension or TIME_PERIOD -> column index
    labels: dict[str, int]  # dimension -> index of its label column
    value: int
    dataflow: int | None = None
    unit_mult: int | None = None

    @property
    def decimal_comma(self) -> bool:
        return self.sep == ";"


@dataclass(frozen=True)
class AtsSummary:
    """What a checked file holds, without its rows."""

    path: Path
    rows: int
    years: tuple[int, ...]
    territories: dict[str, str] = field(default_factory=dict)  # REF_AREA -> label ("" when the file has none)
    areas: tuple[str, ...] = ()  # CATEG_OF_BENEFICIARIES present
    data_types: tuple[str, ...] = ()

    @property
    def ambiti(self) -> list[str]:
        return sorted(c for c in self.territories if area_kind(c) == "ambito")

    def covers(self, ambito: str) -> bool:
        return ambito in self.territories


def folder_for(district_folder: str | os.PathLike) -> Path:
    """The folder of ISTAT's ATS files for the district folders beside `district_folder` (the data folder)."""
    return Path(district_folder).parent / ATS_FOLDER


def files_in(folder: str | os.PathLike) -> list[Path]:
    """The ATS files filed in `folder` (sorted by name; hidden and lock files excluded)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file()
                  and not p.name.startswith((".", "~$")))


# ------------------------------------------------------------------ the header
def _regular(path: Path) -> None:
    try:
        info = os.stat(path)
    except OSError as exc:
        raise DataError(f"file non accessibile ({exc.strerror or exc})", file=path,
                        fix="controllare il nome del file e i permessi di lettura") from None
    if not stat.S_ISREG(info.st_mode):
        raise DataError("non è un file normale: non viene letto", file=path, fix="indicare il file CSV scaricato")
    if info.st_size == 0:
        raise DataError("file vuoto", file=path, fix=DOWNLOAD_HINT)


def _head_text(path: Path) -> str:
    """The first lines of the file as text (BOM dropped)."""
    with open(path, "rb") as handle:
        raw = handle.read(64 * 1024)
    return decode_bytes(raw, path).lstrip("\ufeff")  # refuses UTF-16 with the way out


def _encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8 (read in blocks, nothing kept), else ``cp1252``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _column_id(cell: str) -> str:
    """``REF_AREA``, ``REF_AREA: Territorio`` -> ``REF_AREA`` (upper case, no spaces)."""
    return cell.split(":", 1)[0].strip().upper().replace(" ", "_")


def looks_like_sdmx(path: str | os.PathLike) -> bool:
    """True when the file's first line is an SDMX-CSV header (a column REF_AREA, DATAFLOW or STRUCTURE_ID)."""
    try:
        text = _head_text(Path(path))
    except (OSError, DataError):
        return False
    first = text.splitlines()[0] if text.strip() else ""
    sep = sniff_separator(first) if first else ","
    ids = {_column_id(c) for c in next(csv.reader([first], delimiter=sep), [])}
    return bool(ids & {"REF_AREA", "DATAFLOW", "STRUCTURE_ID"})


def sniff(path: str | os.PathLike) -> Layout:
    """The layout of an export, or a DataError saying why it is not the ATS dataflow's SDMX-CSV."""
    path = Path(path)
    _regular(path)
    text = _head_text(path)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DataError("file vuoto", file=path, fix=DOWNLOAD_HINT)
    sep = sniff_separator("\n".join(lines[:20]))
    header = tuple(c.strip() for c in next(csv.reader([lines[0]], delimiter=sep)))
    ids = [_column_id(c) for c in header]
    _check_columns(path, header, ids, lines, sep)
    codes = {name: ids.index(name) for name in (*DIMENSIONS, "TIME_PERIOD") if name in ids}
    labels = {name: i + 1 for name, i in codes.items()
              if i + 1 < len(ids) and ids[i + 1] not in _KNOWN and not ids[i + 1].startswith("NOTE_")}
    value = next(ids.index(v) for v in VALUE_NAMES if v in ids)
    dataflow = next((ids.index(d) for d in _DATAFLOW_NAMES if d in ids), None)
    return Layout(path, _encoding(path), sep, header, codes, labels, value, dataflow,
                  ids.index("UNIT_MULT") if "UNIT_MULT" in ids else None)


def _check_columns(path: Path, header: tuple[str, ...], ids: list[str], lines: list[str], sep: str) -> None:
    flow = next((i for i, c in enumerate(ids) if c in _DATAFLOW_NAMES), None)
    if flow is not None and len(lines) > 1:
        first = next(csv.reader([lines[1]], delimiter=sep), [])
        named = first[flow] if flow < len(first) else ""
        if named and DATAFLOW_ID not in named.upper():
            raise DataError(f"è l'esportazione di un altro dataflow ISTAT ({named})", file=path, line=2,
                            column=header[flow], value=named, fix=DOWNLOAD_HINT)
    missing = [c for c in _REQUIRED if c not in ids]
    if not any(v in ids for v in VALUE_NAMES):
        missing.append("OBS_VALUE (o Osservazione)")
    if not missing:
        return
    if "REF_AREA" in ids or flow is not None:
        raise DataError(f"esportazione SDMX senza le colonne {', '.join(missing)}: non è il dataflow degli ambiti "
                        f"({DATAFLOW_ID})", file=path, line=1, column=missing[0], fix=DOWNLOAD_HINT)
    raise DataError("non è un'esportazione SDMX-CSV di IstatData (intestazione senza REF_AREA, DATA_TYPE, "
                    "TIME_PERIOD)", file=path, line=1, value=", ".join(header[:6]), fix=DOWNLOAD_HINT)


# ------------------------------------------------------------------ the rows
def _chunks(layout: Layout) -> Iterator[pd.DataFrame]:
    """The file's rows in chunks, as text, columns named by their indexes; the index is the 0-based data row.

    Every column is read (not only those used) so that a row with more fields than the header, such
    as a label with an unquoted comma, is refused instead of silently shifted.
    """
    try:
        reader = pd.read_csv(layout.path, sep=layout.sep, encoding=layout.encoding, header=0, dtype=str,
                             keep_default_na=False, chunksize=CHUNK_ROWS, skipinitialspace=True)
        with reader:
            for chunk in reader:
                chunk.columns = range(chunk.shape[1])
                yield chunk.fillna("")
    except (pd.errors.ParserError, csv.Error) as exc:
        found = _LINE.search(str(exc))
        raise DataError("riga malformata: numero di campi diverso dall'intestazione", file=layout.path,
                        line=int(found.group(1)) if found else None, fix="scaricare di nuovo il file: non "
                        "modificarlo a mano (le virgole dentro le etichette vanno tra virgolette)") from None


def _codes(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Cells ``CODE`` or ``CODE: label`` -> (code, label)."""
    text = series.str.strip()
    if not text.str.contains(":", regex=False).any():
        return text, pd.Series("", index=series.index)
    parts = text.str.split(":", n=1, expand=True)
    label = parts[1].fillna("").str.strip() if parts.shape[1] > 1 else pd.Series("", index=series.index)
    return parts[0].str.strip(), label


def _fail(layout: Layout, bad: pd.Series, values: pd.Series, column: str, message: str, fix: str) -> None:
    """Raise a DataError for the first True of `bad` (the file's line: data row + 2)."""
    if bad.any():
        row = bad.idxmax()
        raise DataError(message, file=layout.path, line=int(row) + 2, column=column, value=values.at[row], fix=fix)


def _numbers(layout: Layout, raw: pd.Series) -> pd.Series:
    text = raw.str.strip()
    if layout.decimal_comma:
        text = text.where(~text.str.contains(",", regex=False), text.str.replace(".", "", regex=False)
                          .str.replace(",", ".", regex=False))
    values = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = (text != "") & (values.isna() | ~np.isfinite(values.fillna(0)))
    _fail(layout, bad, raw, layout.header[layout.value], "valore non numerico",
          "il valore dev'essere un numero (con il punto per i decimali): scaricare di nuovo il file")
    return values


def _checked(layout: Layout, chunk: pd.DataFrame) -> pd.DataFrame:
    """One chunk checked and tidy: territorio, tipo, area_istat, servizio, anno, valore (+ labels)."""
    head = layout.header
    out = pd.DataFrame(index=chunk.index)
    for name, col in (("territorio", "REF_AREA"), ("tipo", "DATA_TYPE"), ("area_istat", "CATEG_OF_BENEFICIARIES"),
                      ("servizio", "CATEGORY_OF_SERVICE")):
        code, label = _codes(chunk[layout.codes[col]])
        _fail(layout, code == "", chunk[layout.codes[col]], head[layout.codes[col]], "codice vuoto",
              "ogni riga deve avere i codici di tutte le dimensioni: scaricare di nuovo il file")
        out[name] = code
        out[name + "_nome"] = chunk[layout.labels[col]].str.strip() if col in layout.labels else label
    kinds = out["territorio"].map(area_kind)
    _fail(layout, kinds.isna(), chunk[layout.codes["REF_AREA"]], head[layout.codes["REF_AREA"]],
          "codice di territorio non riconosciuto", "REF_AREA dev'essere l'Italia (IT), una regione (es. ITC4) o "
          "un ambito (es. T03042): il file è di un altro dataflow o è stato modificato")
    _fail(layout, ~out["area_istat"].isin(list(AREE_ISTAT)), chunk[layout.codes["CATEG_OF_BENEFICIARIES"]],
          head[layout.codes["CATEG_OF_BENEFICIARIES"]], "area di utenza sconosciuta",
          f"codici ammessi: {', '.join(AREE_ISTAT)}; il file è di un altro dataflow o è stato modificato")
    _check_flow(layout, chunk)
    years = _codes(chunk[layout.codes["TIME_PERIOD"]])[0]
    _fail(layout, ~years.isin(_YEARS), years, head[layout.codes["TIME_PERIOD"]], "anno non valido",
          "TIME_PERIOD dev'essere un anno a quattro cifre (dati annuali)")
    out["anno"] = years.astype(int)
    out["valore"] = _numbers(layout, chunk[layout.value]) * _multiplier(layout, chunk)
    return out


def _check_flow(layout: Layout, chunk: pd.DataFrame) -> None:
    if layout.dataflow is not None:
        named = chunk[layout.dataflow].str.upper()
        _fail(layout, ~named.str.contains(DATAFLOW_ID, regex=False), chunk[layout.dataflow],
              layout.header[layout.dataflow], "riga di un altro dataflow ISTAT", DOWNLOAD_HINT)
    if "FREQ" in layout.codes:
        freq = _codes(chunk[layout.codes["FREQ"]])[0]
        _fail(layout, freq != "A", chunk[layout.codes["FREQ"]], layout.header[layout.codes["FREQ"]],
              "frequenza non annuale", "il dataflow degli ambiti ha solo dati annuali (FREQ = A)")


def _multiplier(layout: Layout, chunk: pd.DataFrame) -> pd.Series | float:
    if layout.unit_mult is None:
        return 1.0
    power = pd.to_numeric(chunk[layout.unit_mult].str.strip().replace("", "0"), errors="coerce")
    _fail(layout, power.isna(), chunk[layout.unit_mult], layout.header[layout.unit_mult], "UNIT_MULT non numerico",
          "scaricare di nuovo il file")
    return 10.0 ** power


def _rows(layout: Layout) -> Iterator[pd.DataFrame]:
    for chunk in _chunks(layout):
        yield _checked(layout, chunk)


def scan(path: str | os.PathLike) -> AtsSummary:
    """Check every row of an export (in chunks) and summarise it; DataError at the first problem."""
    layout = sniff(path)
    rows, years, areas, types, names = 0, set(), set(), set(), {}
    for tidy in _rows(layout):
        rows += len(tidy)
        years.update(tidy["anno"].unique().tolist())
        areas.update(tidy["area_istat"].unique().tolist())
        types.update(tidy["tipo"].unique().tolist())
        first = tidy.drop_duplicates("territorio")
        for code, label in zip(first["territorio"], first["territorio_nome"]):
            names.setdefault(code, label)
    if not rows:
        raise DataError("nessuna riga di dati sotto l'intestazione", file=layout.path, line=2, fix=DOWNLOAD_HINT)
    return AtsSummary(layout.path, rows, tuple(sorted(int(y) for y in years)), names, tuple(sorted(areas)),
                      tuple(sorted(types)))


@lru_cache(maxsize=64)
def _cached_scan(path: str, size: int, mtime_ns: int) -> AtsSummary:
    return scan(path)


def summary(path: str | os.PathLike) -> AtsSummary:
    """`scan` once per process for a file as it is now (kept by path, size and modification time)."""
    info = os.stat(path)
    return _cached_scan(str(path), info.st_size, info.st_mtime_ns)


def coverage(district_folder: str | os.PathLike, ambito: str) -> str | None:
    """None when a file beside the district covers `ambito`; else why not, in one line without paths."""
    files = files_in(folder_for(district_folder))
    where = f"nella cartella {ATS_FOLDER}/ accanto a quella del distretto"
    if not files:
        return f"nessun file dell'indagine ISTAT sugli ambiti {where}: {DOWNLOAD_HINT}"
    try:
        summaries = [summary(path) for path in files]
    except DataError as exc:
        problem = exc.problem
        return (f"file {Path(problem.file or '').name}" + (f", riga {problem.line}" if problem.line else "")
                + f": {problem.message}")
    if not any(s.covers(ambito) for s in summaries):
        return f"l'ambito {ambito} di distretto.yml non è nei file dell'indagine ISTAT {where}: controllare il codice"
    return None


def ambito_problem(district_folder: str | os.PathLike, code: str | None) -> Problem | None:
    """A warning when ``distretto.yml`` names an ambito that no survey file beside the district covers."""
    reason = coverage(district_folder, code) if code else None
    return reason and Problem("avviso", f"confronto con l'Italia non disponibile: {reason}", value=code,
                              file=str(Path(district_folder) / CONFIG_FILE), column="ambito_istat")


def read(paths: Iterable[str | os.PathLike], *, territories: Callable[[pd.Series], pd.Series] | None = None,
         data_types: Iterable[str] | None = None) -> pd.DataFrame:
    """The checked rows of one or more exports, only those kept by `territories` and `data_types`.

    `territories` takes the column of REF_AREA codes and returns which rows to keep
    (None: all).  Columns: territorio, tipo, area_istat, servizio (codes), their
    ``_nome`` labels, anno, valore, file, riga; text columns are categoricals.  The
    same series in two files with different values is a DataError naming both.
    """
    wanted = set(data_types) if data_types is not None else None
    kept = []
    for path in paths:
        layout = sniff(path)
        for tidy in _rows(layout):
            keep = pd.Series(True, index=tidy.index)
            if territories is not None:
                keep &= territories(tidy["territorio"]).astype(bool)
            if wanted is not None:
                keep &= tidy["tipo"].isin(wanted)
            kept.append(tidy[keep].assign(file=layout.path.name, riga=tidy.index[keep] + 2))
    columns = ["territorio", "territorio_nome", "tipo", "tipo_nome", "area_istat", "area_istat_nome", "servizio",
               "servizio_nome", "anno", "valore", "file", "riga"]
    if not kept:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame = _without_repeats(pd.concat(kept, ignore_index=True))[columns]
    return frame.astype({c: "category" for c in columns if not pd.api.types.is_numeric_dtype(frame[c])})


def _without_repeats(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per series and year: exact repeats (two files of the same years) dropped, conflicts refused."""
    key = ["territorio", "tipo", "area_istat", "servizio", "anno"]
    frame = frame.drop_duplicates(key + ["valore"])
    clash = frame.duplicated(key, keep=False)
    if clash.any():
        rows = frame[clash].sort_values(key + ["file", "riga"]).head(2)
        first, second = rows.iloc[0], rows.iloc[1]
        raise DataError(f"la stessa serie ha due valori diversi ({second['file']} riga {second['riga']}: "
                        f"{second['valore']})", file=first["file"], line=int(first["riga"]), column="valore",
                        value=first["valore"], fix="tenere in istat_ats/ un solo file per anno (cancellare quello "
                        "vecchio) oppure scaricare di nuovo i dati")
    return frame.reset_index(drop=True)
