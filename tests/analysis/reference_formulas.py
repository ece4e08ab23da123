"""Reference formulas for the statistics tests, written out independently of the package."""

from __future__ import annotations

import math

from scipy import stats as st

Z95 = st.norm.ppf(0.975)
Z998 = st.norm.ppf(0.999)


def wilson(x: float, n: float, z: float) -> tuple[float, float]:
    """The reference formula, written out independently of the module."""
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def byar(x: float, z: float) -> tuple[float, float]:
    lo = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    hi = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return lo, hi
