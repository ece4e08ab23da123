"""The house look of every chart: palette and theme, Italian numbers on the axes, text shown literally.

`set_theme` applies the look globally (seaborn); `house_rc` gives the same
rcParams for drawing one new figure without touching the global settings.
Numbers follow Babel's it_IT format ("1.234,5"; years as "2023") through
`pianozona.formatting.num`.  Text from data goes through `literal`, and
`plain_text` draws every text of an Axes without TeX, so a "$" in a comune's
name is a dollar sign and never mathtext.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import matplotlib as mpl
import numpy as np
import seaborn as sns
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.text import Text

from pianozona.errors import ParameterError
from pianozona.formatting import num

LOCALE = "it_IT"
#: Restrained, colour-blind-safe house palette (Okabe-Ito accents on a dark blue).
PALETTE = ("#1f4e79", "#d55e00", "#009e73", "#e69f00", "#56b4e9", "#7f7f7f", "#cc79a7")
#: The source line of a chart when its caller names none.
DEFAULT_SOURCE = "elaborazione dell'Ufficio di Piano"
#: The main colour, the ink of text and reference lines, and the muted grey of secondary text.
MAIN, INK, MUTED = PALETTE[0], "#262626", "#595959"
_THEME = {"context": "notebook", "style": "whitegrid", "font": "sans-serif", "font_scale": 1.0}
_RC = {"figure.facecolor": "white", "axes.facecolor": "white", "savefig.facecolor": "white",
       "axes.edgecolor": "#bfbfbf", "grid.color": "#e8e8e8", "grid.linewidth": 0.8,
       "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 13,
       "axes.titleweight": "bold", "axes.titlelocation": "left", "axes.labelsize": 11,
       "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10,
       "legend.title_fontsize": 10, "legend.frameon": False, "savefig.dpi": 150, "savefig.bbox": "tight"}


def set_theme() -> None:
    """Apply the house theme globally (seaborn `set_theme`); calling it again changes nothing."""
    sns.set_theme(palette=list(PALETTE), rc=_RC, **_THEME)


@lru_cache(maxsize=1)
def house_rc() -> dict[str, Any]:
    """The rcParams that `set_theme` sets, for drawing new figures in house style."""
    rc = {**sns.axes_style(_THEME["style"]), **sns.plotting_context(_THEME["context"], _THEME["font_scale"])}
    return {**rc, "font.family": [_THEME["font"]], "axes.prop_cycle": mpl.cycler(color=list(PALETTE)), **_RC}


def chart_number(value: float, decimals: int | None = None, grouping: bool = True) -> str:
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
        super().__init__(lambda x, pos=None: chart_number(x, self._auto if self.decimals is None
                                                          else self.decimals, self.grouping))

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        locs = np.asarray(locs, dtype=float)
        scale = 1e-9 * max(1.0, float(np.abs(locs).max())) if locs.size else 0.0
        self._auto = next((d for d in range(4) if np.all(np.abs(np.round(locs, d) - locs) <= scale)), 3)


class YearLocator(ticker.Locator):
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


def literal(text: Any) -> str:
    """`text` as matplotlib should show it, character for character (no mathtext).

    Matplotlib reads a string with two unescaped "$" as mathtext: a comune
    named "A $x$ B" would render x in italics, and "$\\frac$" would stop the
    drawing with a parse error.  Escaping each "$" as "\\$" makes the string
    plain text, which matplotlib shows with the dollar signs restored.
    """
    return str(text).replace("$", r"\$")


def plain_text(ax: Axes) -> None:
    """Draw every text of `ax` (titles, labels, ticks, legend, annotations) without TeX."""
    for text in ax.findobj(Text):
        text.set_usetex(False)
