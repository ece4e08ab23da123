"""The structure of a table to protect: cells, groups (one per published total, a *line*) and totals.

`build_structure` codes each key column (sorted, so the same data in another row order gives the
same result), finds for every margin dimension the line of each row and whether the row is the
line's total, and adds a virtual total row where a group's total is published elsewhere (a
group declared in `groups` with no total row in the table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pianozona.errors import ParameterError
from pianozona.privacy.spec import Spec

__all__ = ["Structure", "build_structure"]


@dataclass
class Structure:
    """Cells and lines of a table: the real rows first, then the virtual totals.

    `codes` (N, K) holds the key codes of every row, a total having ``code == total_code[j]``
    in its dimension; per margin `m` (the columns `margins` of `codes`): `lines[m]` the group
    of each row, `n_lines[m]` their number, `is_total[m]` whether the row is its group's total,
    `in_equation[m]` whether its group has parts and a total.  `virtual_rounds` lists, per
    round of virtual totals, (virtual row, part row) pairs; `rank` is the canonical order of
    the real rows (sorted keys), used to break ties.
    """

    n_real: int
    codes: np.ndarray
    margins: list[int]
    lines: list[np.ndarray]
    n_lines: list[int]
    is_total: list[np.ndarray]
    in_equation: list[np.ndarray]
    virtual_rounds: list[tuple[np.ndarray, np.ndarray]]
    rank: np.ndarray


def build_structure(data: pd.DataFrame, spec: Spec) -> Structure:
    """The `Structure` of a checked table; ParameterError when two rows are the same cell."""
    codes, total_code, margins = _codes(data, spec)
    radices = total_code + 1
    _check_distinct_cells(data, spec, codes, radices)
    n, k = codes.shape
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort(codes.T[::-1]) if k else np.arange(n)] = np.arange(n)
    codes, virtual_rounds = _add_virtual_totals(codes, total_code, radices, margins)
    lines, n_lines, is_total, in_eq = [], [], [], []
    for j in margins:
        ids, n_ids, is_tot = _lines_of(codes, total_code, radices, j)
        has_part = np.bincount(ids[~is_tot], minlength=n_ids) > 0
        lines.append(ids)
        n_lines.append(n_ids)
        is_total.append(is_tot)
        in_eq.append(has_part[ids])
    return Structure(n, codes, margins, lines, n_lines, is_total, in_eq, virtual_rounds, rank)


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


def _codes(data: pd.DataFrame, spec: Spec) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Key codes of every row (totals coded past the last value), total codes, margin columns."""
    k = len(spec.keys)
    codes = np.zeros((len(data), k), dtype=np.int64)
    total_code = np.zeros(k, dtype=np.int64)
    for j, col in enumerate(spec.keys):
        c, card = _factorize_sorted(data[col])
        codes[:, j] = c
        total_code[j] = card
    margins = [spec.keys.index(g) for g in spec.groups]
    for g, j in zip(spec.groups, margins):
        codes[spec.total_masks[g], j] = total_code[j]
    return codes, total_code, margins


def _check_distinct_cells(data: pd.DataFrame, spec: Spec, codes: np.ndarray, radices: np.ndarray) -> None:
    full_ids, n_full = _group_ids(codes, radices)
    if n_full != codes.shape[0]:
        counts = np.bincount(full_ids)
        dup = int(np.flatnonzero(counts[full_ids] > 1)[0])
        example = ", ".join(f"{col}={data[col].iloc[dup]!r}" for col in spec.keys)
        raise ParameterError(
            "keys", example,
            "più righe hanno le stesse chiavi (o due righe di totale per lo stesso gruppo): "
            "aggregare i dati o aggiungere a keys la colonna che le distingue",
        )


def _lines_of(codes: np.ndarray, total_code: np.ndarray, radices: np.ndarray,
              j: int) -> tuple[np.ndarray, int, np.ndarray]:
    """Along key column `j`: the line of each row, the number of lines, which rows are totals."""
    others = [i for i in range(codes.shape[1]) if i != j]
    ids, n_ids = _group_ids(codes[:, others], radices[others])
    return ids, n_ids, codes[:, j] == total_code[j]


def _add_virtual_totals(codes: np.ndarray, total_code: np.ndarray, radices: np.ndarray,
                        margins: list[int]) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Groups without a total row have it published elsewhere: add it as a virtual row.

    Rounds repeat because a virtual total of one dimension is a part of the other dimensions.
    """
    virtual_rounds: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(len(margins) + 2):
        added = False
        for j in margins:
            ids, n_ids, is_tot = _lines_of(codes, total_code, radices, j)
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
            new_index = np.full(n_ids, -1, dtype=np.int64)
            new_index[needed_lines] = codes.shape[0] + np.arange(len(needed_lines))
            codes = np.vstack([codes, new_codes])
            virtual_rounds.append((new_index[line_of_part], part_rows))
            added = True
        if not added:
            break
    return codes, virtual_rounds
