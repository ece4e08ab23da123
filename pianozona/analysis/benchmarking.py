"""Benchmarking: each unit better, similar or worse than a comparator, judged by its confidence interval."""

from __future__ import annotations

from typing import Any

import numpy as np

from pianozona.analysis.arguments import as_output, as_written, float_array, same_index
from pianozona.errors import ParameterError

_POLARITIES = {"high_is_good": "high", "alto_meglio": "high", "low_is_good": "low",
               "basso_meglio": "low", "neutral": None, "neutro": None}


def _check_ordered(lower: np.ndarray, upper: np.ndarray) -> None:
    """Raise when a lower confidence limit is above its upper limit."""
    swapped = lower > upper
    if swapped.any():
        i = int(np.flatnonzero(swapped.ravel())[0])
        lo, hi = as_written(lower.ravel()[i]), as_written(upper.ravel()[i])
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
    same_index(value=value, lower=lower, upper=upper, comparator=comparator)
    key = str(polarity).strip().lower()
    if key not in _POLARITIES:
        raise ParameterError("polarity", polarity, "valori ammessi: " + ", ".join(_POLARITIES))
    pol = _POLARITIES[key]
    value, lower, upper, comp = np.broadcast_arrays(*(float_array(a, name) for a, name in (
        (value, "value"), (lower, "lower"), (upper, "upper"), (comparator, "comparator"))))
    _check_ordered(lower, upper)
    valid = np.isfinite(value) & np.isfinite(lower) & np.isfinite(upper) & np.isfinite(comp) & (pol is not None)
    higher, below = lower > comp, upper < comp
    better, worse = (higher, below) if pol == "high" else (below, higher)
    return as_output(np.select([~valid, better, worse], ["non confrontabile", "migliore", "peggiore"], "simile"))
