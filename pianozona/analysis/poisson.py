"""Poisson limits of a count: exact (chi-square) below 10 events, Byar's from 10, and the funnel tails."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import special
from scipy import stats as st

from pianozona.analysis.arguments import z_value

#: below this many events a count's limits are exact (chi-square); from it on, Byar's approximation
EXACT_BELOW = 10


def byar(x: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximate Poisson limits for a count x at normal quantile z (used for x >= 10)."""
    with np.errstate(all="ignore"):
        x1 = x + 1
        return (x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3,
                x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3)


def exact_poisson(x: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-square) Poisson limits for x, leaving `tail` probability each side."""
    with np.errstate(all="ignore"):
        lower = np.where(x > 0, st.chi2.ppf(tail, 2 * x) / 2, 0.0)
        upper = st.chi2.ppf(1 - tail, 2 * x + 2) / 2
    return np.where(np.isnan(x), np.nan, lower), upper


@lru_cache(maxsize=32)
def _exact_table(tail: float) -> tuple[np.ndarray, np.ndarray]:
    return exact_poisson(np.arange(EXACT_BELOW, dtype=float), tail)


def poisson_limits(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits of a count: exact Poisson when x < 10, Byar when x >= 10."""
    flat = np.asarray(x, dtype=float).ravel()
    lower, upper = byar(flat, z_value(confidence))
    small = flat < EXACT_BELOW
    if small.any():
        xs, tail = flat[small], (1 - confidence) / 2
        integer = xs == np.floor(xs)  # the usual case: look the 10 answers up
        lo_s, hi_s = np.empty_like(xs), np.empty_like(xs)
        k = xs[integer].astype(int)
        lo_s[integer], hi_s[integer] = (col[k] for col in _exact_table(tail))
        lo_s[~integer], hi_s[~integer] = exact_poisson(xs[~integer], tail)
        lower[small], upper[small] = lo_s, hi_s
    return lower.reshape(np.shape(x)), upper.reshape(np.shape(x))


def counts_on_limits(expected: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """Observed counts that sit exactly on the lower and upper limit around an expected count.

    The method of PHEindicatormethods' `calculate_funnel_limits` (and of
    Fingertips' funnel macro) turned inside out: PHE takes each observed count
    O and finds the expected count at which O is on a limit; here the same
    curve is read at a given expected count E.  With the Poisson tails written
    through the regularised incomplete gamma function, which extends them to
    any real count c:
        upper: P(X >= c | E) = gammainc(c, E) = tail
        lower: P(X <= c | E) = gammaincc(c + 1, E) = tail
    both solved for c by scipy's inverse of the chi-square distribution in its
    degrees of freedom (ν = 2c, or 2(c + 1), at χ² = 2E).  No count is
    unusually low while P(X = 0 | E) >= tail: the lower count is then 0.
    E = 0 gives 0 for both (any event at all is above the limit).
    """
    with np.errstate(all="ignore"):
        upper = special.chdtriv(tail, 2 * expected) / 2
        lower = np.maximum(special.chdtriv(1 - tail, 2 * expected) / 2 - 1, 0.0)
    zero = expected == 0
    return np.where(zero, 0.0, lower), np.where(zero, 0.0, upper)


def poisson_tails(x: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(X <= x) and P(X >= x) for X ~ Poisson(expected), continuous in x (exact for whole counts)."""
    with np.errstate(all="ignore"):
        low = special.gammaincc(x + 1, expected)
        high = np.where(x > 0, special.gammainc(np.where(x > 0, x, 1.0), expected), 1.0)
    return low, high
