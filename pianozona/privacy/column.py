"""One count column during suppression: its cells' values, what is hidden, what the attacker knows."""

from __future__ import annotations

import numpy as np

from pianozona.privacy.structure import Structure

__all__ = ["HIDDEN_PRIMARY", "HIDDEN_SECONDARY", "PUBLISHED", "CountColumn"]

#: Values of `CountColumn.state`.  Both hidden states look the same on a page (one marker).
PUBLISHED, HIDDEN_PRIMARY, HIDDEN_SECONDARY = 0, 1, 2


class CountColumn:
    """One count column over a `Structure`, primary suppression applied.

    Attributes: `st` the structure, `t` the threshold, `vals` the values of every row (virtual
    totals are the sums of their parts; NaN where missing), `real` rows of the table (not
    virtual), `missing`, `small` (a count from 1 to `t`: hidden by primary suppression), `state`
    (`PUBLISHED`, `HIDDEN_PRIMARY`, `HIDDEN_SECONDARY`), `usable` cells that may become a
    complement (real, known, non-zero), `cost` the price of hiding a cell (its value times its
    secret draw, `pianozona.privacy.keying`) and `order` the canonical order of the rows (sorted
    keys; virtual rows last), used where something must be done one cell at a time.
    """

    def __init__(self, st: Structure, real_values: np.ndarray, threshold: int,
                 draws: np.ndarray | None = None) -> None:
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
        self.small = (vals > 0) & (vals <= threshold)
        self.state = np.zeros(n_all, dtype=np.int8)
        self.state[self.small] = HIDDEN_PRIMARY
        self.usable = self.real & ~self.missing & (vals > 0)
        factor = np.ones(n_all)
        if draws is not None:
            factor[: st.n_real] = draws
        self.cost = np.nan_to_num(vals, nan=np.inf) * factor
        self.order = np.full(n_all, np.iinfo(np.int64).max, dtype=np.int64)
        self.order[: st.n_real] = st.rank

    def bounds(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What the attacker knows of hidden `rows` from the marker alone: a whole number from 1 up.

        Zeros are always published, so a hidden cell is at least 1; the marker is the same for a
        small count and for a complement, so nothing more.
        """
        return np.ones(len(rows)), np.full(len(rows), np.inf)

    def cheapest(self, rows: np.ndarray, group: np.ndarray) -> np.ndarray:
        """For each group, the row of least `cost` (then the sorted keys)."""
        if len(rows) == 0:
            return rows
        order = np.lexsort((self.order[rows], self.cost[rows], group))
        _, first = np.unique(group[order], return_index=True)
        return rows[order[first]]

    def suppress(self, rows: np.ndarray) -> bool:
        """Hide the published cells among `rows` (secondary suppression); True if any was published."""
        rows = rows[self.state[rows] == PUBLISHED]
        self.state[rows] = HIDDEN_SECONDARY
        return len(rows) > 0
