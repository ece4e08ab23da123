"""The flag column of a protected table, its one marker, and the display text built from them.

`protect` adds to each count a column ``<count>_soppresso`` (`FLAG_SUFFIX`, bool) and records its
settings in ``attrs[ATTRS_KEY]``.  `format_suppressed` reads them back and writes the marker:
``"n.d."`` (`MARKER`) for every hidden cell and for a derived value of a hidden count.  One marker
for every hidden cell, as the ONS does: a reader cannot tell a small count from a complement, so
the marker itself tells an attacker nothing but "at least 1" (zeros are always published).
`suppression_legend` is the footnote that explains it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pianozona.errors import ParameterError

__all__ = [
    "ATTRS_KEY", "DEFAULT_THRESHOLD", "FLAG_SUFFIX", "MARKER", "format_suppressed", "suppression_legend",
]

#: Largest count hidden by primary suppression unless `threshold` says otherwise.
DEFAULT_THRESHOLD = 4
#: The one marker of a value that is not published (a hidden count or a value derived from one).
MARKER = "n.d."
FLAG_SUFFIX = "_soppresso"
ATTRS_KEY = "pianozona.privacy"

Formatter = Callable[[Any, str], str]


def suppression_legend(threshold: int = DEFAULT_THRESHOLD) -> str:
    """Italian footnote explaining the marker, to print under a shared table."""
    return (
        f"«{MARKER}»: valore non pubblicato per tutelare la riservatezza delle persone: un numero piccolo "
        f"(da 1 a {threshold}) oppure un valore che, insieme ai totali, permetterebbe di ricalcolarne uno. "
        "Dai valori pubblicati non si può risalire a quelli nascosti; tassi, intervalli e percentuali "
        "calcolati su valori non pubblicati sono omessi allo stesso modo."
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
    hidden cells ``"n.d."`` (`MARKER`), others in Italian format
    (``1.234``).  Derived columns become ``"n.d."`` where their count is
    hidden, else Italian decimals (``12,3``).  Missing values that were not
    suppressed become ``""``.  The ``_soppresso`` columns are dropped.
    `derived` defaults to what `protect` stored in ``df.attrs``; `threshold`
    is accepted for compatibility (the marker does not depend on it);
    ``formatter(value, column)`` replaces the number format.
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterError("df", type(df).__name__, "passare la tabella restituita da protect()")
    meta = df.attrs.get(ATTRS_KEY, {}) or {}
    if derived is None:
        derived = meta.get("derived", {}) or {}
    counts = _protected_counts(df)
    hidden: dict[str, np.ndarray] = {}
    out = df.copy()
    for count in counts:
        hidden[count] = df[count + FLAG_SUFFIX].fillna(False).astype(bool).to_numpy()
        out[count] = _count_texts(df, count, hidden[count], formatter)
    for col, bases in derived.items():
        if col in df.columns:
            out[col] = _derived_texts(df, col, _hidden_bases(bases, hidden, len(df)), decimals, formatter)
    drop = [count + FLAG_SUFFIX for count in counts if count + FLAG_SUFFIX in out.columns]
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


def _count_texts(df: pd.DataFrame, count: str, flag: np.ndarray, formatter: Formatter | None) -> pd.Series:
    """One count column as text: the marker where hidden, else the number."""
    texts = []
    for value, is_hidden in zip(df[count].to_numpy(dtype=object), flag):
        if is_hidden:
            texts.append(MARKER)
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
            texts.append(MARKER)
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
