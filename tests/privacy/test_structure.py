"""Cells, lines and totals of a table (pianozona.privacy.structure), virtual totals included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pianozona.errors import ParameterError
from pianozona.privacy.spec import build_spec
from pianozona.privacy.structure import build_structure
from tests.privacy.tables import ALL_AREAS, DISTRICT, KEYS, one_area, two_way


def structure_of(df: pd.DataFrame, groups: list[str]):
    spec = build_spec(df, counts="utenti", derived=None, keys=KEYS, groups=groups, total_label=None,
                      total_mask=None, threshold=4)
    return build_structure(df, spec)


def test_total_row_in_the_table_closes_the_line():
    st = structure_of(one_area({"A": 3, "B": 10, "C": 20}), ["comune"])
    assert st.n_real == 4 and st.codes.shape[0] == 4  # no virtual row
    assert st.is_total[0].tolist() == [False, False, False, True]
    assert st.lines[0].tolist() == [0, 0, 0, 0] and st.n_lines == [1]
    assert st.in_equation[0].all()


def test_a_total_published_elsewhere_becomes_a_virtual_row():
    st = structure_of(one_area({"A": 3, "B": 10, "C": 20}, total=None), ["comune"])
    assert st.n_real == 3 and st.codes.shape[0] == 4
    virtual, parts = st.virtual_rounds[0]
    assert virtual.tolist() == [3, 3, 3] and parts.tolist() == [0, 1, 2]
    assert st.is_total[0].tolist() == [False, False, False, True]


def test_two_way_without_totals_gets_margins_and_the_grand_total():
    df = two_way(np.array([[3, 12], [14, 2]]))
    df = df[(df["comune"] != DISTRICT) & (df["area"] != ALL_AREAS)].reset_index(drop=True)
    st = structure_of(df, ["comune", "area"])
    # 4 cells, 2 + 2 margins, then the grand total (a part of both margin lines)
    assert st.n_real == 4 and st.codes.shape[0] == 9
    assert len(st.virtual_rounds) == 2
    assert all(eq.all() for eq in st.in_equation)


def test_rank_follows_the_sorted_keys_not_the_row_order():
    df = one_area({"C": 20, "A": 3, "B": 10})
    st = structure_of(df, ["comune"])
    assert st.rank.tolist() == [2, 0, 1, 3]  # A, B, C, then 'Totale distretto'


def test_two_total_rows_for_one_group_are_refused():
    df = one_area({"A": 3, "B": 10})
    df["comune"] = df["comune"].replace({DISTRICT: "Totale"})
    df = pd.concat([df, df.iloc[[-1]].assign(comune="Totale ambito")], ignore_index=True)
    with pytest.raises(ParameterError, match="due righe di totale"):
        structure_of(df, ["comune"])
