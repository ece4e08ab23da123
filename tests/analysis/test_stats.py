"""Tests of pianozona.analysis.stats, the one namespace of the statistics (each concern is tested in its module)."""

from __future__ import annotations

import importlib

import pytest

from pianozona.analysis import stats

# Any numpy warning (division by zero, invalid value) leaking out is a failure.
pytestmark = pytest.mark.filterwarnings("error")



def test_every_name_is_the_object_of_its_concern_module():
    homes = {"intervals": ["Estimate", "Interval", "by_group", "proportion_ci", "rate_ci", "rate_method"],
             "standardisation": ["ESP2013", "ESP2013_BANDS", "StandardisedRate", "dsr", "isr"],
             "funnel": ["FUNNEL_LABELS", "FUNNEL_TAILS", "FunnelLimits", "funnel_limits", "funnel_significance"],
             "trend": ["TREND_CHI2_THRESHOLD", "TREND_POINTS", "Trend", "recent_trend"],
             "benchmarking": ["benchmark"], "change": ["RateComparison", "rate_comparison"]}
    for module, names in homes.items():
        home = importlib.import_module(f"pianozona.analysis.{module}")
        for name in names:
            assert getattr(stats, name) is getattr(home, name), name
    assert sorted(stats.__all__) == sorted(n for names in homes.values() for n in names)


def test_the_calls_notebooks_make_work_through_the_namespace():
    value, lower, upper = stats.rate_ci([3, 40], [1000, 2000], multiplier=1000)
    assert list(value) == pytest.approx([3.0, 20.0]) and (lower < value).all() and (value < upper).all()
    assert stats.FUNNEL_LABELS[stats.funnel_significance(20, 1000, mean=0.02)] == "entro i limiti"
