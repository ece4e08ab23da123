"""The suppression algorithm behind `pianozona.privacy.protect`.

`_build_structure` turns a checked table into cells, groups (one group per
published total, a *line*) and their totals, adding a virtual total row where
a group's total is published elsewhere.  `_Suppressor` applies primary and
secondary suppression to one count column over that structure: per group with
the attacker's bounds (`_Suppressor._line_pass`), as a network with two
margin dimensions (strongly connected components and bridges, `_find_bridges`;
shortest paths to close a cycle), with linear programmes for three or more
(blocks up to `LP_MAX_CELLS` cells).  What "cannot be recomputed" means, and
what is reported with a `PrivacyWarning`, is in the `pianozona.privacy`
module docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pianozona.errors import ParameterError

if TYPE_CHECKING:
    from pianozona.privacy.gate import _Spec

#: Largest block of hidden cells checked by linear programming (3+ margin dimensions).
LP_MAX_CELLS = 300


# ---------------------------------------------------------------------------
# table structure: cells, groups (lines) and their totals


@dataclass
class _Structure:
    n_real: int
    codes: np.ndarray                     # (N, K) int64; a total has code == total_code[j]
    margins: list[int]                    # columns of `codes` with margins
    lines: list[np.ndarray]               # per margin: group id of each row
    n_lines: list[int]
    is_total: list[np.ndarray]            # per margin: row is the total of its group
    in_equation: list[np.ndarray]         # per margin: row's group has parts and a total
    virtual_rounds: list[tuple[np.ndarray, np.ndarray]]  # (virtual row per pair, part row per pair)
    rank: np.ndarray                      # canonical order of real rows (sorted keys)


def _factorize_sorted(series: pd.Series) -> tuple[np.ndarray, int]:
    try:
        codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=False)
    except TypeError:
        codes, uniques = pd.factorize(series.astype(str), sort=True, use_na_sentinel=False)
    return codes.astype(np.int64), len(uniques)


def _group_ids(codes: np.ndarray, radices: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense ids of the distinct rows of `codes` (N, J)."""
    n = codes.shape[0]
    if codes.shape[1] == 0:
        return np.zeros(n, dtype=np.int64), 1 if n else 0
    if float(np.prod(radices.astype(float))) < 2.0**62:
        combined = np.zeros(n, dtype=np.int64)
        for j in range(codes.shape[1]):
            combined = combined * int(radices[j]) + codes[:, j]
        uniq, inverse = np.unique(combined, return_inverse=True)
    else:  # pragma: no cover - astronomically many key combinations
        uniq, inverse = np.unique(codes, axis=0, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), len(uniq)


def _build_structure(data: pd.DataFrame, spec: _Spec) -> _Structure:
    n = len(data)
    k = len(spec.keys)
    codes = np.zeros((n, k), dtype=np.int64)
    total_code = np.zeros(k, dtype=np.int64)
    for j, col in enumerate(spec.keys):
        c, card = _factorize_sorted(data[col])
        codes[:, j] = c
        total_code[j] = card
    margins = [spec.keys.index(g) for g in spec.groups]
    for g, j in zip(spec.groups, margins):
        codes[spec.total_masks[g], j] = total_code[j]
    radices = total_code + 1

    full_ids, n_full = _group_ids(codes, radices)
    if n_full != n:
        counts = np.bincount(full_ids)
        dup = int(np.flatnonzero(counts[full_ids] > 1)[0])
        example = ", ".join(f"{col}={data[col].iloc[dup]!r}" for col in spec.keys)
        raise ParameterError(
            "keys", example,
            "più righe hanno le stesse chiavi (o due righe di totale per lo stesso gruppo): "
            "aggregare i dati o aggiungere a keys la colonna che le distingue",
        )
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort(codes.T[::-1]) if k else np.arange(n)] = np.arange(n)

    # groups without a total row: the total is published elsewhere -> virtual row
    virtual_rounds: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(len(margins) + 2):
        added = False
        for j in margins:
            others = [i for i in range(k) if i != j]
            ids, n_ids = _group_ids(codes[:, others], radices[others])
            is_tot = codes[:, j] == total_code[j]
            has_total = np.bincount(ids[is_tot], minlength=n_ids) > 0
            has_part = np.bincount(ids[~is_tot], minlength=n_ids) > 0
            need = has_part & ~has_total
            if not need.any():
                continue
            part_rows = np.flatnonzero(~is_tot & need[ids])
            line_of_part = ids[part_rows]
            needed_lines, first = np.unique(line_of_part, return_index=True)
            new_codes = codes[part_rows[first]].copy()
            new_codes[:, j] = total_code[j]
            start = codes.shape[0]
            new_index = np.full(n_ids, -1, dtype=np.int64)
            new_index[needed_lines] = start + np.arange(len(needed_lines))
            codes = np.vstack([codes, new_codes])
            virtual_rounds.append((new_index[line_of_part], part_rows))
            added = True
        if not added:
            break

    lines, n_lines, is_total, in_eq = [], [], [], []
    for j in margins:
        others = [i for i in range(k) if i != j]
        ids, n_ids = _group_ids(codes[:, others], radices[others])
        is_tot = codes[:, j] == total_code[j]
        has_part = np.bincount(ids[~is_tot], minlength=n_ids) > 0
        lines.append(ids)
        n_lines.append(n_ids)
        is_total.append(is_tot)
        in_eq.append(has_part[ids])
    return _Structure(n, codes, margins, lines, n_lines, is_total, in_eq, virtual_rounds, rank)


# ---------------------------------------------------------------------------
# suppression


class _Suppressor:
    """Primary and secondary suppression of one count column over a structure."""

    def __init__(self, st: _Structure, real_values: np.ndarray, threshold: int) -> None:
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
        self.state = np.zeros(n_all, dtype=np.int8)  # 0 published, 1 primary, 2 secondary
        self.state[(vals > 0) & (vals <= threshold)] = 1
        self.usable = self.real & ~self.missing & (vals > 0)  # may become a complement
        self.order = np.full(n_all, np.iinfo(np.int64).max, dtype=np.int64)
        self.order[: st.n_real] = st.rank
        self.unsafe_groups = 0
        self.pinned = 0
        self.determined = 0
        self.lp_skipped = 0
        self.marker_groups = 0
        self.hopeless: set[int] = set()

    # -- helpers -------------------------------------------------------------
    def _cheapest(self, rows: np.ndarray, group: np.ndarray) -> np.ndarray:
        """For each group, the row with the smallest value (then the sorted keys)."""
        if len(rows) == 0:
            return rows
        order = np.lexsort((self.order[rows], self.vals[rows], group))
        _, first = np.unique(group[order], return_index=True)
        return rows[order[first]]

    def _suppress(self, rows: np.ndarray) -> bool:
        rows = rows[self.state[rows] == 0]
        self.state[rows] = 2
        return len(rows) > 0

    # -- one group (equation) at a time, with the attacker's bounds ----------
    def _unsafe_lines(self, m: int) -> np.ndarray:
        st, t = self.st, self.t
        line, n_lines = st.lines[m], st.n_lines[m]
        eq = st.in_equation[m]
        unknown = (self.state > 0) & eq
        if not unknown.any():
            return np.zeros(n_lines, dtype=bool)
        sign = np.where(st.is_total[m], -1.0, 1.0)
        known = eq & ~unknown
        vals = np.nan_to_num(self.vals, nan=0.0)
        # sum(a_i x_i over hidden) = c  with c = known total - known parts
        c = np.bincount(line[known], weights=-(sign * vals)[known], minlength=n_lines)
        idx = np.flatnonzero(unknown)
        primary = self.state[idx] == 1
        lo = np.where(primary, 1.0, t + 1.0)
        hi = np.where(primary, float(t), np.inf)
        s = sign[idx]
        cmin = np.where(s > 0, lo, -hi)
        cmax = np.where(s > 0, hi, -lo)
        li = line[idx]
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
            width = upper - lower
        # width < 0: the total is not the sum of its parts (e.g. it includes
        # users without a comune); the bounds say nothing, fall back to the
        # rule "never a single hidden cell in a group".
        alone = np.bincount(li, minlength=n_lines)[li] == 1
        pinned = ((width >= 0) & (width < 1)) | ((width < 0) & alone)
        pinned &= hi - lo >= 1  # a marker that already says it all (threshold 1) is not a leak
        pinned &= self.real[idx]  # a total published elsewhere is protected where it is published
        unsafe = np.zeros(n_lines, dtype=bool)
        unsafe[li[pinned]] = True
        return unsafe

    def _line_pass(self) -> bool:
        st = self.st
        changed = False
        for m in range(len(st.margins)):
            unsafe = self._unsafe_lines(m)
            if not unsafe.any():
                continue
            line = st.lines[m]
            free = self.usable & (self.state == 0) & st.in_equation[m] & unsafe[line]
            parts = np.flatnonzero(free & ~st.is_total[m])
            chosen = self._cheapest(parts, line[parts])
            covered = np.zeros(st.n_lines[m], dtype=bool)
            covered[line[chosen]] = True
            totals = np.flatnonzero(free & st.is_total[m] & ~covered[line])
            chosen = np.concatenate([chosen, totals])
            covered[line[totals]] = True
            changed |= self._suppress(chosen)
        return changed

    # -- two margin dimensions: the hidden cells as a network ----------------
    #
    # With two margins the equations are those of a network: after changing
    # the sign of some equations every hidden cell is an arc between its two
    # groups (row group, column group) and the published totals fix the net
    # flow at every node.  A hidden cell can take another whole value exactly
    # when one unit can be pushed round a cycle through it without leaving
    # the bounds known to the attacker (residual graph; exact because the
    # matrix is totally unimodular).  Groups without an equation merge into
    # one free node.
    def _network(self):
        st = self.st
        n0, n1 = st.n_lines
        free_node = n0 + n1
        u = np.where(st.in_equation[0], st.lines[0], free_node)
        v = np.where(st.in_equation[1], n0 + st.lines[1], free_node)
        s = np.where(st.is_total[0], -1, 1) * np.where(st.is_total[1], -1, 1)
        # the arc of "increase the cell": from tail to head
        tail = np.where(s > 0, v, u)
        head = np.where(s > 0, u, v)
        return tail, head, free_node + 1

    def _bounds(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        primary = self.state[rows] == 1
        return np.where(primary, 1.0, self.t + 1.0), np.where(primary, float(self.t), np.inf)

    def _pinned_cells(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Hidden cells whose value the totals and the markers determine."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        tail, head, n_nodes = self._network()
        cells = np.flatnonzero(self.state > 0)
        lo, hi = self._bounds(cells)
        x = self.vals[cells]
        up = x + 1 <= hi           # can grow: arc tail -> head
        down = x - 1 >= lo         # can shrink: arc head -> tail
        t, h = tail[cells], head[cells]
        src = np.concatenate([t[up], h[down]])
        dst = np.concatenate([h[up], t[down]])
        graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n_nodes, n_nodes)).tocsr()
        _, scc = connected_components(graph, directed=True, connection="strong")
        same = scc[t] == scc[h]
        movable = (up | down) & same
        pinned = ~movable & (hi - lo >= 1) & self.real[cells]
        both = movable & up & down
        if both.any():
            # a two-way cell is on a proper cycle unless it is a bridge of its component
            inner = np.flatnonzero(movable)
            bridges, _ = _find_bridges(n_nodes, t[inner], h[inner])
            is_bridge = np.zeros(len(cells), dtype=bool)
            is_bridge[inner[bridges]] = True
            pinned |= both & is_bridge & self.real[cells]
        return cells[pinned], cells, up, down

    def _flow_pass(self) -> bool:
        from scipy.sparse import coo_matrix, csr_matrix
        from scipy.sparse.csgraph import connected_components, dijkstra

        pinned, cells, up, down = self._pinned_cells()
        pinned = pinned[~np.isin(pinned, np.fromiter(self.hopeless, dtype=np.int64))]
        if len(pinned) == 0:
            return False
        tail, head, n_nodes = self._network()
        t_c, h_c = tail[cells], head[cells]
        # one fix per connected block of hidden cells per pass, then all is re-checked
        und = coo_matrix((np.ones(len(cells)), (t_c, h_c)), shape=(n_nodes, n_nodes))
        _, block = connected_components(und, directed=False)
        pinned = pinned[np.argsort(self.order[pinned], kind="stable")]

        # arcs of hidden cells cost (almost) nothing; a published cell that
        # could be hidden costs its value: the cheapest cycle hides the least
        cand = np.flatnonzero(self.usable & (self.state == 0))
        shrink = self.vals[cand] - 1 >= self.t + 1
        src = np.concatenate([t_c[up], h_c[down], tail[cand], head[cand[shrink]]])
        dst = np.concatenate([h_c[up], t_c[down], head[cand], tail[cand[shrink]]])
        cost = np.concatenate([np.full(int(up.sum()) + int(down.sum()), 1e-6),
                               self.vals[cand], self.vals[cand[shrink]]])
        ids = np.concatenate([cells[up], cells[down], cand, cand[shrink]])
        new = np.concatenate([np.zeros(int(up.sum()) + int(down.sum()), dtype=bool),
                              np.ones(len(cand) + int(shrink.sum()), dtype=bool)])
        order = np.lexsort((self.order[ids], cost, dst, src))
        src, dst, cost, ids, new = src[order], dst[order], cost[order], ids[order], new[order]
        keep = np.ones(len(src), dtype=bool)
        keep[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        src, dst, cost, ids, new = src[keep], dst[keep], cost[keep], ids[keep], new[keep]
        indptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n_nodes), out=indptr[1:])
        weights = cost.copy()
        graph = csr_matrix((weights, dst, indptr), shape=(n_nodes, n_nodes))
        blocked = 1e15

        changed = False
        done: set[int] = set()
        for cell in pinned:
            b = int(block[tail[cell]])
            if b in done:
                continue
            own = np.flatnonzero((ids == cell) & ~new)
            graph.data[own] = blocked  # a cycle must not come back through the cell itself
            lo, hi = self._bounds(np.array([cell]))
            x = self.vals[cell]
            options = []
            if x + 1 <= hi[0]:
                options.append((int(head[cell]), int(tail[cell])))  # grow it: back from head to tail
            if x - 1 >= lo[0]:
                options.append((int(tail[cell]), int(head[cell])))  # shrink it
            best = None
            for start, goal in options:
                dist, pred = dijkstra(graph, indices=start, return_predecessors=True, limit=blocked / 2)
                if np.isfinite(dist[goal]) and (best is None or dist[goal] < best[0]):
                    best = (dist[goal], pred, start, goal)
            graph.data[own] = cost[own]
            if best is None:
                self.hopeless.add(int(cell))
                continue
            _, pred, start, goal = best
            new_cells = []
            node = goal
            while node != start:
                prev = int(pred[node])
                j = indptr[prev] + int(np.searchsorted(dst[indptr[prev]:indptr[prev + 1]], node))
                if new[j]:
                    new_cells.append(int(ids[j]))
                node = prev
            changed |= self._suppress(np.array(new_cells, dtype=np.int64))
            done.add(b)
        return changed

    # -- three or more margin dimensions: linear programmes ------------------
    #
    # Without the network structure each hidden cell is checked directly:
    # the largest and smallest value it can take given every published total
    # and the markers' bounds (the linear relaxation of the attacker's
    # problem).  Done per connected block of hidden cells, up to
    # LP_MAX_CELLS cells per block.
    def _lp_pass(self, fix: bool = True) -> bool:
        from scipy.optimize import linprog
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        st = self.st
        hidden = np.flatnonzero(self.state > 0)
        if len(hidden) == 0:
            return False
        pos = np.full(st.codes.shape[0], -1, dtype=np.int64)
        pos[hidden] = np.arange(len(hidden))
        vals = np.nan_to_num(self.vals, nan=0.0)
        eq_rows, var_cols, coef, rhs = [], [], [], []
        offset = 0
        for m in range(len(st.margins)):
            line, eq = st.lines[m], st.in_equation[m]
            sign = np.where(st.is_total[m], -1.0, 1.0)
            known = eq & (self.state == 0)
            rhs.append(np.bincount(line[known], weights=-(sign * vals)[known], minlength=st.n_lines[m]))
            sel = hidden[eq[hidden]]
            eq_rows.append(offset + line[sel])
            var_cols.append(pos[sel])
            coef.append(sign[sel])
            offset += st.n_lines[m]
        eq_all = np.concatenate(eq_rows)
        var_all = np.concatenate(var_cols)
        coef_all = np.concatenate(coef)
        rhs_all = np.concatenate(rhs)
        nv = len(hidden)
        graph = coo_matrix((np.ones(len(var_all)), (var_all, nv + eq_all)), shape=(nv + offset, nv + offset))
        _, labels = connected_components(graph, directed=False)
        lo, hi = self._bounds(hidden)
        changed = False
        for lab in np.unique(labels[:nv]):
            members = np.flatnonzero(labels[:nv] == lab)
            sel = np.isin(var_all, members)
            if not sel.any():
                continue  # in no equation: free
            if len(members) > LP_MAX_CELLS:
                self.lp_skipped += 1
                continue
            eqs, eq_index = np.unique(eq_all[sel], return_inverse=True)
            local = np.searchsorted(members, var_all[sel])
            matrix = np.zeros((len(eqs), len(members)))
            np.add.at(matrix, (eq_index, local), coef_all[sel])
            bounds = list(zip(lo[members], [None if np.isinf(h) else h for h in hi[members]]))
            truth = self.vals[hidden[members]]
            order = np.argsort(self.order[hidden[members]], kind="stable")
            for i in order:
                cell = hidden[members[i]]
                if not self.real[cell] or hi[members[i]] - lo[members[i]] < 1:
                    continue
                pinned = True
                for direction in (-1.0, 1.0):  # maximise, then minimise
                    objective = np.zeros(len(members))
                    objective[i] = direction
                    res = linprog(objective, A_eq=matrix, b_eq=rhs_all[eqs], bounds=bounds, method="highs")
                    if res.status != 0 or abs(direction * res.fun - truth[i]) >= 1 - 1e-7:
                        pinned = False  # it can move (or the totals are not additive)
                        break
                if not pinned:
                    continue
                if not fix:
                    self.determined += int(not self.marker_cells[cell])
                    continue
                # the cheapest published cell in the groups of the cell, else in
                # the groups of the hidden cells next to it, and so on
                free = self.usable & (self.state == 0)
                reached = np.zeros_like(free)
                reached[cell] = True
                rows = np.zeros(0, dtype=np.int64)
                for _ in range(4):
                    near = np.zeros_like(free)
                    for m in range(len(st.margins)):
                        touched = np.zeros(st.n_lines[m], dtype=bool)
                        touched[st.lines[m][reached & st.in_equation[m]]] = True
                        near |= st.in_equation[m] & touched[st.lines[m]]
                    rows = np.flatnonzero(free & near)
                    if len(rows):
                        break
                    reached = near & (self.state > 0)
                if len(rows):
                    changed |= self._suppress(self._cheapest(rows, np.zeros(len(rows), dtype=np.int64)))
                    break  # re-check this block from scratch
        return changed

    def run(self) -> np.ndarray:
        k = len(self.st.margins)
        if k == 0:
            return self.state
        retried = False
        for _ in range(self.st.codes.shape[0] + 2):
            if self._line_pass():
                continue
            if k == 2 and self._flow_pass():
                continue
            if k >= 3 and self._lp_pass():
                continue
            if self.hopeless and not retried:  # later suppressions may have opened a way
                self.hopeless.clear()
                retried = True
                continue
            break
        self._audit()
        return self.state

    def _audit(self) -> None:
        """Count what is still recomputable after the passes (normally nothing).

        A group whose non-zero values are all hidden (its total too) but still
        pinned, e.g. 1 + 1 + 1 + 1 with the total "< 5", is told apart: the
        markers and the zeros alone give it away, no complement can help
        (zeros are never hidden).
        """
        st = self.st
        k = len(st.margins)
        self.unsafe_groups = 0
        self.marker_groups = 0
        self.marker_cells = np.zeros(st.codes.shape[0], dtype=bool)
        for m in range(k):
            unsafe = self._unsafe_lines(m)
            line, eq = st.lines[m], st.in_equation[m]
            shown = eq & (self.state == 0) & (np.nan_to_num(self.vals) > 0)
            has_shown = np.bincount(line[shown], minlength=st.n_lines[m]) > 0
            marker = unsafe & ~has_shown
            self.marker_groups += int(marker.sum())
            self.unsafe_groups += int((unsafe & has_shown).sum())
            self.marker_cells |= eq & marker[line] & (self.state > 0)
        self.pinned = 0
        self.determined = 0
        self.lp_skipped = 0
        if k == 2:
            pinned = self._pinned_cells()[0]
            self.pinned = int((~self.marker_cells[pinned]).sum())
        elif k >= 3:
            self._lp_pass(fix=False)


def _adjacency(n_nodes: int, eu: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ends = np.concatenate([eu, ev])
    other = np.concatenate([ev, eu])
    edge_id = np.concatenate([np.arange(len(eu)), np.arange(len(eu))])
    order = np.argsort(ends, kind="stable")
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n_nodes), out=indptr[1:])
    return indptr, other[order], edge_id[order]


def _find_bridges(n_nodes: int, eu: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
