"""The forest (caterpillar) plot in the house style; past ~40 units, the outliers and the extremes only.

Same conventions as `pianozona.present.charts` (which offers `forest_plot` too):
data first, keyword-only options, ``ax=None``, returns the Axes, Italian
numbers, a source line and a text alternative read with `charts.describe`.
A district of 186 comuni would give a chart five screens long (49,000 px at
1,500): above `MAX_ROWS` units the chart shows the `EXTREMES` highest and
lowest and, with a comparator, the units whose interval does not contain it
(the farthest first), at most `MAX_ROWS` rows; a subtitle and the text
alternative say how many are shown of how many, and that the full table is
in the report's spreadsheet (every `display.table` of the report is in it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from pianozona.analysis import stats
from pianozona.errors import ParameterError
from pianozona.present.scaffold import (axes_for, checked_table, column_label, column_numbers, finish, not_shown,
                                        show_empty, side_legend)
from pianozona.present.style import DEFAULT_SOURCE, INK, MAIN, MUTED, chart_number, italian_formatter, literal

__all__ = ["BENCHMARK", "MAX_ROWS", "EXTREMES", "forest_plot", "shown_rows"]

#: Colour and plural of each benchmark category (`stats.benchmark`).
BENCHMARK = {"migliore": ("#0072b2", "migliori"), "simile": ("#8c8c8c", "simili"),
             "peggiore": ("#d55e00", "peggiori"), "non confrontabile": ("#d9d9d9", "non confrontabili")}
#: Up to this many units every one is drawn (today's chart); beyond, at most this many rows.
MAX_ROWS = 40
#: The highest and the lowest units always drawn when the list is cut.
EXTREMES = 5


def _comparator(comparator: float | None, polarity: str | None) -> float | None:
    """The comparator as a float (None if not given), refusing a polarity without it."""
    if comparator is not None:
        comp = pd.to_numeric(pd.Series([comparator]), errors="coerce").iloc[0]
        if not np.isfinite(comp):
            raise ParameterError("comparator", comparator, "indicare un numero, ad esempio il valore del distretto")
        comparator = float(comp)
    if polarity is not None and comparator is None:
        raise ParameterError("polarity", polarity, "indicare anche comparator, il valore con cui confrontare")
    return comparator


def shown_rows(v: np.ndarray, lo: np.ndarray, hi: np.ndarray, comparator: float | None) -> tuple[np.ndarray, int, int]:
    """Which of the units (sorted by value) a forest plot draws; how many are outliers, and how many of them drawn.

    `v`, `lo`, `hi` are the sorted values and limits.  Up to `MAX_ROWS` units,
    all of them.  Beyond: the `EXTREMES` lowest and highest, then the outliers
    (interval entirely above or below `comparator`) by distance from it in
    half-widths of their interval, until `MAX_ROWS`; without a comparator, the
    `MAX_ROWS` // 2 lowest and highest.  Returns the ranks drawn (ascending),
    the number of outliers among all units and among the drawn ones.
    """
    n = len(v)
    outlier = (np.zeros(n, bool) if comparator is None else
               (np.nan_to_num(lo, nan=-np.inf) > comparator) | (np.nan_to_num(hi, nan=np.inf) < comparator))
    if n <= MAX_ROWS:
        return np.arange(n), int(outlier.sum()), int(outlier.sum())
    ends = EXTREMES if comparator is not None else MAX_ROWS // 2
    keep = np.zeros(n, bool)
    keep[:ends] = keep[n - ends:] = True
    room = MAX_ROWS - int(keep.sum())
    candidates = np.flatnonzero(outlier & ~keep)
    if room > 0 and len(candidates):
        with np.errstate(all="ignore"):
            distance = np.abs(v[candidates] - comparator) / np.maximum((hi - lo)[candidates] / 2, 1e-12)
        distance = np.nan_to_num(distance, nan=np.inf)
        keep[candidates[np.argsort(-distance, kind="stable")[:room]]] = True
    return np.flatnonzero(keep), int(outlier.sum()), int((outlier & keep).sum())


def _subset_texts(drawn: int, total: int, outliers: tuple[int, int], comparator: float | None) -> tuple[str, str]:
    """What a cut forest plot shows: the sentence of the text alternative and the subtitle ('' when all drawn)."""
    if drawn == total:
        return "", ""
    ends = EXTREMES if comparator is not None else MAX_ROWS // 2
    which = f"le {ends} con il valore più alto e le {ends} con il più basso"
    every, shown = outliers
    if comparator is not None and every:
        part = f"tutte le {chart_number(every, 0)}" if shown == every else \
            f"le {shown} più distanti delle {chart_number(every, 0)}"
        which += f", e {part} con l'intervallo che non contiene il riferimento"
    elif comparator is not None:
        which += " (nessuna ha l'intervallo che non contiene il riferimento)"
    head = f"Mostrate {drawn} unità su {chart_number(total, 0)}"
    kinds = "valori estremi e unità fuori dal riferimento" if comparator is not None and every else "valori estremi"
    return (f"{head}: {which}. La tabella completa è nel foglio di calcolo del report.",
            f"{head} ({kinds});\nla tabella completa è nel foglio di calcolo del report")


def _forest_handles(cats: np.ndarray | None) -> list:
    """Legend entries: one per benchmark category present, or one for value and interval."""
    if cats is None:
        return [Line2D([], [], color=MAIN, marker="o", lw=2.2, label="valore e intervallo di confidenza")]
    return [Line2D([], [], color=colour, marker="o", markeredgecolor=INK, markeredgewidth=0.5, lw=2.2,
                   label=plural) for cat, (colour, plural) in BENCHMARK.items() if (cats == cat).any()]


def _forest_description(title: str, names: np.ndarray, v: np.ndarray, idx: np.ndarray, cats: np.ndarray | None,
                        comparator: float | None, comparator_label: str, subset: str) -> str:
    """The text alternative: the range of the values, the reference line, the benchmark counts, the missing."""
    parts = [f"Grafico a intervalli: {title}."]
    if len(idx):
        parts.append(f"{chart_number(len(idx), 0)} unità ordinate per valore, da {names[idx[0]]} "
                     f"({chart_number(v[idx[0]])}) a {names[idx[-1]]} ({chart_number(v[idx[-1]])}), con intervalli "
                     "di confidenza.")
    if subset:
        parts.append(subset)
    if comparator is not None:
        parts.append(f"Linea di riferimento {comparator_label}: {chart_number(comparator)}.")
    if cats is not None and len(idx):
        counts = [f"{(cats == c).sum()} {plural}" for c, (_, plural) in BENCHMARK.items() if (cats == c).any()]
        parts.append(f"Rispetto al riferimento: {', '.join(counts)}.")
    return " ".join(parts) + not_shown(list(names[~np.isfinite(v)]), "unità non mostrata", "unità non mostrate")


def _draw_rows(ax: Axes, v: np.ndarray, lo: np.ndarray, hi: np.ndarray, colours: list, edge: str) -> None:
    """The intervals and points of the drawn rows (row i at y = i)."""
    rows = np.arange(len(v))
    bars = np.isfinite(lo) & np.isfinite(hi)
    ax.hlines(rows[bars], lo[bars], hi[bars], colors=np.asarray(colours, dtype=object)[bars] if len(v) else [],
              lw=2.2, gid="forest_intervals")
    ax.scatter(v, rows, c=colours, s=38, zorder=3, edgecolors=edge, linewidths=0.5, gid="forest_points")


def forest_plot(data: pd.DataFrame, *, value: str, lower: str, upper: str, label: str,
                comparator: float | None = None, comparator_label: str = "Distretto",
                polarity: str | None = None, title: str | None = None, xlabel: str | None = None,
                ylabel: str | None = None, source: str | None = DEFAULT_SOURCE, ax: Axes | None = None) -> Axes:
    """Forest (caterpillar) plot: one row per unit sorted by value (highest at the top).

    Points with horizontal interval bars [lower, upper]; a dashed vertical
    line at `comparator` (e.g. the district value).  With `polarity`
    ('alto_meglio'/'high_is_good', 'basso_meglio'/'low_is_good', 'neutro')
    units are coloured by `stats.benchmark` against the comparator
    (pass 95% limits).  Rows whose value is missing are not drawn and are
    counted in the description; a missing limit only drops the bar.  More
    than `MAX_ROWS` units: the extremes and the outliers only (`shown_rows`),
    said under the title and in the description.
    """
    df = checked_table(data, value=value, lower=lower, upper=upper, label=label)
    v, lo, hi = (column_numbers(df, col, param) for col, param in ((value, "value"), (lower, "lower"),
                                                                    (upper, "upper")))
    names = df[label].astype(str).to_numpy()
    comparator = _comparator(comparator, polarity)
    idx = np.flatnonzero(np.isfinite(v))
    idx = idx[np.argsort(v[idx], kind="stable")]
    cats = (np.atleast_1d(stats.benchmark(v[idx], lo[idx], hi[idx], comparator, polarity))
            if polarity is not None else None)
    ranks, *outliers = shown_rows(v[idx], lo[idx], hi[idx], comparator)
    drawn = idx[ranks]
    subset, subtitle = _subset_texts(len(drawn), len(idx), tuple(outliers), comparator)
    colours = [BENCHMARK[c][0] for c in cats[ranks]] if cats is not None else [MAIN] * len(drawn)
    title = title or column_label(value)
    with axes_for(ax, (9, max(3.2, 0.34 * len(drawn) + 1.9 + (0.4 if subset else 0)))) as ax:
        _draw_rows(ax, v[drawn], lo[drawn], hi[drawn], colours, INK if cats is not None else "white")
        for gap in np.flatnonzero(np.diff(ranks) > 1):  # ranks left out between these two rows
            ax.axhline(gap + 0.5, color=MUTED, ls=":", lw=0.8, gid="forest_gap")
        handles = _forest_handles(cats)
        if comparator is not None:
            handles.append(ax.axvline(comparator, color=INK, ls="--", lw=1.2, zorder=2, gid="forest_comparator",
                                      label=f"{literal(comparator_label)}: {chart_number(comparator)}"))
        ax.set_yticks(np.arange(len(drawn)), [literal(name) for name in names[drawn]])
        ax.set_ylim(-0.7, max(len(drawn), 1) - 0.3)
        ax.grid(False, axis="y")
        ax.xaxis.set_major_formatter(italian_formatter())
        if len(idx):
            side_legend(ax, handles, "Rispetto al riferimento" if cats is not None else None)
        else:
            show_empty(ax)
        if subset:
            ax.annotate(subtitle, xy=(0, 1), xycoords="axes fraction", xytext=(0, 7),
                        textcoords="offset points", ha="left", va="bottom", color=INK, fontsize="small",
                        gid="forest_subset")
        description = _forest_description(title, names, v, idx, cats, comparator, comparator_label, subset)
        return finish(ax, title=title, xlabel=xlabel or column_label(value), ylabel=ylabel or column_label(label),
                      source=source, description=description, pad=36 if subset else 6)
