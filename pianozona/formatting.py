"""Italian number and date formats (Babel, locale it_IT) for everything a planner reads, and `Summary`: the short
description of a result that a notebook shows in place of the result's every field."""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "it_IT"
MISSING = "n.d."


def _missing(value) -> bool:
    try:
        return value is None or pd.isna(value) or (isinstance(value, float) and math.isinf(value))
    except (TypeError, ValueError):
        return False


def num(value, decimals: int = 1, *, grouping: bool = True) -> str:
    """1234.56 → '1.234,6' (decimals fixed, halves rounded up as people expect); missing → 'n.d.'.

    `grouping=False` drops the thousands separator (years: '2023').
    """
    if _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    rounded = Decimal(str(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0,0"
    return format_decimal(rounded, format=pattern, locale=LOCALE, group_separator=grouping)


def plural(n: int, one: str, many: str) -> str:
    """"1 rapporto", "3 rapporti", "0 errori": a number with its noun in the right form."""
    return f"{n} {one if n == 1 else many}"


def years_text(years) -> str:
    """`2024`, `2022 e 2023`, `2019-2021`, `2019-2021 e 2023`: years as a sentence lists them (runs of 3+ joined)."""
    items = sorted({int(y) for y in years})
    runs: list[list[int]] = []
    for year in items:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    parts = [f"{r[0]}-{r[-1]}" if len(r) >= 3 else ", ".join(map(str, r)) for r in runs]
    parts = [p for part in parts for p in part.split(", ")]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} e {parts[-1]}"


def pct(value, decimals: int = 1) -> str:
    """12.345 → '12,3%'."""
    return MISSING if _missing(value) else f"{num(value, decimals)}%"


def del_pct(value, decimals: int = 1) -> str:
    """The percentage with its articled preposition: 'dello 0,5%', 'dell'8%', 'dell'11%', 'del 2,3%'."""
    text = pct(value, decimals)
    if text.startswith("0"):
        return f"dello {text}"
    head = text.split(",")[0].rstrip("%")
    if head.startswith("8") or head in ("1", "11") or (head.startswith("1") and len(head) == 1):
        return f"dell'{text}"
    return f"del {text}"


def euro(value, decimals: int = 0) -> str:
    """1234.5 → '1.235 €'."""
    return MISSING if _missing(value) else f"{num(value, decimals)} €"


def data_lunga(day: dt.date | None = None) -> str:
    """date(2026, 11, 26) → '26 novembre 2026'."""
    return format_date(day or dt.date.today(), format="d MMMM y", locale=LOCALE)


def table(frame: pd.DataFrame, decimals: dict[str, int] | None = None) -> pd.DataFrame:
    """A copy of `frame` with numeric columns as Italian strings (`decimals` per column, default 1; ints 0)."""
    decimals = decimals or {}
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            continue
        default = 0 if pd.api.types.is_integer_dtype(series) else 1
        digits = decimals.get(col, default)
        out[col] = [num(v, digits) for v in series]
    return out


def span(values) -> str:
    """The first and last of some years: '2019–2023', '2023' for one, 'nessuno' for none."""
    years = sorted({int(v) for v in values if not _missing(v)})
    if not years:
        return "nessuno"
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


@dataclass(frozen=True)
class Summary:
    """A title, a few (label, value) rows and notes: how a result introduces itself in a notebook.

    `html` escapes every piece (names come from an office's data); `text` is the same for a terminal.
    """

    title: str
    rows: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()

    def html(self) -> str:
        rows = "".join(f'<tr><th scope="row" style="text-align:left">{html.escape(label)}</th>'
                       f'<td style="text-align:left">{html.escape(value)}</td></tr>' for label, value in self.rows)
        notes = "".join(f"<p>{html.escape(note)}</p>" for note in self.notes)
        return (f'<div class="pz-sintesi"><p><strong>{html.escape(self.title)}</strong></p>'
                f"<table><tbody>{rows}</tbody></table>{notes}</div>")

    def text(self) -> str:
        return "\n".join([self.title, *(f"  {label}: {value}" for label, value in self.rows), *self.notes])
