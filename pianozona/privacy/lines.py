"""The published lines of a table as constraints over its hidden cells: what the attacker writes down.

Each line of a margin (the parts of a group and its total) is an equation over the hidden cells,
once the published cells are moved to the right-hand side; where the parts add up to less than
their total (it also counts what has no part) it is an inequality, parts at most the total; where
they add up to more, nothing an attacker can rely on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pianozona.privacy.column import CountColumn

__all__ = ["Lines", "build_lines"]


@dataclass
class Lines:
    """The constraints of the published lines over the hidden cells, one row per (line, hidden cell).

    `con` the constraint, `var` the index of the hidden cell in `hidden`, `sign` +1 for a part and
    -1 for a total; per constraint (line) `rhs` (published total minus published parts), `usable`
    (False: the parts add up to more than the total, nothing to rely on) and `equal` (False: an
    inequality, parts at most the total).
    """

    hidden: np.ndarray
    con: np.ndarray
    var: np.ndarray
    sign: np.ndarray
    rhs: np.ndarray
    equal: np.ndarray
    usable: np.ndarray


def build_lines(cells: CountColumn) -> Lines:
    """The lines of the current suppression as constraints over its hidden cells."""
    st = cells.st
    hidden = np.flatnonzero(cells.state > 0)
    pos = np.full(st.codes.shape[0], -1, dtype=np.int64)
    pos[hidden] = np.arange(len(hidden))
    vals = np.nan_to_num(cells.vals, nan=0.0)
    cons, variables, signs, rhs, equal, usable = [], [], [], [], [], []
    offset = 0
    for m in range(len(st.margins)):
        line, eq = st.lines[m], st.in_equation[m]
        sign = np.where(st.is_total[m], -1.0, 1.0)
        n = st.n_lines[m]
        balance = np.bincount(line[eq], weights=(sign * vals)[eq], minlength=n)  # parts - total, true values
        known = eq & (cells.state == 0)
        rhs.append(np.bincount(line[known], weights=-(sign * vals)[known], minlength=n))
        # parts adding up to their total: an equation; to less than it: an inequality; to more: nothing
        equal.append(np.abs(balance) < 0.5)
        usable_line = balance < 0.5
        usable.append(usable_line)
        sel = hidden[eq[hidden] & usable_line[line[hidden]]]
        cons.append(offset + line[sel])
        variables.append(pos[sel])
        signs.append(sign[sel])
        offset += n
    return Lines(hidden, np.concatenate(cons), np.concatenate(variables), np.concatenate(signs),
                  np.concatenate(rhs), np.concatenate(equal), np.concatenate(usable))


