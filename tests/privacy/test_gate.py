"""End to end through `protect` (pianozona.privacy.gate): counts, derived values, what is reported, size."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pianozona.errors import ParameterError
from pianozona.privacy import PrivacyWarning, format_suppressed, is_publish_mode, protect
from tests.privacy.attacker import violations
from tests.privacy.tables import (
    ALL_AREAS, DISTRICT, KEYS, district_long, hidden_comuni, one_area, protect_long, two_way,
)


def test_primary_hides_one_to_four_keeps_zero_and_five():
    df = pd.DataFrame({"comune": list("ABCDEFG"), "utenti": [0, 1, 2, 3, 4, 5, 6]})
    out = protect(df, counts="utenti", publish=True)
    assert out["utenti"].isna().tolist() == [False, True, True, True, True, False, False]
    assert out.loc[0, "utenti"] == 0 and not out.loc[0, "utenti_soppresso"]
    assert out.loc[5, "utenti"] == 5
    assert list(out.columns) == ["comune", "utenti", "utenti_soppresso"]  # one flag: no kind of hiding shown
    assert out["utenti"].dtype == "float64"  # numeric, NaN where hidden: charts keep working
    assert df["utenti"].tolist() == [0, 1, 2, 3, 4, 5, 6]  # input untouched


def test_several_count_columns_are_protected_independently():
    df = pd.DataFrame({"comune": list("AB"), "utenti": [3, 50], "accessi": [80, 2]})
    out = protect(df, counts=["utenti", "accessi"], publish=True)
    assert out["utenti_soppresso"].tolist() == [True, False]
    assert out["accessi_soppresso"].tolist() == [False, True]


def test_rates_intervals_and_percentages_hidden_with_their_count():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    df["popolazione"] = [500, 900, 2000, 800, 4200]
    df["tasso"] = df["utenti"] / df["popolazione"] * 1000
    df["lower"] = df["tasso"] * 0.8
    df["upper"] = df["tasso"] * 1.2
    df["quota"] = df["utenti"] / 40 * 100
    df["pct_int"] = (df["utenti"] * 100 // 40).astype(int)
    derived = {c: "utenti" for c in ["tasso", "lower", "upper", "quota", "pct_int"]}
    out = protect_long(df, derived=derived)
    hidden = out["utenti_soppresso"].to_numpy()
    assert hidden.sum() == 2  # A (primary) and D (its complement)
    for col in derived:
        assert out.loc[hidden, col].isna().all(), col
        pd.testing.assert_series_equal(out.loc[~hidden, col].astype(float),
                                       df.loc[~hidden, col].astype(float), check_names=False)
    assert out["popolazione"].tolist() == df["popolazione"].tolist()  # not derived: carried along


def test_derived_on_two_counts_hidden_when_either_is():
    df = pd.DataFrame({"comune": list("ABC"), "uomini": [2, 30, 40], "donne": [30, 3, 40]})
    df["quota_donne"] = df["donne"] / (df["uomini"] + df["donne"])
    out = protect(df, counts=["uomini", "donne"], derived={"quota_donne": ["uomini", "donne"]}, publish=True)
    assert out["quota_donne"].isna().tolist() == [True, True, False]


def test_missing_counts_stay_missing_and_are_not_used_as_cover():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    df["utenti"] = df["utenti"].astype("Int64")
    df.loc[1, "utenti"] = pd.NA  # B not reported
    out = protect_long(df)
    assert "A" in hidden_comuni(out) and "B" not in hidden_comuni(out)
    assert not out.loc[1, "utenti_soppresso"] and pd.isna(out.loc[1, "utenti"])
    # B unknown: the parts no longer add up to the total, so A is only known to be at most 40 - 27
    assert format_suppressed(out)["utenti"].tolist() == ["n.d.", "", "20", "7", "40"]
    assert violations(out, df) == []


def test_exploration_returns_raw_data():
    df = district_long(1)
    assert not is_publish_mode()
    out = protect(df, counts="utenti", keys=KEYS, groups=["comune"])
    pd.testing.assert_frame_equal(out[df.columns], df)  # same values, same int dtype
    assert not out["utenti_soppresso"].any()
    assert out is not df
    assert out.attrs["pianozona.privacy"]["mode"] == "esplorazione"


def test_protecting_twice_is_refused():
    out = protect_long(one_area({"A": 3, "B": 10, "C": 20}))
    with pytest.raises(ParameterError, match="già stata protetta"):
        protect(out, counts="utenti", keys=KEYS, groups="comune", publish=True)


def test_two_way_with_totals_published_elsewhere_never_leaks_silently():
    """Totals outside the table cannot be hidden: protect must either protect or say so."""
    rng = np.random.default_rng(21)
    for trial in range(15):
        matrix = rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 40], size=(rng.integers(2, 6), rng.integers(2, 5)))
        df = two_way(matrix)
        if trial % 2:
            df = df[df["area"] != ALL_AREAS].reset_index(drop=True)  # area totals elsewhere
        else:
            df = df[(df["comune"] != DISTRICT) & (df["area"] != ALL_AREAS)].reset_index(drop=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = protect(df, counts="utenti", keys=KEYS, groups=["comune", "area"], publish=True)
        leaks = violations(out, df, margins=("comune", "area"), external=True)
        warned = any(issubclass(w.category, PrivacyWarning) for w in caught)
        assert not leaks or warned, (trial, matrix, leaks)


def test_unprotectable_external_total_is_reported():
    # district totals by area are published elsewhere: 84 - 40 - 40 = 4 whatever is hidden here
    df = two_way(np.array([[4, 0], [40, 40], [40, 15]]))
    df = df[(df["comune"] != DISTRICT) & (df["area"] != ALL_AREAS)].reset_index(drop=True)
    with pytest.warns(PrivacyWarning, match="protezione incompleta"):
        protect(df, counts="utenti", keys=KEYS, groups=["comune", "area"], publish=True)


def _big_table(n_comuni=1500, n_areas=7, years=range(2019, 2024), two_way_totals=False):
    rng = np.random.default_rng(0)
    comuni = np.array([f"{i:06d}" for i in range(n_comuni)] + [DISTRICT])
    areas = np.array([f"area{j}" for j in range(n_areas)] + [ALL_AREAS])
    frames = []
    for anno in years:
        m = rng.choice([0, 1, 2, 3, 4, 6, 10, 25, 80], size=(n_comuni, n_areas))
        full = np.zeros((n_comuni + 1, n_areas + 1), dtype=int)
        full[:-1, :-1] = m
        full[-1, :-1] = m.sum(0)
        full[:-1, -1] = m.sum(1)
        full[-1, -1] = m.sum()
        ci, ai = np.meshgrid(np.arange(n_comuni + 1), np.arange(n_areas + 1), indexing="ij")
        frames.append(pd.DataFrame({"anno": anno, "comune": comuni[ci.ravel()], "area": areas[ai.ravel()],
                                    "utenti": full.ravel()}))
    df = pd.concat(frames, ignore_index=True)
    if not two_way_totals:
        df = df[df["area"] != ALL_AREAS].reset_index(drop=True)
    return df


def test_a_large_district_keeps_the_promise_in_every_line():
    """1,500 comuni x 7 areas x 5 years, each area's comuni adding up to a district total.

    Checked without the package's audit: in a line whose total is published, with H the hidden
    sum and k hidden cells each at least 1, a hidden cell ranges over 1 .. H - (k - 1); the rule
    needs that range to reach the threshold.  (Speed: benchmarks/bench_protection.py.)
    """
    df = _big_table()
    out = protect_long(df)
    parts = out[out["comune"] != DISTRICT]
    totals = out[out["comune"] == DISTRICT].set_index(["anno", "area"])["utenti"]
    hidden_sum = totals - parts.groupby(["anno", "area"])["utenti"].sum()
    k = parts.groupby(["anno", "area"])["utenti_soppresso"].sum()
    assert ((hidden_sum - (k - 1)) >= 4).all()
    assert not totals.isna().any()


def test_a_two_way_table_too_large_to_check_is_reported_not_passed_silently():
    df = _big_table(n_comuni=1500, years=[2023], two_way_totals=True)
    with pytest.warns(PrivacyWarning, match="verifica completa non eseguita"):
        protect(df, counts="utenti", keys=KEYS, groups=["comune", "area"], publish=True)
