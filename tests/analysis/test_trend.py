"""Tests of pianozona.analysis.trend against hand calculations, numpy and Fingertips' own tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from pianozona.analysis.trend import TREND_CHI2_THRESHOLD, recent_trend
from pianozona.errors import ParameterError

# Any numpy warning (division by zero, invalid value) leaking out is a failure.
pytestmark = pytest.mark.filterwarnings("error")


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
