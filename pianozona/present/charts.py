"""House-style statistical charts for Italian reports: funnel, forest (caterpillar, from `charts_forest`) and trend.

Conventions (after seaborn): every chart takes a pandas DataFrame `data`
first, then keyword-only options naming its columns, draws on `ax` and
returns the Axes.  Unlike seaborn, ``ax=None`` opens a *new* figure of a
suitable size (not the current Axes), created under the house style so the
chart looks the same whether or not `set_theme()` was called.

Every chart has a title (left, bold), axis labels, a source line
("Fonte: …", under the x-axis label) and numbers in Italian format via Babel
("1.234,5"; years as "2023").  Missing values - e.g. counts hidden by
`pianozona.privacy.protect` - are not drawn and never raise or warn.

Text alternative (WCAG): each chart stores a short Italian description of
what it shows, including how many units were not shown and why.  Get it with
``describe(ax)`` (or ``describe(fig)`` for every chart of a figure).

Text from data shows literally: comune names, labels, titles and tick labels
go through `literal`, and every text of a chart is drawn without TeX
(``usetex=False``) even when the global rcParams ask for it.

The house look (`PALETTE`, `set_theme`, `italian_formatter`, `literal`) lives in
`pianozona.present.style` and the steps around each drawing (`describe`, the
source line) in `pianozona.present.scaffold`; both are offered here too, as
notebooks call ``charts.describe(ax)``.  Drawn elements carry a `gid`
("funnel_points", "forest_comparator", "trend_verdict", "source", …) so tests
and SVG output can find them.  The statistics all come from
`pianozona.analysis.stats`; nothing is recomputed here.

Readable at every size: a funnel names only the units outside its limits, at
most `labels.MAX_POINT_LABELS` (the farthest from the centre line, by z-score),
placed in linear time (`pianozona.present.labels`); its text alternative counts
those outside and names the few labelled ("e altre 34 unità").  A forest plot
of more than `charts_forest.MAX_ROWS` units shows its outliers and extremes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from pianozona.analysis import naming, stats
from pianozona.errors import ParameterError
from pianozona.present import labels
from pianozona.present.charts_forest import forest_plot
from pianozona.present.scaffold import (axes_for, checked_table, column_label, column_numbers, describe,
                                        finish, not_shown, show_empty, side_legend)
from pianozona.present.style import (DEFAULT_SOURCE, INK, MAIN, MUTED, PALETTE, YearLocator, chart_number,
                                     italian_formatter, literal, set_theme)

__all__ = ["PALETTE", "DEFAULT_SOURCE", "set_theme", "italian_formatter", "funnel_plot", "forest_plot",
           "trend_plot", "describe", "literal"]

_FUNNEL_COLOURS = {"within": "#5b6770", "above_2sd": "#e69f00", "below_2sd": "#e69f00",
                   "above_3sd": "#d55e00", "below_3sd": "#d55e00"}
_FUNNEL_LEGEND = (("within", "entro i limiti"), ("above_2sd", "oltre i limiti 2σ"),
                  ("above_3sd", "oltre i limiti 3σ"))
_STATISTICS = {"proportion": "proportion", "proporzione": "proportion", "rate": "rate", "tasso": "rate"}


# ---------------------------------------------------------------- funnel plot
@dataclass(frozen=True)
class _Funnel:
    """What a funnel plot shows: the units' counts, names and positions against the limits."""
    stat: str
    mult: float
    mean: float
    ns: np.ndarray
    values: np.ndarray  # x/n × multiplier where shown, else NaN
    codes: np.ndarray  # `stats.funnel_significance` codes
    shown: np.ndarray
    names: list[str]
    wanted: list[str]  # the highlighted names


def _funnel_names(df: pd.DataFrame, label: str | None, highlight: str | list[str] | None) -> tuple[list, list]:
    """The units' names ('' without `label`) and the highlighted ones, checked against them."""
    names = df[label].astype(str).tolist() if label is not None else [""] * len(df)
    wanted = [str(h) for h in ([] if highlight is None else [highlight] if isinstance(highlight, str) else highlight)]
    if wanted and label is None:
        raise ParameterError("highlight", wanted[0], "indicare anche label, la colonna con i nomi delle unità")
    unknown = [h for h in wanted if h not in names]
    if unknown:
        raise ParameterError("highlight", unknown[0], "valori disponibili: " + ", ".join(names))
    return names, wanted


def _funnel_data(df: pd.DataFrame, *, x: str, n: str, label: str | None, statistic: str,
                 multiplier: float | None, mean: float | None, highlight: str | list[str] | None) -> _Funnel:
    """Check the options and compute each unit's value and position (`stats.funnel_significance`)."""
    stat = _STATISTICS.get(str(statistic).strip().lower())
    if stat is None:
        raise ParameterError("statistic", statistic, "valori ammessi: 'proportion' (proporzione), 'rate' (tasso)")
    mult = (100 if stat == "proportion" else 1000) if multiplier is None else multiplier
    xs, ns = column_numbers(df, x, "x"), column_numbers(df, n, "n")
    names, wanted = _funnel_names(df, label, highlight)
    usable = np.isfinite(xs) & np.isfinite(ns) & (ns > 0)
    if mean is None:
        pooled = pd.DataFrame({"x": xs[usable], "n": ns[usable]})
        mean = stats.by_group(pooled, stat, x="x", n="n", multiplier=mult)["value"].iloc[0] if usable.any() else np.nan
    codes = np.atleast_1d(stats.funnel_significance(xs, ns, statistic=stat, mean=mean, multiplier=mult))
    shown = usable & (codes != "not_assessable")
    with np.errstate(all="ignore"):
        values = np.where(shown, xs / ns * mult, np.nan)
    return _Funnel(stat, mult, mean, ns, values, codes, shown, names, wanted)


def _draw_funnel_limits(ax: Axes, f: _Funnel, mean_label: str) -> list:
    """The 2σ and 3σ limits and the centre line over the drawn denominators; their legend handles."""
    lo, hi = f.ns[f.shown].min() * 0.8, f.ns[f.shown].max() * 1.05
    # the units' own denominators are on the grid: there the drawn lines are the limits they are tested on
    grid = np.unique(np.concatenate([np.linspace(lo, hi, 200), np.geomspace(lo, hi, 200), f.ns[f.shown]]))
    lim = stats.funnel_limits(f.mean, grid, statistic=f.stat, multiplier=f.mult)
    handles = []
    for key, text, style in (("2sd", "limiti 2σ (95%)", "--"), ("3sd", "limiti 3σ (99,8%)", "-")):
        for side in ("lower", "upper"):
            line, = ax.plot(grid, getattr(lim, f"{side}_{key}"), color="#7f7f7f", ls=style, lw=1.2,
                            label=text if side == "upper" else "_nolegend_", gid=f"funnel_{side}_{key}")
        handles.append(line)
    centre, = ax.plot(grid, np.full(grid.shape, float(f.mean)), color=INK, lw=1.2, gid="funnel_centre",
                      label=f"{literal(mean_label)} ({chart_number(f.mean)})")
    return handles + [centre]


def _draw_funnel_points(ax: Axes, f: _Funnel) -> list:
    """The units coloured by position, the highlighted ones circled; legend handles of the colours used."""
    idx = np.flatnonzero(f.shown)
    ax.scatter(f.ns[idx], f.values[idx], c=[_FUNNEL_COLOURS[c] for c in f.codes[idx]], s=42, zorder=3,
               edgecolors="white", linewidths=0.6, gid="funnel_points")
    present = {c.replace("below", "above") for c in f.codes[idx]}
    marked = [i for i in idx if f.names[i] in f.wanted]
    if marked:
        ax.scatter(f.ns[marked], f.values[marked], s=170, facecolors="none", edgecolors=INK, linewidths=1.4,
                   zorder=4, gid="funnel_highlight")
    return [Line2D([], [], ls="", marker="o", markersize=7, color=_FUNNEL_COLOURS[code], label=text)
            for code, text in _FUNNEL_LEGEND if code in present]


def _funnel_z(f: _Funnel) -> np.ndarray:
    """How far each unit is from the centre line in standard errors (normal approximation, for ranking only)."""
    with np.errstate(all="ignore"):
        if f.stat == "proportion":
            p = f.mean / f.mult
            spread = np.sqrt(p * (1 - p) / f.ns) * f.mult
        else:
            spread = np.sqrt(f.mean * f.mult / f.ns)
        z = (f.values - f.mean) / spread
    return np.where(np.isfinite(z), z, np.where(np.isnan(f.values), 0.0, np.inf))


def _funnel_outside(f: _Funnel) -> np.ndarray:
    """The units outside the 2σ limits, farthest from the centre first (the ones labelled come first)."""
    return labels.farthest(_funnel_z(f), np.flatnonzero(f.shown & (f.codes != "within")), len(f.codes))


def _draw_funnel_labels(ax: Axes, f: _Funnel) -> list:
    """Names of the farthest units outside the 2σ limits (at most a handful) and of the highlighted ones."""
    leader = {"arrowstyle": "-", "color": MUTED, "lw": 0.6, "relpos": (0, 0), "shrinkA": 0, "shrinkB": 4}
    named = set(_funnel_outside(f)[:labels.MAX_POINT_LABELS].tolist())
    named |= {i for i in np.flatnonzero(f.shown) if f.names[i] in f.wanted}
    return [ax.annotate(literal(f.names[i]), (f.ns[i], f.values[i]), xytext=(5, 3), textcoords="offset points",
                        fontsize="small", color=INK, arrowprops=leader, gid="funnel_label",
                        fontweight="bold" if f.names[i] in f.wanted else "normal")
            for i in sorted(named)]


def _funnel_verdict(f: _Funnel, labelled: bool) -> str:
    """Who is outside the limits: every name when all are labelled, else the counts and the few labelled."""
    cats = [(text, np.flatnonzero(f.shown & (f.codes == code))) for code, text in stats.FUNNEL_LABELS.items()
            if code not in ("within", "not_assessable")]
    cats = [(text, hit) for text, hit in cats if len(hit)]
    if not cats:
        return "Tutte le unità mostrate sono entro i limiti 2σ."
    outside = _funnel_outside(f)
    if not labelled or len(outside) <= labels.MAX_POINT_LABELS:
        return "Fuori dai limiti di controllo - " + "; ".join(
            f"{text}: " + (", ".join(f.names[i] for i in hit) if labelled else f"{len(hit)} unità")
            for text, hit in cats) + "."
    few = naming.name_few([f.names[i] for i in outside], limit=labels.MAX_POINT_LABELS,
                          named=labels.MAX_POINT_LABELS, rest=naming.UNITS)
    return (f"Fuori dai limiti di controllo {chart_number(len(outside), 0)} unità - "
            + "; ".join(f"{text}: {chart_number(len(hit), 0)}" for text, hit in cats)
            + f". Nel grafico sono nominate le {labels.MAX_POINT_LABELS} più lontane dalla linea centrale: {few}.")


def _funnel_description(f: _Funnel, *, title: str, labelled: bool, mean_label: str) -> str:
    """The text alternative: how many units are shown, the centre line, who is outside the limits."""
    return (f"Grafico a imbuto: {title}. {chart_number(f.shown.sum(), 0)} unità su {chart_number(len(f.shown), 0)} "
            "mostrate con la linea "
            f"centrale ({mean_label}: {chart_number(f.mean)}) e i limiti di controllo 2σ e 3σ. "
            f"{_funnel_verdict(f, labelled)}"
            + not_shown([f.names[i] for i in np.flatnonzero(~f.shown)], "unità non mostrata", "unità non mostrate"))


def funnel_plot(data: pd.DataFrame, *, x: str, n: str, label: str | None = None,
                statistic: str = "proportion", multiplier: float | None = None, mean: float | None = None,
                mean_label: str = "media del distretto", highlight: str | list[str] | None = None,
                log_x: bool = False, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None,
                source: str | None = DEFAULT_SOURCE, ax: Axes | None = None) -> Axes:
    """Funnel plot: each unit's x/n × multiplier against its denominator n, with 2σ/3σ limits.

    `statistic` 'proportion' (default `multiplier` 100, i.e. percent) or
    'rate' (default 1000); `mean` (× multiplier) defaults to the pooled
    Σx/Σn of the drawn units (pass the district value when counts are
    hidden, so that the centre line does not move).  Limits: `stats.funnel_limits` over a smooth
    range of denominators that includes each unit's own; colours:
    `stats.funnel_significance`, which for rates agrees with those limits (PHE's exact Poisson
    funnels), so a point is coloured as outside exactly when it is beyond the line drawn at its n.  Units
    outside the 2σ limits, and those in `highlight` (values of the `label`
    column, circled), are labelled when `label` is given; overlapping labels
    are moved up with a leader line.  ``log_x=True`` puts n on a log scale
    (useful when one comune is far larger than the rest).  Rows with x or n
    missing, or n = 0, are not drawn and are counted in the description.
    """
    df = checked_table(data, x=x, n=n, label=label)
    f = _funnel_data(df, x=x, n=n, label=label, statistic=statistic, multiplier=multiplier, mean=mean,
                     highlight=highlight)
    value_label = ({1: "Proporzione", 100: "Percentuale (%)"}.get(f.mult, f"Proporzione × {chart_number(f.mult, 0)}")
                   if f.stat == "proportion" else f"Tasso per {chart_number(f.mult, 0)}")
    title = title or f"{column_label(x)} su {column_label(n).lower()}: grafico a imbuto"
    with axes_for(ax, (9, 5.5)) as ax:
        named = []
        if f.shown.any():
            handles = _draw_funnel_limits(ax, f, mean_label) + _draw_funnel_points(ax, f)
            if log_x:
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(ticker.NullFormatter())
            named = _draw_funnel_labels(ax, f) if label is not None else []
            side_legend(ax, handles)
        else:
            show_empty(ax)
        ax.xaxis.set_major_formatter(italian_formatter())
        ax.yaxis.set_major_formatter(italian_formatter())
        description = _funnel_description(f, title=title, labelled=label is not None, mean_label=mean_label)
        finish(ax, title=title, xlabel=xlabel or column_label(n), ylabel=ylabel or value_label, source=source,
               description=description)
        labels.place_near_points(ax, named)
        return ax


# ---------------------------------------------------------------- trend chart
def _verdict_text(trend: stats.Trend, years: np.ndarray) -> str:
    verdict, reason = str(trend.verdict), str(trend.reason)
    if verdict.startswith("non calcolabile"):
        return f"Tendenza recente: {verdict}"
    span = f" ({int(years[-stats.TREND_POINTS])}–{int(years[-1])})"
    text = f"{verdict} (significativa)" if bool(trend.significant) else verdict
    return f"Tendenza recente{span}: {text}" + (f" - {reason}" if reason else "")


def _whole_years(df: pd.DataFrame, year: str) -> np.ndarray:
    """The `year` column as floats, refusing a missing or fractional year and a year given twice."""
    yrs = column_numbers(df, year, "year")
    if not np.all(np.isfinite(yrs) & (yrs == np.round(yrs))):
        raise ParameterError("year", year, f"la colonna '{year}' deve contenere anni interi in ogni riga")
    if len(np.unique(yrs)) < len(yrs):
        dup = int(pd.Series(yrs)[pd.Series(yrs).duplicated()].iloc[0])
        raise ParameterError("year", dup, "serve una riga per anno: filtrare la tabella per una sola unità e area")
    return yrs


def _trend_description(title: str, yrs: np.ndarray, v: np.ndarray, verdict_text: str) -> str:
    """The text alternative: first and last value shown, the verdict, the years not shown."""
    ok = np.isfinite(v)
    first, last = (np.flatnonzero(ok)[[0, -1]] if ok.any() else (None, None))
    span = (f"Valori dal {int(yrs[first])} al {int(yrs[last])}: da {chart_number(v[first])} a "
            f"{chart_number(v[last])}, con intervallo di confidenza al 95%." if first is not None
            else "Nessun valore disponibile.")
    return (f"Andamento nel tempo: {title}. {span}" + (f" {verdict_text}." if verdict_text else "")
            + not_shown([str(int(y)) for y in yrs[~ok]], "anno non mostrato", "anni non mostrati"))


def trend_plot(data: pd.DataFrame, *, year: str, value: str, lower: str, upper: str,
               title: str | None = None, xlabel: str | None = None, ylabel: str | None = None,
               source: str | None = DEFAULT_SOURCE, verdict: bool = True, ax: Axes | None = None) -> Axes:
    """One unit's value by year: line and points with a shaded 95% interval band.

    One row per year (integer years, any order).  With `verdict` the recent
    trend (`stats.recent_trend` on the 5 most recent years; `lower`/`upper`
    must be 95% limits) is written under the title, e.g. "Tendenza recente
    (2019–2023): in aumento (significativa)" or "…: non calcolabile: …".
    Missing values leave a gap in the line and are counted in the description.
    """
    df = checked_table(data, year=year, value=value, lower=lower, upper=upper)
    yrs = _whole_years(df, year)
    order = np.argsort(yrs)
    yrs, v, lo, hi = yrs[order], *(column_numbers(df, c, p)[order] for c, p in ((value, "value"), (lower, "lower"),
                                                                                (upper, "upper")))
    ok, band = np.isfinite(v), np.isfinite(lo) & np.isfinite(hi)
    text = _verdict_text(stats.recent_trend(v, lo, hi, years=yrs), yrs) if verdict and len(yrs) else ""
    title = title or column_label(value)
    with axes_for(ax, (9, 4.8)) as ax:
        handles = []
        if band.any():
            handles.append(ax.fill_between(yrs, np.where(band, lo, 0), np.where(band, hi, 0), where=band,
                                           color=MAIN, alpha=0.18, lw=0, gid="trend_band",
                                           label="intervallo di confidenza al 95%"))
        ax.plot(yrs, v, color=MAIN, lw=2, gid="trend_line")
        ax.scatter(yrs[ok], v[ok], color=MAIN, s=36, zorder=3, gid="trend_points")
        handles.insert(0, Line2D([], [], color=MAIN, lw=2, marker="o", label="valore"))
        if not ok.any():
            show_empty(ax)
        if len(yrs):
            ax.set_xlim(yrs[0] - 0.5, yrs[-1] + 0.5)
        ax.xaxis.set_major_locator(YearLocator())
        ax.xaxis.set_major_formatter(italian_formatter(0, grouping=False))
        ax.yaxis.set_major_formatter(italian_formatter())
        ax.grid(False, axis="x")
        side_legend(ax, handles)
        if text:
            ax.annotate(text, xy=(0, 1), xycoords="axes fraction", xytext=(0, 7), textcoords="offset points",
                        ha="left", va="bottom", color=INK, fontsize="medium", gid="trend_verdict")
        description = _trend_description(title, yrs, v, text)
        return finish(ax, title=title, xlabel=xlabel or "Anno", ylabel=ylabel or column_label(value), source=source,
                      description=description, pad=28 if text else 6)
