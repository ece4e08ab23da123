"""The spine chart of a comune's profile: each indicator within the range of the comuni, against the district.

`spine_plot` draws, after England's Fingertips profiles, one row per
indicator.  Each row is scaled on its own: the comparator (the district) is
the centre line and the farthest of minimum and maximum from it (or the comune
itself, if farther) is the edge, so indicators in different units share one
picture.  A light bar spans the range of the comuni (minimum to maximum), a
darker bar the middle half (first to third quartile), and the comune is a
marker whose colour AND shape say its verdict (`VERDICT_STYLE`, Okabe-Ito
colours told apart with any colour vision); the verdict is also written at the
right of the row and explained in the legend, and the comune's value is
written, in Italian format, between the indicator's name and the bars.
`reference` says which comuni a row's range is over (`range_name`: "comuni
del distretto", "comuni della provincia"): in the legend when the rows share
it, under each verdict when they do not.

A hidden or missing value (NaN) draws no marker: the row says "non pubblicato"
and the text alternative says the same, never the value or anything derived
from it; its verdict must be "non confrontabile" or "non valutato"
(`ParameterError` otherwise).  A row without a comparator is centred on the
middle of its range and has no centre line; a row whose range is a single
point is drawn at the centre (no division by zero).  Drawn elements carry a
`gid` ("spine_range", "spine_quartiles", "spine_centre", "spine_<verdict>",
"spine_value", "spine_verdict") for tests and SVG output.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from pianozona.errors import ParameterError
from pianozona.present.rug_table import SILENT_VERDICTS, VERDICTS
from pianozona.present.scaffold import axes_for, checked_table, column_numbers, finish, show_empty, side_legend
from pianozona.present.style import DEFAULT_SOURCE, INK, MUTED, chart_number, literal

__all__ = ["HIDDEN_TEXT", "RANGE_COLOURS", "VERDICT_STYLE", "range_name", "spine_plot"]

#: Marker of each verdict: (face colour, marker shape); Okabe-Ito colours, a different shape for each.
VERDICT_STYLE = {"superiore": ("#0072b2", "^"), "inferiore": ("#d55e00", "v"), "simile": ("#f0e442", "o"),
                 "non confrontabile": ("#ffffff", "D"), "non valutato": ("#bbbbbb", "s")}
#: Colours of the range bar (minimum to maximum) and of the middle half (first to third quartile).
RANGE_COLOURS = ("#dfe3e8", "#9fabb8")
#: What a row says in place of a value that is hidden or missing.
HIDDEN_TEXT = "non pubblicato"
_EDGE = 1.0  # a row's farthest point from the centre, in the scaled units
_VALUE_X, _VERDICT_X, _XLIM = -1.1, 1.1, (-2.05, 2.65)  # text columns and the view, in scaled units


def range_name(reference: str) -> str:
    """The comuni a range is over: "comuni del distretto" as given, "provincia" as "comuni (provincia)"."""
    text = str(reference).strip()
    return text if text.lower().startswith("comuni") else f"comuni ({text})" if text else "comuni"


def _scaled(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each row in scaled units: centre (comparator, or the middle of the range) at 0, farthest point at ±1."""
    comp, low, high, value = columns["comparator"], columns["low"], columns["high"], columns["value"]
    middle = np.where(np.isfinite(low) & np.isfinite(high), (low + high) / 2, np.where(np.isfinite(value), value, 0))
    centre = np.where(np.isfinite(comp), comp, middle)
    with np.errstate(invalid="ignore"):
        spread = np.nanmax(np.abs(np.vstack([low, high, value]) - centre), axis=0, initial=0.0)
    spread = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)  # a single point: nothing to divide
    return {name: (col - centre) / spread * _EDGE for name, col in columns.items()}


def _verdicts(df: pd.DataFrame, verdict: str, indicator: str, values: np.ndarray) -> list[str]:
    """The verdicts as text, checked against `VERDICTS`; a hidden value may carry only a silent verdict."""
    out = []
    for i, (raw, val) in enumerate(zip(df[verdict], values)):
        text = raw.strip() if isinstance(raw, str) else raw
        where = f"riga {i + 1} di data (indicatore {df.at[i, indicator]})"
        if text not in VERDICTS:
            raise ParameterError("verdict", raw, f"{where}, colonna '{verdict}': valori ammessi "
                                 + ", ".join(f"'{v}'" for v in VERDICTS))
        if not np.isfinite(val) and text not in SILENT_VERDICTS:
            raise ParameterError("verdict", text, f"{where}: valore non pubblicato con verdetto '{text}', che "
                                 "direbbe qualcosa del valore; usare 'non confrontabile'")
        out.append(text)
    return out


def _draw_rows(ax: Axes, s: dict[str, np.ndarray], verdicts: list[str]) -> None:
    """Range and quartile bars, centre segments and the markers, one call per kind (linear in the rows)."""
    rows = np.arange(len(verdicts))
    for (lo, hi), colour, height, gid in (((s["low"], s["high"]), RANGE_COLOURS[0], 0.62, "spine_range"),
                                          ((s["q1"], s["q3"]), RANGE_COLOURS[1], 0.62, "spine_quartiles")):
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.barh(rows[ok], (hi - lo)[ok], left=lo[ok], height=height, color=colour, zorder=1, gid=gid)
    with_centre = np.isfinite(s["comparator"])
    ax.vlines(np.zeros(with_centre.sum()), rows[with_centre] - 0.42, rows[with_centre] + 0.42, colors=INK,
              lw=1.6, zorder=2, gid="spine_centre")
    names = np.array(verdicts, dtype=object)
    for name, (colour, shape) in VERDICT_STYLE.items():
        pick = (names == name) & np.isfinite(s["value"])
        if pick.any():
            ax.scatter(s["value"][pick], rows[pick], s=90, c=colour, marker=shape, edgecolors=INK,
                       linewidths=0.9, zorder=3, gid=f"spine_{name.replace(' ', '_')}")


def _write_rows(ax: Axes, texts: list[str], verdicts: list[str], hidden: np.ndarray,
                ranges: list[str] | None) -> None:
    """The comune's value (or "non pubblicato") left of the bars, the verdict in words right of them and,
    when the rows' ranges are over different comuni (`ranges`), which comuni under the verdict."""
    for row, (text, state, gone) in enumerate(zip(texts, verdicts, hidden)):
        ax.text(_VALUE_X, row, text, ha="right", va="center", color=MUTED if gone else INK,
                style="italic" if gone else "normal", fontweight="normal" if gone else "bold",
                fontsize="small" if gone else "medium", gid="spine_value")
        ax.text(_VERDICT_X, row - 0.04 if ranges else row, state, ha="left", va="bottom" if ranges else "center",
                color=INK, fontsize="small", gid="spine_verdict")
        if ranges:
            ax.text(_VERDICT_X, row + 0.04, literal(f"tra i {ranges[row]}"), ha="left", va="top", color=MUTED,
                    fontsize="x-small", gid="spine_reference")
    headers = ax.get_xaxis_transform()  # x in data, y in axes fraction
    ax.text(_VALUE_X, 1.0, "Comune", transform=headers, ha="right", va="bottom", color=MUTED, fontsize="small")
    ax.text(_VERDICT_X, 1.0, "Verdetto", transform=headers, ha="left", va="bottom", color=MUTED, fontsize="small")


def _legend(ax: Axes, drawn: list[str], has_range: bool, reference: str) -> None:
    """Bars, centre line and the markers drawn, in `VERDICTS` order."""
    handles = []
    if has_range:
        handles += [Patch(color=RANGE_COLOURS[0], label=f"Dal minimo al massimo dei {literal(range_name(reference))}"),
                    Patch(color=RANGE_COLOURS[1], label="Metà centrale (1° – 3° quartile)")]
    handles.append(Line2D([], [], color=INK, lw=1.6, label="Valore del distretto"))
    handles += [Line2D([], [], ls="", marker=VERDICT_STYLE[v][1], markersize=9, markerfacecolor=VERDICT_STYLE[v][0],
                       markeredgecolor=INK, label=f"Comune: {v}") for v in VERDICTS if v in drawn]
    side_legend(ax, handles)


def _describe(labels: list[str], texts: list[str], verdicts: list[str], hidden: np.ndarray,
              cols: dict[str, np.ndarray], refs: list[str]) -> str:
    """The text alternative: what the chart shows and, per indicator, value, range, verdict (never a hidden value)."""
    if not labels:
        return "Grafico a spina senza indicatori da mostrare."
    counts = pd.Series(verdicts).value_counts()
    summary = ", ".join(f"{int(counts[v])} {v}" for v in VERDICTS if v in counts)
    gone = int(hidden.sum())
    items = []
    for i, name in enumerate(labels):
        parts = [HIDDEN_TEXT if hidden[i] else f"valore del comune {texts[i]}"]
        if np.isfinite(cols["comparator"][i]):
            parts.append(f"distretto {chart_number(cols['comparator'][i])}")
        if np.isfinite(cols["low"][i]) and np.isfinite(cols["high"][i]):
            parts.append(f"{range_name(refs[i])} da {chart_number(cols['low'][i])} a "
                         f"{chart_number(cols['high'][i])}")
        items.append(f"{name}: {', '.join(parts)}; verdetto {verdicts[i]}")
    hidden_note = f" {gone} valori non pubblicati, senza segno." if gone > 1 else (
        " 1 valore non pubblicato, senza segno." if gone else "")
    return (f"Grafico a spina di {len(labels)} indicatori del comune rispetto al distretto (linea centrale): "
            "per ciascuno la barra chiara va dal minimo al massimo dei comuni, la barra scura dal primo al terzo "
            f"quartile e il segno, di colore e forma diversi per verdetto, è il valore del comune. Verdetti: "
            f"{summary}.{hidden_note} " + "; ".join(items) + ".")


def spine_plot(data: pd.DataFrame, *, indicator: str = "indicatore", value: str = "valore",
               comparator: str = "comparatore", low: str = "minimo", q1: str = "q1", q3: str = "q3",
               high: str = "massimo", verdict: str = "verdetto", reference: str | None = "riferimento",
               decimals: str | None = None, title: str | None = None, source: str | None = DEFAULT_SOURCE,
               wrap: int = 34, ax: Axes | None = None) -> Axes:
    """Spine chart of one comune: a row per indicator of `data`, in its order (see the module docstring).

    `value` is the comune's value (NaN when hidden), `comparator` the
    district's, `low`/`q1`/`q3`/`high` the range of the comuni; `verdict`
    one of `rug_table.VERDICTS`; `reference` (optional) names the comuni of
    the range ("distretto", "provincia").  `decimals` (optional) names a
    column with each value's decimals, so the chart writes it as its table
    does; without it the decimals follow the size of the number.
    """
    df = checked_table(data, indicator=indicator, value=value, comparator=comparator, low=low, q1=q1, q3=q3,
                       high=high, verdict=verdict, reference=reference, decimals=decimals)
    cols = {name: column_numbers(df, col, name) for name, col in
            (("value", value), ("comparator", comparator), ("low", low), ("q1", q1), ("q3", q3), ("high", high))}
    verdicts = _verdicts(df, verdict, indicator, cols["value"])
    hidden = ~np.isfinite(cols["value"])
    digits = column_numbers(df, decimals, "decimals") if decimals else np.full(len(df), np.nan)
    texts = [HIDDEN_TEXT if gone else chart_number(v, int(d) if np.isfinite(d) else None)
             for v, d, gone in zip(cols["value"], digits, hidden)]
    labels = [str(v) for v in df[indicator]]
    refs = [str(r) if reference and pd.notna(r) else "" for r in (df[reference] if reference else [None] * len(df))]
    with axes_for(ax, (12.0, 0.5 * len(df) + 1.9)) as ax:
        if df.empty:
            show_empty(ax)
        else:
            _draw_rows(ax, _scaled(cols), verdicts)
            mixed = len(set(refs)) > 1  # ranges over different comuni: each row says which, under its verdict
            _write_rows(ax, texts, verdicts, hidden, [range_name(r) for r in refs] if mixed else None)
            ax.set_yticks(np.arange(len(df)), [literal(textwrap.fill(n, wrap)) for n in labels])
            ax.set_ylim(len(df) - 0.5, -0.5)
            ax.set_xlim(*_XLIM)
            ax.set_xticks([])
            ax.grid(False)
            ax.spines[["left", "bottom"]].set_visible(False)
            drawn = [v for v, gone in zip(verdicts, hidden) if not gone]
            _legend(ax, drawn, bool(np.isfinite(cols["low"]).any()), "" if mixed else refs[0])
        return finish(ax, title=title or "Il comune rispetto al distretto, indicatore per indicatore",
                      xlabel="Scala propria di ogni indicatore: distretto al centro, estremo più distante ai bordi",
                      ylabel="", source=source, pad=16,
                      description=_describe(labels, texts, verdicts, hidden, cols, refs))
