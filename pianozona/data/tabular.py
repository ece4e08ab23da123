"""Reading the spreadsheets an Italian office actually has.

CSV with `;` or `,` (or tab) separators, UTF-8 (with or without BOM) or
cp1252, decimal commas and thousands dots, and `.xlsx` workbooks.  Everything
is read as text first, with the line number the user sees in the spreadsheet
kept in a `_riga` column, so that validation can point at the exact cell.
Numbers are parsed afterwards by `parse_number`, which reports what it could
not read instead of silently turning it into NaN.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from pianozona.errors import DataError
from pianozona.files import SAVE_AS, decode_bytes, read_bytes_bounded

LINE_COLUMN = "_riga"
#: accepted separators, in order of preference when two split the file equally well
SEPARATORS = (";", ",", "\t", "|")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx")
#: the largest table read (bytes): an office table is a few MB; beyond this we refuse instead of
#: filling the memory (a forgotten full export, a link to /dev/zero)
MAX_TABLE_BYTES = 50 * 1024 * 1024
#: how many rows above the header are searched for the expected column names (title rows)
HEADER_SEARCH_ROWS = 20


class EmptyTableError(DataError):
    """A table with no data rows (an empty file, or a header alone): for an optional table, not a problem."""


def display_path(path: str | Path, sheet: str | None = None) -> str:
    """The path as the user typed it (relative to the current folder when possible), plus the sheet."""
    try:
        text = str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        text = str(path)
    return f"{text} [foglio {sheet}]" if sheet else text


def sniff_separator(text: str) -> str:
    """Pick the separator (`;`, `,`, tab or `|`) that splits the sample most consistently."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:50]
    if not lines:
        return ";"
    best, best_score = ";", (-1, -1)
    for sep in SEPARATORS:
        counts = [len(next(csv.reader([ln], delimiter=sep))) for ln in lines]
        widest = max(counts)
        if widest < 2:
            continue
        consistent = sum(1 for c in counts if c == widest)
        score = (consistent, widest)
        if score > best_score:
            best, best_score = sep, score
    return best


def _read_csv_cells(text: str, file: Path, skip_lines: int, expected: Sequence[str] | None) -> pd.DataFrame:
    """All cells as text, header row included (row 0 = spreadsheet line skip_lines+1)."""
    lines = text.splitlines()
    body = "\n".join(lines[skip_lines:])
    sep = sniff_separator(body)
    head = [row for row in csv.reader(lines[skip_lines:skip_lines + HEADER_SEARCH_ROWS], delimiter=sep)]
    _check_title_row(head, expected, file, skip_lines + 1)
    try:
        return pd.read_csv(io.StringIO(body), sep=sep, header=None, dtype=str, keep_default_na=False,
                           skip_blank_lines=False)
    except pd.errors.EmptyDataError as exc:
        raise EmptyTableError("il file è vuoto", file=file,
                              fix="inserire l'intestazione e almeno una riga di dati") from exc
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) + skip_lines if match else None
        raise DataError(
            f"riga con un numero di colonne diverso dall'intestazione (separatore '{sep}')",
            file=file, line=line,
            fix="controllare separatori e virgolette in quella riga; separatori accettati: ; , tab |",
        ) from exc
    except (ValueError, csv.Error, MemoryError) as exc:
        raise DataError(f"file CSV non leggibile ({exc})", file=file, fix=SAVE_AS) from exc


def _xlsx_problem(raw: bytes, path: Path, exc: Exception) -> DataError:
    """Say why a .xlsx cannot be opened: empty, a text file renamed, a zip that is not a workbook, damaged."""
    if not raw.strip():
        return DataError("il file è vuoto", file=path, fix="salvarlo di nuovo da Excel con i dati")
    if not raw.startswith(b"PK"):
        return DataError("il file ha estensione .xlsx ma non è una cartella di lavoro Excel (forse un CSV rinominato)",
                         file=path, fix="rinominarlo .csv se è un CSV, oppure aprirlo e salvarlo come .xlsx")
    if isinstance(exc, zipfile.BadZipFile) or "zip" in str(exc).lower():
        return DataError("il file .xlsx è troncato o danneggiato", file=path,
                         fix="aprirlo in Excel e salvarlo di nuovo, oppure ricopiarlo dall'originale")
    return DataError(f"il file .xlsx non è leggibile ({type(exc).__name__}: {exc})", file=path,
                     fix="aprirlo in Excel e salvarlo di nuovo come 'Cartella di lavoro di Excel (.xlsx)'")


def workbook_sheets(path: Path) -> list[str]:
    """The sheet names of a workbook, or DataError saying why it cannot be opened."""
    import openpyxl

    raw = read_bytes_bounded(path, MAX_TABLE_BYTES)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
        try:
            return list(book.sheetnames)
        finally:
            book.close()
    except Exception as exc:  # openpyxl and zipfile raise many types for a damaged file
        raise _xlsx_problem(raw, path, exc) from exc


def _read_xlsx_cells(path: Path, skip_lines: int, sheet: str | None) -> pd.DataFrame:
    raw = read_bytes_bounded(path, MAX_TABLE_BYTES)
    try:
        frame = pd.read_excel(io.BytesIO(raw), sheet_name=sheet or 0, header=None, dtype=str, skiprows=skip_lines,
                              keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl, zipfile, xml and pandas errors alike: the file is what is wrong
        raise _xlsx_problem(raw, path, exc) from exc
    return frame.fillna("").astype(str).replace({"nan": "", "None": ""})


def _column_names(header: pd.Series, path: Path, line: int) -> list[str]:
    """Stripped lower-case names; two columns with the same name are an error naming both."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, value in enumerate(header, start=1):
        name = str(value).strip().lower()
        if not name:
            name = f"(senza nome {get_column_letter(position)})"
        if name in seen:
            first = get_column_letter(seen[name])
            raise DataError(
                f"colonna '{name}' ripetuta: colonne {first} e {get_column_letter(position)}", file=path, line=line,
                column=name, fix="tenere una sola colonna con quel nome (cancellare o rinominare l'altra)")
        seen[name] = position
        names.append(name)
    return names


def _check_title_row(rows: list[list[str]], expected: Sequence[str] | None, path: Path, header_line: int) -> None:
    """DataError when row 1 has none of the expected names but a row below has most of them (a title row)."""
    if not expected or not rows:
        return
    wanted = set(expected)
    if wanted & {str(v).strip().lower() for v in rows[0]}:
        return
    for offset, row in enumerate(rows[1:HEADER_SEARCH_ROWS], start=1):
        if len(wanted & {str(v).strip().lower() for v in row}) * 2 > len(wanted):
            found = header_line + offset
            raise DataError(
                f"la prima riga sembra un titolo: le intestazioni attese ({', '.join(expected)}) "
                f"sono alla riga {found}",
                file=path, line=header_line,
                fix=f"cancellare le righe sopra l'intestazione, così che la riga {found} diventi la riga 1")


def read_table(path: str | Path, *, skip_lines: int = 0, sheet: str | None = None,
               expected: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX file as text columns plus `_riga` (spreadsheet line number).

    `sheet` picks a worksheet of a workbook (the first one by default).
    Blank rows are dropped (their line numbers are kept for the others); column
    names are stripped of spaces and lower-cased.  `expected` (the column names
    of the table) lets a title row above the header be recognised and reported.
    Every failure is a DataError naming the file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        cells = _read_xlsx_cells(path, skip_lines, sheet)
    elif suffix in (".csv", ".txt"):
        raw = read_bytes_bounded(path, MAX_TABLE_BYTES)
        if not raw.strip():
            raise EmptyTableError("il file è vuoto", file=path, fix="inserire l'intestazione e almeno una riga di dati")
        cells = _read_csv_cells(decode_bytes(raw, path), path, skip_lines, expected)
    else:
        raise DataError(f"formato '{suffix}' non supportato", file=path, fix="usare un file .csv o .xlsx")
    if cells.empty:
        raise EmptyTableError("il file è vuoto", file=path, fix="inserire l'intestazione e almeno una riga di dati")
    header_line = skip_lines + 1
    _check_title_row(cells.head(HEADER_SEARCH_ROWS).values.tolist(), expected, path, header_line)
    frame = cells.iloc[1:].reset_index(drop=True)
    frame.columns = _column_names(cells.iloc[0], path, header_line)
    for col in frame.columns:
        frame[col] = frame[col].astype(str).str.strip()
    frame[LINE_COLUMN] = np.arange(len(frame)) + header_line + 1
    data_cols = [c for c in frame.columns if c != LINE_COLUMN]
    blank = (frame[data_cols] == "").all(axis=1)
    frame = frame.loc[~blank].reset_index(drop=True)
    if frame.empty:
        raise EmptyTableError(
            "il file non contiene righe di dati",
            file=path,
            fix="inserire almeno una riga sotto l'intestazione",
        )
    return frame


_THOUSANDS_DOT = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+$")


def _normalise_number(text: str) -> str:
    t = text.replace("\u00a0", "").replace(" ", "").replace("€", "").replace("'", "")
    if "," in t and "." in t:
        if t.rfind(",") > t.rfind("."):
            t = t.replace(".", "").replace(",", ".")  # 1.234,56
        else:
            t = t.replace(",", "")  # 1,234.56
    elif "," in t:
        t = t.replace(",", ".")  # 1234,56
    elif _THOUSANDS_DOT.match(t):
        t = t.replace(".", "")  # 1.234 (Italian thousands)
    return t


def parse_number(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse Italian or English formatted numbers.

    Returns `(numbers, unreadable)`: `numbers` is float with NaN for empty or
    unreadable cells, `unreadable` is True where a non-empty cell is not a finite
    number (text, but also `inf`, `nan`, `1e999`).
    """
    text = values.astype(str).str.strip()
    empty = values.isna() | (text == "")
    normalised = text.where(empty, text.map(_normalise_number))
    numbers = pd.to_numeric(normalised.where(~empty, None), errors="coerce").astype(float)
    # 'inf', 'nan', '1e999' are not numbers a planner means: unreadable, never infinity in a report
    unreadable = ~np.isfinite(numbers) & ~empty
    return numbers.where(np.isfinite(numbers)), unreadable


WORKBOOK = "dati.xlsx"


def find_table(folder: Path, stem: str) -> tuple[Path, str | None] | None:
    """Locate a table: `folder/stem.csv|.xlsx|.txt`, or sheet `stem` of `folder/dati.xlsx`.

    Returns `(path, sheet)` (sheet is None for a file of its own), or None.  When
    the same table is in two places (a `utenti.csv` next to a `utenti` sheet of
    `dati.xlsx`, or `utenti.csv` and `utenti.xlsx`) it is a DataError naming both:
    picking one in silence lets an old export, left behind, feed the reports.
    """
    found: list[tuple[Path, str | None]] = [
        (folder / f"{stem}{suffix}", None) for suffix in (".csv", ".xlsx", ".txt")
        if os.path.lexists(folder / f"{stem}{suffix}")
    ]
    workbook = folder / WORKBOOK
    if os.path.lexists(workbook) and stem in workbook_sheets(workbook):
        found.append((workbook, stem))
    if len(found) > 1:
        names = [f"{p.name} [foglio {sh}]" if sh else p.name for p, sh in found]
        raise DataError(
            f"la tabella '{stem}' è in {len(found)} posti: {' e '.join(names)}", file=found[0][0],
            fix="tenere solo la versione aggiornata: cancellare (o spostare fuori dalla cartella) le altre, "
                f"oppure togliere il foglio '{stem}' da {WORKBOOK}")
    return found[0] if found else None
