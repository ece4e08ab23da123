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
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError

LINE_COLUMN = "_riga"
ENCODINGS = ("utf-8-sig", "cp1252")
SEPARATORS = (";", ",", "\t")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx")


def decode_bytes(raw: bytes, file: str | Path | None = None) -> str:
    """Decode a file's bytes as UTF-8 (BOM or not), falling back to cp1252."""
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    # cp1252 leaves five bytes undefined; latin-1 maps every byte.
    try:
        return raw.decode("latin-1")
    except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 never fails
        raise DataError(
            "codifica del file non riconosciuta",
            file=file,
            fix="salvare il file come CSV UTF-8 oppure CSV (separato da ;) da Excel",
        ) from exc


def sniff_separator(text: str) -> str:
    """Pick the separator (`;`, `,` or tab) that splits the sample most consistently."""
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


def _read_csv_text(text: str, file: Path, skip_lines: int) -> pd.DataFrame:
    lines = text.splitlines()
    body = "\n".join(lines[skip_lines:])
    sep = sniff_separator(body)
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError as exc:
        raise DataError("il file è vuoto", file=file, fix="inserire l'intestazione e almeno una riga di dati") from exc
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) + skip_lines if match else None
        raise DataError(
            f"riga con un numero di colonne diverso dall'intestazione (separatore '{sep}')",
            file=file,
            line=line,
            fix="controllare separatori e virgolette in quella riga",
        ) from exc
    # header is spreadsheet row skip_lines+1; first data row is skip_lines+2
    frame[LINE_COLUMN] = np.arange(len(frame)) + skip_lines + 2
    return frame


def _read_xlsx(path: Path, skip_lines: int, sheet: str | None) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, skiprows=skip_lines, keep_default_na=False)
    except ValueError as exc:
        raise DataError("il foglio di calcolo non è leggibile", file=path, fix=str(exc)) from exc
    frame = frame.astype(str).replace({"nan": "", "None": ""})
    frame[LINE_COLUMN] = np.arange(len(frame)) + skip_lines + 2
    return frame


def read_table(path: str | Path, *, skip_lines: int = 0, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX file as text columns plus `_riga` (spreadsheet line number).

    `sheet` picks a worksheet of a workbook (the first one by default).
    Blank rows are dropped (their line numbers are kept for the others); column
    names are stripped of spaces and lower-cased.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file mancante", file=path, fix="creare il file o controllare il nome della cartella")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        frame = _read_xlsx(path, skip_lines, sheet)
    elif suffix in (".csv", ".txt"):
        raw = path.read_bytes()
        if not raw.strip():
            raise DataError("il file è vuoto", file=path, fix="inserire l'intestazione e almeno una riga di dati")
        frame = _read_csv_text(decode_bytes(raw, path), path, skip_lines)
    else:
        raise DataError(
            f"formato '{suffix}' non supportato",
            file=path,
            fix="usare un file .csv o .xlsx",
        )
    frame.columns = [str(c).strip().lower() if c != LINE_COLUMN else c for c in frame.columns]
    data_cols = [c for c in frame.columns if c != LINE_COLUMN]
    for col in data_cols:
        frame[col] = frame[col].astype(str).str.strip()
    blank = (frame[data_cols] == "").all(axis=1) if data_cols else pd.Series(True, index=frame.index)
    frame = frame.loc[~blank].reset_index(drop=True)
    if frame.empty:
        raise DataError(
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
    unreadable cells, `unreadable` is True where a non-empty cell is not a number.
    """
    text = values.astype(str).str.strip()
    empty = text.isin(["", "nan", "NaN", "None"])
    normalised = text.where(empty, text.map(_normalise_number))
    numbers = pd.to_numeric(normalised.where(~empty, None), errors="coerce").astype(float)
    unreadable = numbers.isna() & ~empty
    return numbers, unreadable


WORKBOOK = "dati.xlsx"


def find_table(folder: Path, stem: str) -> tuple[Path, str | None] | None:
    """Locate a table: `folder/stem.csv|.xlsx|.txt`, else sheet `stem` of `folder/dati.xlsx`.

    Returns `(path, sheet)` (sheet is None for a file of its own), or None.
    """
    for suffix in (".csv", ".xlsx", ".txt"):
        candidate = folder / f"{stem}{suffix}"
        if candidate.exists():
            return candidate, None
    workbook = folder / WORKBOOK
    if workbook.exists():
        import openpyxl

        book = openpyxl.load_workbook(workbook, read_only=True)
        try:
            if stem in book.sheetnames:
                return workbook, stem
        finally:
            book.close()
    return None
