"""Tests of the conventions every statistic shares (pianozona.analysis.arguments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pianozona.analysis.arguments import as_output, as_written, check_not_above, statistic_kind
from pianozona.analysis.benchmarking import benchmark
from pianozona.analysis.funnel import funnel_significance
from pianozona.analysis.intervals import proportion_ci, rate_ci
from pianozona.analysis.trend import recent_trend
from pianozona.errors import ParameterError
from tests.analysis.reference_formulas import Z95, wilson

# Any numpy warning (division by zero, invalid value) leaking out is a failure.
pytestmark = pytest.mark.filterwarnings("error")


def test_pandas_nullable_inputs():
    x = pd.Series([3, None, 0], dtype="Int64")
    n = pd.Series([10, 10, 0], dtype="Int64")
    lower, upper = proportion_ci(x, n)
    assert lower[0] == pytest.approx(wilson(3, 10, Z95)[0]) and np.isnan(lower[1:]).all()


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



def test_helpers_give_scalars_back_and_name_statistics_in_either_language():
    assert as_output(np.float64(2.5)) == 2.5 and isinstance(as_output(np.asarray(3.0)), float)
    assert isinstance(as_output([1.0, 2.0]), np.ndarray)
    assert as_written(2.0) == 2 and isinstance(as_written(2.0), int) and as_written(2.5) == 2.5
    assert statistic_kind(" Tasso ", ("rate",)) == "rate" and statistic_kind("rapporto", ("ratio",)) == "ratio"
    with pytest.raises(ParameterError, match="valori ammessi: proportion, rate"):
        statistic_kind("ratio", ("proportion", "rate"))
    check_not_above(np.array([3.0, 5.0]), np.array([0.0, 5.0]))  # n = 0 is NaN later, not an error
    with pytest.raises(ParameterError, match="il numeratore 6 supera il denominatore 5"):
        check_not_above(np.array(6.0), np.array(5.0))
