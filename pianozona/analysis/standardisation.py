"""Age standardisation: the directly standardised rate (Dobson limits) and the indirectly standardised ratio."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from pianozona.analysis.arguments import (as_output, check_confidence, check_multiplier, count_array, same_index,
                                          z_value)
from pianozona.analysis.intervals import Estimate, scaled
from pianozona.analysis.poisson import byar, poisson_limits
from pianozona.errors import ParameterError

#: European Standard Population 2013, 19 five-year bands 0-4 ... 85-89, 90+.
ESP2013 = np.array([5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
                    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000], dtype=float)
ESP2013.setflags(write=False)
ESP2013_BANDS = tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)) + ("90+",)


class StandardisedRate(NamedTuple):
    """A DSR with limits; `reason` is '' when published, else why it is NaN."""
    value: Any
    lower: Any
    upper: Any
    reason: Any


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
    same_index(counts=counts, populations=populations)
    conf, mult = check_confidence(confidence), check_multiplier(multiplier)
    x, n = count_array(counts, "counts"), count_array(populations, "populations")
    w = count_array(standard, "standard")
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
        lower, upper = (value + k * (limit - observed) for limit in byar(observed, z_value(conf)))
    reasons = {"non calcolabile: dati mancanti": np.isnan(x).any(-1) | np.isnan(n).any(-1),
               "non calcolabile: popolazione nulla": n.sum(-1) == 0,
               "non calcolabile: eventi in una fascia con popolazione zero": ((n == 0) & (x > 0)).any(-1),
               "non calcolabile: meno di 10 eventi osservati": observed < 10}
    reason = np.select(list(reasons.values()), list(reasons), "")
    parts = (np.where(reason == "", a * mult, np.nan) for a in (value, lower, upper))
    return StandardisedRate(*(as_output(a) for a in parts), as_output(reason))


def isr(counts: Any, populations: Any, ref_counts: Any, ref_populations: Any,
        confidence: float = 0.95, multiplier: float = 1) -> Estimate:
    """Indirectly standardised ratio O/E × multiplier, as `Estimate(value, lower, upper)`.

    E = Σ(reference rate × population) over the bands, which are the last axis
    of `populations` (1-D or units × bands).  `counts` is either per band
    (same shape as `populations`) or the unit's total (one axis fewer).  The
    limits are those of O (exact < 10, Byar >= 10) divided by E; E = 0 gives NaN.
    """
    same_index(counts=counts, populations=populations)
    same_index(ref_counts=ref_counts, ref_populations=ref_populations)
    conf, mult = check_confidence(confidence), check_multiplier(multiplier)
    n, x = count_array(populations, "populations"), count_array(counts, "counts")
    rc, rn = np.broadcast_arrays(count_array(ref_counts, "ref_counts"),
                                 count_array(ref_populations, "ref_populations"))
    per_band = x.ndim == n.ndim and x.shape[-1:] == n.shape[-1:]
    if n.ndim == 0 or rc.shape[-1:] != n.shape[-1:] or not (per_band or x.ndim == n.ndim - 1):
        raise ParameterError("ref_populations", f"{rn.size} fasce",
                             "conteggi, popolazioni e dati di riferimento devono avere le stesse fasce d'età")
    if ((rn == 0) & (rc > 0)).any():
        raise ParameterError("ref_populations", 0, "una fascia di riferimento ha eventi ma popolazione zero")
    with np.errstate(all="ignore"):
        expected = (np.where(rn > 0, rc / rn, 0.0) * n).sum(-1)
    observed, expected = np.broadcast_arrays(x.sum(-1) if per_band else x, expected)
    return scaled((observed, *poisson_limits(observed, conf)), expected, mult)
