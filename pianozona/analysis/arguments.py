"""How every statistic reads and checks its arguments (the conventions of `pianozona.analysis.stats`).

* Inputs may be scalars, lists, numpy arrays or pandas Series (broadcast
  together); scalar inputs give Python scalars back (`as_output`), array
  inputs arrays.
* Missing values (NaN/None/NA) become NaN (`float_array`); a zero count is
  valid data, a negative one raises (`count_array`).
* Impossible inputs (x > n > 0 for a proportion, a confidence level outside
  (0.9, 1), unknown options) raise `ParameterError` with an Italian message
  naming the value.
* pandas inputs are never combined by position behind the user's back:
  `same_index` rejects two or more Series (or DataFrames) of one call whose
  indexes differ.  A Series next to a list or array is taken in order, as
  numpy would.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from pianozona.errors import ParameterError

_STATISTICS = {"proportion": "proportion", "proporzione": "proportion", "rate": "rate",
               "tasso": "rate", "ratio": "ratio", "rapporto": "ratio"}


def as_output(a: Any) -> Any:
    """`a` as a Python scalar when it has no dimensions, else as a numpy array."""
    a = np.asarray(a)
    return a.item() if a.ndim == 0 else a


def as_written(v: float) -> int | float:
    """A number as users wrote it (2, not 2.0) for messages."""
    return int(v) if float(v).is_integer() else float(v)


def float_array(value: Any, name: str) -> np.ndarray:
    """Float array from scalars, lists, arrays or pandas objects (NA -> NaN); `name` is the argument's."""
    try:
        if isinstance(value, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
            return value.to_numpy(dtype=float, na_value=np.nan)
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(name, value, "servono valori numerici (vuoto per i mancanti)") from exc


def same_index(**named: Any) -> None:
    """Reject pandas arguments (given by name) whose indexes differ: they would be combined by position."""
    labelled = [(name, value.index) for name, value in named.items()
                if isinstance(value, (pd.Series, pd.DataFrame))]
    for name, index in labelled[1:]:
        first, first_index = labelled[0]
        if not index.equals(first_index):
            raise ParameterError(name, f"indice di {len(index)} righe",
                                 f"'{first}' e '{name}' sono Series pandas con indici diversi: allinearle "
                                 f"prima (ad esempio {name}.reindex({first}.index)) o passare colonne della "
                                 "stessa tabella")


def count_array(value: Any, name: str) -> np.ndarray:
    """Like `float_array` but rejects negative numbers (counts, populations, weights)."""
    a = float_array(value, name)
    neg = a < 0
    if neg.any():
        raise ParameterError(name, as_written(a[neg].flat[0]),
                             "conteggi, popolazioni e pesi non possono essere negativi")
    return a


def _number(v: Any) -> float:
    ok = isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
    return float(v) if ok else float("nan")


def check_confidence(confidence: Any) -> float:
    """The confidence level as a float, strictly between 0.9 and 1 (0.95, not 95)."""
    if not 0.9 < _number(confidence) < 1:
        raise ParameterError("confidence", confidence,
                             "indicare un livello tra 0,9 e 1 esclusi, ad esempio 0.95 o 0.998 (non 95)")
    return float(confidence)


def check_multiplier(multiplier: Any) -> float:
    """The multiplier (100, 1000 …) as a positive finite float."""
    m = _number(multiplier)
    if not (np.isfinite(m) and m > 0):
        raise ParameterError("multiplier", multiplier, "usare un numero positivo, ad esempio 100 o 1000")
    return m


def z_value(confidence: float) -> float:
    """The two-sided normal quantile of a confidence level (1.96 for 0.95)."""
    return float(st.norm.ppf(0.5 + confidence / 2))


def statistic_kind(statistic: str, allowed: tuple[str, ...]) -> str:
    """'proportion', 'rate' or 'ratio' from an English or Italian name, one of `allowed`."""
    stat = _STATISTICS.get(str(statistic).strip().lower())
    if stat not in allowed:
        raise ParameterError("statistic", statistic, "valori ammessi: " + ", ".join(allowed))
    return stat


def check_not_above(x: np.ndarray, n: np.ndarray) -> None:
    """Raise when a proportion's numerator exceeds a positive denominator (n = 0 gives NaN, not an error)."""
    above = (x > n) & (n > 0)
    if above.any():
        i = np.flatnonzero(above.ravel())[0]
        xi, ni = as_written(x.ravel()[i]), as_written(n.ravel()[i])
        where = f" (posizione {i})" if above.size > 1 else ""
        raise ParameterError("x", xi, f"il numeratore {xi} supera il denominatore {ni}{where}: "
                             "una proporzione non può superare 1")
