"""Funnel plots' statistics: control limits at each denominator and where each unit falls against them."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy import stats as st

from pianozona.analysis.arguments import (as_output, as_written, check_multiplier, check_not_above, count_array,
                                          same_index, statistic_kind)
from pianozona.analysis.poisson import counts_on_limits, poisson_tails
from pianozona.errors import ParameterError

#: One-sided tail probabilities of the funnel limits: 2σ (95%) and 3σ (99.8%).
FUNNEL_TAILS = {"2sd": 0.025, "3sd": 0.001}
FUNNEL_LABELS = {"above_3sd": "sopra 3σ", "above_2sd": "sopra 2σ", "within": "entro i limiti",
                 "below_2sd": "sotto 2σ", "below_3sd": "sotto 3σ", "not_assessable": "non valutabile"}


class FunnelLimits(NamedTuple):
    """Control limits of a funnel plot at each denominator."""
    centre: Any
    lower_3sd: Any
    lower_2sd: Any
    upper_2sd: Any
    upper_3sd: Any


def funnel_limits(mean: Any, denominators: Any, *, statistic: str = "proportion",
                  multiplier: float = 1) -> FunnelLimits:
    """2σ (p = 0.975) and 3σ (p = 0.999) funnel limits at each denominator.

    * 'proportion': `mean` is the pooled proportion (× multiplier); limits
      p̄ ± z·√(p̄(1−p̄)/N) clipped to [0, 1], times multiplier.
    * 'rate' (`mean` per `multiplier`, `denominators` populations) and
      'ratio' (`mean` the target, usually 1 × multiplier, `denominators` the
      expected counts): PHEindicatormethods' exact Poisson limits.  At the
      expected count E = mean·N/multiplier the upper 2σ limit is c·multiplier/N
      where c is the count with P(X >= c | E) = 0.025, the lower one uses
      P(X <= c | E) = 0.025 (0.001 for 3σ), the tails taken continuous in c.
      These are the curves PHE draws through its points (observed count O,
      expected count at which O is on the limit), so they agree with
      `funnel_significance`: a unit is above (below) a drawn limit exactly
      when its Poisson tail is below 0.025 or 0.001, for whole and fractional
      counts alike.  The lower limit is 0 where no count could be low enough.
    A denominator of 0 or NaN gives NaN limits.
    """
    same_index(mean=mean, denominators=denominators)
    stat, mult = statistic_kind(statistic, ("proportion", "rate", "ratio")), check_multiplier(multiplier)
    mean, n = np.broadcast_arrays(count_array(mean, "mean"), count_array(denominators, "denominators"))
    if stat == "proportion" and (mean > mult).any():
        raise ParameterError("mean", as_written(mean.max()), "la proporzione media non può superare 1 (× multiplier)")
    limits = {}
    with np.errstate(all="ignore"):
        for key, tail in FUNNEL_TAILS.items():
            if stat == "proportion":
                pbar = mean / mult
                half = st.norm.ppf(1 - tail) * np.sqrt(pbar * (1 - pbar) / n)
                pair = (np.clip(pbar - half, 0, 1) * mult, np.clip(pbar + half, 0, 1) * mult)
            else:
                pair = (c * mult / n for c in counts_on_limits(mean * n / mult, tail))
            limits[key] = [np.where(n > 0, a, np.nan) for a in pair]
    (lo2, hi2), (lo3, hi3) = limits["2sd"], limits["3sd"]
    return FunnelLimits(*(as_output(a) for a in (mean, lo3, lo2, hi2, hi3)))


def funnel_significance(x: Any, n: Any, *, statistic: str = "proportion", mean: Any = None,
                        multiplier: float = 1, italian: bool = False) -> Any:
    """Where each unit's x/n × multiplier falls against the funnel limits.

    Codes 'above_3sd', 'above_2sd', 'within', 'below_2sd', 'below_3sd',
    'not_assessable' (n = 0 or missing); `italian=True` gives the labels of
    `FUNNEL_LABELS`.  `mean` defaults to the pooled Σx/Σn × multiplier for
    proportions and rates and to 1 × multiplier for ratios (x observed,
    n expected).  A point exactly on a limit is inside it.  For rates and
    ratios the position is decided by the exact Poisson test of the observed
    count x against the expected one E = mean·n/multiplier (one-sided tails
    P(X >= x) and P(X <= x) below 0.025 or 0.001), so that e.g. 0 events
    where 0.8 were expected is not called "low".  For a fractional x the
    tails are the continuous (incomplete gamma) ones, as in PHE's chi-square
    limits with 2x degrees of freedom.  The limits `funnel_limits` draws
    agree with this test point by point.  (PHEindicatormethods'
    `assign_funnel_significance` switches to Byar's approximation from 10
    events, so its labels can differ from its own drawn lines at the margin;
    ours do not.)
    """
    same_index(x=x, n=n, mean=mean)
    stat, mult = statistic_kind(statistic, ("proportion", "rate", "ratio")), check_multiplier(multiplier)
    x, n = np.broadcast_arrays(count_array(x, "x"), count_array(n, "n"))
    if stat == "proportion":
        check_not_above(x, n)
    ok = np.isfinite(x) & (n > 0)
    if mean is None:
        total = n[ok].sum()
        mean = mult if stat == "ratio" else (x[ok].sum() / total * mult if total > 0 else np.nan)
    with np.errstate(all="ignore"):
        if stat == "proportion":
            _, lo3, lo2, hi2, hi3 = (np.asarray(a) for a in funnel_limits(mean, n, statistic=stat, multiplier=mult))
            value = np.where(ok, x / n * mult, np.nan)
            above3, above2, below3, below2 = value > hi3, value > hi2, value < lo3, value < lo2
            ok &= ~np.isnan(hi2)
        else:  # the test itself; `funnel_limits` draws the same boundary (no need to compute it here)
            expected = count_array(mean, "mean") * n / mult
            low, high = poisson_tails(x, expected)
            t2, t3 = FUNNEL_TAILS["2sd"], FUNNEL_TAILS["3sd"]
            above3, above2, below3, below2 = high < t3, high < t2, low < t3, low < t2
            ok &= ~np.isnan(expected)
        codes = np.select([~ok, above3, above2, below3, below2],
                          ["not_assessable", "above_3sd", "above_2sd", "below_3sd", "below_2sd"], "within")
    if italian:
        codes = np.select([codes == c for c in FUNNEL_LABELS], list(FUNNEL_LABELS.values()), "")
    return as_output(codes)
