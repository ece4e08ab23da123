"""Secondary suppression of one count column: hide complements until no hidden cell can be narrowed.

`suppress` starts from primary suppression (`CountColumn`: every count from 1 to the threshold
`t`) and repeats, first with each line on its own (cheap, `ranges.line_ranges`), then exactly, the audit (`pianozona.privacy.ranges`: the range of every hidden cell that an
attacker who knows the method and every published figure can work out) until every hidden cell
is *safe*:

* every hidden cell keeps at least `t` whole values possible;
* a small count (1 to `t`) keeps every value from 1 to `t` possible, unless a value above `t`
  fits too (then nobody can tell it is small: e.g. a small district total of an area whose
  parts are all hidden, known only to be at least their number).

For every unsafe cell it hides one complement in a line of that cell (a published part of the
line; the line's total only when no part can be hidden), at most one per line per round, then
audits again.  The complement is the candidate of least cost, a cell's cost being its value
times its secret draw (`pianozona.privacy.keying`): small cells are preferred, but which one is
drawn says nothing to a reader about the hidden values.  Zeros are never hidden.  What is still
unsafe at the end (a total published elsewhere that gives a cell away, a block too large to
solve) is counted for `protect` to report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pianozona.privacy.column import PUBLISHED, CountColumn
from pianozona.privacy.ranges import Ranges, feasible_ranges, line_ranges
from pianozona.privacy.structure import Structure

__all__ = ["Suppression", "suppress", "unsafe_rows"]

#: How many rings of neighbouring lines are searched when a cell's own lines have no candidate.
_NEIGHBOUR_RINGS = 4


@dataclass
class Suppression:
    """The outcome for one count column.

    `state` per row of the structure: 0 published, 1 primary, 2 secondary.  `unsafe` hidden
    cells that can still be narrowed (normally none), `skipped` blocks too large to check.
    """

    state: np.ndarray
    unsafe: int = 0
    skipped: int = 0


def suppress(st: Structure, real_values: np.ndarray, threshold: int,
             draws: np.ndarray | None = None) -> Suppression:
    """Primary and secondary suppression of one count column over `st`, then the final audit."""
    cells = CountColumn(st, real_values, threshold, draws)
    if not st.margins:
        return Suppression(cells.state)
    for audit in (line_ranges, feasible_ranges):  # each line alone first (cheap), then all together
        for _ in range(st.codes.shape[0] + 2):
            unsafe = unsafe_rows(cells, audit(cells))
            if len(unsafe) == 0 or not _add_complements(cells, unsafe):
                break
    ranges = feasible_ranges(cells)
    return Suppression(cells.state, len(unsafe_rows(cells, ranges)), ranges.skipped)


def unsafe_rows(cells: CountColumn, ranges: Ranges) -> np.ndarray:
    """Real hidden rows whose range breaks the rule (see the module docstring), in key order."""
    rows, lo, hi = ranges.rows, ranges.lower, ranges.upper
    checked = ~np.isnan(lo) & cells.real[rows]
    t = cells.t
    small = cells.small[rows]
    with np.errstate(invalid="ignore"):
        few = hi - lo < t - 1
        small_ok = ((lo <= 1) & (hi >= t)) | (~few & (hi > t))
        narrowed = np.where(small, ~small_ok, few)
    bad = rows[checked & narrowed]
    return bad[np.argsort(cells.order[bad], kind="stable")]


def _add_complements(cells: CountColumn, unsafe: np.ndarray) -> bool:
    """One complement for each unsafe cell, at most one per line per round; True if a cell was hidden."""
    st = cells.st
    treated = [np.zeros(n, dtype=bool) for n in st.n_lines]
    changed = False
    for cell in unsafe:
        lines = [(m, st.lines[m][cell]) for m in range(len(st.margins)) if st.in_equation[m][cell]]
        if any(treated[m][line] for m, line in lines):
            continue
        chosen = _complement(cells, cell, lines)
        if chosen is None:
            continue
        cells.suppress(np.array([chosen]))
        changed = True
        for m in range(len(st.margins)):
            if st.in_equation[m][chosen]:
                treated[m][st.lines[m][chosen]] = True
        for m, line in lines:
            treated[m][line] = True
    return changed


def _complement(cells: CountColumn, cell: int, lines: list[tuple[int, int]]) -> int | None:
    """The cheapest published cell that joins `cell` in an equation: a part, else a total, else a neighbour's."""
    st = cells.st
    free = cells.usable & (cells.state == PUBLISHED)
    in_lines = np.zeros_like(free)
    totals = np.zeros_like(free)
    for m, line in lines:
        here = st.in_equation[m] & (st.lines[m] == line)
        in_lines |= here & ~st.is_total[m]
        totals |= here & st.is_total[m]
    for candidates in (free & in_lines, free & totals):
        rows = np.flatnonzero(candidates)
        if len(rows):
            return int(cells.cheapest(rows, np.zeros(len(rows), dtype=np.int64))[0])
    rows = _nearby(cells, cell, free)
    if len(rows):
        return int(cells.cheapest(rows, np.zeros(len(rows), dtype=np.int64))[0])
    return None


def _nearby(cells: CountColumn, cell: int, free: np.ndarray) -> np.ndarray:
    """Published cells in the lines of the hidden cells next to `cell`, then of theirs, and so on."""
    st = cells.st
    reached = np.zeros_like(free)
    reached[cell] = True
    for _ in range(_NEIGHBOUR_RINGS):
        near = np.zeros_like(free)
        for m in range(len(st.margins)):
            touched = np.zeros(st.n_lines[m], dtype=bool)
            touched[st.lines[m][reached & st.in_equation[m]]] = True
            near |= st.in_equation[m] & touched[st.lines[m]]
        rows = np.flatnonzero(free & near)
        if len(rows):
            return rows
        grown = near & (cells.state > 0)
        if not (grown & ~reached).any():
            break
        reached |= grown
    return np.zeros(0, dtype=np.int64)
