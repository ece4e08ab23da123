"""Tests of pianozona.analysis.funnel against hand calculations, scipy and PHEindicatormethods' test data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from pianozona.analysis.funnel import FUNNEL_LABELS, funnel_limits, funnel_significance
from pianozona.errors import ParameterError
from tests.analysis.reference_formulas import Z95

# Any numpy warning (division by zero, invalid value) leaking out is a failure.
pytestmark = pytest.mark.filterwarnings("error")


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
