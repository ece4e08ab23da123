"""Tests of pianozona.analysis.standardisation (DSR, ISR) against hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from pianozona.analysis.standardisation import ESP2013, ESP2013_BANDS, dsr, isr
from pianozona.errors import ParameterError
from tests.analysis.reference_formulas import Z95, byar

# Any numpy warning (division by zero, invalid value) leaking out is a failure.
pytestmark = pytest.mark.filterwarnings("error")


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
