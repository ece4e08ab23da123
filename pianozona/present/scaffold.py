"""What every chart does around its drawing: check the table, open the Axes, finish it, keep its text alternative.

A chart function checks its `data` with `checked_table` and reads numeric
columns with `column_numbers`, draws inside ``with axes_for(ax, figsize)``
(the given Axes, or a new figure in the house style of
`pianozona.present.style`), and ends with `finish`: title, axis labels, the
source line ("Fonte: …", gid "source"), text without TeX, and the Italian
description that `describe` returns.  Descriptions live in a weak registry
keyed by the Axes, so they go away with the figure; drawing a second chart on
the same Axes replaces it.  `declutter` moves overlapping point labels apart
once the layout is final.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from matplotlib.text import Text

from pianozona.analysis.indicators import ETICHETTE
from pianozona.errors import ParameterError
from pianozona.present.style import MUTED, house_rc, literal, plain_text

_DESCRIPTIONS: weakref.WeakKeyDictionary[Axes, str] = weakref.WeakKeyDictionary()


def checked_table(data: Any, **columns: Any) -> pd.DataFrame:
    """Check `data` is a DataFrame holding every named column (None = option not used); index reset."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data", type(data).__name__, "passare una tabella pandas (DataFrame)")
    available = ", ".join(map(str, data.columns)) or "(nessuna)"
    for param, col in columns.items():
        if col is not None and not any(c == col for c in data.columns):  # `in` fails on lists
            raise ParameterError(param, col, f"colonne disponibili: {available}")
    return data.reset_index(drop=True)


def column_numbers(df: pd.DataFrame, col: str, param: str) -> np.ndarray:
    """Column `col` as floats (missing -> NaN); `param` names the option that chose it in the error."""
    try:
        return df[col].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ParameterError(param, col, f"la colonna '{col}' deve contenere numeri "
                             "(celle vuote per i dati mancanti o non pubblicabili)") from exc


def column_label(col: str) -> str:
    """An axis label for a column: its Italian label (`indicators.ETICHETTE`) or its name, readable."""
    return ETICHETTE.get(col) or str(col).replace("_", " ").strip().capitalize()


def not_shown(names: list[str], one: str, many: str) -> str:
    """Sentence on the units that are not drawn, e.g. '2 unità non mostrate … (A, B).'"""
    if not names:
        return ""
    listed = f" ({', '.join(names)})" if any(names) else ""
    noun = one if len(names) == 1 else many
    return f" {len(names)} {noun} perché il dato manca o non è pubblicabile{listed}."


@contextlib.contextmanager
def axes_for(ax: Axes | None, figsize: tuple[float, float]) -> Iterator[Axes]:
    """The Axes to draw on: `ax` as given, or a new house-style figure of `figsize`."""
    if ax is not None:
        if not isinstance(ax, Axes):
            raise ParameterError("ax", type(ax).__name__, "passare un Axes di matplotlib oppure None")
        yield ax
        return
    with mpl.rc_context(house_rc()):
        fig, new = plt.subplots(figsize=figsize, layout="constrained")
        for axis in (new.xaxis, new.yaxis):
            axis.get_major_ticks()  # later ticks copy the first: the style outlives the context
        yield new


def finish(ax: Axes, *, title: str, xlabel: str, ylabel: str, source: str | None, description: str,
           pad: float = 6) -> Axes:
    """Title, axis labels and source line of a chart, all text plain, and its `description` registered."""
    ax.set_title(literal(title), loc="left", fontweight="bold", pad=pad)
    ax.set_xlabel(literal(xlabel))
    ax.set_ylabel(literal(ylabel))
    if source and str(source).strip():
        text = str(source).strip()
        text = literal(text if text.lower().startswith("fonte") else f"Fonte: {text}")
        ax.annotate(text, xy=(0, 0), xycoords=("axes fraction", ax.xaxis.label),
                    xytext=(0, -6), textcoords="offset points", ha="left", va="top",
                    fontsize="small", color=MUTED, gid="source")
    plain_text(ax)
    _DESCRIPTIONS[ax] = " ".join(description.split())
    return ax


def show_empty(ax: Axes) -> None:
    """Write 'Nessun dato da mostrare' in the middle of an Axes with nothing to draw."""
    ax.text(0.5, 0.5, "Nessun dato da mostrare", transform=ax.transAxes, ha="center", va="center",
            color=MUTED, gid="empty")


def side_legend(ax: Axes, handles: list, title: str | None = None) -> None:
    """The house legend: outside the Axes, top right, left-aligned, no frame."""
    ax.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
              alignment="left")


def declutter(ax: Axes, labels: list) -> None:
    """Move point labels (annotations) up until none overlaps a lower one (measured on the current layout)."""
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


def describe(ax: Axes | FigureBase) -> str:
    """The Italian text alternative of a chart drawn by this package (all its charts for a figure)."""
    if isinstance(ax, FigureBase):
        texts = [_DESCRIPTIONS[a] for a in ax.get_axes() if a in _DESCRIPTIONS]
    elif isinstance(ax, Axes):
        texts = [_DESCRIPTIONS[ax]] if ax in _DESCRIPTIONS else []
    else:
        raise ParameterError("ax", type(ax).__name__,
                             "passare l'Axes (o la figura) di un grafico di pianozona.present.charts")
    if not texts:
        raise ParameterError("ax", "senza descrizione",
                             "il grafico non è stato disegnato con pianozona.present.charts")
    return " ".join(texts)
