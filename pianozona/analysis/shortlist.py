"""Which rows of a long table a page shows (extremes and outliers, at most `MAX_ROWS`) and the sentence that says so.

A table of ~90 ambiti (Lombardia) or 186 comuni is unreadable on a page: past `MAX_ROWS`
rows, `shortlist` keeps the `EXTREMES` highest and lowest values and, with a verdict column,
the units significantly above or below the reference (the farthest first, in half-widths of
their interval, as `present.charts_forest` draws them), at most `MAX_ROWS` rows, sorted by
value; `note` says in Italian how many are shown of how many, which ones, and that the full
table is in the report's spreadsheet.  Rows whose value is not published (NaN) are never
picked as extremes or outliers; rows marked `keep` (a territory's own total, its comparators)
are always shown and do not count among the units.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from pianozona.formatting import num

__all__ = ["EXTREMES", "MAX_ROWS", "OUTLIER_VERDICTS", "Shortlist", "shortlist"]

#: Up to this many units a table shows every one (as `present.charts_forest.MAX_ROWS` for its chart).
MAX_ROWS = 40
#: The highest and the lowest units always shown when the table is cut.
EXTREMES = 5
#: The verdicts (`analysis.territory`, `analysis.needs`) that make a unit an outlier worth showing.
OUTLIER_VERDICTS = ("superiore", "inferiore")


class Shortlist(NamedTuple):
    """The rows a page shows (`rows`, with their original index), and `note`: '' when every row is shown."""

    rows: pd.DataFrame
    note: str


def _distance(rows: pd.DataFrame, value: str, reference: float | None) -> np.ndarray:
    """How far each unit is from `reference`, in half-widths of its interval (its value's distance without one)."""
    v = rows[value].to_numpy(float)
    if reference is None or not np.isfinite(reference):
        return np.zeros(len(rows))
    if {"lower", "upper"} <= set(rows.columns):
        with np.errstate(all="ignore"):
            half = np.maximum((rows["upper"].to_numpy(float) - rows["lower"].to_numpy(float)) / 2, 1e-12)
            return np.nan_to_num(np.abs(v - reference) / half, nan=0.0)
    return np.nan_to_num(np.abs(v - reference), nan=0.0)


def _picked(units: pd.DataFrame, value: str, verdict: str | None, reference: float | None) -> tuple[pd.Index, int]:
    """The index of the units shown: extremes, then outliers by distance, up to `MAX_ROWS`; and the outliers' count."""
    known = units[units[value].notna()].sort_values(value, kind="stable")
    ends = EXTREMES if verdict else MAX_ROWS // 2
    chosen = list(dict.fromkeys([*known.index[:ends], *known.index[max(len(known) - ends, 0):]]))
    outliers = known[known[verdict].isin(OUTLIER_VERDICTS)] if verdict else known.iloc[:0]
    far = outliers.assign(_d=_distance(outliers, value, reference)).sort_values("_d", ascending=False, kind="stable")
    for label in far.index:
        if len(chosen) >= MAX_ROWS:
            break
        if label not in chosen:
            chosen.append(label)
    return pd.Index(chosen), len(outliers)


def _note(shown: int, total: int, outliers: int, shown_outliers: int, unit: str, verdict: str | None) -> str:
    ends = EXTREMES if verdict else MAX_ROWS // 2
    which = [f"i {ends} con il valore più alto", f"i {ends} con il più basso"]
    if verdict and outliers:
        which.append(f"tutti i {num(outliers, 0)} che si discostano in modo significativo" if shown_outliers == outliers
                     else f"i {num(shown_outliers, 0)} più distanti dei {num(outliers, 0)} che si discostano in modo "
                          "significativo")
    return (f"Sono mostrati {num(shown, 0)} {unit} su {num(total, 0)}: {', '.join(which[:-1])} e {which[-1]}. "
            "La tabella completa è nel foglio di calcolo del report.")


def shortlist(rows: pd.DataFrame, *, value: str, verdict: str | None = None, reference: float | None = None,
              unit: str = "ambiti", keep: pd.Series | None = None) -> Shortlist:
    """The rows of `rows` a page shows (see the module docstring): all of them up to `MAX_ROWS` units.

    `value` is the column that orders the units; `verdict` the column of their verdict against
    `reference` ("superiore"/"inferiore" are outliers), None for a table without one; `unit` names
    them in the note ("ambiti", "comuni"); `keep` is a boolean Series of rows always shown (not units).
    The attrs of `rows` (the protection's settings, read by the markers) are kept.
    """
    kept = keep.reindex(rows.index, fill_value=False).astype(bool) if keep is not None else \
        pd.Series(False, index=rows.index)
    units = rows[~kept]
    if len(units) <= MAX_ROWS:
        return Shortlist(rows, "")
    chosen, outliers = _picked(units, value, verdict, reference)
    shown_outliers = int(units.loc[chosen, verdict].isin(OUTLIER_VERDICTS).sum()) if verdict else 0
    picked = units.loc[chosen].sort_values(value, ascending=False, kind="stable")
    out = pd.concat([picked, rows[kept]])
    out.attrs = dict(rows.attrs)
    return Shortlist(out, _note(len(picked), len(units), outliers, shown_outliers, unit, verdict))
