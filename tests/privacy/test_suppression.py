"""Secondary suppression (pianozona.privacy.suppression) against an attacker who knows the method.

Every test plays the attacker of `tests.privacy.attacker` (integer programmes written from the
published table alone): no hidden cell may be narrowed below the documented rule.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pianozona.privacy import PrivacyWarning, protect
from pianozona.privacy.spec import build_spec
from pianozona.privacy.structure import build_structure
from pianozona.privacy.suppression import suppress
from tests.privacy.attacker import recomputable, violations
from tests.privacy.tables import DISTRICT, KEYS, district_long, hidden_comuni, one_area, protect_long, two_way


def test_one_small_cell_next_to_a_published_total_gets_one_complement():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    out = protect_long(df)
    assert "A" in hidden_comuni(out) and len(hidden_comuni(out)) == 2
    assert out.loc[out["comune"] == DISTRICT, "utenti"].item() == 40
    assert violations(out, df) == []
    naive = df.assign(utenti=df["utenti"].where(df["comune"] != "A"), utenti_soppresso=df["comune"] == "A")
    assert recomputable(naive, df) == [(0, 3)]  # the attacker does find the naive leak


def test_small_cells_that_add_up_to_too_little_are_not_enough():
    # the Pavia dipendenze 2023: three small counts summing to 4 leave each one 1 or 2
    df = one_area({"A": 1, "B": 1, "C": 2, "D": 30, "E": 50})
    naive = df.assign(utenti=df["utenti"].where(~df["comune"].isin(["A", "B", "C"])),
                      utenti_soppresso=df["comune"].isin(["A", "B", "C"]))
    assert {label for label, *_ in violations(naive, df)} == {0, 1, 2}
    out = protect_long(df)
    assert {"A", "B", "C"} < hidden_comuni(out)
    assert violations(out, df) == []


def test_a_complement_of_five_beside_a_small_count_is_no_longer_enough_with_two_markers_gone():
    # the Pavia anziani 2022: "< 5" + "n.d." = 8 beside a published 5 pinned both cells when
    # "n.d." meant at least 5 and the complement was the smallest published count; with one marker
    # and drawn complements the attacker knows only "at least 1" of each
    df = one_area({"Roncaro": 5, "SantAlessio": 3, "Sommo": 5, "Pavia": 700, "Zinasco": 105})
    out = protect_long(df)
    assert violations(out, df) == []
    assert recomputable(out, df) == []


def test_only_nonzero_cell_hidden_then_total_hidden_too():
    df = one_area({"A": 3, "B": 0, "C": 0})
    out = protect_long(df)
    assert out.loc[out["comune"] == DISTRICT, "utenti_soppresso"].item()
    assert out.loc[out["comune"].isin(["B", "C"]), "utenti"].tolist() == [0, 0]
    assert violations(out, df) == []


def test_all_small_parts_with_a_small_total_are_protected_by_the_one_marker():
    # 1 + 1 + 1 + 1 with the total 4: all hidden; the total is known only to be at least 4
    df = one_area({"A": 1, "B": 1, "C": 0, "D": 1, "E": 1})
    out = protect_long(df)
    assert out["utenti"].isna().sum() == 5 and out.loc[2, "utenti"] == 0
    assert violations(out, df) == []


def test_a_total_larger_than_its_parts_is_an_inequality():
    # the total also counts users without a comune: 3 of 12 may be anything from 1 to 12
    df = one_area({"A": 3}, total=12)
    out = protect_long(df)
    assert out["utenti_soppresso"].tolist() == [True, False]
    assert violations(out, df) == []


def test_total_published_elsewhere_still_protected():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7}, total=None)
    out = protect_long(df)
    assert "A" in hidden_comuni(out) and len(hidden_comuni(out)) == 2
    assert violations(out, df, external=True) == []


def test_district_over_years_and_areas():
    for seed in range(6):
        df = district_long(seed)
        out = protect_long(df)
        assert violations(out, df) == [], seed
        per_group = out[out["comune"] != DISTRICT].groupby(["anno", "area"])["utenti_soppresso"].sum()
        assert not (per_group == 1).any()


def test_two_way_tables_with_every_total():
    rng = np.random.default_rng(5)
    for trial in range(12):
        matrix = rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 40], size=(rng.integers(2, 7), rng.integers(2, 5)))
        df = two_way(matrix)
        out = protect_long(df, groups=["comune", "area"])
        assert violations(out, df, margins=("comune", "area")) == [], (trial, matrix)


def test_the_same_data_hide_the_same_cells_in_any_order_and_with_other_years():
    df = district_long(3)
    out = protect_long(df)
    shuffled = protect_long(df.sample(frac=1, random_state=3))
    assert out["utenti_soppresso"].tolist() == shuffled.loc[out.index, "utenti_soppresso"].tolist()
    one_year = df[df["anno"] == 2023]
    alone = protect_long(one_year)
    # a year's cells do not depend on the other years: publishing 2022 and 2023 separately or
    # together shows the same pattern
    assert alone["utenti_soppresso"].tolist() == out.loc[one_year.index, "utenti_soppresso"].tolist()


def test_the_choice_of_complement_depends_on_the_secret_not_only_on_the_values():
    df = one_area({"A": 3, "B": 6, "C": 9, "D": 40, "E": 300})
    chosen = []
    for i in range(60):
        out = protect_long(df, secret=bytes([i]) * 32)
        chosen.append(sorted(hidden_comuni(out) - {"A"}))
    complements = pd.Series([c[0] for c in chosen if len(c) == 1])
    counts = complements.value_counts()
    assert len(counts) >= 3  # not always the smallest: the choice gives no upper bound away
    assert counts.index[0] == "B"  # but small cells are preferred (about 1/value)
    assert "E" not in set(counts.index[:2])


def test_suppress_directly_reports_nothing_left_unsafe():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    spec = build_spec(df, counts="utenti", derived=None, keys=KEYS, groups=["comune"], total_label=None,
                      total_mask=None, threshold=4)
    result = suppress(build_structure(df, spec), spec.values["utenti"], 4)
    assert result.state.tolist() == [1, 0, 0, 2, 0]  # without draws: the smallest complement, D = 7
    assert (result.unsafe, result.skipped) == (0, 0)


# ---------------------------------------------------------------------------
# properties on random district tables

_VALUES = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 30, 250])


@st.composite
def _area_table(draw):
    n_comuni = draw(st.integers(1, 9))
    n_services = draw(st.integers(1, 4))
    years = draw(st.lists(st.integers(2019, 2023), min_size=1, max_size=3, unique=True))
    rows = []
    for anno in years:
        grid = np.array([[draw(_VALUES) for _ in range(n_services)] for _ in range(n_comuni)])
        for i in range(n_comuni):
            rows.append({"anno": anno, "comune": f"C{i}", "servizio": "Tutti", "utenti": int(grid[i].sum())})
        for j in range(n_services):
            rows.append({"anno": anno, "comune": DISTRICT, "servizio": f"S{j}", "utenti": int(grid[:, j].sum())})
        rows.append({"anno": anno, "comune": DISTRICT, "servizio": "Tutti", "utenti": int(grid.sum())})
    return pd.DataFrame(rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_area_table(), st.binary(min_size=32, max_size=32))
def test_random_area_tables_of_comuni_and_services_keep_the_promise(df, secret):
    """The shape of every area of a run: comuni and services adding up to one district total per year."""
    keys = ["anno", "comune", "servizio"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = protect(df, counts="utenti", keys=keys, groups=["comune", "servizio"],
                      total_label={"comune": DISTRICT, "servizio": "Tutti"}, publish=True, secret=secret)
    assert not [w for w in caught if issubclass(w.category, PrivacyWarning)]
    found = violations(out, df, keys=keys, margins=("comune", "servizio"), labels={DISTRICT, "Tutti"})
    assert found == []
    assert (out.loc[df["utenti"] == 0, "utenti"] == 0).all()  # zeros are published


@settings(max_examples=40, deadline=None)
@given(st.lists(_VALUES, min_size=2, max_size=7), st.lists(_VALUES, min_size=2, max_size=5),
       st.binary(min_size=32, max_size=32))
def test_random_two_way_tables_keep_the_promise(first, second, secret):
    matrix = np.outer(np.array(first) > 0, np.array(second) > 0) * np.add.outer(first, second) % 13
    df = two_way(matrix)
    out = protect_long(df, groups=["comune", "area"], secret=secret)
    assert violations(out, df, margins=("comune", "area")) == []
