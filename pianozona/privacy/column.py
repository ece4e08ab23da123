"""One count column during suppression: its cells' values, what is hidden, the attacker's bounds."""

from __future__ import annotations

import numpy as np

from pianozona.privacy.structure import Structure

__all__ = ["HIDDEN_PRIMARY", "HIDDEN_SECONDARY", "PUBLISHED", "CountColumn"]

#: Values of `CountColumn.state`.
PUBLISHED, HIDDEN_PRIMARY, HIDDEN_SECONDARY = 0, 1, 2


class CountColumn:
    """One count column over a `Structure`, primary suppression applied.

    Attributes: `st` the structure, `t` the threshold, `vals` the values of every row (virtual
    totals are the sums of their parts; NaN where missing), `real` rows of the table (not
    virtual), `missing`, `state` (`PUBLISHED`, `HIDDEN_PRIMARY`, `HIDDEN_SECONDARY`), `usable`
    cells that may become a complement (real, known, non-zero) and `order` the tie-break order
    (sorted keys; virtual rows last).
    """

    def __init__(self, st: Structure, real_values: np.ndarray, threshold: int) -> None:
        self.st = st
        self.t = threshold
        n_all = st.codes.shape[0]
        vals = np.full(n_all, np.nan)
        vals[: st.n_real] = real_values
        for virt, part in st.virtual_rounds:
            targets = np.unique(virt)
            vals[targets] = 0.0
            np.add.at(vals, virt, np.nan_to_num(vals[part], nan=0.0))
        self.vals = vals
        self.real = np.zeros(n_all, dtype=bool)
        self.real[: st.n_real] = True
        self.missing = np.isnan(vals)
        self.state = np.zeros(n_all, dtype=np.int8)
        self.state[(vals > 0) & (vals <= threshold)] = HIDDEN_PRIMARY
        self.usable = self.real & ~self.missing & (vals > 0)
        self.order = np.full(n_all, np.iinfo(np.int64).max, dtype=np.int64)
        self.order[: st.n_real] = st.rank

    def bounds(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What the attacker knows of hidden `rows`: 1..t for a primary cell, t+1.. for a secondary one."""
        primary = self.state[rows] == HIDDEN_PRIMARY
        return np.where(primary, 1.0, self.t + 1.0), np.where(primary, float(self.t), np.inf)

    def cheapest(self, rows: np.ndarray, group: np.ndarray) -> np.ndarray:
        """For each group, the row with the smallest value (then the sorted keys)."""
        if len(rows) == 0:
            return rows
        order = np.lexsort((self.order[rows], self.vals[rows], group))
        _, first = np.unique(group[order], return_index=True)
        return rows[order[first]]

    def suppress(self, rows: np.ndarray) -> bool:
        """Hide the published cells among `rows` (secondary suppression); True if any was published."""
        rows = rows[self.state[rows] == PUBLISHED]
        self.state[rows] = HIDDEN_SECONDARY
        return len(rows) > 0
