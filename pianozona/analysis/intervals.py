"""Confidence intervals of a proportion (Wilson) and a crude rate (exact Poisson / Byar), also by group."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from pianozona.analysis.arguments import (as_output, as_written, check_confidence, check_multiplier,
                                          check_not_above, count_array, float_array, same_index, statistic_kind,
                                          z_value)
from pianozona.analysis.poisson import EXACT_BELOW, poisson_limits
from pianozona.errors import ParameterError


class Interval(NamedTuple):
    """Lower and upper confidence limits."""
    lower: Any
    upper: Any


class Estimate(NamedTuple):
    """A value with its confidence limits."""
    value: Any
    lower: Any
    upper: Any


def scaled(values: tuple[np.ndarray, ...], denominator: np.ndarray, mult: float) -> Estimate:
    """Counts (value, lower, upper) divided by a denominator (0 or NaN gives NaN) and multiplied."""
    with np.errstate(all="ignore"):
        scale = np.where(denominator > 0, mult / denominator, np.nan)
    return Estimate(*(as_output(v * scale) for v in values))


def proportion_ci(x: Any, n: Any, confidence: float = 0.95) -> Interval:
    """Wilson score interval for the proportion x/n, as `Interval(lower, upper)`.

    x = 0 gives lower 0; x = n gives upper 1; n = 0 or NaN gives NaN
    (whatever x is); x > n > 0 raises `ParameterError`.
    """
    same_index(x=x, n=n)
    z = z_value(check_confidence(confidence))
    x, n = np.broadcast_arrays(count_array(x, "x"), count_array(n, "n"))
    check_not_above(x, n)
    with np.errstate(all="ignore"):
        z2 = z * z
        root, den = z * np.sqrt(z2 + 4 * x * (1 - x / n)), 2 * (n + z2)
        lower = np.where(x == 0, 0.0, np.clip((2 * x + z2 - root) / den, 0, 1))
        upper = np.where(x == n, 1.0, np.clip((2 * x + z2 + root) / den, 0, 1))
    usable = n > 0
    return Interval(as_output(np.where(usable, lower, np.nan)), as_output(np.where(usable, upper, np.nan)))


def rate_ci(x: Any, n: Any, confidence: float = 0.95, multiplier: float = 1000) -> Estimate:
    """Crude rate x/n × multiplier with Poisson limits, as `Estimate(value, lower, upper)`.

    Exact (chi-square) limits when x < 10, Byar's when x >= 10 (see
    `rate_method`).  n = 0 or NaN gives NaN; x = 0 gives lower 0.
    """
    same_index(x=x, n=n)
    conf, mult = check_confidence(confidence), check_multiplier(multiplier)
    x, n = np.broadcast_arrays(count_array(x, "x"), count_array(n, "n"))
    return scaled((x, *poisson_limits(x, conf)), n, mult)


def rate_method(x: Any) -> Any:
    """Name of the interval method `rate_ci` uses for count x."""
    x = float_array(x, "x")
    return as_output(np.where(np.isnan(x), "non calcolabile", np.where(x < EXACT_BELOW, "poisson esatto", "byar")))


def _group_sums(df: pd.DataFrame, keys: list[str], x: str, n: str) -> pd.DataFrame:
    """Σx and Σn (`numerator`, `denominator`) per group of `keys`; NaN for a group with any missing value."""
    for name, col in [("x", x), ("n", n)] + [("by", k) for k in keys]:
        if col not in df.columns:
            raise ParameterError(name, col, "colonne disponibili: " + ", ".join(map(str, df.columns)))
    num, den = count_array(df[x], x), count_array(df[n], n)
    frame = df[keys].reset_index(drop=True).assign(_x=num, _n=den, _missing=np.isnan(num) | np.isnan(den))
    groups = frame.groupby(keys or np.zeros(len(frame)), dropna=False, sort=True, observed=True)
    sums = groups[["_x", "_n"]].sum()
    sums.loc[groups["_missing"].any().to_numpy()] = np.nan
    return (sums.reset_index() if keys else sums.reset_index(drop=True)).rename(
        columns={"_x": "numerator", "_n": "denominator"})


def by_group(df: pd.DataFrame, statistic: str, *, x: str, n: str, by: str | list[str] | None = None,
             confidence: float = 0.95, multiplier: float | None = None) -> pd.DataFrame:
    """Proportion or rate with limits for each group of `df`, as a tidy DataFrame.

    `statistic`: 'proportion'/'proporzione' (Wilson) or 'rate'/'tasso' (exact
    Poisson / Byar).  Columns `x` (numerator) and `n` (denominator) are summed
    within each group of `by` (a column, a list, or None for the whole
    table); a group with any missing x or n gives NaN.  `multiplier` defaults
    to 1 for proportions, 1000 for rates.  Returns the group keys and
    `numerator`, `denominator`, `value`, `lower`, `upper`, `method` ('wilson',
    'poisson esatto', 'byar' or 'non calcolabile'), `confidence`.
    """
    stat, conf = statistic_kind(statistic, ("proportion", "rate")), check_confidence(confidence)
    mult = check_multiplier((1 if stat == "proportion" else 1000) if multiplier is None else multiplier)
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    out = _group_sums(df, keys, x, n)
    xs, ns = out["numerator"].to_numpy(float), out["denominator"].to_numpy(float)
    above = (xs > ns) & (ns > 0)  # an empty denominator gives NaN, as in every interval
    if stat == "proportion" and above.any():
        i = int(np.flatnonzero(above)[0])
        group = ", ".join(f"{k} = {out.loc[i, k]}" for k in keys) or "tutta la tabella"
        raise ParameterError(x, as_written(xs[i]), f"nel gruppo {group} il numeratore {as_written(xs[i])} supera "
                             f"il denominatore {as_written(ns[i])}: una proporzione non può superare 1")
    if stat == "proportion":
        with np.errstate(all="ignore"):
            value = np.where(ns > 0, xs / ns * mult, np.nan)
        lower, upper = (a * mult for a in proportion_ci(xs, ns, conf))
        method = np.where(np.isnan(value), "non calcolabile", "wilson")
    else:
        value, lower, upper = rate_ci(xs, ns, conf, mult)
        method = np.where(np.isnan(value), "non calcolabile", rate_method(xs))
    return out.assign(value=value, lower=lower, upper=upper, method=method, confidence=conf)
