"""The plan's charts: progress of each objective from its baseline to its target.

`progress_plot` draws one horizontal bar per objective, the share of the way
from baseline to target (`analysis.progress.share_of_way`, 0-100 % and
beyond), with a mark where the straight path expects it in the year, coloured
by status with colours told apart with any colour vision
(`analysis.verification.COLOURS`) and the status also written in words at the
end of each bar.  An objective without a share (a value hidden by protection,
not measured, before its baseline, a target equal to its baseline) gets no
bar and no mark, only its status in words ("non pubblicato" ...).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from pianozona.analysis.verification import COLOURS, STATUSES
from pianozona.formatting import pct
from pianozona.present.scaffold import axes_for, checked_table, column_numbers, finish, show_empty, side_legend
from pianozona.present.style import DEFAULT_SOURCE, INK, MUTED, italian_formatter, literal

#: Why an objective has no bar, by status; any other status without a share has a target equal to its base.
NO_BAR = {"non pubblicato": "non pubblicato", "non misurato": "non misurato", "non avviato": "non avviato"}
EXPECTED_LABEL = "Atteso sul percorso lineare"


def _no_bar_text(state: str) -> str:
    return NO_BAR.get(state, f"{state} (strada non calcolabile: target uguale alla base)")


def _bar_text(share: float, state: str) -> str:
    return f"{pct(share)} · {state}"


def _describe(labels: list[str], shares: np.ndarray, expected: np.ndarray, states: list[str]) -> str:
    if not labels:
        return "Nessun obiettivo da mostrare."
    counts = pd.Series(states).value_counts()
    summary = ", ".join(f"{int(counts[s])} {s}" for s in STATUSES if s in counts)
    items = []
    for name, share, exp, state in zip(labels, shares, expected, states):
        if np.isfinite(share):
            atteso = f", atteso {pct(exp)}" if np.isfinite(exp) else ""
            items.append(f"{name}: {pct(share)}{atteso}, {state}")
        else:
            items.append(f"{name}: {_no_bar_text(state)}")
    return (f"Barre orizzontali della strada percorsa dalla base al target (100%) per {len(labels)} obiettivi "
            f"({summary}), con un segno dove il percorso lineare la attende. " + "; ".join(items) + ".")


def _draw(ax: Axes, shares: np.ndarray, expected: np.ndarray, states: list[str]) -> None:
    """Bars, expected marks and, in a column right of the target, each row's share and status in words."""
    drawn = shares[np.isfinite(shares)]
    low = min(0.0, float(drawn.min())) if drawn.size else 0.0
    reach = max(100.0, float(drawn.max())) if drawn.size else 100.0
    column = reach + 0.04 * (reach - low)
    ax.axvline(100, color=INK, lw=1, ls="--", zorder=1, gid="target")
    ax.axvline(0, color=MUTED, lw=0.8, zorder=1)
    for row, (share, exp, state) in enumerate(zip(shares, expected, states)):
        if not np.isfinite(share):
            ax.text(column, row, _no_bar_text(state), va="center", ha="left", color=MUTED, style="italic",
                    fontsize="small", gid="no_bar")
            continue
        ax.barh(row, share, height=0.6, color=COLOURS.get(state, MUTED), edgecolor="white", zorder=2,
                gid=f"progress_{state}")
        if np.isfinite(exp):
            ax.plot([exp], [row], marker="|", markersize=18, markeredgewidth=2.5, color=INK, ls="", zorder=3,
                    gid="expected")
        ax.text(column, row, _bar_text(share, state), va="center", ha="left", color=INK, fontsize="small",
                gid="bar_text")
    step = 25 if reach <= 200 else 50 if reach <= 400 else 100
    ax.set_xticks(np.arange(np.floor(low / step) * step, reach + 1e-9, step))
    ax.set_xlim(low - 0.02 * (reach - low), column + 0.8 * (reach - low))
    ax.spines["bottom"].set_bounds(low, reach)


def progress_plot(data: pd.DataFrame, *, share: str = "percorso_pct", expected: str = "percorso_atteso_pct",
                  status: str = "stato", label: str = "indicatore", title: str = "Strada percorsa verso il target",
                  source: str | None = DEFAULT_SOURCE, wrap: int = 38, ax: Axes | None = None) -> Axes:
    """Horizontal bars of the share of the way from baseline to target per objective (rows in `data` order).

    `share` and `expected` are per cent (`verification.objectives_table`'s
    `percorso_pct`, `percorso_atteso_pct`); `status` colours the bar and is
    written after it; `label` names the rows (wrapped at `wrap` characters).
    Rows whose `share` is missing are written, not drawn (see the module docstring).
    """
    df = checked_table(data, share=share, expected=expected, status=status, label=label)
    shares, exp = column_numbers(df, share, "share"), column_numbers(df, expected, "expected")
    states = [str(s) for s in df[status]]
    labels = [str(v) for v in df[label]]
    with axes_for(ax, (9.0, 0.55 * len(df) + 2.0)) as ax:
        if df.empty:
            show_empty(ax)
        else:
            _draw(ax, shares, exp, states)
            ax.set_yticks(np.arange(len(df)), [literal(textwrap.fill(n, wrap)) for n in labels])
            ax.set_ylim(len(df) - 0.5, -0.5)
            ax.xaxis.set_major_formatter(italian_formatter(0))
            ax.grid(axis="y", visible=False)
            present = [s for s in STATUSES if s in states and s not in NO_BAR]
            handles = [Patch(color=COLOURS[s], label=s) for s in present]
            handles += [Line2D([], [], marker="|", markersize=12, markeredgewidth=2.5, color=INK, ls="",
                               label=EXPECTED_LABEL),
                        Line2D([], [], color=INK, lw=1, ls="--", label="Target (100%)")]
            side_legend(ax, handles)
        return finish(ax, title=title, xlabel="Strada percorsa dalla base al target (%)", ylabel="",
                      source=source, description=_describe(labels, shares, exp, states))
