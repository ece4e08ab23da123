"""Charts of the comparison with Italy and of the LEPS: a strip chart of many ambiti, staff against the ratios.

Same conventions as `pianozona.present.charts`: data first, keyword-only
options, ``ax=None`` opens a new house-style figure, returns the Axes, Italian
numbers, a source line and a text alternative read with ``describe(ax)``.

`strip_plot` reads at a hundred units: one row per category (the years, side
by side), every unit a small grey dot spread vertically in a fixed pattern (no
random jitter: the same data draw the same picture), the highlighted unit a
large dark diamond with its value written beside it, and one short vertical mark
per reference (the region, Italy) in its own style.  `staff_plot` draws the
permanent staff per year as bars, fixed-term staff on top in a hatched light
colour (shown, not counted), and the three ratios of the law as marks per year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from pianozona.present.scaffold import (axes_for, checked_table, column_numbers, finish, not_shown, show_empty,
                                        side_legend)
from pianozona.present.style import INK, MAIN, MUTED, PALETTE, chart_number, italian_formatter, literal

__all__ = ["REFERENCE_STYLES", "THRESHOLD_STYLES", "staff_plot", "strip_plot"]

#: the references of a strip chart in order (region, Italy): colour and line style, told apart without colour too
REFERENCE_STYLES = ((PALETTE[1], "-"), (PALETTE[2], "--"), (PALETTE[3], ":"))
#: the law's ratios on the staff chart: (column, label, colour, line style)
THRESHOLD_STYLES = (("soglia_6500", "1 ogni 6.500 residenti", PALETTE[1], ":"),
                    ("soglia_5000", "1 ogni 5.000 (LEPS)", INK, "-"),
                    ("soglia_4000", "1 ogni 4.000 (obiettivo di servizio)", PALETTE[2], "--"))
_GOLDEN = 0.6180339887


def _spread(n: int) -> np.ndarray:
    """Vertical offsets in [-0.3, 0.3] for n dots, evenly spread (golden-ratio sequence), deterministic."""
    return ((np.arange(n) * _GOLDEN) % 1.0 - 0.5) * 0.6


def strip_plot(data: pd.DataFrame, *, x: str = "valore", y: str = "anno", highlight: str = "evidenza",
               label: str = "nome", references: pd.DataFrame | None = None, title: str, xlabel: str,
               source: str | None, unit: str = "euro", ax: Axes | None = None) -> Axes:
    """Every unit of `data` as a dot in the row of its `y` category, the `highlight` unit (one per row) named.

    `references` has columns `y`, ``nome`` and `x`: each name is a short vertical
    mark per row (at most three names, `REFERENCE_STYLES`).  Units whose value is
    missing are not drawn and counted in the text alternative.
    """
    df = checked_table(data, x=x, y=y, highlight=highlight, label=label)
    values = column_numbers(df, x, "x")
    rows = sorted(df[y].astype(str).unique())
    refs = references if references is not None else pd.DataFrame(columns=[y, "nome", x])
    with axes_for(ax, (9.0, 1.1 * max(len(rows), 1) + 2.2)) as ax:
        if df.empty or not np.isfinite(values).any():
            show_empty(ax)
            return finish(ax, title=title, xlabel=xlabel, ylabel="", source=source,
                          description=f"Grafico a punti: {title}. Nessun dato da mostrare.")
        handles = _draw_rows(ax, df, values, rows, y, highlight, label, unit)
        handles += _draw_references(ax, refs, rows, y, x)
        ax.set_yticks(range(len(rows)), [literal(r) for r in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_formatter(italian_formatter())
        side_legend(ax, handles)
        return finish(ax, title=title, xlabel=xlabel, ylabel="", source=source,
                      description=_strip_description(df, values, rows, refs, title, y, highlight, label, x, unit))


def _draw_rows(ax: Axes, df: pd.DataFrame, values: np.ndarray, rows: list[str], y: str, highlight: str,
               label: str, unit: str) -> list:
    marked = df[highlight].fillna(False).astype(bool).to_numpy()
    counts = []
    for i, row in enumerate(rows):
        mask = (df[y].astype(str) == row).to_numpy() & np.isfinite(values)
        others = mask & ~marked
        counts.append(int(others.sum()))
        order = np.argsort(values[others], kind="stable")
        ax.scatter(values[others][order], i + _spread(int(others.sum())), s=22, color=MUTED, alpha=0.55,
                   linewidths=0, gid="strip_units", zorder=2)
        for value in values[mask & marked]:
            ax.scatter([value], [i], s=110, marker="D", color=MAIN, edgecolor="white", linewidths=1,
                       gid="strip_highlight", zorder=4)
            ax.annotate(literal(f"{chart_number(value, 0)} {unit}"), (value, i), xytext=(0, 9),
                        textcoords="offset points", ha="center", va="bottom", fontsize="small", color=MAIN,
                        fontweight="bold", zorder=5, gid="strip_value",
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
    name = next((str(n) for n in df.loc[df[highlight].fillna(False).astype(bool), label]), "")
    return [Line2D([], [], color=MUTED, marker="o", ls="", alpha=0.55, label=f"altri ambiti ({max(counts)})"),
            Line2D([], [], color=MAIN, marker="D", ls="", markersize=8, label=literal(name))]


def _draw_references(ax: Axes, refs: pd.DataFrame, rows: list[str], y: str, x: str) -> list:
    handles = []
    for (name, part), (colour, style) in zip(refs.groupby("nome", sort=False), REFERENCE_STYLES):
        for row, value in zip(part[y].astype(str), pd.to_numeric(part[x], errors="coerce")):
            if row in rows and np.isfinite(value):
                i = rows.index(row)
                ax.plot([value, value], [i - 0.4, i + 0.4], color=colour, ls=style, lw=2.2, gid="strip_reference",
                        zorder=3)
        handles.append(Line2D([], [], color=colour, ls=style, lw=2.2, label=literal(name)))
    return handles


def _strip_description(df, values, rows, refs, title, y, highlight, label, x, unit) -> str:
    parts = [f"Grafico a punti: {title}."]
    marked = df[highlight].fillna(False).astype(bool).to_numpy()
    for row in rows:
        mask = (df[y].astype(str) == row).to_numpy() & np.isfinite(values)
        text = f"{row}: {int(mask.sum())} ambiti da {chart_number(values[mask].min(), 0)} a " \
               f"{chart_number(values[mask].max(), 0)} {unit}" if mask.any() else f"{row}: nessun dato"
        own = mask & marked
        if own.any():
            value = values[own][0]
            rank = int((values[mask] > value).sum()) + 1
            text += f"; {df.loc[own, label].iloc[0]} {chart_number(value, 0)} {unit}, {rank}° su {int(mask.sum())}"
        for name, part in refs.groupby("nome", sort=False):
            found = pd.to_numeric(part.loc[part[y].astype(str) == row, x], errors="coerce").dropna()
            if len(found):
                text += f"; {name} {chart_number(found.iloc[0], 0)}"
        parts.append(text + ".")
    missing = list(df.loc[~np.isfinite(values), label].astype(str))
    return " ".join(parts) + not_shown(missing, "ambito non mostrato", "ambiti non mostrati")


def staff_plot(data: pd.DataFrame, *, year: str = "anno", permanent: str = "fte_indeterminato",
               fixed: str = "fte_determinato", title: str, source: str | None, ax: Axes | None = None) -> Axes:
    """Permanent FTE per year (bars), fixed-term FTE on top (hatched, not counted) and the law's ratios as marks.

    `data` has the columns of `THRESHOLD_STYLES` (FTE needed for each ratio), as
    `pianozona.analysis.leps.social_workers` returns them.
    """
    df = checked_table(data, year=year, permanent=permanent, fixed=fixed,
                       **{c: c for c, *_ in THRESHOLD_STYLES})
    years = [str(int(v)) for v in df[year]]
    perm, temp = column_numbers(df, permanent, "permanent"), column_numbers(df, fixed, "fixed")
    with axes_for(ax, (8.5, 4.6)) as ax:
        if df.empty:
            show_empty(ax)
            return finish(ax, title=title, xlabel="", ylabel="", source=source,
                          description=f"Grafico a barre: {title}. Nessun dato da mostrare.")
        pos = np.arange(len(df))
        ax.bar(pos, perm, width=0.55, color=MAIN, gid="staff_permanent", zorder=2)
        ax.bar(pos, np.nan_to_num(temp), bottom=perm, width=0.55, color="#c6d4e3", hatch="//", edgecolor="white",
               gid="staff_fixed", zorder=2)
        handles = [Patch(color=MAIN, label="a tempo indeterminato (contano)"),
                   Patch(facecolor="#c6d4e3", hatch="//", edgecolor="white", label="a tempo determinato (non contano)")]
        for col, name, colour, style in THRESHOLD_STYLES:
            need = column_numbers(df, col, col)
            for p, v in zip(pos, need):
                ax.plot([p - 0.38, p + 0.38], [v, v], color=colour, ls=style, lw=2, gid=col, zorder=3)
            handles.append(Line2D([], [], color=colour, ls=style, lw=2, label=name))
        ax.set_xticks(pos, years)
        ax.yaxis.set_major_formatter(italian_formatter())
        ax.grid(axis="x", visible=False)
        side_legend(ax, handles, title="Assistenti sociali (FTE)")
        return finish(ax, title=title, xlabel="Anno", ylabel="Equivalenti a tempo pieno", source=source,
                      description=_staff_description(df, years, perm, temp, title))


def _staff_description(df, years, perm, temp, title) -> str:
    parts = [f"Grafico a barre: {title}."]
    for i, row in enumerate(df.itertuples()):
        parts.append(f"{years[i]}: {chart_number(perm[i], 1)} FTE a tempo indeterminato"
                     + (f" e {chart_number(temp[i], 1)} a tempo determinato" if np.nan_to_num(temp[i]) else "")
                     + f"; ne servono {chart_number(row.soglia_6500, 1)} per 1:6.500, "
                     f"{chart_number(row.soglia_5000, 1)}"
                     f" per il LEPS 1:5.000 e {chart_number(row.soglia_4000, 1)} per 1:4.000.")
    return " ".join(parts)
