"""pianozona: needs analysis and verification of an Italian social district's Piano di Zona.

    >>> import pianozona
    >>> pavia = pianozona.load_district("pavia")
    >>> pianozona.indicators.demografici(pavia.popolazione, by="codice_comune")
"""

from importlib.metadata import PackageNotFoundError, version

from . import indicators
from .areas import AREE, get_area
from .datasets import District, load_district
from .errors import DataError, ExecutionError, ParameterError, PianozonaError, ValidationError

try:
    __version__ = version("pianozona")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0+unknown"

__all__ = [
    "AREE", "District", "DataError", "ExecutionError", "ParameterError", "PianozonaError",
    "ValidationError", "get_area", "indicators", "load_district", "__version__",
]
