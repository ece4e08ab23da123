"""Likely typing errors: an amount or a count far from the other years of its own series.

A valid number can still be wrong: `€ 12.500,00` typed for 650.000, a zero too many, a value pasted
into the wrong row.  A series is one row of a table followed across years (`SERIES`: spesa by area,
fund and service; utenti by comune, area and service).  The rule, chosen to be explained in one line
and to stay quiet on real changes:

- a series needs at least `MIN_OTHERS` other years with a value above zero (zeros are taken as meant:
  a fund not received, a service closed) — with fewer there is nothing to compare with;
- the other years must agree among themselves: the largest at most `STABLE_SPREAD` times the smallest
  (a series that grows, a service that starts small and ramps up, is never flagged);
- the value is flagged when it is at least `FACTOR` times smaller or larger than the median of the
  other years, and differs from it by at least the table's `MIN_GAP` (1.000 euro, 20 users: small
  counts move a lot).

The finding is a warning (`avviso`): the number may be right, the planner is asked to look.  On the
bundled data (Pavia and the nine illustrative ambiti of the province) the rule finds nothing; on the
trial's case (12.500 in a series of about 650.000) it finds the row.
"""

from __future__ import annotations

from types import MappingProxyType

import pandas as pd

from pianozona.errors import Problem
from pianozona.data.schema import MAX_AMOUNT, MAX_COUNT
from pianozona.data.tabular import LINE_COLUMN
from pianozona.formatting import num

#: table -> (value column, columns that identify a series across years, what the value is, `MIN_GAP`, bound)
SERIES = MappingProxyType({
    "spesa": ("importo_euro", ("area", "fonte_finanziamento", "servizio"), "importo", 1000.0, MAX_AMOUNT),
    "utenti": ("utenti", ("codice_comune", "area", "servizio"), "numero di utenti", 20.0, MAX_COUNT),
})
FACTOR = 5.0
STABLE_SPREAD = 2.0
MIN_OTHERS = 2


def _unusual(values: pd.Series, min_gap: float) -> list[tuple[int, float, float, float]]:
    """(index, value, median of the others, ratio) of the values that stand out of a stable series."""
    positive = values[values > 0]
    out = []
    for idx, value in positive.items():
        others = positive.drop(idx)
        if len(others) < MIN_OTHERS or others.max() > STABLE_SPREAD * others.min():
            continue
        median = float(others.median())
        ratio = max(value / median, median / value)
        if ratio >= FACTOR and abs(value - median) >= min_gap:
            out.append((idx, float(value), median, ratio))
    return out


def check(table: pd.DataFrame | None, name: str, file: str) -> list[Problem]:
    """Warnings for the values of table `name` (`spesa`, `utenti`) far from their series' other years."""
    if table is None or table.empty or name not in SERIES:
        return []
    column, keys, what, min_gap, largest = SERIES[name]
    keys = [k for k in keys if k in table.columns]
    rows = table.dropna(subset=["anno", column]).copy()
    if rows.empty or LINE_COLUMN not in rows:
        return []
    rows[column] = rows[column].astype(float)
    rows = rows[rows[column] <= largest]  # beyond the bounds is already an error
    problems = []
    for _, series in rows.groupby([rows[k].fillna("") for k in keys], sort=False):
        if series["anno"].nunique() != len(series):
            continue  # a repeated year is already an error (duplicate key)
        for idx, value, median, ratio in _unusual(series[column], min_gap):
            direction = "più piccolo" if value < median else "più grande"
            decimals = 2 if name == "spesa" and value % 1 else 0
            problems.append(Problem(
                "avviso", f"{what} molto diverso dagli altri anni della stessa serie: {ratio:.0f} volte "
                          f"{direction} della mediana degli altri anni ({num(median, 0)})",
                file=file, line=int(series.at[idx, LINE_COLUMN]), column=column, value=num(value, decimals),
                fix="controllare la cifra (uno zero in più o in meno, migliaia dimenticate, la riga sbagliata); "
                    "se è giusta, l'avviso si può ignorare"))
    return problems
