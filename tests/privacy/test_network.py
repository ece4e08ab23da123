"""Two margin dimensions, comuni x areas (pianozona.privacy.network), against the attacker."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pianozona.privacy.network import find_bridges
from tests.privacy.attacker import recomputable
from tests.privacy.tables import ALL_AREAS, DISTRICT, protect_long, two_way


def test_two_way_table_with_both_margins():
    matrix = np.array([[3, 12, 0, 25],
                       [14, 2, 9, 30],
                       [20, 18, 11, 0],
                       [0, 7, 40, 16]])
    df = two_way(matrix)
    out = protect_long(df, groups=["comune", "area"])
    assert recomputable(out, df, margins=("comune", "area")) == []
    # every row and column of the table has 0 or at least 2 hidden cells
    for dim in ("comune", "area"):
        other = "area" if dim == "comune" else "comune"
        assert not (out.groupby(other)["utenti_soppresso"].sum() == 1).any()


def test_two_way_random_tables_resist_the_attacker():
    rng = np.random.default_rng(7)
    for trial in range(12):
        matrix = rng.choice([0, 1, 2, 3, 5, 8, 13, 30], size=(6, 4), p=[.25, .15, .1, .1, .1, .1, .1, .1])
        df = two_way(matrix)
        out = protect_long(df, groups=["comune", "area"])
        assert recomputable(out, df, margins=("comune", "area")) == [], (trial, matrix)


def test_two_way_bridge_between_two_safe_blocks():
    """Each row and column has two hidden cells, yet C1/A2 follows from the totals."""
    matrix = np.full((5, 5), 50)
    for i, j in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        matrix[i, j] = 2
    df = two_way(matrix)
    naive = df.assign(utenti=df["utenti"].where(df["utenti"] != 2),
                      utenti_soppresso=df["utenti"] == 2,
                      utenti_soppressione=np.where(df["utenti"] == 2, "primaria", ""))
    assert recomputable(naive, df, margins=("comune", "area")) == [(8, 2)]  # C1, A2
    out = protect_long(df, groups=["comune", "area"])
    assert out["utenti_soppresso"].sum() > 9
    assert recomputable(out, df, margins=("comune", "area")) == []


def test_two_way_over_years_without_total_rows():
    rng = np.random.default_rng(11)
    frames = []
    for anno in (2022, 2023):
        t = two_way(rng.choice([0, 2, 4, 6, 9, 25], size=(5, 3)), anno=anno)
        frames.append(t[(t["comune"] != DISTRICT) & (t["area"] != ALL_AREAS)])
    df = pd.concat(frames, ignore_index=True)
    out = protect_long(df, groups=["comune", "area"])
    assert recomputable(out, df, margins=("comune", "area"), external=True) == []


def test_find_bridges_of_a_multigraph():
    # triangle 0-1-2, a pendant edge 2-3, and a double edge 4=5 (two cells between the same groups)
    eu = np.array([0, 1, 2, 2, 4, 4])
    ev = np.array([1, 2, 0, 3, 5, 5])
    is_bridge, comp = find_bridges(7, eu, ev)
    assert is_bridge.tolist() == [False, False, False, True, False, False]
    assert comp[0] == comp[1] == comp[2] == comp[3] and comp[4] == comp[5] != comp[0]
    assert comp[6] == -1  # a node without edges belongs to no component
