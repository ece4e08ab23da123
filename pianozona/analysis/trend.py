"""The recent trend of a series (Fingertips' trend marker): weighted slope, χ² test, drop-one stability."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy import stats as st

from pianozona.analysis.arguments import as_output, as_written, float_array, same_index
from pianozona.errors import ParameterError

TREND_POINTS = 5
#: χ² with 1 degree of freedom exceeded with probability 0.002 (99.8% level), as Fingertips uses.
TREND_CHI2_THRESHOLD = float(st.chi2.ppf(0.998, 1))


class Trend(NamedTuple):
    """Recent trend; `direction` is the sign of the slope: 'up', 'down', 'flat' or 'n/a'."""
    slope: Any
    chi_square: Any
    significant: Any
    direction: Any
    verdict: Any
    reason: Any


def _wls_slope(y: np.ndarray, w: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least-squares slope and its standard error along the last axis.

    Written on differences, b = Σw(t − t̄)(y − y₁) / Σw(t − t̄)² (the same
    as the textbook formula since Σw(t − t̄) = 0), so that a constant or
    symmetric series gives a slope of exactly 0 rather than rounding noise of
    either sign (the sum-of-products form gives ±1e-15).
    """
    with np.errstate(all="ignore"):
        dt = t - (w * t).sum(-1, keepdims=True) / w.sum(-1, keepdims=True)
        dy = y - y[..., :1]
        sxx = (w * dt * dt).sum(-1)
        return (w * dt * dy).sum(-1) / sxx, np.sqrt(1 / sxx)


def _trend_na(rows: tuple[int, ...], why: str) -> Trend:
    """Result for series whose trend cannot be calculated."""
    nan, text = np.full(rows, np.nan), np.full(rows, f"non calcolabile: {why}")
    return Trend(as_output(nan), as_output(nan.copy()), as_output(np.zeros(rows, bool)),
                 as_output(np.full(rows, "n/a")), as_output(text), as_output(text))


def _drop_one(y: np.ndarray, w: np.ndarray, t: np.ndarray, slope: np.ndarray, high: np.ndarray,
              reason: np.ndarray, dropped: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Whether the slope keeps its sign when each point is dropped, and the reasons updated for those that flip.

    `dropped[i]` names point i in the reason ("l'anno 2021" or "il punto 2 di 5"); only a
    significant (`high`) series without an earlier reason gets one.
    """
    stable = np.ones(slope.shape, dtype=bool)
    for i in range(TREND_POINTS):
        keep = np.arange(TREND_POINTS) != i
        flipped = (_wls_slope(y[..., keep], w[..., keep], t[keep])[0] < 0) != (slope < 0)
        stable &= ~flipped
        reason = np.where(high & flipped & (reason == ""),
                          f"pendenza instabile: cambia segno togliendo {dropped[i]}", reason)
    return stable, reason


def _recent_order(count: int, years: Any) -> tuple[np.ndarray, np.ndarray]:
    """The years (0..count-1 without `years`) and the positions of the 5 most recent, oldest first."""
    yrs = np.arange(count, dtype=float) if years is None else float_array(years, "years")
    if yrs.shape != (count,) or np.unique(yrs).size != count:
        raise ParameterError("years", years, f"servono {count} anni distinti, uno per ciascun valore")
    return yrs, np.argsort(yrs)[-TREND_POINTS:]


def recent_trend(values: Any, lower: Any, upper: Any, years: Any = None) -> Trend:
    """Recent trend over the 5 most recent consecutive annual points.

    `values` and their 95% limits `lower`, `upper` have time on the last axis:
    1-D for one unit (scalar fields back) or 2-D units × years (arrays back).
    `years` (1-D, any order) checks the 5 most recent points are consecutive;
    without it the points are taken as consecutive and in order.  SE = (UCL −
    LCL)/3.92, w = 1/SE², slope over t = 1..5, χ² = (b/SE(b))²; significant
    when χ² > `TREND_CHI2_THRESHOLD` (the 99.8% point of χ² with 1 degree of
    freedom, 9.5495…) and the slope keeps its sign when each point is dropped.
    As in Fingertips' trend marker calculator, a slope is "negative" when
    below 0 and "non-negative" otherwise, so a slope of exactly 0 (χ² = 0) is
    'nessuna variazione significativa' with direction 'flat', and a
    drop-one slope of exactly 0 does not flip a rising trend.
    `verdict`: 'in aumento', 'in diminuzione', 'nessuna variazione
    significativa' or 'non calcolabile: …'; `reason` explains a
    non-calculable or unstable result ('' otherwise).
    """
    same_index(values=values, lower=lower, upper=upper)
    v, lo, hi = np.broadcast_arrays(float_array(values, "values"), float_array(lower, "lower"),
                                    float_array(upper, "upper"))
    if v.ndim not in (1, 2):
        raise ParameterError("values", f"{v.ndim} dimensioni", "usare una serie (1-D) o una tabella unità × anni")
    count, rows = v.shape[-1], v.shape[:-1]
    yrs, order = _recent_order(count, years)
    if count < TREND_POINTS:
        return _trend_na(rows, f"servono {TREND_POINTS} anni consecutivi, disponibili {count}")
    if not np.all(np.diff(yrs[order]) == 1):
        listed = ", ".join(str(as_written(y)) for y in yrs[order])
        return _trend_na(rows, f"gli ultimi {TREND_POINTS} anni non sono consecutivi ({listed})")
    y, se = v[..., order], (hi[..., order] - lo[..., order]) / 3.92
    usable = (np.isfinite(y) & np.isfinite(se) & (se > 0)).all(-1)
    t = np.arange(1.0, TREND_POINTS + 1)
    with np.errstate(all="ignore"):
        w = 1 / se ** 2
        slope, se_slope = _wls_slope(y, w, t)
        chi = (slope / se_slope) ** 2
    high = usable & (chi > TREND_CHI2_THRESHOLD)
    reason = np.where(usable, "", "non calcolabile: valori o limiti mancanti o non validi negli ultimi 5 anni")
    dropped = [f"l'anno {as_written(yrs[order][i])}" if years is not None else f"il punto {i + 1} di 5"
               for i in range(TREND_POINTS)]
    stable, reason = _drop_one(y, w, t, slope, high, reason, dropped)
    significant = high & stable
    direction = np.select([~usable, slope > 0, slope < 0], ["n/a", "up", "down"], "flat")
    verdict = np.select([~usable, significant & (slope > 0), significant & (slope < 0)],
                        [reason, "in aumento", "in diminuzione"], "nessuna variazione significativa")
    nan = np.where(usable, 0.0, np.nan)
    return Trend(as_output(slope + nan), as_output(chi + nan), as_output(significant), as_output(direction),
                 as_output(verdict), as_output(reason))
