"""The columns and markers of a protected table, and the display text built from them.

`protect` adds to each count two columns, ``<count>_soppresso`` (`FLAG_SUFFIX`, bool) and
``<count>_soppressione`` (`KIND_SUFFIX`: `PRIMARY`, `SECONDARY` or ``""``), and records its
settings in ``attrs[ATTRS_KEY]``.  `format_suppressed` reads them back and writes the markers:
``"< 5"`` for a primary cell (`primary_marker`), ``"n.d."`` (`SECONDARY_MARKER`) for a secondary
cell or a derived value of a hidden count; `suppression_legend` is the footnote that explains them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pianozona.errors import ParameterError

__all__ = [
    "ATTRS_KEY", "DEFAULT_THRESHOLD", "FLAG_SUFFIX", "KIND_SUFFIX", "PRIMARY", "SECONDARY",
    "SECONDARY_MARKER", "format_suppressed", "primary_marker", "suppression_legend",
]

#: Largest count hidden by primary suppression unless `threshold` says otherwise (shown as "< 5").
DEFAULT_THRESHOLD = 4
SECONDARY_MARKER = "n.d."
PRIMARY = "primaria"
SECONDARY = "secondaria"
FLAG_SUFFIX = "_soppresso"
KIND_SUFFIX = "_soppressione"
ATTRS_KEY = "pianozona.privacy"

Formatter = Callable[[Any, str], str]


def primary_marker(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The text shown for a primary-suppressed count, e.g. ``"< 5"``."""
    return f"< {threshold + 1}"


def suppression_legend(threshold: int = DEFAULT_THRESHOLD) -> str:
    """Italian footnote explaining the markers, to print under a shared table."""
    return (
        f"«{primary_marker(threshold)}»: valore compreso tra 1 e {threshold}, non mostrato per "
        "tutelare la riservatezza delle persone. "
        f"«{SECONDARY_MARKER}»: valore non mostrato perché, insieme ai totali, permetterebbe di "
        "ricalcolare un valore riservato; tassi, intervalli e percentuali calcolati su valori non "
        "mostrati sono omessi allo stesso modo."
    )


def format_suppressed(
    df: pd.DataFrame,
    *,
    derived: Mapping[str, str | Sequence[str]] | None = None,
    threshold: int | None = None,
    decimals: int = 1,
    formatter: Formatter | None = None,
) -> pd.DataFrame:
    """Display copy of a `protect` result: text with the suppression markers.

    Count columns (those with a ``<count>_soppresso`` column) become text:
    primary cells ``"< 5"`` (``f"< {threshold + 1}"``), secondary cells
    ``"n.d."``, others in Italian format (``1.234``).  Derived columns become
    ``"n.d."`` where their count is hidden, else Italian decimals
    (``12,3``).  Missing values that were not suppressed become ``""``.  The
    ``_soppresso``/``_soppressione`` columns are dropped.  `derived` and
    `threshold` default to what `protect` stored in ``df.attrs``;
    ``formatter(value, column)`` replaces the number format.
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterError("df", type(df).__name__, "passare la tabella restituita da protect()")
    meta = df.attrs.get(ATTRS_KEY, {}) or {}
    if threshold is None:
        threshold = int(meta.get("threshold", DEFAULT_THRESHOLD))
    if derived is None:
        derived = meta.get("derived", {}) or {}
    counts = _protected_counts(df)
    hidden: dict[str, np.ndarray] = {}
    out = df.copy()
    for count in counts:
        hidden[count] = df[count + FLAG_SUFFIX].fillna(False).astype(bool).to_numpy()
        out[count] = _count_texts(df, count, hidden[count], threshold, formatter)
    for col, bases in derived.items():
        if col in df.columns:
            out[col] = _derived_texts(df, col, _hidden_bases(bases, hidden, len(df)), decimals, formatter)
    drop = [c for count in counts for c in (count + FLAG_SUFFIX, count + KIND_SUFFIX) if c in out.columns]
    return out.drop(columns=drop)


def _protected_counts(df: pd.DataFrame) -> list[str]:
    """The count columns that have a flag column; ParameterError when there is none."""
    counts = [c[: -len(FLAG_SUFFIX)] for c in df.columns
              if isinstance(c, str) and c.endswith(FLAG_SUFFIX) and c[: -len(FLAG_SUFFIX)] in df.columns]
    if not counts:
        raise ParameterError(
            "df", "nessuna colonna '*_soppresso'",
            "passare la tabella restituita da protect() (le colonne di controllo non vanno tolte)",
        )
    return counts


def _count_texts(df: pd.DataFrame, count: str, flag: np.ndarray, threshold: int,
                 formatter: Formatter | None) -> pd.Series:
    """One count column as text: the marker of its kind where hidden, else the number."""
    kind_col = count + KIND_SUFFIX
    kind = df[kind_col].astype(str).to_numpy() if kind_col in df.columns else np.full(len(df), "")
    texts = []
    for value, is_hidden, k in zip(df[count].to_numpy(dtype=object), flag, kind):
        if is_hidden:
            texts.append(SECONDARY_MARKER if k == SECONDARY else primary_marker(threshold))
        elif value is None or pd.isna(value):
            texts.append("")
        elif formatter is not None:
            texts.append(formatter(value, count))
        else:
            texts.append(_it_number(float(value), 0))
    return pd.Series(texts, index=df.index, dtype=object)


def _hidden_bases(bases: str | Sequence[str], hidden: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Rows where any of the counts a derived column is built on is hidden."""
    bases = [bases] if isinstance(bases, str) else list(bases)
    mask = np.zeros(n, dtype=bool)
    for base in bases:
        if base in hidden:
            mask |= hidden[base]
    return mask


def _derived_texts(df: pd.DataFrame, col: str, mask: np.ndarray, decimals: int,
                   formatter: Formatter | None) -> pd.Series:
    """One derived column as text: ``"n.d."`` where its count is hidden, else Italian decimals."""
    texts = []
    for value, is_hidden in zip(df[col].to_numpy(dtype=object), mask):
        if is_hidden:
            texts.append(SECONDARY_MARKER)
        elif value is None or pd.isna(value):
            texts.append("")
        elif formatter is not None:
            texts.append(formatter(value, col))
        elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            texts.append(_it_number(float(value), decimals))
        else:
            texts.append(str(value))
    return pd.Series(texts, index=df.index, dtype=object)


def _it_number(value: float, decimals: int) -> str:
    """Italian digits (``1.234,5``) with Python's rounding, as the markers' tables always had."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
