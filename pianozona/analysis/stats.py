"""Statistics for fair comparison in one namespace: intervals, standardisation, funnels, trends, benchmarks.

The methods are those of England's Fingertips profiles and PHEindicatormethods
(see shared/reference/indicators.md).  Notebooks and the analysis modules call
them as ``stats.rate_ci(...)``; each lives in the module of its concern:

- `pianozona.analysis.intervals`: `proportion_ci` (Wilson), `rate_ci` and
  `rate_method` (exact Poisson / Byar), `by_group` (a tidy table of them);
- `pianozona.analysis.standardisation`: `dsr` (Dobson), `isr`, `ESP2013`;
- `pianozona.analysis.funnel`: `funnel_limits`, `funnel_significance`;
- `pianozona.analysis.trend`: `recent_trend` (Fingertips' trend marker);
- `pianozona.analysis.benchmarking`: `benchmark` against a comparator;
- `pianozona.analysis.change`: `rate_comparison` (exact conditional test of two Poisson rates);
- `pianozona.analysis.poisson` (Poisson limits and tails) and
  `pianozona.analysis.arguments` (how inputs are read and checked) underneath.

Conventions shared by every function (see `pianozona.analysis.arguments`):

* Inputs may be scalars, lists, numpy arrays or pandas Series (broadcast
  together); scalar inputs give Python scalars back, array inputs arrays.
* Missing values (NaN/None/NA) and empty denominators (0) give NaN, never an
  exception and never a numpy warning.  A zero count is valid data.
* Impossible inputs (negative counts, x > n > 0 for a proportion, a
  confidence level outside (0.9, 1), unknown options) raise `ParameterError`
  with an Italian message naming the value.
* pandas inputs are never combined by position behind the user's back: when
  two or more arguments of one call are Series (or DataFrames) their indexes
  must be equal, otherwise `ParameterError` names both arguments.  A Series
  next to a list or array is taken in order, as numpy would.
"""

from __future__ import annotations

from pianozona.analysis.benchmarking import benchmark
from pianozona.analysis.change import RateComparison, rate_comparison
from pianozona.analysis.funnel import FUNNEL_LABELS, FUNNEL_TAILS, FunnelLimits, funnel_limits, funnel_significance
from pianozona.analysis.intervals import Estimate, Interval, by_group, proportion_ci, rate_ci, rate_method
from pianozona.analysis.standardisation import ESP2013, ESP2013_BANDS, StandardisedRate, dsr, isr
from pianozona.analysis.trend import TREND_CHI2_THRESHOLD, TREND_POINTS, Trend, recent_trend

__all__ = ["ESP2013", "ESP2013_BANDS", "FUNNEL_LABELS", "FUNNEL_TAILS", "TREND_CHI2_THRESHOLD", "TREND_POINTS",
           "Estimate", "FunnelLimits", "Interval", "RateComparison", "StandardisedRate", "Trend", "benchmark",
           "by_group", "dsr", "funnel_limits", "funnel_significance", "isr", "proportion_ci", "rate_ci",
           "rate_comparison", "rate_method", "recent_trend"]
