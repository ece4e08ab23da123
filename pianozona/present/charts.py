"""House-style charts for Italian reports: funnel, forest (caterpillar) and trend.

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
``describe(ax)`` (or ``describe(fig)`` for every chart of a figure).  The
description is kept in a weak registry keyed by the Axes, so it goes away
with the figure; drawing a second chart on the same Axes replaces it.

Text from data shows literally: comune names, labels, titles and tick labels
go through `literal`, which escapes the dollar sign that matplotlib would
read as mathtext ("$x$"), and every text of a chart is drawn without TeX
(``usetex=False``) even when the global rcParams ask for it.

Drawn elements carry a `gid` ("funnel_points", "forest_comparator",
"trend_verdict", "source", …) so tests and SVG output can find them.  The
statistics all come from `pianozona.analysis.stats`; nothing is recomputed here.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D
from matplotlib.text import Text

from pianozona.analysis import stats
from pianozona.errors import ParameterError
from pianozona.formatting import num
from pianozona.analysis.indicators import ETICHETTE

__all__ = ["PALETTE", "DEFAULT_SOURCE", "set_theme", "italian_formatter", "funnel_plot", "forest_plot",
           "trend_plot", "describe", "literal"]

LOCALE = "it_IT"
#: Restrained, colour-blind-safe house palette (Okabe-Ito accents on a dark blue).
PALETTE = ("#1f4e79", "#d55e00", "#009e73", "#e69f00", "#56b4e9", "#7f7f7f", "#cc79a7")
DEFAULT_SOURCE = "elaborazione dell'Ufficio di Piano"
MAIN, INK, MUTED = PALETTE[0], "#262626", "#595959"
_THEME = {"context": "notebook", "style": "whitegrid", "font": "sans-serif", "font_scale": 1.0}
_RC = {"figure.facecolor": "white", "axes.facecolor": "white", "savefig.facecolor": "white",
       "axes.edgecolor": "#bfbfbf", "grid.color": "#e8e8e8", "grid.linewidth": 0.8,
       "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 13,
       "axes.titleweight": "bold", "axes.titlelocation": "left", "axes.labelsize": 11,
       "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10,
       "legend.title_fontsize": 10, "legend.frameon": False, "savefig.dpi": 150, "savefig.bbox": "tight"}
_FUNNEL_COLOURS = {"within": "#5b6770", "above_2sd": "#e69f00", "below_2sd": "#e69f00",
                   "above_3sd": "#d55e00", "below_3sd": "#d55e00"}
_FUNNEL_LEGEND = (("within", "entro i limiti"), ("above_2sd", "oltre i limiti 2σ"),
                  ("above_3sd", "oltre i limiti 3σ"))
_BENCHMARK = {"migliore": ("#0072b2", "migliori"), "simile": ("#8c8c8c", "simili"),
              "peggiore": ("#d55e00", "peggiori"), "non confrontabile": ("#d9d9d9", "non confrontabili")}
_STATISTICS = {"proportion": "proportion", "proporzione": "proportion", "rate": "rate", "tasso": "rate"}
_DESCRIPTIONS: weakref.WeakKeyDictionary[Axes, str] = weakref.WeakKeyDictionary()


# ---------------------------------------------------------------- theme and numbers
def set_theme() -> None:
    """Apply the house theme globally (seaborn `set_theme`); calling it again changes nothing."""
    sns.set_theme(palette=list(PALETTE), rc=_RC, **_THEME)


@lru_cache(maxsize=1)
def _house_rc() -> dict[str, Any]:
    """The rcParams that `set_theme` sets, for drawing new figures in house style."""
    rc = {**sns.axes_style(_THEME["style"]), **sns.plotting_context(_THEME["context"], _THEME["font_scale"])}
    return {**rc, "font.family": [_THEME["font"]], "axes.prop_cycle": mpl.cycler(color=list(PALETTE)), **_RC}


def _number(value: float, decimals: int | None = None, grouping: bool = True) -> str:
    """A number in Italian format (`formatting.num`); `decimals=None` picks 0-3 by size."""
    value = float(value)
    if decimals is None and np.isfinite(value):
        size = abs(value)
        decimals = 0 if size >= 1000 else 1 if size >= 10 else 2 if size >= 1 else 3
    return num(value, decimals or 0, grouping=grouping)


class ItalianFormatter(ticker.FuncFormatter):
    """Tick labels in Italian format; with ``decimals=None`` all ticks share the fewest exact decimals."""

    def __init__(self, decimals: int | None = None, grouping: bool = True) -> None:
        self.decimals, self.grouping, self._auto = decimals, grouping, 0
        super().__init__(lambda x, pos=None: _number(x, self._auto if self.decimals is None else self.decimals,
                                                     self.grouping))

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        locs = np.asarray(locs, dtype=float)
        scale = 1e-9 * max(1.0, float(np.abs(locs).max())) if locs.size else 0.0
        self._auto = next((d for d in range(4) if np.all(np.abs(np.round(locs, d) - locs) <= scale)), 3)


class _YearLocator(ticker.Locator):
    """Whole years in view: every year if the labels fit, else every k-th, always ending on the last."""

    def __call__(self):
        lo, hi = sorted(self.axis.get_view_interval())
        years = np.arange(np.ceil(lo), np.floor(hi) + 1)
        step = max(1, int(np.ceil(len(years) / max(self.axis.get_tick_space(), 1))))
        return years[::-1][::step][::-1]


def italian_formatter(decimals: int | None = None, *, grouping: bool = True) -> ItalianFormatter:
    """A matplotlib FuncFormatter writing ticks as Babel does for it_IT ("1.234,5").

    `decimals=None` chooses, per axis, the fewest decimals that show every
    tick exactly (at most 3); ``grouping=False`` drops the thousands
    separator (years: "2023", not "2.023").  Use: ``ax.yaxis.set_major_formatter(italian_formatter(1))``.
    """
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0):
        raise ParameterError("decimals", decimals, "indicare un intero non negativo, ad esempio 0 o 1")
    return ItalianFormatter(decimals, grouping)


# ---------------------------------------------------------------- shared helpers
def literal(text: Any) -> str:
    """`text` as matplotlib should show it, character for character (no mathtext).

    Matplotlib reads a string with two unescaped "$" as mathtext: a comune
    named "A $x$ B" would render x in italics, and "$\\frac$" would stop the
    drawing with a parse error.  Escaping each "$" as "\\$" makes the string
    plain text, which matplotlib shows with the dollar signs restored.
    """
    return str(text).replace("$", r"\$")


def _plain_text(ax: Axes) -> None:
    """Draw every text of `ax` (titles, labels, ticks, legend, annotations) without TeX."""
    for text in ax.findobj(Text):
        text.set_usetex(False)


def _frame(data: Any, **columns: Any) -> pd.DataFrame:
    """Check `data` is a DataFrame holding every named column (None = option not used)."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data", type(data).__name__, "passare una tabella pandas (DataFrame)")
    available = ", ".join(map(str, data.columns)) or "(nessuna)"
    for param, col in columns.items():
        if col is not None and not any(c == col for c in data.columns):  # `in` fails on lists
            raise ParameterError(param, col, f"colonne disponibili: {available}")
    return data.reset_index(drop=True)


def _numbers(df: pd.DataFrame, col: str, param: str) -> np.ndarray:
    try:
        return df[col].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ParameterError(param, col, f"la colonna '{col}' deve contenere numeri "
                             "(celle vuote per i dati mancanti o non pubblicabili)") from exc


def _pretty(col: str) -> str:
    return ETICHETTE.get(col) or str(col).replace("_", " ").strip().capitalize()


def _not_shown(names: list[str], one: str, many: str) -> str:
    """Sentence on the units that are not drawn, e.g. '2 unità non mostrate … (A, B).'"""
    if not names:
        return ""
    listed = f" ({', '.join(names)})" if any(names) else ""
    noun = one if len(names) == 1 else many
    return f" {len(names)} {noun} perché il dato manca o non è pubblicabile{listed}."


@contextlib.contextmanager
def _canvas(ax: Axes | None, figsize: tuple[float, float]) -> Iterator[Axes]:
    """The Axes to draw on: `ax` as given, or a new house-style figure."""
    if ax is not None:
        if not isinstance(ax, Axes):
            raise ParameterError("ax", type(ax).__name__, "passare un Axes di matplotlib oppure None")
        yield ax
        return
    with mpl.rc_context(_house_rc()):
        fig, new = plt.subplots(figsize=figsize, layout="constrained")
        for axis in (new.xaxis, new.yaxis):
            axis.get_major_ticks()  # later ticks copy the first: the style outlives the context
        yield new


def _finish(ax: Axes, *, title: str, xlabel: str, ylabel: str, source: str | None, description: str,
            pad: float = 6) -> Axes:
    ax.set_title(literal(title), loc="left", fontweight="bold", pad=pad)
    ax.set_xlabel(literal(xlabel))
    ax.set_ylabel(literal(ylabel))
    if source and str(source).strip():
        text = str(source).strip()
        text = literal(text if text.lower().startswith("fonte") else f"Fonte: {text}")
        ax.annotate(text, xy=(0, 0), xycoords=("axes fraction", ax.xaxis.label),
                    xytext=(0, -6), textcoords="offset points", ha="left", va="top",
                    fontsize="small", color=MUTED, gid="source")
    _plain_text(ax)
    _DESCRIPTIONS[ax] = " ".join(description.split())
    return ax


def _empty(ax: Axes) -> None:
    ax.text(0.5, 0.5, "Nessun dato da mostrare", transform=ax.transAxes, ha="center", va="center",
            color=MUTED, gid="empty")


def _declutter(ax: Axes, labels: list) -> None:
    """Move point labels up until none overlaps a lower one (measured on the current layout)."""
    if not labels:
        return
    ax.figure.canvas.figure.draw_without_rendering()  # run the layout so that positions are final
    renderer, placed = ax.figure.canvas.get_renderer(), []

    def box(text):  # the text alone, without its leader line
        text.update_positions(renderer)
        return Text.get_window_extent(text, renderer)

    for text in sorted(labels, key=lambda t: t.xy[1]):
        for _ in range(30):
            if not any(box(text).overlaps(other) for other in placed):
                break
            text.xyann = (text.xyann[0], text.xyann[1] + 3)
        placed.append(box(text))


def _legend(ax: Axes, handles: list, title: str | None = None) -> None:
    ax.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
              alignment="left")


def describe(ax: Axes | FigureBase) -> str:
    """The Italian text alternative of a chart drawn by this module (all its charts for a figure)."""
    if isinstance(ax, FigureBase):
        texts = [_DESCRIPTIONS[a] for a in ax.get_axes() if a in _DESCRIPTIONS]
    elif isinstance(ax, Axes):
        texts = [_DESCRIPTIONS[ax]] if ax in _DESCRIPTIONS else []
    else:
        raise ParameterError("ax", type(ax).__name__, "passare l'Axes (o la figura) di un grafico di pianozona.present.charts")
    if not texts:
        raise ParameterError("ax", "senza descrizione", "il grafico non è stato disegnato con pianozona.present.charts")
    return " ".join(texts)


# ---------------------------------------------------------------- funnel plot
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
    df = _frame(data, x=x, n=n, label=label)
    stat = _STATISTICS.get(str(statistic).strip().lower())
    if stat is None:
        raise ParameterError("statistic", statistic, "valori ammessi: 'proportion' (proporzione), 'rate' (tasso)")
    mult = (100 if stat == "proportion" else 1000) if multiplier is None else multiplier
    xs, ns = _numbers(df, x, "x"), _numbers(df, n, "n")
    names = df[label].astype(str).tolist() if label is not None else [""] * len(df)
    wanted = [str(h) for h in ([] if highlight is None else [highlight] if isinstance(highlight, str) else highlight)]
    if wanted and label is None:
        raise ParameterError("highlight", wanted[0], "indicare anche label, la colonna con i nomi delle unità")
    unknown = [h for h in wanted if h not in names]
    if unknown:
        raise ParameterError("highlight", unknown[0], "valori disponibili: " + ", ".join(names))
    usable = np.isfinite(xs) & np.isfinite(ns) & (ns > 0)
    if mean is None:
        pooled = pd.DataFrame({"x": xs[usable], "n": ns[usable]})
        mean = stats.by_group(pooled, stat, x="x", n="n", multiplier=mult)["value"].iloc[0] if usable.any() else np.nan
    codes = np.atleast_1d(stats.funnel_significance(xs, ns, statistic=stat, mean=mean, multiplier=mult))
    shown = usable & (codes != "not_assessable")
    with np.errstate(all="ignore"):
        values = np.where(shown, xs / ns * mult, np.nan)
    value_label = ({1: "Proporzione", 100: "Percentuale (%)"}.get(mult, f"Proporzione × {_number(mult, 0)}")
                   if stat == "proportion" else f"Tasso per {_number(mult, 0)}")
    title = title or f"{_pretty(x)} su {_pretty(n).lower()}: grafico a imbuto"
    with _canvas(ax, (9, 5.5)) as ax:
        handles, labels = [], []
        if shown.any():
            lo, hi = ns[shown].min() * 0.8, ns[shown].max() * 1.05
            # the units' own denominators are on the grid: there the drawn lines are the limits they are tested on
            grid = np.unique(np.concatenate([np.linspace(lo, hi, 200), np.geomspace(lo, hi, 200), ns[shown]]))
            lim = stats.funnel_limits(mean, grid, statistic=stat, multiplier=mult)
            for key, text, style in (("2sd", "limiti 2σ (95%)", "--"), ("3sd", "limiti 3σ (99,8%)", "-")):
                for side in ("lower", "upper"):
                    line, = ax.plot(grid, getattr(lim, f"{side}_{key}"), color="#7f7f7f", ls=style, lw=1.2,
                                    label=text if side == "upper" else "_nolegend_", gid=f"funnel_{side}_{key}")
                handles.append(line)
            centre, = ax.plot(grid, np.full(grid.shape, float(mean)), color=INK, lw=1.2, gid="funnel_centre",
                              label=f"{literal(mean_label)} ({_number(mean)})")
            handles.append(centre)
            idx = np.flatnonzero(shown)
            ax.scatter(ns[idx], values[idx], c=[_FUNNEL_COLOURS[c] for c in codes[idx]], s=42, zorder=3,
                       edgecolors="white", linewidths=0.6, gid="funnel_points")
            present = {c.replace("below", "above") for c in codes[idx]}
            handles += [Line2D([], [], ls="", marker="o", markersize=7, color=_FUNNEL_COLOURS[code], label=text)
                        for code, text in _FUNNEL_LEGEND if code in present]
            marked = [i for i in idx if names[i] in wanted]
            if marked:
                ax.scatter(ns[marked], values[marked], s=170, facecolors="none", edgecolors=INK, linewidths=1.4,
                           zorder=4, gid="funnel_highlight")
            if log_x:
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(ticker.NullFormatter())
            leader = {"arrowstyle": "-", "color": MUTED, "lw": 0.6, "relpos": (0, 0), "shrinkA": 0, "shrinkB": 4}
            labels = [ax.annotate(literal(names[i]), (ns[i], values[i]), xytext=(5, 3), textcoords="offset points",
                                  fontsize="small", color=INK, arrowprops=leader, gid="funnel_label",
                                  fontweight="bold" if names[i] in wanted else "normal")
                      for i in idx if label is not None and (codes[i] != "within" or names[i] in wanted)]
            _legend(ax, handles)
        else:
            _empty(ax)
        ax.xaxis.set_major_formatter(italian_formatter())
        ax.yaxis.set_major_formatter(italian_formatter())
        outside = [f"{text}: " + (", ".join(names[i] for i in hit) if label is not None else f"{len(hit)} unità")
                   for code, text in stats.FUNNEL_LABELS.items() if code not in ("within", "not_assessable")
                   and len(hit := np.flatnonzero(shown & (codes == code)))]
        verdict = ("Fuori dai limiti di controllo - " + "; ".join(outside) + "." if outside
                   else "Tutte le unità mostrate sono entro i limiti 2σ.")
        description = (f"Grafico a imbuto: {title}. {int(shown.sum())} unità su {len(df)} mostrate con la linea "
                       f"centrale ({mean_label}: {_number(mean)}) e i limiti di controllo 2σ e 3σ. {verdict}"
                       + _not_shown([names[i] for i in np.flatnonzero(~shown)], "unità non mostrata",
                                    "unità non mostrate"))
        _finish(ax, title=title, xlabel=xlabel or _pretty(n), ylabel=ylabel or value_label, source=source,
                description=description)
        _declutter(ax, labels)
        return ax


# ---------------------------------------------------------------- forest plot
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
    counted in the description; a missing limit only drops the bar.
    """
    df = _frame(data, value=value, lower=lower, upper=upper, label=label)
    v, lo, hi = _numbers(df, value, "value"), _numbers(df, lower, "lower"), _numbers(df, upper, "upper")
    names = df[label].astype(str).to_numpy()
    if comparator is not None:
        comp = pd.to_numeric(pd.Series([comparator]), errors="coerce").iloc[0]
        if not np.isfinite(comp):
            raise ParameterError("comparator", comparator, "indicare un numero, ad esempio il valore del distretto")
        comparator = float(comp)
    if polarity is not None and comparator is None:
        raise ParameterError("polarity", polarity, "indicare anche comparator, il valore con cui confrontare")
    idx = np.flatnonzero(np.isfinite(v))
    idx = idx[np.argsort(v[idx], kind="stable")]
    cats = (np.atleast_1d(stats.benchmark(v[idx], lo[idx], hi[idx], comparator, polarity))
            if polarity is not None else None)
    colours = [_BENCHMARK[c][0] for c in cats] if cats is not None else [MAIN] * len(idx)
    rows = np.arange(len(idx))
    title = title or _pretty(value)
    with _canvas(ax, (9, max(3.2, 0.34 * len(idx) + 1.9))) as ax:
        bars = np.isfinite(lo[idx]) & np.isfinite(hi[idx])
        ax.hlines(rows[bars], lo[idx][bars], hi[idx][bars], colors=np.asarray(colours, dtype=object)[bars]
                  if len(idx) else [], lw=2.2, gid="forest_intervals")
        ax.scatter(v[idx], rows, c=colours, s=38, zorder=3, edgecolors=INK if cats is not None else "white",
                   linewidths=0.5, gid="forest_points")
        handles = ([Line2D([], [], color=colour, marker="o", markeredgecolor=INK, markeredgewidth=0.5, lw=2.2,
                           label=plural) for cat, (colour, plural) in _BENCHMARK.items() if (cats == cat).any()]
                   if cats is not None else
                   [Line2D([], [], color=MAIN, marker="o", lw=2.2, label="valore e intervallo di confidenza")])
        if comparator is not None:
            handles.append(ax.axvline(comparator, color=INK, ls="--", lw=1.2, zorder=2, gid="forest_comparator",
                                      label=f"{literal(comparator_label)}: {_number(comparator)}"))
        ax.set_yticks(rows, [literal(name) for name in names[idx]])
        ax.set_ylim(-0.7, max(len(idx), 1) - 0.3)
        ax.grid(False, axis="y")
        ax.xaxis.set_major_formatter(italian_formatter())
        if len(idx):
            _legend(ax, handles, "Rispetto al riferimento" if cats is not None else None)
        else:
            _empty(ax)
        parts = [f"Grafico a intervalli: {title}."]
        if len(idx):
            parts.append(f"{len(idx)} unità ordinate per valore, da {names[idx[0]]} ({_number(v[idx[0]])}) "
                         f"a {names[idx[-1]]} ({_number(v[idx[-1]])}), con intervalli di confidenza.")
        if comparator is not None:
            parts.append(f"Linea di riferimento {comparator_label}: {_number(comparator)}.")
        if cats is not None and len(idx):
            counts = [f"{(cats == c).sum()} {plural}" for c, (_, plural) in _BENCHMARK.items() if (cats == c).any()]
            parts.append(f"Rispetto al riferimento: {', '.join(counts)}.")
        description = " ".join(parts) + _not_shown(list(names[~np.isfinite(v)]), "unità non mostrata",
                                                   "unità non mostrate")
        return _finish(ax, title=title, xlabel=xlabel or _pretty(value), ylabel=ylabel or _pretty(label),
                       source=source, description=description)


# ---------------------------------------------------------------- trend chart
def _verdict_text(trend: stats.Trend, years: np.ndarray) -> str:
    verdict, reason = str(trend.verdict), str(trend.reason)
    if verdict.startswith("non calcolabile"):
        return f"Tendenza recente: {verdict}"
    span = f" ({int(years[-stats.TREND_POINTS])}–{int(years[-1])})"
    text = f"{verdict} (significativa)" if bool(trend.significant) else verdict
    return f"Tendenza recente{span}: {text}" + (f" - {reason}" if reason else "")


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
    df = _frame(data, year=year, value=value, lower=lower, upper=upper)
    yrs = _numbers(df, year, "year")
    if not np.all(np.isfinite(yrs) & (yrs == np.round(yrs))):
        raise ParameterError("year", year, f"la colonna '{year}' deve contenere anni interi in ogni riga")
    if len(np.unique(yrs)) < len(yrs):
        dup = int(pd.Series(yrs)[pd.Series(yrs).duplicated()].iloc[0])
        raise ParameterError("year", dup, "serve una riga per anno: filtrare la tabella per una sola unità e area")
    order = np.argsort(yrs)
    yrs, v, lo, hi = yrs[order], *(_numbers(df, c, p)[order] for c, p in ((value, "value"), (lower, "lower"),
                                                                           (upper, "upper")))
    ok, band = np.isfinite(v), np.isfinite(lo) & np.isfinite(hi)
    text = _verdict_text(stats.recent_trend(v, lo, hi, years=yrs), yrs) if verdict and len(yrs) else ""
    title = title or _pretty(value)
    with _canvas(ax, (9, 4.8)) as ax:
        handles = []
        if band.any():
            handles.append(ax.fill_between(yrs, np.where(band, lo, 0), np.where(band, hi, 0), where=band,
                                           color=MAIN, alpha=0.18, lw=0, gid="trend_band",
                                           label="intervallo di confidenza al 95%"))
        ax.plot(yrs, v, color=MAIN, lw=2, gid="trend_line")
        ax.scatter(yrs[ok], v[ok], color=MAIN, s=36, zorder=3, gid="trend_points")
        handles.insert(0, Line2D([], [], color=MAIN, lw=2, marker="o", label="valore"))
        if not ok.any():
            _empty(ax)
        if len(yrs):
            ax.set_xlim(yrs[0] - 0.5, yrs[-1] + 0.5)
        ax.xaxis.set_major_locator(_YearLocator())
        ax.xaxis.set_major_formatter(italian_formatter(0, grouping=False))
        ax.yaxis.set_major_formatter(italian_formatter())
        ax.grid(False, axis="x")
        _legend(ax, handles)
        if text:
            ax.annotate(text, xy=(0, 1), xycoords="axes fraction", xytext=(0, 7), textcoords="offset points",
                        ha="left", va="bottom", color=INK, fontsize="medium", gid="trend_verdict")
        first, last = (np.flatnonzero(ok)[[0, -1]] if ok.any() else (None, None))
        span = (f"Valori dal {int(yrs[first])} al {int(yrs[last])}: da {_number(v[first])} a {_number(v[last])}, "
                "con intervallo di confidenza al 95%." if first is not None else "Nessun valore disponibile.")
        description = (f"Andamento nel tempo: {title}. {span}" + (f" {text}." if text else "")
                       + _not_shown([str(int(y)) for y in yrs[~ok]], "anno non mostrato", "anni non mostrati"))
        return _finish(ax, title=title, xlabel=xlabel or "Anno", ylabel=ylabel or _pretty(value), source=source,
                       description=description, pad=28 if text else 6)
