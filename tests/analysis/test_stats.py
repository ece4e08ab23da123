"""Tests of pianozona.analysis.stats against published values, hand calculations and scipy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from pianozona.errors import ParameterError
from pianozona.analysis.stats import (
    ESP2013,
    TREND_CHI2_THRESHOLD,
    ESP2013_BANDS,
    FUNNEL_LABELS,
    benchmark,
    by_group,
    dsr,
    funnel_limits,
    funnel_significance,
    isr,
    proportion_ci,
    rate_ci,
    rate_method,
    recent_trend,
)

# Any numpy warning (division by zero, invalid value) leaking out is a failure.
pytestmark = pytest.mark.filterwarnings("error")

Z95 = st.norm.ppf(0.975)
Z998 = st.norm.ppf(0.999)


def wilson(x: float, n: float, z: float) -> tuple[float, float]:
    """The reference formula, written out independently of the module."""
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def byar(x: float, z: float) -> tuple[float, float]:
    lo = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    hi = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return lo, hi


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


def test_pandas_nullable_inputs():
    x = pd.Series([3, None, 0], dtype="Int64")
    n = pd.Series([10, 10, 0], dtype="Int64")
    lower, upper = proportion_ci(x, n)
    assert lower[0] == pytest.approx(wilson(3, 10, Z95)[0]) and np.isnan(lower[1:]).all()


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


def test_negative_and_bad_inputs_rejected():
    with pytest.raises(ParameterError, match="negativi"):
        rate_ci(-1, 100)
    with pytest.raises(ParameterError, match="'n'"):
        proportion_ci(1, [10, -5])
    with pytest.raises(ParameterError, match="numerici"):
        rate_ci("tre", 100)
    with pytest.raises(ParameterError, match="multiplier"):
        rate_ci(1, 100, multiplier=0)


@pytest.mark.parametrize("confidence", [0.9, 1, 1.0, 95, 0.5, True, "0.95", None, np.nan])
def test_bad_confidence(confidence):
    with pytest.raises(ParameterError, match="confidence"):
        proportion_ci(1, 10, confidence)
    with pytest.raises(ParameterError, match="confidence"):
        rate_ci(1, 10, confidence)


def test_any_level_between_90_and_100():
    lows = [rate_ci(20, 1, c, 1).lower for c in (0.91, 0.95, 0.99, 0.998, 0.9999)]
    assert lows == sorted(lows, reverse=True)


# ------------------------------------------------------------ DSR

def test_esp2013():
    assert ESP2013.sum() == 100000 and len(ESP2013) == len(ESP2013_BANDS) == 19
    assert ESP2013_BANDS[0] == "0-4" and ESP2013_BANDS[-1] == "90+"
    assert not ESP2013.flags.writeable


def test_dsr_hand_computed():
    counts, pops, std = [5, 10, 20], [1000, 2000, 1000], [3000, 4000, 3000]
    # DSR = (3000·0.005 + 4000·0.005 + 3000·0.02)/10000 = 0.0095
    # var = (3000²·5/1000² + 4000²·10/2000² + 3000²·20/1000²)/10000² = 265e-8; O = 35
    k = math.sqrt(265e-8 / 35)
    lo_o, hi_o = byar(35, Z95)
    res = dsr(counts, pops, std)
    assert res.value == pytest.approx(950.0, rel=1e-12)
    assert res.lower == pytest.approx((0.0095 + k * (lo_o - 35)) * 1e5, rel=1e-12)
    assert res.upper == pytest.approx((0.0095 + k * (hi_o - 35)) * 1e5, rel=1e-12)
    assert res.reason == ""
    value, lower, upper, reason = dsr(counts, pops, std, multiplier=1000)
    assert value == pytest.approx(9.5)


def test_dsr_with_esp2013_uniform_rate():
    # the same crude rate in every band gives that rate whatever the weights
    res = dsr(np.full(19, 10.0), np.full(19, 1000.0), ESP2013)
    assert res.value == pytest.approx(1000.0) and res.lower < 1000 < res.upper


def test_dsr_suppressed_and_invalid():
    few = dsr([3, 3, 3], [100, 100, 100], [1, 1, 1])
    assert math.isnan(few.value) and math.isnan(few.upper) and "meno di 10" in few.reason
    missing = dsr([3, np.nan, 30], [100, 100, 100], [1, 1, 1])
    assert math.isnan(missing.value) and "mancanti" in missing.reason
    empty_band = dsr([10, 0, 30], [100, 0, 100], [1, 1, 1])
    assert empty_band.reason == "" and empty_band.value == pytest.approx((0.1 + 0 + 0.3) / 3 * 1e5)
    assert "popolazione zero" in dsr([10, 2, 30], [100, 0, 100], [1, 1, 1]).reason
    assert "popolazione nulla" in dsr([0, 0], [0, 0], [1, 1]).reason
    with pytest.raises(ParameterError, match="standard"):
        dsr([10, 20], [100, 100], ESP2013)
    with pytest.raises(ParameterError, match="standard"):
        dsr([10, 20], [100, 100], [1, np.nan])


def test_dsr_many_units_equals_single():
    rng = np.random.default_rng(3)
    counts = rng.poisson(5, (6, 19)).astype(float)
    pops = rng.integers(200, 5000, (6, 19)).astype(float)
    counts[2] = 0  # O < 10
    res = dsr(counts, pops, ESP2013, 0.998)
    for i in range(6):
        one = dsr(counts[i], pops[i], ESP2013, 0.998)
        np.testing.assert_allclose([res.value[i], res.lower[i], res.upper[i]],
                                   [one.value, one.lower, one.upper], rtol=1e-12)
        assert res.reason[i] == one.reason
    assert np.isnan(res.value[2]) and res.reason[0] == ""


# ------------------------------------------------------------ ISR

def test_isr_hand_computed():
    pops, ref_counts, ref_pops = [1000, 500], [20, 50], [10000, 5000]
    # reference rates 0.002 and 0.01 → E = 2 + 5 = 7
    ratio, lower, upper = isr([6, 8], pops, ref_counts, ref_pops)  # O = 14 ≥ 10: Byar
    lo_o, hi_o = byar(14, Z95)
    assert ratio == pytest.approx(2.0) and lower == pytest.approx(lo_o / 7) and upper == pytest.approx(hi_o / 7)
    ratio, lower, upper = isr(5, pops, ref_counts, ref_pops, multiplier=100)  # total given, O < 10: exact
    assert ratio == pytest.approx(500 / 7)
    assert lower == pytest.approx(st.chi2.ppf(0.025, 10) / 2 / 7 * 100)
    assert upper == pytest.approx(st.chi2.ppf(0.975, 12) / 2 / 7 * 100)


def test_isr_many_units_and_edges():
    pops = np.array([[1000, 500], [0, 0], [2000, 1000]])
    res = isr(np.array([14, 0, np.nan]), pops, [20, 50], [10000, 5000])
    assert res.value[0] == pytest.approx(2.0) and np.isnan(res.value[1]) and np.isnan(res.value[2])
    per_band = isr(np.array([[6, 8], [0, 0], [1, 2]]), pops, [20, 50], [10000, 5000])
    assert per_band.value[2] == pytest.approx(3 / 14)
    with pytest.raises(ParameterError, match="ref_populations"):
        isr([1, 2, 3], [1000, 500], [20, 50], [10000, 5000])
    with pytest.raises(ParameterError, match="ref_populations"):
        isr(3, [1000, 500], [20, 50], [10000, 0])


# ------------------------------------------------------------ funnel plots

def test_funnel_limits_proportion_hand_computed():
    lim = funnel_limits(0.2, [100, 10000])
    se = math.sqrt(0.2 * 0.8 / 100)
    assert lim.upper_2sd[0] == pytest.approx(0.2 + Z95 * se)
    assert lim.lower_3sd[0] == pytest.approx(0.2 - st.norm.ppf(0.999) * se)
    assert (lim.lower_3sd < lim.lower_2sd).all() and (lim.upper_2sd < lim.upper_3sd).all()
    assert lim.upper_3sd[1] - lim.lower_3sd[1] < lim.upper_3sd[0] - lim.lower_3sd[0]  # the funnel narrows
    small = funnel_limits(0.05, 10)
    assert small.lower_2sd == 0.0 and small.lower_3sd == 0.0  # clipped to [0, 1]
    assert funnel_limits(0.95, 5).upper_3sd == 1.0
    pct = funnel_limits(20, 100, multiplier=100)
    assert pct.upper_2sd == pytest.approx(100 * (0.2 + Z95 * se))
    assert all(math.isnan(v) for v in funnel_limits(0.2, 0)[1:])


def test_funnel_limits_poisson_are_the_counts_on_the_limit():
    # E = 10 expected events: the upper 2σ limit is the count c with P(X >= c | 10) = 0.025 (continuous in c)
    lim = funnel_limits(5.0, 2000, statistic="rate", multiplier=1000)
    c_upper = lim.upper_2sd * 2000 / 1000
    assert st.gamma.cdf(10, c_upper) == pytest.approx(0.025, abs=1e-12)  # P(X >= c) = P(Gamma(c) <= E)
    c_lower = lim.lower_3sd * 2000 / 1000
    assert st.gamma.sf(10, c_lower + 1) == pytest.approx(0.001, abs=1e-12)  # P(X <= c) = P(Gamma(c+1) > E)
    # at an expected count where 17 events sit exactly on the 2σ line, the line is at 17 events
    e17 = st.gamma.ppf(0.025, 17)  # exact lower 95% limit of 17
    assert funnel_limits(1.0, e17, statistic="ratio").upper_2sd * e17 == pytest.approx(17, rel=1e-9)
    ratio = funnel_limits(1.0, [0.5, 3.0], statistic="rapporto")
    assert list(ratio.lower_2sd) == [0.0, 0.0]  # P(X = 0) = 0.61 and 0.05: no count is low enough
    assert ratio.lower_3sd[1] == 0.0 and ratio.upper_3sd[0] > ratio.upper_2sd[0] > 1
    zero = funnel_limits(0.0, 100, statistic="rate")  # nothing expected: any event is above
    assert (zero.lower_2sd, zero.upper_2sd, zero.upper_3sd) == (0.0, 0.0, 0.0)
    assert all(math.isnan(v) for v in funnel_limits(1.0, 0.0, statistic="ratio")[1:])
    with pytest.raises(ParameterError, match="statistic"):
        funnel_limits(1.0, 10, statistic="median")


def _drawn_position(x, n, mean, statistic, multiplier):
    """The category read off the drawn limits: strictly outside a line is outside."""
    lim = funnel_limits(mean, n, statistic=statistic, multiplier=multiplier)
    v = np.asarray(x, dtype=float) / np.asarray(n, dtype=float) * multiplier
    return np.select([v > lim.upper_3sd, v > lim.upper_2sd, v < lim.lower_3sd, v < lim.lower_2sd],
                     ["above_3sd", "above_2sd", "below_3sd", "below_2sd"], "within")


@pytest.mark.parametrize("statistic, mean, multiplier", [("rate", 5.0, 1000), ("ratio", 100.0, 100)])
@pytest.mark.parametrize("low, high", [(0.01, 5), (5, 50), (50, 500), (500, 1e5)])
def test_funnel_points_are_outside_a_line_exactly_when_the_test_says_so(statistic, mean, multiplier, low, high):
    rng = np.random.default_rng(8)
    expected = np.exp(rng.uniform(np.log(low), np.log(high), 5000))
    n = expected * multiplier / mean
    counts = rng.poisson(expected * rng.uniform(0.3, 2.5, expected.size)).astype(float)
    for x in (counts, counts + rng.uniform(0, 1, counts.size)):  # whole counts, then fractional ones
        codes = funnel_significance(x, n, statistic=statistic, mean=mean, multiplier=multiplier)
        drawn = _drawn_position(x, n, mean, statistic, multiplier)
        assert (codes != "within").sum() > 150  # the sample does reach the limits
        assert (codes == drawn).all(), list(zip(x[codes != drawn], n[codes != drawn]))[:5]


def test_funnel_significance_whole_counts_unchanged_exact_poisson():
    rng = np.random.default_rng(3)
    expected = rng.uniform(0.1, 60, 5000)
    x = rng.poisson(expected * 1.6).astype(float)
    codes = funnel_significance(x, expected, statistic="ratio", mean=1.0)
    high, low = st.poisson.sf(x - 1, expected), st.poisson.cdf(x, expected)
    reference = np.select([high < 0.001, high < 0.025, low < 0.001, low < 0.025],
                          ["above_3sd", "above_2sd", "below_3sd", "below_2sd"], "within")
    assert (codes == reference).all()


# ------------------------------------------------------------ PHEindicatormethods' own funnel test data

PHE = Path(__file__).parents[1] / "fixtures" / "phe"
PHE_LABELS = {"High (0.001)": "above_3sd", "High (0.025)": "above_2sd", "Low (0.001)": "below_3sd",
              "Low (0.025)": "below_2sd", "Not significant": "within"}
BISECTION_STEP = 2.0 ** -23  # PHE's poisson_funnel halves dv from 0.5 while dv > 1e-7


def _phe_tolerance(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Relative error PHE's bisection leaves: it solves for v = E/(1 + O + E) to within one final step."""
    v = expected / (1 + observed + expected)
    return 2 * BISECTION_STEP / (v * (1 - v)) + 1e-9  # + the 10 significant digits of the CSV


def _phe_csv(name: str) -> pd.DataFrame:
    frame = pd.read_csv(PHE / name, encoding="utf-8-sig")
    return frame.rename(columns=lambda c: c.strip())


@pytest.mark.parametrize("side", ["lower", "upper"])
@pytest.mark.parametrize("level", ["2s", "3s"])
def test_funnel_limits_reproduce_phe_ratio_outputs(side, level):
    phe = _phe_csv("testdata_funnel_ratio_outputs.csv")  # isr: ratio × 100, from 1 to 8740 observed events
    observed, expected = phe["Observed_events"].to_numpy(float), phe[f"{side}_{level}_exp_events"].to_numpy()
    ours = getattr(funnel_limits(100, expected, statistic="ratio", multiplier=100), f"{side}_{level[0]}sd")
    np.testing.assert_array_less(np.abs(ours / phe[f"{side}_{level}_isr"] - 1), _phe_tolerance(observed, expected))


@pytest.mark.parametrize("name", ["testdata_funnel_rate_outputs.csv", "testdata_funnel_rate_outputs_2.csv",
                                  "testdata_funnel_rate_outputs_3.csv"])
@pytest.mark.parametrize("side", ["lower", "upper"])
@pytest.mark.parametrize("level", ["2s", "3s"])
def test_funnel_limits_reproduce_phe_rate_outputs(name, side, level):
    phe = _phe_csv(name)  # rates per 100,000 over years_of_data = 3, populations given per year
    mean, events = phe["baseline"].iloc[0], phe["Events"].to_numpy(float)
    population = phe[f"{side}_{level}_population_1_year"].to_numpy() * 3
    ours = getattr(funnel_limits(mean, population, statistic="rate", multiplier=1e5), f"{side}_{level[0]}sd")
    tolerance = _phe_tolerance(events, population * mean / 1e5)
    np.testing.assert_array_less(np.abs(ours / phe[f"{side}_{level}_limit"] - 1), tolerance)


def test_funnel_significance_reproduces_phe_ratio_labels():
    phe = _phe_csv("testdata_funnel_ratio_inputs.csv")  # 300 units, observed and expected counts
    ours = funnel_significance(phe["obs"], phe["expected"], statistic="ratio")
    assert list(ours) == list(phe["significance"].map(PHE_LABELS))
    assert len(set(ours)) == 5  # every category occurs


@pytest.mark.parametrize("rate, multiplier, labels", [("rate_crude_per_100000", 1e5, "crude_per_100000_with_0"),
                                                      ("rate_crude_per_100", 100, "crude_per_100_with_0")])
def test_funnel_significance_reproduces_phe_crude_rate_labels(rate, multiplier, labels):
    phe = _phe_csv("testdata_funnel_rate_dsr_inputs.csv")  # 40 units, one with 0 events
    # PHE derives each population as multiplier × count / rate (the given one when count = 0)
    population = np.where(phe["count"] == 0, phe["pop"], multiplier * phe["count"] / phe[rate].fillna(1))
    ours = funnel_significance(phe["count"].to_numpy(), population, statistic="rate", multiplier=multiplier)
    assert list(ours) == list(phe[labels].map(PHE_LABELS))


def test_funnel_significance_categories():
    n = np.array([1000, 1000, 1000, 1000, 1000, 0, 40])
    x = np.array([200, 250, 235, 165, 140, 0, 0])
    codes = funnel_significance(x, n, mean=0.2)
    # limits at N = 1000: 2σ ±0.0248, 3σ ±0.0391
    assert list(codes) == ["within", "above_3sd", "above_2sd", "below_2sd", "below_3sd",
                           "not_assessable", "below_3sd"]
    labels = funnel_significance(x, n, mean=0.2, italian=True)
    assert list(labels) == [FUNNEL_LABELS[c] for c in codes] and labels[1] == "sopra 3σ"
    assert funnel_significance(0, 3, mean=0.2) == "within"  # a small unit with no users
    with pytest.raises(ParameterError):
        funnel_significance([5], [4])


def test_funnel_significance_pooled_mean_and_rates():
    x, n = np.array([20, 20, 60]), np.array([1000, 1000, 1000])
    # pooled rate 100/3000, expected count 33.3: 2σ limits 23.0-46.7, 3σ 18.3-55.3
    assert list(funnel_significance(x, n, statistic="rate")) == ["below_2sd", "below_2sd", "above_3sd"]
    per_1000 = funnel_significance(x, n, statistic="tasso", multiplier=1000)
    assert list(per_1000) == ["below_2sd", "below_2sd", "above_3sd"]
    assert funnel_significance(30, 10, statistic="ratio") == "above_3sd"  # O/E = 3 with E = 10
    assert funnel_significance(12, 10, statistic="ratio") == "within"


# ------------------------------------------------------------ trends

def ci(values, half):
    values = np.asarray(values, dtype=float)
    return values - half, values + half


def test_trend_significant_rise_hand_computed():
    values = [10, 12, 14, 16, 18]
    res = recent_trend(values, *ci(values, 1.0), years=[2019, 2020, 2021, 2022, 2023])
    se = 2.0 / 3.92  # equal weights: χ² = b²·Σ(t − t̄)²/SE²
    assert res.slope == pytest.approx(2.0)
    assert res.chi_square == pytest.approx(4 * 10 / se ** 2)
    assert res.significant is True and res.direction == "up" and res.verdict == "in aumento" and res.reason == ""


def test_trend_significant_fall_and_weighted_slope_matches_numpy():
    values = np.array([30.0, 27, 25, 21, 20])
    half = np.array([2.0, 1, 3, 1.5, 2.5])
    res = recent_trend(values, *ci(values, half))
    se = 2 * half / 3.92
    coef, cov = np.polyfit(np.arange(1, 6), values, 1, w=1 / se, cov="unscaled")
    assert res.slope == pytest.approx(coef[0], rel=1e-9)
    assert res.chi_square == pytest.approx(coef[0] ** 2 / cov[0, 0], rel=1e-9)
    assert res.significant and res.direction == "down" and res.verdict == "in diminuzione"


def test_trend_noisy_no_change():
    values = [10, 12, 9, 11, 10]
    res = recent_trend(values, *ci(values, 3.0))
    assert res.chi_square < 9.5495 and not res.significant
    assert res.verdict == "nessuna variazione significativa" and res.reason == ""


def test_trend_unstable_when_a_point_is_dropped():
    values = [12, 11.8, 11.6, 11.4, 16]  # rises only because of the last year
    res = recent_trend(values, *ci(values, 0.2), years=range(2019, 2024))
    assert res.slope > 0 and res.chi_square > 9.5495
    assert not res.significant and res.verdict == "nessuna variazione significativa"
    assert "instabile" in res.reason and "2023" in res.reason


def test_trend_not_calculable():
    few = recent_trend([1, 2, 3, 4], *ci([1, 2, 3, 4], 0.1))
    assert few.verdict.startswith("non calcolabile") and "disponibili 4" in few.reason
    assert math.isnan(few.slope) and few.significant is False and few.direction == "n/a"
    values = [1, 2, 3, 4, 5]
    gap = recent_trend(values, *ci(values, 0.1), years=[2017, 2018, 2020, 2021, 2022])
    assert gap.verdict.startswith("non calcolabile") and "non sono consecutivi" in gap.reason
    hole = recent_trend([1, 2, np.nan, 4, 5], *ci([1, 2, 3, 4, 5], 0.1))
    assert hole.verdict.startswith("non calcolabile") and math.isnan(hole.chi_square)
    with pytest.raises(ParameterError, match="years"):
        recent_trend(values, *ci(values, 0.1), years=[2020, 2020, 2021, 2022, 2023])


def test_trend_uses_five_most_recent_years_in_any_order():
    values = np.array([100, -50, 10, 12, 14, 16, 18])  # the first two are ignored
    years = np.array([2015, 2016, 2017, 2018, 2019, 2020, 2021])
    low, high = ci(values, 1.0)
    expected = recent_trend(values[2:], low[2:], high[2:])
    shuffled = np.array([3, 0, 6, 1, 5, 2, 4])
    res = recent_trend(values[shuffled], low[shuffled], high[shuffled], years=years[shuffled])
    assert res.slope == pytest.approx(expected.slope) and res.verdict == "in aumento"


def test_trend_vectorised_rows_equal_single_calls():
    rows = np.array([[10, 12, 14, 16, 18], [18, 16, 14, 12, 10], [10, 12, 9, 11, 10],
                     [12, 11.8, 11.6, 11.4, 16], [1, 2, np.nan, 4, 5]])
    half = np.array([[1.0], [1.0], [3.0], [0.2], [0.1]])
    res = recent_trend(rows, rows - half, rows + half)
    assert list(res.verdict[:3]) == ["in aumento", "in diminuzione", "nessuna variazione significativa"]
    for i in range(len(rows)):
        one = recent_trend(rows[i], rows[i] - half[i], rows[i] + half[i])
        np.testing.assert_allclose([res.slope[i], res.chi_square[i]], [one.slope, one.chi_square], rtol=1e-12)
        assert (res.significant[i], res.verdict[i], res.reason[i]) == (one.significant, one.verdict, one.reason)


# ------------------------------------------------------------ benchmarking

@pytest.mark.parametrize("polarity, above, below", [
    ("high_is_good", "migliore", "peggiore"), ("alto_meglio", "migliore", "peggiore"),
    ("low_is_good", "peggiore", "migliore"), ("basso_meglio", "peggiore", "migliore")])
def test_benchmark_categories(polarity, above, below):
    assert benchmark(12, 11, 13, 10, polarity) == above
    assert benchmark(8, 7, 9, 10, polarity) == below
    assert benchmark(10.5, 9, 12, 10, polarity) == "simile"
    assert benchmark(11, 10, 12, 10, polarity) == "simile"  # comparator on the limit
    assert benchmark(np.nan, np.nan, np.nan, 10, polarity) == "non confrontabile"
    assert benchmark(12, 11, 13, np.nan, polarity) == "non confrontabile"


def test_benchmark_neutral_vectorised_and_bad_polarity():
    assert benchmark(12, 11, 13, 10, "neutral") == "non confrontabile"
    value, lower, upper = rate_ci([5, 50, 200], [1000, 1000, 1000])
    strict = rate_ci([5, 50, 200], [1000, 1000, 1000], confidence=0.998)
    assert list(benchmark(value, lower, upper, 50, "low_is_good")) == ["migliore", "simile", "peggiore"]
    # 50 per 1000 has 95% limits 37.1-65.9 and 99.8% limits 30.9-76.0
    assert list(benchmark(value, lower, upper, 35, "low_is_good")) == ["migliore", "peggiore", "peggiore"]
    assert list(benchmark(*strict, 35, "low_is_good")) == ["migliore", "simile", "peggiore"]
    with pytest.raises(ParameterError, match="polarity"):
        benchmark(1, 0, 2, 1, "up")


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


def test_funnel_significance_of_counts_uses_the_exact_poisson_test():
    from scipy.stats import poisson

    # 0 events where 0.76 were expected: P(X <= 0) = 0.47, nothing unusual
    assert funnel_significance(0, 637, statistic="rate", mean=1.194, multiplier=1000) == "within"
    # 12 events where 2.5 were expected: P(X >= 12) < 0.001
    assert poisson.sf(11, 2.5) < 0.001
    assert funnel_significance(12, 2500, statistic="rate", mean=1.0, multiplier=1000) == "above_3sd"
    # 5 events where 1.5 were expected: 0.001 < P(X >= 5) < 0.025
    assert 0.001 < poisson.sf(4, 1.5) < 0.025
    assert funnel_significance(5, 1500, statistic="rate", mean=1.0, multiplier=1000) == "above_2sd"


# ------------------------------------------------------------ issue 8: statistics fixes

def test_trend_threshold_is_the_998_chi_square_point_fingertips_uses():
    assert TREND_CHI2_THRESHOLD == pytest.approx(9.54953570608324, abs=1e-12)  # Fingertips' ChiSquareConfidence
    assert st.chi2.sf(TREND_CHI2_THRESHOLD, 1) == pytest.approx(0.002, rel=1e-12)


def test_trend_reproduces_fingertips_trend_marker_tests():
    # Fingertips' TrendMarkerCalculatorTest, data set 1 (years newest first): significant, χ² 46.77
    years = [2018, 2017, 2016, 2015, 2014]
    res = recent_trend([30.6, 30.2, 28, 24.6, 24.67], [28.98, 28.63, 26.44, 23.15, 23.16],
                       [32.25, 31.9, 29.64, 26.19, 26.25], years=years)
    assert round(res.chi_square, 2) == 46.77 and res.significant and res.verdict == "in aumento"
    # data set 2: not significant
    res = recent_trend([20.5506, 19.5952, 19.0349, 21.3966, 18.4372], [18.1803, 17.3444, 16.8421, 19.0918, 16.2925],
                       [23.1427, 22.0602, 21.4394, 23.8975, 20.7941], years=[2014, 2015, 2016, 2017, 2018])
    assert not res.significant and res.verdict == "nessuna variazione significativa"


@pytest.mark.parametrize("values, half", [([5, 5, 5, 5, 5], 0.5), ([5.3] * 5, [0.1, 0.2, 0.3, 0.1, 0.7]),
                                          ([10, 12, 11, 12, 10], 1.0)])
def test_trend_slope_of_exactly_zero_is_no_significant_change(values, half):
    values = np.asarray(values, dtype=float)
    res = recent_trend(values, values - half, values + half)
    assert (res.slope, res.chi_square) == (0.0, 0.0)  # not rounding noise of either sign
    assert (res.direction, res.verdict, res.significant, res.reason) == (
        "flat", "nessuna variazione significativa", False, "")


def test_trend_drop_one_slope_of_zero_does_not_flip_a_rise():
    # dropping the last point leaves four equal values (slope 0): Fingertips counts 0 as non-negative
    values = np.array([0, 0, 0, 0, 10.0])
    res = recent_trend(values, values - 0.5, values + 0.5)
    assert res.significant and res.verdict == "in aumento" and res.reason == ""


def test_proportion_with_empty_denominator_is_nan_whatever_x():
    assert all(math.isnan(v) for v in proportion_ci(3, 0))
    lower, upper = proportion_ci([0, 3, 2], [0, 0, 4])
    assert np.isnan(lower[:2]).all() and np.isnan(upper[:2]).all() and np.isfinite([lower[2], upper[2]]).all()
    assert funnel_significance([3, 1], [0, 10], mean=0.1)[0] == "not_assessable"
    out = by_group(pd.DataFrame({"g": ["a", "b"], "x": [2, 1], "n": [0, 5]}), "proportion", x="x", n="n", by="g")
    assert np.isnan(out.loc[0, "value"]) and out.loc[0, "method"] == "non calcolabile"
    with pytest.raises(ParameterError, match="il numeratore 5 supera il denominatore 4"):
        proportion_ci(5, 4)


def test_series_with_different_indexes_are_rejected_not_combined_by_position():
    x = pd.Series([1, 2, 3], index=["018001", "018002", "018003"])
    n = pd.Series([10, 20, 30], index=["018003", "018002", "018001"])
    for call in (lambda: proportion_ci(x, n), lambda: rate_ci(x, n),
                 lambda: funnel_significance(x, n, statistic="rate"),
                 lambda: benchmark(x, x - 1, n, 2, "high_is_good"),
                 lambda: recent_trend(pd.Series([1.0] * 5), pd.Series([0.0] * 5, index=range(1, 6)),
                                      pd.Series([2.0] * 5))):
        with pytest.raises(ParameterError, match="indici diversi"):
            call()
    # the same labels in another order are rejected too (Index.equals is order-sensitive); reindexed Series work
    aligned = proportion_ci(x, n.reindex(x.index))
    assert aligned.lower == pytest.approx(proportion_ci([1, 2, 3], [30, 20, 10]).lower)
    assert rate_ci(x, [10, 20, 30]).value == pytest.approx([100, 100, 100])  # Series next to a list: in order


def test_benchmark_refuses_lower_above_upper():
    with pytest.raises(ParameterError, match=r"il limite inferiore 13 supera il limite superiore 11\b"):
        benchmark(12, 13, 11, 10, "high_is_good")
    with pytest.raises(ParameterError, match="in posizione 1"):
        benchmark([12, 12], [11, 14.5], [13, 12], 10, "alto_meglio")
    assert list(benchmark([12, np.nan], [11, np.nan], [13, 5], 10, "high_is_good")) == ["migliore",
                                                                                        "non confrontabile"]
