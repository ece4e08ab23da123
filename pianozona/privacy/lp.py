"""The audit of tables with three or more margin dimensions: linear programmes per block of hidden cells.

Without the network structure of two-way tables each hidden cell is checked directly: the
largest and smallest value it can take given every published total and the markers' bounds
(the linear relaxation of the attacker's problem; an attacker using integer programming could
in principle do better).  Done per connected block of hidden cells, up to `LP_MAX_CELLS` cells
per block; larger blocks are counted, not checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from pianozona.privacy.column import CountColumn

__all__ = ["LP_MAX_CELLS", "count_determined", "lp_pass"]

#: Largest block of hidden cells checked by linear programming (3+ margin dimensions).
LP_MAX_CELLS = 300

#: How many rings of neighbouring groups are searched for a complement of a pinned cell.
_NEIGHBOUR_RINGS = 4


def lp_pass(cells: CountColumn) -> bool:
    """Hide one complement per block that has a pinned cell; True if a cell was hidden."""
    system = _System.build(cells)
    if system is None:
        return False
    changed = False
    blocks, _ = system.blocks()
    for members in blocks:
        for cell in _pinned_in_block(cells, system, members):
            rows = _nearby_complements(cells, cell)
            if len(rows):
                changed |= cells.suppress(cells.cheapest(rows, np.zeros(len(rows), dtype=np.int64)))
                break  # re-check this block from scratch
    return changed


def count_determined(cells: CountColumn, marker_cells: np.ndarray) -> tuple[int, int]:
    """Hidden cells the totals still determine (not counting `marker_cells`), and blocks too large to check."""
    system = _System.build(cells)
    if system is None:
        return 0, 0
    determined = 0
    blocks, skipped = system.blocks()
    for members in blocks:
        for cell in _pinned_in_block(cells, system, members):
            determined += int(not marker_cells[cell])
    return determined, skipped


@dataclass
class _System:
    """The equations of every published total over the hidden cells (sparse: equation, variable, coefficient)."""

    hidden: np.ndarray      # row of each variable
    eq: np.ndarray
    var: np.ndarray
    coef: np.ndarray
    rhs: np.ndarray         # per equation: known total minus known parts
    n_eq: int
    lo: np.ndarray          # bounds of each variable
    hi: np.ndarray

    @classmethod
    def build(cls, cells: CountColumn) -> _System | None:
        """The system of the current suppression; None when nothing is hidden."""
        st = cells.st
        hidden = np.flatnonzero(cells.state > 0)
        if len(hidden) == 0:
            return None
        pos = np.full(st.codes.shape[0], -1, dtype=np.int64)
        pos[hidden] = np.arange(len(hidden))
        vals = np.nan_to_num(cells.vals, nan=0.0)
        eq_rows, var_cols, coef, rhs = [], [], [], []
        offset = 0
        for m in range(len(st.margins)):
            line, eq = st.lines[m], st.in_equation[m]
            sign = np.where(st.is_total[m], -1.0, 1.0)
            known = eq & (cells.state == 0)
            rhs.append(np.bincount(line[known], weights=-(sign * vals)[known], minlength=st.n_lines[m]))
            sel = hidden[eq[hidden]]
            eq_rows.append(offset + line[sel])
            var_cols.append(pos[sel])
            coef.append(sign[sel])
            offset += st.n_lines[m]
        lo, hi = cells.bounds(hidden)
        return cls(hidden, np.concatenate(eq_rows), np.concatenate(var_cols), np.concatenate(coef),
                   np.concatenate(rhs), offset, lo, hi)

    def blocks(self) -> tuple[list[np.ndarray], int]:
        """Connected blocks of variables in some equation, up to `LP_MAX_CELLS`; and how many were larger."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        nv = len(self.hidden)
        size = nv + self.n_eq
        graph = coo_matrix((np.ones(len(self.var)), (self.var, nv + self.eq)), shape=(size, size))
        _, labels = connected_components(graph, directed=False)
        blocks, skipped = [], 0
        for lab in np.unique(labels[:nv]):
            members = np.flatnonzero(labels[:nv] == lab)
            if not np.isin(self.var, members).any():
                continue  # in no equation: free
            if len(members) > LP_MAX_CELLS:
                skipped += 1
                continue
            blocks.append(members)
        return blocks, skipped


def _pinned_in_block(cells: CountColumn, system: _System, members: np.ndarray) -> Iterator[int]:
    """The real hidden cells of one block whose value is determined, in key order (checked lazily)."""
    from scipy.optimize import linprog

    sel = np.isin(system.var, members)
    eqs, eq_index = np.unique(system.eq[sel], return_inverse=True)
    local = np.searchsorted(members, system.var[sel])
    matrix = np.zeros((len(eqs), len(members)))
    np.add.at(matrix, (eq_index, local), system.coef[sel])
    lo, hi = system.lo[members], system.hi[members]
    bounds = list(zip(lo, [None if np.isinf(h) else h for h in hi]))
    truth = cells.vals[system.hidden[members]]
    for i in np.argsort(cells.order[system.hidden[members]], kind="stable"):
        cell = system.hidden[members[i]]
        if not cells.real[cell] or hi[i] - lo[i] < 1:
            continue
        pinned = True
        for direction in (-1.0, 1.0):  # maximise, then minimise
            objective = np.zeros(len(members))
            objective[i] = direction
            res = linprog(objective, A_eq=matrix, b_eq=system.rhs[eqs], bounds=bounds, method="highs")
            if res.status != 0 or abs(direction * res.fun - truth[i]) >= 1 - 1e-7:
                pinned = False  # it can move (or the totals are not additive)
                break
        if pinned:
            yield cell


def _nearby_complements(cells: CountColumn, cell: int) -> np.ndarray:
    """Published cells in the groups of `cell`, else in the groups of the hidden cells next to it, and so on."""
    st = cells.st
    free = cells.usable & (cells.state == 0)
    reached = np.zeros_like(free)
    reached[cell] = True
    rows = np.zeros(0, dtype=np.int64)
    for _ in range(_NEIGHBOUR_RINGS):
        near = np.zeros_like(free)
        for m in range(len(st.margins)):
            touched = np.zeros(st.n_lines[m], dtype=bool)
            touched[st.lines[m][reached & st.in_equation[m]]] = True
            near |= st.in_equation[m] & touched[st.lines[m]]
        rows = np.flatnonzero(free & near)
        if len(rows):
            break
        reached = near & (cells.state > 0)
    return rows
