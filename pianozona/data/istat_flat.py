"""Readers of the ISTAT files with one row per comune and age: POSAS, STRASA and pre-2019 pop{YYYY}."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from pianozona.errors import DataError
from pianozona.data.istat_cells import ROW, check_sums, finish_table, parse_ages, parse_codes, parse_counts
from pianozona.data.istat_files import (
    ALIASES, DOWNLOAD_FIX, HEAD_LINES, Source, find_header, head_lines, load_source, norm_label, resolve_year,
)
from pianozona.data.tabular import sniff_separator

EXPECTED = {
    "posas": "'Codice comune', 'Comune', 'Età', 'Totale maschi', 'Totale femmine'",
    "strasa": "'Codice comune', 'Comune', 'Età', 'Maschi', 'Femmine'",
    "pre2019": "'Codice comune', 'Denominazione', 'Età', 'Totale Maschi', 'Totale Femmine'",
}


def _read_body(text: str, header: int, file: str) -> pd.DataFrame:
    """Read from the header line on, as text, with the editor line number in `_riga`."""
    start = 0
    for _ in range(header):
        start = text.index("\n", start) + 1
    body = text[start:]
    sep = sniff_separator(body[:20000])
    try:
        frame = pd.read_csv(io.StringIO(body), sep=sep, dtype=str, keep_default_na=False,
                            skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise DataError(f"riga con più colonne dell'intestazione (separatore '{sep}')", file=file,
                        line=int(match.group(1)) + header if match else None,
                        fix="controllare separatori e virgolette in quella riga") from exc
    frame = frame.fillna("")
    frame[ROW] = np.arange(len(frame)) + header + 2
    return frame


def _map_columns(columns: list[str], file: str, line: int, kind: str) -> dict[str, str]:
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(norm_label(col), col)
    found = {key: next((by_norm[a] for a in names if a in by_norm), None) for key, names in ALIASES.items()}
    missing = [f"'{ALIASES[key][0]}'" for key, col in found.items() if col is None]
    if missing:
        raise DataError(f"intestazione non riconosciuta: mancano le colonne {', '.join(missing)}; "
                        f"colonne attese: {EXPECTED[kind]}", file=file, line=line,
                        fix="controllare di aver scaricato il file ISTAT giusto e di non averlo modificato")
    return found


def read_flat(source: Source, year, kind: str) -> pd.DataFrame:
    """Shared reader of POSAS, STRASA and pre-2019 files (`kind`) from a `Source` already loaded."""
    text, file, names = source
    head = head_lines(text)
    header = find_header(head)
    if header is None:
        raise DataError(f"intestazione non trovata nelle prime {HEAD_LINES} righe: nessuna colonna "
                        f"'Codice comune'; colonne attese: {EXPECTED[kind]}", file=file,
                        fix="controllare di aver scaricato il file ISTAT giusto (comuni, per età e sesso)")
    year = resolve_year(year, head[:header], names, file, kind)
    frame = _read_body(text, header, file)
    cols = [c for c in frame.columns if c != ROW]
    col = _map_columns(cols, file, header + 1, kind)
    # blank lines and one-cell notes such as 'Fonte: Istat' are skipped
    notes = frame[cols[1:]].eq("").all(axis=1) & ~frame[cols[0]].str.strip().str.fullmatch(r"\d+")
    frame = frame[~notes]
    if frame.empty:
        raise DataError("il file non contiene righe di dati sotto l'intestazione", file=file, fix=DOWNLOAD_FIX)
    lines = frame[ROW]
    ages, total = parse_ages(frame[col["age"]], lines, file, col["age"])
    wide = pd.DataFrame({
        "anno": year, "codice_comune": parse_codes(frame[col["code"]], lines, file, col["code"]),
        "comune": frame[col["name"]].str.strip(), "eta": ages, ROW: lines,
        "M": parse_counts(frame[col["M"]], lines, file, col["M"]),
        "F": parse_counts(frame[col["F"]], lines, file, col["F"])})
    check_sums(wide[total], wide[~total], ["codice_comune"], ["M", "F"], file, col)
    long = wide[~total].melt(id_vars=["anno", "codice_comune", "comune", "eta", ROW],
                             value_vars=["M", "F"], var_name="sesso", value_name="residenti")
    long["_label"] = col["age"]
    return finish_table(long, file)


def read_posas(path: str | Path, year: int | None = None) -> pd.DataFrame:
    """Read a POSAS file (residents at 1 January by age and sex, 2019 on), .csv or .zip.

    The header is the first line with a 'Codice comune' cell (Italian or English
    names, any case/spacing; marital-status columns are ignored). The year comes
    from `year`, else the title (the year after 'gennaio' first), else the file name.
    """
    return read_flat(load_source(path), year, "posas")


def read_strasa(path: str | Path, year: int | None = None) -> pd.DataFrame:
    """Read a STRASA file (foreign residents by age and sex); `residenti` = foreign residents."""
    return read_flat(load_source(path), year, "strasa")


def read_pre2019(path: str | Path, year: int | None = None) -> pd.DataFrame:
    """Read a demo.istat.it pop{YYYY} file (before 2019); 'Totale Maschi'/'Totale Femmine' are used."""
    return read_flat(load_source(path), year, "pre2019")
