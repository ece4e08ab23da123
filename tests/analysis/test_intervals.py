"""Tests of pianozona.analysis.intervals against published values, hand calculations and scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from pianozona.analysis.funnel import funnel_significance
from pianozona.analysis.intervals import by_group, proportion_ci, rate_ci, rate_method
from pianozona.errors import ParameterError
from tests.analysis.reference_formulas import Z95, Z998, byar, wilson

# Any numpy warning (division by zero, invalid value) leaking out is a failure.
pytestmark = pytest.mark.filterwarnings("error")


# ------------------------------------------------------------ published references

def test_wilson_published_reference():
    lower, upper = proportion_ci(65, 100)
    assert round(lower, 4) == 0.5525 and round(upper, 4) == 0.7364  # indicators.md
    exp_lo, exp_hi = wilson(65, 100, Z95)
    assert lower == pytest.approx(exp_lo, rel=1e-12)
    assert upper == pytest.approx(exp_hi, rel=1e-12)
    assert lower == pytest.approx(0.5525444330, rel=1e-6)
    assert upper == pytest.approx(0.7363575176, rel=1e-6)


def test_byar_published_reference():
    value, lower, upper = rate_ci(1045, 1, multiplier=1)
    assert value == 1045
    assert lower == pytest.approx(982.593, rel=1e-6)
    assert upper == pytest.approx(1110.331, rel=1e-6)


# ------------------------------------------------------------ proportions

@pytest.mark.parametrize("confidence", [0.95, 0.998, 0.99])
@pytest.mark.parametrize("x, n", [(0, 10), (1, 3), (7, 50), (65, 100), (499, 500), (20, 20), (3, 1000)])
def test_wilson_matches_scipy(x, n, confidence):
    lower, upper = proportion_ci(x, n, confidence)
    ref = st.binomtest(x, n).proportion_ci(confidence_level=confidence, method="wilson")
    assert lower == pytest.approx(ref.low, rel=1e-9, abs=1e-12)
    assert upper == pytest.approx(ref.high, rel=1e-9, abs=1e-12)


def test_wilson_998_wider_than_95():
    lo95, hi95 = proportion_ci(30, 120, 0.95)
    lo998, hi998 = proportion_ci(30, 120, 0.998)
    assert lo998 < lo95 < 0.25 < hi95 < hi998
    assert (lo998, hi998) == pytest.approx(wilson(30, 120, Z998), rel=1e-12)


def test_proportion_edges():
    lower, upper = proportion_ci(0, 40)
    assert lower == 0.0 and 0 < upper < 0.1
    lower, upper = proportion_ci(40, 40)
    assert upper == 1.0 and 0.9 < lower < 1
    assert all(math.isnan(v) for v in proportion_ci(0, 0))
    assert all(math.isnan(v) for v in proportion_ci(np.nan, 10))
    assert all(math.isnan(v) for v in proportion_ci(3, None))


def test_proportion_x_above_n_names_values():
    with pytest.raises(ParameterError) as err:
        proportion_ci(120, 100)
    assert "120" in str(err.value) and "100" in str(err.value)
    with pytest.raises(ParameterError, match="posizione 2"):
        proportion_ci([1, 2, 9], [5, 5, 5])


def test_proportion_vectorised_equals_scalar():
    rng = np.random.default_rng(1)
    n = rng.integers(0, 300, 200).astype(float)
    x = np.floor(n * rng.random(200))
    n[5], x[7] = np.nan, np.nan
    lower, upper = proportion_ci(x, n, 0.998)
    assert isinstance(lower, np.ndarray) and lower.shape == (200,)
    for i in range(0, 200, 13):
        lo_i, hi_i = proportion_ci(x[i], n[i], 0.998)
        np.testing.assert_allclose([lower[i], upper[i]], [lo_i, hi_i], rtol=1e-12)
    assert np.isnan(lower[5]) and np.isnan(upper[7])
    assert isinstance(proportion_ci(3, 10).lower, float)


# ------------------------------------------------------------ rates

@pytest.mark.parametrize("x", [0, 1, 4, 9])
def test_rate_exact_poisson_below_10(x):
    value, lower, upper = rate_ci(x, 2000)  # per 1000
    exp_lo = st.chi2.ppf(0.025, 2 * x) / 2 if x else 0.0
    exp_hi = st.chi2.ppf(0.975, 2 * x + 2) / 2
    assert value == pytest.approx(x / 2)
    assert lower == pytest.approx(exp_lo / 2, rel=1e-10, abs=0)
    assert upper == pytest.approx(exp_hi / 2, rel=1e-10)
    # exact Poisson limits are gamma quantiles: an independent check
    assert upper == pytest.approx(st.gamma.ppf(0.975, x + 1) / 2, rel=1e-9)
    assert rate_method(x) == "poisson esatto"


@pytest.mark.parametrize("x", [10, 57, 1045])
def test_rate_byar_from_10(x):
    _, lower, upper = rate_ci(x, 1, confidence=0.998, multiplier=1)
    assert (lower, upper) == pytest.approx(byar(x, Z998), rel=1e-12)
    assert rate_method(x) == "byar"


def test_rate_zero_count_and_empty_population():
    value, lower, upper = rate_ci(0, 500)  # a unit with no users at all
    assert value == 0 and lower == 0 and upper == pytest.approx(st.chi2.ppf(0.975, 2) / 2 / 500 * 1000)
    assert all(math.isnan(v) for v in rate_ci(3, 0))
    assert all(math.isnan(v) for v in rate_ci(np.nan, 100))
    assert rate_method(np.nan) == "non calcolabile"


def test_rate_vectorised_equals_scalar():
    x = np.array([0, 3, 9, 10, 11, 250, 0, np.nan])
    n = np.array([100, 100, 1e4, 1e4, 0, 5e4, np.nan, 10])
    value, lower, upper = rate_ci(x, n, 0.998, 100000)
    for i in range(len(x)):
        np.testing.assert_allclose([value[i], lower[i], upper[i]],
                                   list(rate_ci(x[i], n[i], 0.998, 100000)), rtol=1e-12)
    # non-integer counts (e.g. person-weighted) take the chi-square route too
    assert rate_ci(2.5, 1, multiplier=1).upper == pytest.approx(st.chi2.ppf(0.975, 7) / 2)


# ------------------------------------------------------------ tables

def test_by_group_rates_tidy():
    df = pd.DataFrame({"ambito": ["A", "A", "B", "C", "D"], "comune": list("vwxyz"),
                       "utenti": [3, 4, 50, 0, 2], "residenti": [100, 200, 1000, 50, 0]})
    out = by_group(df, "tasso", x="utenti", n="residenti", by="ambito")
    assert list(out.columns) == ["ambito", "numerator", "denominator", "value", "lower", "upper",
                                 "method", "confidence"]
    assert list(out["method"]) == ["poisson esatto", "byar", "poisson esatto", "non calcolabile"]
    a = rate_ci(7, 300)
    assert out.loc[0, ["value", "lower", "upper"]].tolist() == pytest.approx(list(a))
    no_users = out.loc[2]
    assert no_users["value"] == 0 and no_users["lower"] == 0 and np.isfinite(no_users["upper"])
    assert np.isnan(out.loc[3, "value"]) and (out["confidence"] == 0.95).all()


def test_by_group_proportions_and_missing():
    df = pd.DataFrame({"area": ["N", "N", "S", "S"], "anno": [2023, 2024, 2023, 2024],
                       "x": [65, 10, 5, np.nan], "n": [100, 20, 50, 40]})
    out = by_group(df, "proportion", x="x", n="n", by=["area"], confidence=0.998, multiplier=100)
    assert out.loc[0, "value"] == pytest.approx(75 / 120 * 100)
    assert out.loc[0, "lower"] == pytest.approx(100 * wilson(75, 120, Z998)[0])
    assert out.loc[1, "method"] == "non calcolabile" and np.isnan(out.loc[1, "upper"])
    whole = by_group(df.iloc[:3], "proporzione", x="x", n="n")
    assert len(whole) == 1 and whole.loc[0, "numerator"] == 80 and whole.loc[0, "method"] == "wilson"
    assert len(by_group(df, "proportion", x="x", n="n", by=["area", "anno"])) == 4
    with pytest.raises(ParameterError, match="colonne disponibili"):
        by_group(df, "proportion", x="x", n="popolazione")
    with pytest.raises(ParameterError, match="statistic"):
        by_group(df, "ratio", x="x", n="n")
    with pytest.raises(ParameterError, match="nel gruppo area = S il numeratore 9 supera il denominatore 5"):
        by_group(pd.DataFrame({"area": ["N", "S", "S"], "x": [1, 5, 4], "n": [3, 4, 1]}), "proportion",
                 x="x", n="n", by="area")


def test_by_group_duplicate_index_and_categorical_keys():
    df = pd.DataFrame({"ambito": pd.Categorical(["B", "A", "B"], categories=["A", "B", "Z"]),
                       "u": [1, 2, 3], "p": [10, 20, 30]}, index=[0, 0, 0])
    out = by_group(df, "rate", x="u", n="p", by="ambito", multiplier=100)
    assert list(out["ambito"]) == ["A", "B"]  # unused categories are not reported
    assert out["numerator"].tolist() == [2, 4] and out["value"].tolist() == pytest.approx([10, 10])


def test_proportion_with_empty_denominator_is_nan_whatever_x():
    assert all(math.isnan(v) for v in proportion_ci(3, 0))
    lower, upper = proportion_ci([0, 3, 2], [0, 0, 4])
    assert np.isnan(lower[:2]).all() and np.isnan(upper[:2]).all() and np.isfinite([lower[2], upper[2]]).all()
    assert funnel_significance([3, 1], [0, 10], mean=0.1)[0] == "not_assessable"
    out = by_group(pd.DataFrame({"g": ["a", "b"], "x": [2, 1], "n": [0, 5]}), "proportion", x="x", n="n", by="g")
    assert np.isnan(out.loc[0, "value"]) and out.loc[0, "method"] == "non calcolabile"
    with pytest.raises(ParameterError, match="il numeratore 5 supera il denominatore 4"):
        proportion_ci(5, 4)
