"""Vectorised checks of ISTAT cells (codes, ages, counts, totals) and the shape of the output table.

`fail_if` raises a `DataError` at the first bad row (editor line, column, value);
`parse_codes`, `parse_ages`, `parse_counts` turn text columns into checked values;
`check_sums` compares total rows with the sum of the ages; `finish_table` rejects
repeated ages and returns the `COLUMNS` table of every reader. Working frames carry
the editor line number in column `ROW` and, for messages, the cell's label in `_label`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pianozona.errors import DataError
from pianozona.data.istat_files import DOWNLOAD_FIX
from pianozona.data.tabular import parse_number

COLUMNS = ["anno", "codice_comune", "comune", "eta", "sesso", "residenti"]
MAX_AGE = 100
ROW = "_riga"
TOTAL_LABELS = ("999", "totale", "total")
#: an age label meaning "100 and over" (normalised, lower case)
HUNDRED_PLUS = r"100\s*(?:\+|e\s*(?:oltre|più|piu)|and over|or more)"


def fail_if(mask, values, lines, file, column, message: str, fix: str) -> None:
    """Raise a DataError at the first row where `mask` holds; `column` may be a Series."""
    flags = np.asarray(pd.Series(mask).fillna(False), dtype=bool)
    if not flags.any():
        return
    i, count = int(flags.argmax()), int(flags.sum())
    if count > 1:
        message += f" (e altre {count - 1} righe con lo stesso problema)"
    col = column.iloc[i] if isinstance(column, pd.Series) else column
    raise DataError(message, file=file, line=int(lines.iloc[i]), column=col, value=values.iloc[i], fix=fix)


def parse_codes(values: pd.Series, lines, file, column) -> pd.Series:
    """ISTAT comune codes as 6-digit strings (``18110`` -> ``018110``); anything else is a `DataError`."""
    text = values.str.strip()
    fail_if(~text.str.fullmatch(r"\d{1,6}"), values, lines, file, column,
             "codice comune non valido (atteso un numero fino a 6 cifre)",
             "correggere il codice ISTAT del comune, ad esempio 18110 o 018110")
    return text.str.zfill(6)


def parse_ages(values: pd.Series, lines, file, column) -> tuple[pd.Series, pd.Series]:
    """Return (age, is_total); age is -1 on total rows (999, 'Totale')."""
    text = values.str.strip()
    low = text.str.lower()
    total = low.isin(TOTAL_LABELS)
    words = ~text.str.isdigit()  # regex only on the few non-numeric cells
    text = text.mask(words & low.where(words, "").str.fullmatch(HUNDRED_PLUS), "100")
    ages = pd.to_numeric(text.mask(total, "-1"), errors="coerce")
    fix = "l'età deve essere un numero intero da 0 a 100 (999 o 'Totale' per la riga di totale)"
    fail_if(ages.isna(), values, lines, file, column, "età non numerica", fix)
    unknown = ~total & ((ages % 1 != 0) | (ages < 0) | (ages > MAX_AGE))
    fail_if(unknown, values, lines, file, column, "codice di età sconosciuto", fix)
    return ages.astype("int64"), total


def parse_counts(values: pd.Series, lines, file, column) -> pd.Series:
    """Resident counts as int64; missing, non-numeric, fractional or negative cells are a `DataError`."""
    text = values.str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    retry = ~text.str.fullmatch(r"-?\d+") & (text != "")
    if retry.any():  # rare: Italian thousands dots ("1.234"), decimal commas
        numbers = numbers.mask(retry, parse_number(text[retry])[0])
    fix = "il numero di residenti deve essere un intero maggiore o uguale a 0"
    fail_if(text == "", values, lines, file, column, "numero di residenti mancante", fix)
    fail_if(numbers.isna(), values, lines, file, column, "numero di residenti non numerico", fix)
    fail_if(numbers % 1 != 0, values, lines, file, column, "numero di residenti non intero", fix)
    fail_if(numbers < 0, values, lines, file, column, "numero di residenti negativo", fix)
    return numbers.astype("int64")


def check_sums(totals, parts, keys, values, file, labels: dict) -> None:
    """Raise at the first total row that differs from the sum of `parts` over `keys`.

    `labels` maps a value column to the column named in the error; missing = the row's `_label`.
    """
    if totals.empty:
        return
    merged = totals.join(parts.groupby(keys)[values].sum().add_suffix("_sum"), on=keys)
    for value in values:
        expected = merged[f"{value}_sum"].fillna(0).astype("int64")
        bad = (merged[value] != expected).to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            row, found = merged.iloc[i], int(merged[value].iloc[i])
            raise DataError(f"il totale del comune {row['codice_comune']} ({row['comune']}) non coincide "
                            f"con la somma delle età: {found} nel file, {expected.iloc[i]} sommando le età",
                            file=file, line=int(row[ROW]), column=labels.get(value) or row["_label"],
                            value=found, fix="il file è incompleto o è stato modificato: " + DOWNLOAD_FIX)


def finish_table(long: pd.DataFrame, file: str) -> pd.DataFrame:
    """Reject repeated ages, then shape, type and sort the output table."""
    long = long.sort_values(["anno", "codice_comune", "sesso", "eta", ROW])
    dup = long[long.duplicated(["anno", "codice_comune", "sesso", "eta"])].sort_values(ROW)
    fail_if(dup[ROW] > 0, dup["eta"], dup[ROW], file, dup["_label"], "età ripetuta per lo stesso comune, "
             "anno e sesso", "ogni età deve comparire una sola volta per comune: " + DOWNLOAD_FIX)
    out = long[COLUMNS]
    out = out.astype({"anno": "int64", "eta": "int64", "residenti": "int64",
                      "codice_comune": "str", "comune": "str", "sesso": "str"})
    return out.reset_index(drop=True)
