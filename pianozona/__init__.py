"""pianozona: needs analysis and verification of an Italian social district's Piano di Zona.

    >>> import pianozona
    >>> pavia = pianozona.load_district("pavia")
    >>> from pianozona.analysis import indicators
    >>> indicators.demografici(pavia.popolazione, by="codice_comune")

The flow, one way down (see ARCHITECTURE.md): `pianozona.data` loads and validates,
`pianozona.analysis` computes, `pianozona.privacy` protects the counts,
`pianozona.present` draws and renders, `pianozona.publish` runs the suite and
publishes the reports.  `errors` and `formatting` are shared by all of them.
"""

from importlib.metadata import PackageNotFoundError, version

from pianozona import analysis, data, present, privacy, publish
from pianozona.data.areas import AREE, get_area
from pianozona.data.datasets import District, load_district
from pianozona.errors import DataError, ExecutionError, ParameterError, PianozonaError, ValidationError

try:
    __version__ = version("pianozona")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0+unknown"

__all__ = [
    "AREE", "District", "DataError", "ExecutionError", "ParameterError", "PianozonaError",
    "ValidationError", "analysis", "data", "get_area", "load_district", "present", "privacy", "publish",
    "__version__",
]
