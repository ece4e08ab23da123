"""Readers for the ISTAT population files a planner downloads.

Every reader returns the same long table, one row per comune, sex and age:
`anno` (int), `codice_comune` (6-digit string, "018110"), `comune` (str),
`eta` (int 0..100, 100 = 100 and over), `sesso` ("M"/"F"), `residenti`
(int >= 0), sorted by anno, codice_comune, sesso, eta.  Totals (age 999 or
'Totale' rows, a 'Totale' column or block) are never added to the ages: they
only cross-check them, and a mismatch is a `DataError` naming the line.

Line numbers in errors are those a text editor shows (1-based, title included).
Parsing is vectorised with pandas; no Python loop runs over the data rows.

The readers live by layout: `pianozona.data.istat_flat` (POSAS, STRASA, pre-2019),
`pianozona.data.istat_recon` (ricostruzione intercensuaria), on the shared file
loading of `pianozona.data.istat_files` and the cell checks of
`pianozona.data.istat_cells`. This module recognises the kind of a file and is the
entry point callers use (`read_istat`); it re-exports every reader.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pianozona.errors import DataError
from pianozona.data.istat_cells import COLUMNS
from pianozona.data.istat_files import (HEAD_LINES, Source, check_year, find_header, head_lines, header_cells,
                                        load_source)
from pianozona.data.istat_flat import read_flat, read_posas, read_pre2019, read_strasa
from pianozona.data.istat_recon import BLOCK_LINE, read_recon, read_ricostruzione

__all__ = ["COLUMNS", "detect_kind", "read_istat", "read_posas", "read_pre2019", "read_ricostruzione",
           "read_strasa"]


def _detect(source: Source) -> str:
    text, file, names = source
    head, fname = head_lines(text), " ".join(names).lower()
    if "ricostruz" in fname or any(re.search(BLOCK_LINE, ln, re.IGNORECASE) for ln in head):
        return "ricostruzione"
    header = find_header(head)
    if header is None:
        raise DataError(f"tipo di file ISTAT non riconosciuto: nessuna intestazione con 'Codice comune' "
                        f"nelle prime {HEAD_LINES} righe", file=file,
                        fix="usare un file POSAS, STRASA, pop{ANNO} di demo.istat.it o della ricostruzione")
    cols, title = header_cells(head[header]), " ".join(head[:header]).lower()
    if "denominazione" in cols or re.search(r"(?<![a-z])pop_?\d{4}", fname):
        return "pre2019"
    if "stranier" in title or "foreign" in title or "strasa" in fname:
        return "strasa"
    if "posas" in fname or cols & {"totale maschi", "total males"}:
        return "posas"
    return "strasa" if "maschi" in cols else "posas"


def detect_kind(path: str | Path) -> str:
    """Return 'posas', 'strasa', 'pre2019' or 'ricostruzione' (first rule that fits).

    'Anno: YYYY' block lines or 'ricostruz' in the name -> ricostruzione; a
    'Denominazione' column or a pop{YYYY} name -> pre2019; 'stranier'/'foreign' in
    the title or STRASA in the name -> strasa; POSAS in the name or a 'Totale
    maschi'/'Total males' column -> posas; a bare Italian 'Maschi' -> strasa; else
    posas (so an English 'Males' header with no hint is taken as POSAS).
    """
    return _detect(load_source(path))


def read_istat(path: str | Path, year: int | None = None) -> tuple[str, pd.DataFrame]:
    """Detect the kind of file and read it; return `(kind, table)`.

    For POSAS/STRASA/pre-2019 `year` overrides the year of the title or name; for a
    ricostruzione file it keeps only that year (DataError if absent); None = all.
    """
    source = load_source(path)
    kind = _detect(source)
    if kind != "ricostruzione":
        return kind, read_flat(source, year, kind)
    table = read_recon(source)
    if year is None:
        return kind, table
    year = check_year(year)
    if year not in set(table["anno"]):
        found = ", ".join(str(y) for y in sorted(set(table["anno"])))
        raise DataError(f"l'anno {year} non è presente nel file (anni presenti: {found})", file=source[1],
                        fix="scegliere uno degli anni presenti o scaricare la ricostruzione giusta")
    return kind, table[table["anno"] == year].reset_index(drop=True)
