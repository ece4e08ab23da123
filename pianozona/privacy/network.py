"""The audit of two-way tables: hidden cells as arcs of a network, and the cheapest cycles that free them.

With two margin dimensions the equations are those of a network: after changing the sign of
some equations every hidden cell is an arc between its two groups (row group, column group)
and the published totals fix the net flow at every node.  A hidden cell can take another
whole value exactly when one unit can be pushed round a cycle through it without leaving the
bounds known to the attacker (residual graph; exact because the matrix is totally
unimodular): strongly connected components, and bridges (`find_bridges`) for the cells that
can move both ways.  Groups without an equation merge into one free node.  A pinned cell gets
the cheapest set of published cells that closes such a cycle (shortest path, the cost of a
cell being its value).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pianozona.privacy.column import CountColumn
from pianozona.privacy.structure import Structure

__all__ = ["find_bridges", "flow_pass", "network_arcs", "pinned_cells"]

#: Cost that keeps a shortest path off an arc (the pinned cell itself).
_BLOCKED = 1e15
#: Cost of an arc of a cell that is already hidden: (almost) nothing.
_HIDDEN_COST = 1e-6


def network_arcs(st: Structure) -> tuple[np.ndarray, np.ndarray, int]:
    """For every row of a two-margin structure, the arc "increase the cell" (tail, head), and the node count."""
    n0, n1 = st.n_lines
    free_node = n0 + n1
    u = np.where(st.in_equation[0], st.lines[0], free_node)
    v = np.where(st.in_equation[1], n0 + st.lines[1], free_node)
    s = np.where(st.is_total[0], -1, 1) * np.where(st.is_total[1], -1, 1)
    tail = np.where(s > 0, v, u)
    head = np.where(s > 0, u, v)
    return tail, head, free_node + 1


def pinned_cells(cells: CountColumn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hidden cells whose value the totals and the markers determine.

    Returns the pinned rows, all hidden rows, and for each hidden row whether it can grow
    (`up`) and shrink (`down`) by one within its bounds.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    tail, head, n_nodes = network_arcs(cells.st)
    hidden = np.flatnonzero(cells.state > 0)
    lo, hi = cells.bounds(hidden)
    x = cells.vals[hidden]
    up = x + 1 <= hi           # can grow: arc tail -> head
    down = x - 1 >= lo         # can shrink: arc head -> tail
    t, h = tail[hidden], head[hidden]
    src = np.concatenate([t[up], h[down]])
    dst = np.concatenate([h[up], t[down]])
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n_nodes, n_nodes)).tocsr()
    _, scc = connected_components(graph, directed=True, connection="strong")
    same = scc[t] == scc[h]
    movable = (up | down) & same
    pinned = ~movable & (hi - lo >= 1) & cells.real[hidden]
    both = movable & up & down
    if both.any():
        # a two-way cell is on a proper cycle unless it is a bridge of its component
        inner = np.flatnonzero(movable)
        bridges, _ = find_bridges(n_nodes, t[inner], h[inner])
        is_bridge = np.zeros(len(hidden), dtype=bool)
        is_bridge[inner[bridges]] = True
        pinned |= both & is_bridge & cells.real[hidden]
    return hidden[pinned], hidden, up, down


def flow_pass(cells: CountColumn, hopeless: set[int]) -> bool:
    """Free the pinned cells, one per connected block of hidden cells; True if a cell was hidden.

    A pinned cell with no cycle to close is added to `hopeless` and skipped until the set is cleared.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pinned, hidden, up, down = pinned_cells(cells)
    pinned = pinned[~np.isin(pinned, np.fromiter(hopeless, dtype=np.int64))]
    if len(pinned) == 0:
        return False
    tail, head, n_nodes = network_arcs(cells.st)
    # one fix per connected block of hidden cells per pass, then all is re-checked
    und = coo_matrix((np.ones(len(hidden)), (tail[hidden], head[hidden])), shape=(n_nodes, n_nodes))
    _, block = connected_components(und, directed=False)
    pinned = pinned[np.argsort(cells.order[pinned], kind="stable")]
    graph = _CoverGraph.build(cells, hidden, up, down, (tail, head, n_nodes))
    changed = False
    done: set[int] = set()
    for cell in pinned:
        b = int(block[tail[cell]])
        if b in done:
            continue
        new_cells = _cheapest_cycle(cells, graph, int(cell), tail, head)
        if new_cells is None:
            hopeless.add(int(cell))
            continue
        changed |= cells.suppress(new_cells)
        done.add(b)
    return changed


@dataclass
class _CoverGraph:
    """Residual graph where a hidden cell's arcs cost (almost) nothing and a published cell its value.

    Arcs are sorted by (src, dst), one per pair (the cheapest, then the sorted keys); `ids` is
    the row of each arc, `new` whether that row is published (hiding it is the price).
    """

    matrix: object
    dst: np.ndarray
    cost: np.ndarray
    ids: np.ndarray
    new: np.ndarray
    indptr: np.ndarray

    @classmethod
    def build(cls, cells: CountColumn, hidden: np.ndarray, up: np.ndarray, down: np.ndarray,
              network: tuple[np.ndarray, np.ndarray, int]) -> _CoverGraph:
        from scipy.sparse import csr_matrix

        tail, head, n_nodes = network
        t_c, h_c = tail[hidden], head[hidden]
        cand = np.flatnonzero(cells.usable & (cells.state == 0))
        shrink = cells.vals[cand] - 1 >= cells.t + 1
        n_hidden_arcs = int(up.sum()) + int(down.sum())
        src = np.concatenate([t_c[up], h_c[down], tail[cand], head[cand[shrink]]])
        dst = np.concatenate([h_c[up], t_c[down], head[cand], tail[cand[shrink]]])
        cost = np.concatenate([np.full(n_hidden_arcs, _HIDDEN_COST), cells.vals[cand], cells.vals[cand[shrink]]])
        ids = np.concatenate([hidden[up], hidden[down], cand, cand[shrink]])
        new = np.concatenate([np.zeros(n_hidden_arcs, dtype=bool), np.ones(len(cand) + int(shrink.sum()), dtype=bool)])
        order = np.lexsort((cells.order[ids], cost, dst, src))
        src, dst, cost, ids, new = src[order], dst[order], cost[order], ids[order], new[order]
        keep = np.ones(len(src), dtype=bool)
        keep[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        src, dst, cost, ids, new = src[keep], dst[keep], cost[keep], ids[keep], new[keep]
        indptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n_nodes), out=indptr[1:])
        matrix = csr_matrix((cost.copy(), dst, indptr), shape=(n_nodes, n_nodes))
        return cls(matrix, dst, cost, ids, new, indptr)

    def path_cells(self, pred: np.ndarray, start: int, goal: int) -> np.ndarray:
        """The published rows on the shortest path from `start` to `goal` (`pred`: Dijkstra's predecessors)."""
        new_cells = []
        node = goal
        while node != start:
            prev = int(pred[node])
            j = self.indptr[prev] + int(np.searchsorted(self.dst[self.indptr[prev]:self.indptr[prev + 1]], node))
            if self.new[j]:
                new_cells.append(int(self.ids[j]))
            node = prev
        return np.array(new_cells, dtype=np.int64)


def _cheapest_cycle(cells: CountColumn, graph: _CoverGraph, cell: int, tail: np.ndarray,
                    head: np.ndarray) -> np.ndarray | None:
    """The published rows to hide so that `cell` lies on a cycle (grow or shrink it); None if none."""
    from scipy.sparse.csgraph import dijkstra

    own = np.flatnonzero((graph.ids == cell) & ~graph.new)
    graph.matrix.data[own] = _BLOCKED  # a cycle must not come back through the cell itself
    lo, hi = cells.bounds(np.array([cell]))
    x = cells.vals[cell]
    options = []
    if x + 1 <= hi[0]:
        options.append((int(head[cell]), int(tail[cell])))  # grow it: back from head to tail
    if x - 1 >= lo[0]:
        options.append((int(tail[cell]), int(head[cell])))  # shrink it
    best = None
    for start, goal in options:
        dist, pred = dijkstra(graph.matrix, indices=start, return_predecessors=True, limit=_BLOCKED / 2)
        if np.isfinite(dist[goal]) and (best is None or dist[goal] < best[0]):
            best = (dist[goal], pred, start, goal)
    graph.matrix.data[own] = graph.cost[own]
    if best is None:
        return None
    _, pred, start, goal = best
    return graph.path_cells(pred, start, goal)


def _adjacency(n_nodes: int, eu: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ends = np.concatenate([eu, ev])
    other = np.concatenate([ev, eu])
    edge_id = np.concatenate([np.arange(len(eu)), np.arange(len(eu))])
    order = np.argsort(ends, kind="stable")
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n_nodes), out=indptr[1:])
    return indptr, other[order], edge_id[order]


def find_bridges(n_nodes: int, eu: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bridges of an undirected multigraph (iterative Tarjan) and component of each node."""
    indptr, nbr, eid = _adjacency(n_nodes, eu, ev)
    indptr_l, nbr_l, eid_l = indptr.tolist(), nbr.tolist(), eid.tolist()
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    comp = np.full(n_nodes, -1, dtype=np.int64)
    is_bridge = np.zeros(len(eu), dtype=bool)
    timer = 0
    touched = np.unique(np.concatenate([eu, ev])).tolist()
    for root in touched:
        if disc[root] != -1:
            continue
        disc[root] = low[root] = timer
        timer += 1
        comp[root] = root
        stack = [(root, -1, indptr_l[root])]
        while stack:
            node, parent_edge, p = stack[-1]
            if p < indptr_l[node + 1]:
                stack[-1] = (node, parent_edge, p + 1)
                e = eid_l[p]
                if e == parent_edge:
                    continue
                w = nbr_l[p]
                if disc[w] == -1:
                    disc[w] = low[w] = timer
                    timer += 1
                    comp[w] = root
                    stack.append((w, e, indptr_l[w]))
                elif disc[w] < low[node]:
                    low[node] = disc[w]
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                    if low[node] > disc[parent]:
                        is_bridge[parent_edge] = True
    return is_bridge, comp
