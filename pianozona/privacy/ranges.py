"""What an attacker can work out: the smallest and largest value of every hidden cell.

The attacker knows every published cell and total, that zeros are published, that a hidden cell
is a whole number of at least 1 (one marker for every hidden cell), and how the table adds up:
each line of a margin (the parts of a group and its total) is an equation; where the parts add
up to less than their total (the total also counts what has no part, e.g. users without a
comune) it is an inequality, parts at most the total.  `feasible_ranges` gives, for each hidden
cell, the range of values that fits all of it.

Hidden cells are split into blocks, connected through the lines they share.  A block in one
line (every hidden cell of a one-margin table, and of the services and comuni lines of an area
while their shared total is published) is solved in closed form.  With two margin dimensions the
lines are the nodes of a network and the hidden cells its arcs (`network`): how far a cell can
move is a maximum flow round the other hidden cells, exact and fast at any size.  With three or
more margin dimensions a block spread over several lines is solved by integer programming (HiGHS
through scipy), up to `LP_MAX_CELLS` hidden cells (`NETWORK_MAX_CELLS` with two margins); larger
blocks are counted, for `protect` to report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pianozona.privacy.column import CountColumn
from pianozona.privacy.lines import Lines, build_lines
from pianozona.privacy.network import network_ranges

__all__ = ["LP_MAX_CELLS", "NETWORK_MAX_CELLS", "Ranges", "feasible_ranges", "line_ranges"]

#: Largest block of hidden cells spread over several lines that is solved: by integer programming
#: (three or more margin dimensions) and by maximum flows (two; `NETWORK_MAX_CELLS`).
LP_MAX_CELLS = 300
NETWORK_MAX_CELLS = 2000
_EPS = 1e-7


@dataclass
class Ranges:
    """`rows` the hidden rows, `lower`/`upper` their feasible range (NaN where not solved), `skipped` blocks."""

    rows: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    skipped: int = 0


def line_ranges(cells: CountColumn) -> Ranges:
    """Each line on its own: ranges at least as wide as `feasible_ranges` (a cell that fails here fails there).

    Cheap (closed form for every line at once): the first rounds of suppression use it to find
    the complements every line needs by itself before the exact audit looks at lines together.
    """
    lines = build_lines(cells)
    lo_b, hi_b = cells.bounds(lines.hidden)
    lower, upper = lo_b.copy(), hi_b.copy()
    if len(lines.con):
        entry_lo, entry_hi = _closed_form(lines, np.ones(len(lines.con), dtype=bool), lo_b, hi_b)
        np.maximum.at(lower, lines.var, entry_lo)
        np.minimum.at(upper, lines.var, entry_hi)
    return Ranges(lines.hidden, lower, upper)


def feasible_ranges(cells: CountColumn) -> Ranges:
    """The smallest and largest whole value of every hidden cell, given everything published."""
    lines = build_lines(cells)
    n = len(lines.hidden)
    lo_b, hi_b = cells.bounds(lines.hidden)
    lower, upper = lo_b.copy(), hi_b.copy()
    if n == 0 or len(lines.con) == 0:
        return Ranges(lines.hidden, lower, upper)
    block, n_blocks = _blocks(lines, n)
    per_block = np.bincount(block[lines.var], minlength=n_blocks)
    cons_of_block = _constraints_per_block(lines, block, n_blocks)
    single = (cons_of_block == 1)
    in_single = single[block[lines.var]]
    entry_lo, entry_hi = _closed_form(lines, in_single, lo_b, hi_b)
    lower[lines.var[in_single]] = entry_lo
    upper[lines.var[in_single]] = entry_hi
    skipped = 0
    several = ~single & (per_block > 0)
    network = len(cells.st.margins) <= 2
    limit = NETWORK_MAX_CELLS if network else LP_MAX_CELLS
    too_large = several & (per_block > limit)
    if too_large.any():
        out = too_large[block]
        lower[out] = np.nan
        upper[out] = np.nan
        skipped = int(too_large.sum())
    several &= ~too_large
    if network:
        if several.any():
            network_ranges(cells, lines, several[block], lower, upper)
        return Ranges(lines.hidden, lower, upper, skipped)
    for b in np.flatnonzero(several):
        members = np.flatnonzero(block == b)
        if len(members) > LP_MAX_CELLS:
            lower[members] = np.nan
            upper[members] = np.nan
            skipped += 1
            continue
        _solve_block(lines, members, lo_b, hi_b, lower, upper)
    return Ranges(lines.hidden, lower, upper, skipped)


def _blocks(lines: Lines, n: int) -> tuple[np.ndarray, int]:
    """Connected blocks of hidden cells through shared constraints."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_con = int(lines.con.max()) + 1
    size = n + n_con
    graph = coo_matrix((np.ones(len(lines.var)), (lines.var, n + lines.con)), shape=(size, size))
    n_comp, labels = connected_components(graph, directed=False)
    return labels[:n], n_comp


def _constraints_per_block(lines: Lines, block: np.ndarray, n_blocks: int) -> np.ndarray:
    pairs = np.unique(np.stack([block[lines.var], lines.con]), axis=1)
    return np.bincount(pairs[0], minlength=n_blocks)


def _closed_form(lines: Lines, sel: np.ndarray, lo_b: np.ndarray,
                 hi_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per selected (line, cell) entry, the cell's range in that line alone: ``sum(s_i x_i) = c`` (or ``<= c``).

    Sums run over the selected entries of each line: select whole lines.
    """
    con, var, s = lines.con[sel], lines.var[sel], lines.sign[sel]
    lo, hi = lo_b[var], hi_b[var]
    cmin = np.where(s > 0, lo, -hi)  # smallest and largest of s_i x_i
    cmax = np.where(s > 0, hi, -lo)
    n_con = len(lines.rhs)
    others_min = _sum_without_self(con, cmin, n_con)
    others_max = _sum_without_self(con, cmax, n_con)
    c = lines.rhs[con]
    with np.errstate(invalid="ignore"):
        top = np.minimum(cmax, c - others_min)     # s_i x_i <= c - min(others)
        bottom = np.maximum(cmin, c - others_max)  # s_i x_i >= c - max(others), equations only
    bottom = np.where(lines.equal[con], bottom, cmin)
    return np.where(s > 0, bottom, -top), np.where(s > 0, top, -bottom)


def _sum_without_self(con: np.ndarray, values: np.ndarray, n_con: int) -> np.ndarray:
    """For each term, the sum of the other terms of its constraint (infinities counted apart)."""
    inf_pos = np.isposinf(values)
    inf_neg = np.isneginf(values)
    finite = np.where(np.isfinite(values), values, 0.0)
    total = np.bincount(con, weights=finite, minlength=n_con)
    n_pos = np.bincount(con, weights=inf_pos.astype(float), minlength=n_con)
    n_neg = np.bincount(con, weights=inf_neg.astype(float), minlength=n_con)
    rest = total[con] - finite
    rest = np.where(n_pos[con] - inf_pos > 0, np.inf, rest)
    return np.where(n_neg[con] - inf_neg > 0, -np.inf, rest)


def _solve_block(lines: Lines, members: np.ndarray, lo_b: np.ndarray, hi_b: np.ndarray,
                 lower: np.ndarray, upper: np.ndarray) -> None:
    """Smallest and largest value of each cell of one block: two integer programmes per cell."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    sel = np.isin(lines.var, members)
    cons, con_index = np.unique(lines.con[sel], return_inverse=True)
    local = np.searchsorted(members, lines.var[sel])
    matrix = np.zeros((len(cons), len(members)))
    np.add.at(matrix, (con_index, local), lines.sign[sel])
    rhs = lines.rhs[cons]
    constraint = LinearConstraint(matrix, np.where(lines.equal[cons], rhs, -np.inf), rhs)
    bounds = Bounds(lo_b[members], hi_b[members])
    integrality = np.ones(len(members))
    for i, cell in enumerate(members):
        objective = np.zeros(len(members))
        objective[i] = 1.0
        low = milp(objective, constraints=constraint, bounds=bounds, integrality=integrality)
        high = milp(-objective, constraints=constraint, bounds=bounds, integrality=integrality)
        lower[cell] = np.ceil(low.fun - _EPS) if low.status == 0 else lo_b[cell]
        upper[cell] = np.floor(-high.fun + _EPS) if high.status == 0 else np.inf
