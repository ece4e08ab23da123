"""Two margin dimensions: the lines are the nodes of a network, the hidden cells its arcs.

After choosing for every cell the direction "increase it" (`arcs`), each published line says that
what flows into its node equals what flows out, up to a sign fixed per node: any change of the
hidden cells that keeps every total is a circulation.  A hidden cell can grow by as much flow as
can go back from its head to its tail through the other hidden cells (growing without limit,
shrinking down to 1 each: the marker says only "at least 1"), and shrink likewise the other way:
its exact range is two maximum flows (scipy's Dinic).  A line that is not an equation (a group
with no published total) is one free node; a line whose parts add up to less than its total (an
inequality) is tied to the free node by an arc that lets its parts shrink at will and grow only
by the slack.  Exact because the equations of a two-way table are totally unimodular.
"""

from __future__ import annotations

import numpy as np

from pianozona.privacy.column import CountColumn
from pianozona.privacy.lines import Lines

__all__ = ["arcs", "network_ranges"]

#: Capacity standing for "without limit"; a flow this large means the cell can move without limit.
_INF = 2**24
#: scipy's maximum flow works in 32-bit integers: capacities are summed in 64 bits, then clipped.
_CLIP = 2**31 - 1


def arcs(cells: CountColumn, usable_line: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """For every row, the arc "increase the cell" (tail, head) and the number of nodes (the last is free)."""
    st = cells.st
    n0, n1 = st.n_lines[0], (st.n_lines[1] if len(st.n_lines) > 1 else 0)
    free = n0 + n1
    u = np.where(st.in_equation[0] & usable_line[st.lines[0]], st.lines[0], free)
    if n1:
        v = np.where(st.in_equation[1] & usable_line[n0 + st.lines[1]], n0 + st.lines[1], free)
        s = np.where(st.is_total[0], -1, 1) * np.where(st.is_total[1], -1, 1)
    else:
        v = np.full(len(u), free)
        s = np.ones(len(u), dtype=int)
    return np.where(s > 0, v, u), np.where(s > 0, u, v), free + 1


def network_ranges(cells: CountColumn, lines: Lines, targets: np.ndarray, lower: np.ndarray,
                   upper: np.ndarray) -> None:
    """Write into `lower`/`upper` the exact range of the hidden cells `lines.hidden[targets]`."""
    tail, head, n_nodes = arcs(cells, lines.usable)
    hidden = lines.hidden
    x = np.nan_to_num(cells.vals[hidden], nan=0.0).astype(np.int64)
    src = [tail[hidden], head[hidden]]
    dst = [head[hidden], tail[hidden]]
    cap = [np.full(len(hidden), _INF, dtype=np.int64), np.maximum(x - 1, 0)]
    extra_src, extra_dst, extra_cap = _inequality_arcs(cells, lines, tail, head, n_nodes - 1)
    src, dst, cap = (np.concatenate([*src, extra_src]), np.concatenate([*dst, extra_dst]),
                     np.concatenate([*cap, extra_cap]))
    keep = (cap > 0) & (src != dst)
    flows = _Flows(src[keep], dst[keep], cap[keep], n_nodes)
    for i in np.flatnonzero(targets):
        row = hidden[i]
        t, h = int(tail[row]), int(head[row])
        if t == h:
            continue
        grow = flows.without(h, t, int(max(x[i] - 1, 0)))  # back through the others: its own shrink arc out
        shrink = flows.without(t, h, _INF)
        lower[i] = x[i] - min(shrink, x[i] - 1)
        upper[i] = np.inf if grow >= _INF else x[i] + grow


class _Flows:
    """The residual network of the hidden cells, with a super-source that caps every flow at `_INF`."""

    def __init__(self, src: np.ndarray, dst: np.ndarray, cap: np.ndarray, n_nodes: int) -> None:
        from scipy.sparse import coo_matrix

        self.source = n_nodes  # the super-source, tied to every node by an arc of capacity 0 for now
        size = n_nodes + 1
        nodes = np.arange(n_nodes)
        rows = np.concatenate([src, np.full(n_nodes, self.source)])
        cols = np.concatenate([dst, nodes])
        full = np.concatenate([cap.astype(np.int64), np.zeros(n_nodes, dtype=np.int64)])
        matrix = coo_matrix((full, (rows, cols)), shape=(size, size)).tocsr()
        matrix.sum_duplicates()
        matrix.sort_indices()
        self.full = matrix.data.copy()
        matrix.data = np.minimum(self.full, _CLIP).astype(np.int32)
        self.graph = matrix

    def _index(self, a: int, b: int) -> int:
        start, stop = self.graph.indptr[a], self.graph.indptr[a + 1]
        j = start + int(np.searchsorted(self.graph.indices[start:stop], b))
        return j if j < stop and self.graph.indices[j] == b else -1

    def without(self, source: int, sink: int, own: int) -> int:
        """Maximum flow source -> sink (at most `_INF`) once `own` is taken off the arc source -> sink."""
        from scipy.sparse.csgraph import maximum_flow

        data = self.graph.data
        j = self._index(source, sink)
        feed = self._index(self.source, source)
        if j >= 0:
            data[j] = min(max(int(self.full[j]) - own, 0), _CLIP)
        data[feed] = _INF
        try:
            return int(maximum_flow(self.graph, self.source, sink).flow_value)
        finally:
            data[feed] = 0
            if j >= 0:
                data[j] = min(int(self.full[j]), _CLIP)


def _inequality_arcs(cells: CountColumn, lines: Lines, tail: np.ndarray, head: np.ndarray,
                     free: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arcs that let a line with slack (parts at most the total) shrink freely and grow by its slack."""
    vals = np.nan_to_num(cells.vals[lines.hidden], nan=0.0)
    lhs = np.bincount(lines.con, weights=lines.sign * vals[lines.var], minlength=len(lines.rhs))
    slack = np.maximum(np.round(lines.rhs - lhs), 0).astype(np.int64)
    # the node's sign: does increasing a part of the line bring flow in (+1) or take it out (-1)?
    row = lines.hidden[lines.var]
    node = lines.con
    inflow = np.where(head[row] == node, 1, -1) * lines.sign
    sign_of = np.zeros(len(lines.rhs), dtype=np.int64)
    sign_of[node] = inflow
    ineq = np.flatnonzero(lines.usable & ~lines.equal & (sign_of != 0))
    into = sign_of[ineq] > 0
    # growing the parts means more inflow (+1 nodes): drain up to the slack to the free node
    src = np.concatenate([np.where(into, ineq, free), np.where(into, free, ineq)])
    dst = np.concatenate([np.where(into, free, ineq), np.where(into, ineq, free)])
    cap = np.concatenate([slack[ineq], np.full(len(ineq), _INF, dtype=np.int64)])
    return src, dst, cap
