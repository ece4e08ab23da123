"""Secondary suppression of one count column: the passes over each margin dimension, repeated until stable.

`suppress` starts from primary suppression (`CountColumn`) and repeats: the line pass (each group
with its total is one equation, solved exactly with the attacker's bounds, and the cheapest
complement hides what it pins), then for two margin dimensions the network audit
(`pianozona.privacy.network`) and for three or more the linear programmes
(`pianozona.privacy.lp`).  At the end it counts what is still recomputable (normally nothing),
for `protect` to report with a `PrivacyWarning`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pianozona.privacy.column import CountColumn
from pianozona.privacy.lp import count_determined, lp_pass
from pianozona.privacy.network import flow_pass, pinned_cells
from pianozona.privacy.structure import Structure

__all__ = ["Suppression", "suppress", "unsafe_lines"]


@dataclass
class Suppression:
    """The outcome for one count column.

    `state` per row of the structure: 0 published, 1 primary, 2 secondary.  What is still
    recomputable: `unsafe_groups` (a hidden value a group's total gives away), `pinned` (two
    margins) and `determined` (three or more) cells that combining totals gives away,
    `lp_skipped` blocks too large to check, and `marker_groups`, groups whose non-zero values
    are all hidden and small, so that the markers and the zeros alone give them away.
    """

    state: np.ndarray
    unsafe_groups: int = 0
    marker_groups: int = 0
    pinned: int = 0
    determined: int = 0
    lp_skipped: int = 0


def suppress(st: Structure, real_values: np.ndarray, threshold: int) -> Suppression:
    """Primary and secondary suppression of one count column over `st`, then the audit."""
    cells = CountColumn(st, real_values, threshold)
    k = len(st.margins)
    if k == 0:
        return Suppression(cells.state)
    hopeless: set[int] = set()
    retried = False
    for _ in range(st.codes.shape[0] + 2):
        if line_pass(cells):
            continue
        if k == 2 and flow_pass(cells, hopeless):
            continue
        if k >= 3 and lp_pass(cells):
            continue
        if hopeless and not retried:  # later suppressions may have opened a way
            hopeless.clear()
            retried = True
            continue
        break
    return _audit(cells)


def unsafe_lines(cells: CountColumn, m: int) -> np.ndarray:
    """Per group of margin `m`: True when the group's equation pins one of its hidden real cells."""
    st = cells.st
    line, n_lines = st.lines[m], st.n_lines[m]
    eq = st.in_equation[m]
    unknown = (cells.state > 0) & eq
    if not unknown.any():
        return np.zeros(n_lines, dtype=bool)
    sign = np.where(st.is_total[m], -1.0, 1.0)
    known = eq & ~unknown
    vals = np.nan_to_num(cells.vals, nan=0.0)
    # sum(a_i x_i over hidden) = c  with c = known total - known parts
    c = np.bincount(line[known], weights=-(sign * vals)[known], minlength=n_lines)
    idx = np.flatnonzero(unknown)
    lo, hi = cells.bounds(idx)
    lower, upper = _feasible_range(sign[idx], lo, hi, line[idx], c, n_lines)
    width = upper - lower
    li = line[idx]
    # width < 0: the total is not the sum of its parts (e.g. it includes
    # users without a comune); the bounds say nothing, fall back to the
    # rule "never a single hidden cell in a group".
    alone = np.bincount(li, minlength=n_lines)[li] == 1
    pinned = ((width >= 0) & (width < 1)) | ((width < 0) & alone)
    pinned &= hi - lo >= 1  # a marker that already says it all (threshold 1) is not a leak
    pinned &= cells.real[idx]  # a total published elsewhere is protected where it is published
    unsafe = np.zeros(n_lines, dtype=bool)
    unsafe[li[pinned]] = True
    return unsafe


def _feasible_range(s: np.ndarray, lo: np.ndarray, hi: np.ndarray, li: np.ndarray, c: np.ndarray,
                    n_lines: int) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest value of each hidden cell in ``sum(s_i x_i) = c[line]``, ``lo <= x <= hi``."""
    cmin = np.where(s > 0, lo, -hi)
    cmax = np.where(s > 0, hi, -lo)
    neg_inf = np.isinf(cmin)
    pos_inf = np.isinf(cmax)
    smin = np.bincount(li, weights=np.where(neg_inf, 0.0, cmin), minlength=n_lines)
    smax = np.bincount(li, weights=np.where(pos_inf, 0.0, cmax), minlength=n_lines)
    nneg = np.bincount(li, weights=neg_inf.astype(float), minlength=n_lines)
    npos = np.bincount(li, weights=pos_inf.astype(float), minlength=n_lines)
    others_min = np.where(nneg[li] - neg_inf > 0, -np.inf, smin[li] - np.where(neg_inf, 0.0, cmin))
    others_max = np.where(npos[li] - pos_inf > 0, np.inf, smax[li] - np.where(pos_inf, 0.0, cmax))
    with np.errstate(invalid="ignore"):
        upper = np.minimum(cmax, c[li] - others_min)
        lower = np.maximum(cmin, c[li] - others_max)
    return lower, upper


def line_pass(cells: CountColumn) -> bool:
    """In every unsafe group hide the cheapest published part (else the total); True if a cell was hidden."""
    st = cells.st
    changed = False
    for m in range(len(st.margins)):
        unsafe = unsafe_lines(cells, m)
        if not unsafe.any():
            continue
        line = st.lines[m]
        free = cells.usable & (cells.state == 0) & st.in_equation[m] & unsafe[line]
        parts = np.flatnonzero(free & ~st.is_total[m])
        chosen = cells.cheapest(parts, line[parts])
        covered = np.zeros(st.n_lines[m], dtype=bool)
        covered[line[chosen]] = True
        totals = np.flatnonzero(free & st.is_total[m] & ~covered[line])
        chosen = np.concatenate([chosen, totals])
        covered[line[totals]] = True
        changed |= cells.suppress(chosen)
    return changed


def _audit(cells: CountColumn) -> Suppression:
    """Count what is still recomputable after the passes (normally nothing).

    A group whose non-zero values are all hidden (its total too) but still
    pinned, e.g. 1 + 1 + 1 + 1 with the total "< 5", is told apart: the
    markers and the zeros alone give it away, no complement can help
    (zeros are never hidden).
    """
    st = cells.st
    k = len(st.margins)
    result = Suppression(cells.state)
    marker_cells = np.zeros(st.codes.shape[0], dtype=bool)
    for m in range(k):
        unsafe = unsafe_lines(cells, m)
        line, eq = st.lines[m], st.in_equation[m]
        shown = eq & (cells.state == 0) & (np.nan_to_num(cells.vals) > 0)
        has_shown = np.bincount(line[shown], minlength=st.n_lines[m]) > 0
        marker = unsafe & ~has_shown
        result.marker_groups += int(marker.sum())
        result.unsafe_groups += int((unsafe & has_shown).sum())
        marker_cells |= eq & marker[line] & (cells.state > 0)
    if k == 2:
        pinned = pinned_cells(cells)[0]
        result.pinned = int((~marker_cells[pinned]).sum())
    elif k >= 3:
        result.determined, result.lp_skipped = count_determined(cells, marker_cells)
    return result
