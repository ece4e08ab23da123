"""Tests of pianozona.analysis.benchmarking: comparisons with a comparator by confidence interval."""

from __future__ import annotations

import numpy as np
import pytest

from pianozona.analysis.benchmarking import benchmark
from pianozona.analysis.intervals import rate_ci
from pianozona.errors import ParameterError

# Any numpy warning (division by zero, invalid value) leaking out is a failure.
pytestmark = pytest.mark.filterwarnings("error")


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


def test_benchmark_refuses_lower_above_upper():
    with pytest.raises(ParameterError, match=r"il limite inferiore 13 supera il limite superiore 11\b"):
        benchmark(12, 13, 11, 10, "high_is_good")
    with pytest.raises(ParameterError, match="in posizione 1"):
        benchmark([12, 12], [11, 14.5], [13, 12], 10, "alto_meglio")
    assert list(benchmark([12, np.nan], [11, np.nan], [13, 5], 10, "high_is_good")) == ["migliore",
                                                                                        "non confrontabile"]
