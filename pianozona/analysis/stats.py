"""Statistics for fair comparison: intervals, standardisation, funnels, trends.

The methods are those of England's Fingertips profiles and PHEindicatormethods
(see shared/reference/indicators.md).  Conventions shared by every function:

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

from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as st

from pianozona.errors import ParameterError

#: European Standard Population 2013, 19 five-year bands 0-4 ... 85-89, 90+.
ESP2013 = np.array([5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
                    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000], dtype=float)
ESP2013.setflags(write=False)
ESP2013_BANDS = tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)) + ("90+",)

TREND_POINTS = 5
#: χ² with 1 degree of freedom exceeded with probability 0.002 (99.8% level), as Fingertips uses.
TREND_CHI2_THRESHOLD = float(st.chi2.ppf(0.998, 1))
#: One-sided tail probabilities of the funnel limits: 2σ (95%) and 3σ (99.8%).
FUNNEL_TAILS = {"2sd": 0.025, "3sd": 0.001}
FUNNEL_LABELS = {"above_3sd": "sopra 3σ", "above_2sd": "sopra 2σ", "within": "entro i limiti",
                 "below_2sd": "sotto 2σ", "below_3sd": "sotto 3σ", "not_assessable": "non valutabile"}
_POLARITIES = {"high_is_good": "high", "alto_meglio": "high", "low_is_good": "low",
               "basso_meglio": "low", "neutral": None, "neutro": None}
_STATISTICS = {"proportion": "proportion", "proporzione": "proportion", "rate": "rate",
               "tasso": "rate", "ratio": "ratio", "rapporto": "ratio"}


class Interval(NamedTuple):
    """Lower and upper confidence limits."""
    lower: Any
    upper: Any


class Estimate(NamedTuple):
    """A value with its confidence limits."""
    value: Any
    lower: Any
    upper: Any


class StandardisedRate(NamedTuple):
    """A DSR with limits; `reason` is '' when published, else why it is NaN."""
    value: Any
    lower: Any
    upper: Any
    reason: Any


class FunnelLimits(NamedTuple):
    """Control limits of a funnel plot at each denominator."""
    centre: Any
    lower_3sd: Any
    lower_2sd: Any
    upper_2sd: Any
    upper_3sd: Any


class Trend(NamedTuple):
    """Recent trend; `direction` is the sign of the slope: 'up', 'down', 'flat' or 'n/a'."""
    slope: Any
    chi_square: Any
    significant: Any
    direction: Any
    verdict: Any
    reason: Any


# ---------------------------------------------------------------- helpers
def _out(a: Any) -> Any:
    a = np.asarray(a)
    return a.item() if a.ndim == 0 else a


def _val(v: float) -> int | float:
    """A number as users wrote it (2, not 2.0) for messages."""
    return int(v) if float(v).is_integer() else float(v)


def _floats(value: Any, name: str) -> np.ndarray:
    """Float array from scalars, lists, arrays or pandas objects (NA -> NaN)."""
    try:
        if isinstance(value, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
            return value.to_numpy(dtype=float, na_value=np.nan)
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(name, value, "servono valori numerici (vuoto per i mancanti)") from exc


def _same_index(**named: Any) -> None:
    """Reject pandas arguments whose indexes differ (they would be combined by position)."""
    labelled = [(name, value.index) for name, value in named.items()
                if isinstance(value, (pd.Series, pd.DataFrame))]
    for name, index in labelled[1:]:
        first, first_index = labelled[0]
        if not index.equals(first_index):
            raise ParameterError(name, f"indice di {len(index)} righe",
                                 f"'{first}' e '{name}' sono Series pandas con indici diversi: allinearle "
                                 f"prima (ad esempio {name}.reindex({first}.index)) o passare colonne della "
                                 "stessa tabella")


def _counts(value: Any, name: str) -> np.ndarray:
    """Like `_floats` but rejects negative numbers."""
    a = _floats(value, name)
    neg = a < 0
    if neg.any():
        raise ParameterError(name, _val(a[neg].flat[0]), "conteggi, popolazioni e pesi non possono essere negativi")
    return a


def _number(v: Any) -> float:
    ok = isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
    return float(v) if ok else float("nan")


def _check_confidence(confidence: Any) -> float:
    if not 0.9 < _number(confidence) < 1:
        raise ParameterError("confidence", confidence,
                             "indicare un livello tra 0,9 e 1 esclusi, ad esempio 0.95 o 0.998 (non 95)")
    return float(confidence)


def _check_multiplier(multiplier: Any) -> float:
    m = _number(multiplier)
    if not (np.isfinite(m) and m > 0):
        raise ParameterError("multiplier", multiplier, "usare un numero positivo, ad esempio 100 o 1000")
    return m


def _z(confidence: float) -> float:
    return float(st.norm.ppf(0.5 + confidence / 2))


def _statistic(statistic: str, allowed: tuple[str, ...]) -> str:
    stat = _STATISTICS.get(str(statistic).strip().lower())
    if stat not in allowed:
        raise ParameterError("statistic", statistic, "valori ammessi: " + ", ".join(allowed))
    return stat


def _check_not_above(x: np.ndarray, n: np.ndarray) -> None:
    """Raise when a proportion's numerator exceeds a positive denominator (n = 0 gives NaN, not an error)."""
    above = (x > n) & (n > 0)
    if above.any():
        i = np.flatnonzero(above.ravel())[0]
        xi, ni = _val(x.ravel()[i]), _val(n.ravel()[i])
        where = f" (posizione {i})" if above.size > 1 else ""
        raise ParameterError("x", xi, f"il numeratore {xi} supera il denominatore {ni}{where}: "
                             "una proporzione non può superare 1")


def _byar(x: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximate Poisson limits for a count x (used for x >= 10)."""
    with np.errstate(all="ignore"):
        x1 = x + 1
        return (x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3,
                x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3)


def _exact_poisson(x: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-square) Poisson limits for x, leaving `tail` probability each side."""
    with np.errstate(all="ignore"):
        lower = np.where(x > 0, st.chi2.ppf(tail, 2 * x) / 2, 0.0)
        upper = st.chi2.ppf(1 - tail, 2 * x + 2) / 2
    return np.where(np.isnan(x), np.nan, lower), upper


@lru_cache(maxsize=32)
def _exact_table(tail: float) -> tuple[np.ndarray, np.ndarray]:
    return _exact_poisson(np.arange(10, dtype=float), tail)


def _poisson_limits(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits of a count: exact Poisson when x < 10, Byar when x >= 10."""
    flat = np.asarray(x, dtype=float).ravel()
    lower, upper = _byar(flat, _z(confidence))
    small = flat < 10
    if small.any():
        xs, tail = flat[small], (1 - confidence) / 2
        integer = xs == np.floor(xs)  # the usual case: look the 10 answers up
        lo_s, hi_s = np.empty_like(xs), np.empty_like(xs)
        k = xs[integer].astype(int)
        lo_s[integer], hi_s[integer] = (col[k] for col in _exact_table(tail))
        lo_s[~integer], hi_s[~integer] = _exact_poisson(xs[~integer], tail)
        lower[small], upper[small] = lo_s, hi_s
    return lower.reshape(np.shape(x)), upper.reshape(np.shape(x))


def _scaled(values: tuple[np.ndarray, ...], denominator: np.ndarray, mult: float) -> Estimate:
    """Counts divided by a denominator (0 or NaN gives NaN) and multiplied."""
    with np.errstate(all="ignore"):
        scale = np.where(denominator > 0, mult / denominator, np.nan)
    return Estimate(*(_out(v * scale) for v in values))


# ---------------------------------------------------------------- intervals
def proportion_ci(x: Any, n: Any, confidence: float = 0.95) -> Interval:
    """Wilson score interval for the proportion x/n, as `Interval(lower, upper)`.

    x = 0 gives lower 0; x = n gives upper 1; n = 0 or NaN gives NaN
    (whatever x is); x > n > 0 raises `ParameterError`.
    """
    _same_index(x=x, n=n)
    z = _z(_check_confidence(confidence))
    x, n = np.broadcast_arrays(_counts(x, "x"), _counts(n, "n"))
    _check_not_above(x, n)
    with np.errstate(all="ignore"):
        z2 = z * z
        root, den = z * np.sqrt(z2 + 4 * x * (1 - x / n)), 2 * (n + z2)
        lower = np.where(x == 0, 0.0, np.clip((2 * x + z2 - root) / den, 0, 1))
        upper = np.where(x == n, 1.0, np.clip((2 * x + z2 + root) / den, 0, 1))
    usable = n > 0
    return Interval(_out(np.where(usable, lower, np.nan)), _out(np.where(usable, upper, np.nan)))


def rate_ci(x: Any, n: Any, confidence: float = 0.95, multiplier: float = 1000) -> Estimate:
    """Crude rate x/n × multiplier with Poisson limits, as `Estimate(value, lower, upper)`.

    Exact (chi-square) limits when x < 10, Byar's when x >= 10 (see
    `rate_method`).  n = 0 or NaN gives NaN; x = 0 gives lower 0.
    """
    _same_index(x=x, n=n)
    conf, mult = _check_confidence(confidence), _check_multiplier(multiplier)
    x, n = np.broadcast_arrays(_counts(x, "x"), _counts(n, "n"))
    return _scaled((x, *_poisson_limits(x, conf)), n, mult)


def rate_method(x: Any) -> Any:
    """Name of the interval method `rate_ci` uses for count x."""
    x = _floats(x, "x")
    return _out(np.where(np.isnan(x), "non calcolabile", np.where(x < 10, "poisson esatto", "byar")))


# ---------------------------------------------------------------- standardisation
def dsr(counts: Any, populations: Any, standard: Any, confidence: float = 0.95,
        multiplier: float = 100000) -> StandardisedRate:
    """Directly standardised rate per `multiplier` with Dobson limits.

    `counts` and `populations` have the age bands on the last axis (1-D for
    one unit, 2-D units × bands); `standard` has one weight per band (e.g.
    `ESP2013`).  A band with population 0 and no events contributes 0.  The
    result is NaN with a `reason` ('' otherwise) when data are missing, the
    population is 0, events fall in a band of population 0, or the total
    count O is below 10 (not published).
    """
    _same_index(counts=counts, populations=populations)
    conf, mult = _check_confidence(confidence), _check_multiplier(multiplier)
    x, n, w = _counts(counts, "counts"), _counts(populations, "populations"), _counts(standard, "standard")
    if w.ndim != 1 or x.shape[-1:] != w.shape or n.shape[-1:] != w.shape or not (np.isfinite(w).all() and w.sum() > 0):
        raise ParameterError("standard", f"{w.size} fasce",
                             "servono pesi validi per le stesse fasce d'età di conteggi e popolazioni")
    x, n = np.broadcast_arrays(x, n)
    with np.errstate(all="ignore"):
        empty = (n == 0) & (x == 0)
        value = (w * np.where(empty, 0.0, x / n)).sum(-1) / w.sum()
        var = (w ** 2 * np.where(empty, 0.0, x / n ** 2)).sum(-1) / w.sum() ** 2
        observed = x.sum(-1)
        k = np.sqrt(var / observed)
        lower, upper = (value + k * (limit - observed) for limit in _byar(observed, _z(conf)))
    reasons = {"non calcolabile: dati mancanti": np.isnan(x).any(-1) | np.isnan(n).any(-1),
               "non calcolabile: popolazione nulla": n.sum(-1) == 0,
               "non calcolabile: eventi in una fascia con popolazione zero": ((n == 0) & (x > 0)).any(-1),
               "non calcolabile: meno di 10 eventi osservati": observed < 10}
    reason = np.select(list(reasons.values()), list(reasons), "")
    parts = (np.where(reason == "", a * mult, np.nan) for a in (value, lower, upper))
    return StandardisedRate(*(_out(a) for a in parts), _out(reason))


def isr(counts: Any, populations: Any, ref_counts: Any, ref_populations: Any,
        confidence: float = 0.95, multiplier: float = 1) -> Estimate:
    """Indirectly standardised ratio O/E × multiplier, as `Estimate(value, lower, upper)`.

    E = Σ(reference rate × population) over the bands, which are the last axis
    of `populations` (1-D or units × bands).  `counts` is either per band
    (same shape as `populations`) or the unit's total (one axis fewer).  The
    limits are those of O (exact < 10, Byar >= 10) divided by E; E = 0 gives NaN.
    """
    _same_index(counts=counts, populations=populations)
    _same_index(ref_counts=ref_counts, ref_populations=ref_populations)
    conf, mult = _check_confidence(confidence), _check_multiplier(multiplier)
    n, x = _counts(populations, "populations"), _counts(counts, "counts")
    rc, rn = np.broadcast_arrays(_counts(ref_counts, "ref_counts"), _counts(ref_populations, "ref_populations"))
    per_band = x.ndim == n.ndim and x.shape[-1:] == n.shape[-1:]
    if n.ndim == 0 or rc.shape[-1:] != n.shape[-1:] or not (per_band or x.ndim == n.ndim - 1):
        raise ParameterError("ref_populations", f"{rn.size} fasce",
                             "conteggi, popolazioni e dati di riferimento devono avere le stesse fasce d'età")
    if ((rn == 0) & (rc > 0)).any():
        raise ParameterError("ref_populations", 0, "una fascia di riferimento ha eventi ma popolazione zero")
    with np.errstate(all="ignore"):
        expected = (np.where(rn > 0, rc / rn, 0.0) * n).sum(-1)
    observed, expected = np.broadcast_arrays(x.sum(-1) if per_band else x, expected)
    return _scaled((observed, *_poisson_limits(observed, conf)), expected, mult)


# ---------------------------------------------------------------- funnel plots
def _counts_on_limits(expected: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
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


def _poisson_tails(x: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(X <= x) and P(X >= x) for X ~ Poisson(expected), continuous in x (exact for whole counts)."""
    with np.errstate(all="ignore"):
        low = special.gammaincc(x + 1, expected)
        high = np.where(x > 0, special.gammainc(np.where(x > 0, x, 1.0), expected), 1.0)
    return low, high


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
    _same_index(mean=mean, denominators=denominators)
    stat, mult = _statistic(statistic, ("proportion", "rate", "ratio")), _check_multiplier(multiplier)
    mean, n = np.broadcast_arrays(_counts(mean, "mean"), _counts(denominators, "denominators"))
    if stat == "proportion" and (mean > mult).any():
        raise ParameterError("mean", _val(mean.max()), "la proporzione media non può superare 1 (× multiplier)")
    limits = {}
    with np.errstate(all="ignore"):
        for key, tail in FUNNEL_TAILS.items():
            if stat == "proportion":
                pbar = mean / mult
                half = st.norm.ppf(1 - tail) * np.sqrt(pbar * (1 - pbar) / n)
                pair = (np.clip(pbar - half, 0, 1) * mult, np.clip(pbar + half, 0, 1) * mult)
            else:
                pair = (c * mult / n for c in _counts_on_limits(mean * n / mult, tail))
            limits[key] = [np.where(n > 0, a, np.nan) for a in pair]
    (lo2, hi2), (lo3, hi3) = limits["2sd"], limits["3sd"]
    return FunnelLimits(*(_out(a) for a in (mean, lo3, lo2, hi2, hi3)))


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
    _same_index(x=x, n=n, mean=mean)
    stat, mult = _statistic(statistic, ("proportion", "rate", "ratio")), _check_multiplier(multiplier)
    x, n = np.broadcast_arrays(_counts(x, "x"), _counts(n, "n"))
    if stat == "proportion":
        _check_not_above(x, n)
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
            expected = _counts(mean, "mean") * n / mult
            low, high = _poisson_tails(x, expected)
            t2, t3 = FUNNEL_TAILS["2sd"], FUNNEL_TAILS["3sd"]
            above3, above2, below3, below2 = high < t3, high < t2, low < t3, low < t2
            ok &= ~np.isnan(expected)
        codes = np.select([~ok, above3, above2, below3, below2],
                          ["not_assessable", "above_3sd", "above_2sd", "below_3sd", "below_2sd"], "within")
    if italian:
        codes = np.select([codes == c for c in FUNNEL_LABELS], list(FUNNEL_LABELS.values()), "")
    return _out(codes)


# ---------------------------------------------------------------- trends
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
    return Trend(_out(nan), _out(nan.copy()), _out(np.zeros(rows, bool)), _out(np.full(rows, "n/a")),
                 _out(text), _out(text))


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
    _same_index(values=values, lower=lower, upper=upper)
    v, lo, hi = np.broadcast_arrays(_floats(values, "values"), _floats(lower, "lower"), _floats(upper, "upper"))
    if v.ndim not in (1, 2):
        raise ParameterError("values", f"{v.ndim} dimensioni", "usare una serie (1-D) o una tabella unità × anni")
    count, rows = v.shape[-1], v.shape[:-1]
    yrs = np.arange(count, dtype=float) if years is None else _floats(years, "years")
    if yrs.shape != (count,) or np.unique(yrs).size != count:
        raise ParameterError("years", years, f"servono {count} anni distinti, uno per ciascun valore")
    order = np.argsort(yrs)[-TREND_POINTS:]
    if count < TREND_POINTS:
        return _trend_na(rows, f"servono {TREND_POINTS} anni consecutivi, disponibili {count}")
    if not np.all(np.diff(yrs[order]) == 1):
        listed = ", ".join(str(_val(y)) for y in yrs[order])
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
    stable = np.ones(rows, dtype=bool)
    for i in range(TREND_POINTS):
        keep = np.arange(TREND_POINTS) != i
        flipped = (_wls_slope(y[..., keep], w[..., keep], t[keep])[0] < 0) != (slope < 0)
        stable &= ~flipped
        dropped = f"l'anno {_val(yrs[order][i])}" if years is not None else f"il punto {i + 1} di 5"
        reason = np.where(high & flipped & (reason == ""), f"pendenza instabile: cambia segno togliendo {dropped}",
                          reason)
    significant = high & stable
    direction = np.select([~usable, slope > 0, slope < 0], ["n/a", "up", "down"], "flat")
    verdict = np.select([~usable, significant & (slope > 0), significant & (slope < 0)],
                        [reason, "in aumento", "in diminuzione"], "nessuna variazione significativa")
    nan = np.where(usable, 0.0, np.nan)
    return Trend(_out(slope + nan), _out(chi + nan), _out(significant), _out(direction), _out(verdict), _out(reason))


# ---------------------------------------------------------------- benchmarking
def _check_ordered(lower: np.ndarray, upper: np.ndarray) -> None:
    """Raise when a lower confidence limit is above its upper limit."""
    swapped = lower > upper
    if swapped.any():
        i = int(np.flatnonzero(swapped.ravel())[0])
        lo, hi = _val(lower.ravel()[i]), _val(upper.ravel()[i])
        where = f" in posizione {i}" if swapped.size > 1 else ""
        raise ParameterError("lower", lo, f"il limite inferiore {lo}{where} supera il limite superiore {hi}: "
                             "controllare che i limiti non siano scambiati (lower, poi upper)")


def benchmark(value: Any, lower: Any, upper: Any, comparator: Any, polarity: str) -> Any:
    """Compare units with a comparator: 'migliore', 'simile', 'peggiore' or 'non confrontabile'.

    'simile' when the comparator lies inside [lower, upper] (limits included),
    otherwise better/worse by `polarity`: 'high_is_good' / 'alto_meglio' or
    'low_is_good' / 'basso_meglio'.  Pass the 95% limits for the usual
    comparison, the 99.8% ones for the stricter one.  Missing inputs, or
    polarity 'neutral' / 'neutro', give 'non confrontabile'.  A lower limit
    above its upper limit raises `ParameterError` naming the position.
    """
    _same_index(value=value, lower=lower, upper=upper, comparator=comparator)
    key = str(polarity).strip().lower()
    if key not in _POLARITIES:
        raise ParameterError("polarity", polarity, "valori ammessi: " + ", ".join(_POLARITIES))
    pol = _POLARITIES[key]
    value, lower, upper, comp = np.broadcast_arrays(*(_floats(a, name) for a, name in (
        (value, "value"), (lower, "lower"), (upper, "upper"), (comparator, "comparator"))))
    _check_ordered(lower, upper)
    valid = np.isfinite(value) & np.isfinite(lower) & np.isfinite(upper) & np.isfinite(comp) & (pol is not None)
    higher, below = lower > comp, upper < comp
    better, worse = (higher, below) if pol == "high" else (below, higher)
    return _out(np.select([~valid, better, worse], ["non confrontabile", "migliore", "peggiore"], "simile"))


# ---------------------------------------------------------------- tables
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
    stat, conf = _statistic(statistic, ("proportion", "rate")), _check_confidence(confidence)
    mult = _check_multiplier((1 if stat == "proportion" else 1000) if multiplier is None else multiplier)
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    for name, col in [("x", x), ("n", n)] + [("by", k) for k in keys]:
        if col not in df.columns:
            raise ParameterError(name, col, "colonne disponibili: " + ", ".join(map(str, df.columns)))
    num, den = _counts(df[x], x), _counts(df[n], n)
    frame = df[keys].reset_index(drop=True).assign(_x=num, _n=den, _missing=np.isnan(num) | np.isnan(den))
    groups = frame.groupby(keys or np.zeros(len(frame)), dropna=False, sort=True, observed=True)
    sums = groups[["_x", "_n"]].sum()
    sums.loc[groups["_missing"].any().to_numpy()] = np.nan
    out = (sums.reset_index() if keys else sums.reset_index(drop=True)).rename(
        columns={"_x": "numerator", "_n": "denominator"})
    xs, ns = out["numerator"].to_numpy(float), out["denominator"].to_numpy(float)
    above = (xs > ns) & (ns > 0)  # an empty denominator gives NaN, as everywhere in this module
    if stat == "proportion" and above.any():
        i = int(np.flatnonzero(above)[0])
        group = ", ".join(f"{k} = {out.loc[i, k]}" for k in keys) or "tutta la tabella"
        raise ParameterError(x, _val(xs[i]), f"nel gruppo {group} il numeratore {_val(xs[i])} supera il "
                             f"denominatore {_val(ns[i])}: una proporzione non può superare 1")
    if stat == "proportion":
        with np.errstate(all="ignore"):
            value = np.where(ns > 0, xs / ns * mult, np.nan)
        lower, upper = (a * mult for a in proportion_ci(xs, ns, conf))
        method = np.where(np.isnan(value), "non calcolabile", "wilson")
    else:
        value, lower, upper = rate_ci(xs, ns, conf, mult)
        method = np.where(np.isnan(value), "non calcolabile", rate_method(xs))
    return out.assign(value=value, lower=lower, upper=upper, method=method, confidence=conf)
