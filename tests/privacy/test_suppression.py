"""Secondary suppression along one margin dimension (pianozona.privacy.suppression), against the attacker."""

from __future__ import annotations

import numpy as np

from pianozona.privacy.column import CountColumn
from pianozona.privacy.spec import build_spec
from pianozona.privacy.structure import build_structure
from pianozona.privacy.suppression import suppress, unsafe_lines
from tests.privacy.attacker import recomputable
from tests.privacy.tables import DISTRICT, KEYS, district_long, hidden_comuni, one_area, protect_long


def test_one_hidden_cell_next_to_published_total():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    out = protect_long(df)
    # without a second cell: 40 - 10 - 20 - 7 = 3
    assert hidden_comuni(out) == {"A", "D"}  # D: the smallest non-zero published count
    assert out.loc[out["comune"] == "D", "utenti_soppressione"].item() == "secondaria"
    assert out.loc[out["comune"] == DISTRICT, "utenti"].item() == 40
    assert recomputable(out, df) == []
    naive = df.assign(utenti=df["utenti"].where(df["comune"] != "A"),
                      utenti_soppresso=df["comune"] == "A",
                      utenti_soppressione=np.where(df["comune"] == "A", "primaria", ""))
    assert recomputable(naive, df) == [(0, 3)]  # the attacker does find the naive leak


def test_district_total_minus_the_other_comuni():
    for seed in range(6):
        df = district_long(seed)
        out = protect_long(df)
        assert recomputable(out, df) == [], seed
        assert out.loc[out["comune"] == DISTRICT, "utenti_soppresso"].sum() <= 1
        per_group = out[out["comune"] != DISTRICT].groupby(["anno", "area"])["utenti_soppresso"].sum()
        assert not (per_group == 1).any()


def test_complement_is_never_a_zero_and_ties_follow_the_keys():
    df = one_area({"E": 8, "A": 3, "B": 0, "C": 0, "D": 8, "F": 20})
    out = protect_long(df)
    assert hidden_comuni(out) == {"A", "D"}  # 8 in D and E: D sorts first
    assert (out.loc[out["comune"].isin(["B", "C"]), "utenti"] == 0).all()
    shuffled = df.sample(frac=1, random_state=3)
    assert hidden_comuni(protect_long(shuffled)) == {"A", "D"}


def test_two_small_cells_that_add_up_to_what_is_left_are_not_enough():
    # 1 + 1 = 2 and both are known to be at least 1: both would be exact
    df = one_area({"A": 1, "B": 1, "C": 10, "D": 30})
    out = protect_long(df)
    assert hidden_comuni(out) == {"A", "B", "C"}
    assert recomputable(out, df) == []
    # 1 + 5 = 6 with the complement known to be at least 5: 1 would be exact
    df = one_area({"A": 1, "B": 5, "C": 9, "D": 30})
    out = protect_long(df)
    assert hidden_comuni(out) == {"A", "B", "C"}
    assert recomputable(out, df) == []


def test_only_nonzero_cell_hidden_then_total_hidden_too():
    df = one_area({"A": 3, "B": 0, "C": 0})
    out = protect_long(df)
    assert out.loc[out["comune"] == DISTRICT, "utenti_soppresso"].item()
    assert out.loc[out["comune"].isin(["B", "C"]), "utenti"].tolist() == [0, 0]
    assert recomputable(out, df) == []


def test_single_comune_group_with_larger_total_hides_the_total():
    # the total also counts users without a comune: 12 is published, 3 is hidden
    df = one_area({"A": 3}, total=12)
    out = protect_long(df)
    assert out["utenti_soppressione"].tolist() == ["primaria", "secondaria"]


def test_total_published_elsewhere_still_protected():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7}, total=None)
    out = protect_long(df)
    assert hidden_comuni(out) == {"A", "D"}
    assert recomputable(out, df, external=True) == []


def test_suppress_and_the_line_audit_directly():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    spec = build_spec(df, counts="utenti", derived=None, keys=KEYS, groups=["comune"], total_label=None,
                      total_mask=None, threshold=4)
    st = build_structure(df, spec)
    primary_only = CountColumn(st, spec.values["utenti"], 4)
    assert unsafe_lines(primary_only, 0).tolist() == [True]  # 40 - 10 - 20 - 7 = 3
    result = suppress(st, spec.values["utenti"], 4)
    assert result.state.tolist() == [1, 0, 0, 2, 0]
    assert (result.unsafe_groups, result.marker_groups, result.pinned, result.determined) == (0, 0, 0, 0)
