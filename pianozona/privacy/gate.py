"""The gate every shared count goes through: `protect`, which the `pianozona.privacy` docstring explains.

`protect` checks its arguments (`spec`), builds the table's structure (`structure`), and in
publication mode (`mode`) suppresses each count column (`suppression`, complements drawn with the
secret of `keying`), hides the derived values of hidden counts, writes the flag columns
(`markers`) and reports with a `PrivacyWarning` what could not be protected.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pianozona.errors import ParameterError
from pianozona.privacy.column import HIDDEN_PRIMARY, PUBLISHED
from pianozona.privacy.keying import cell_draws, default_secret
from pianozona.privacy.markers import ATTRS_KEY, DEFAULT_THRESHOLD, FLAG_SUFFIX
from pianozona.privacy.mode import is_publish_mode
from pianozona.privacy.spec import Spec, build_spec
from pianozona.privacy.structure import Structure, build_structure
from pianozona.privacy.suppression import Suppression, suppress

__all__ = ["PrivacyWarning", "protect"]


class PrivacyWarning(UserWarning):
    """Some hidden value could not be fully protected; the message says where."""


def protect(
    data: pd.DataFrame,
    *,
    counts: str | Sequence[str],
    derived: Mapping[str, str | Sequence[str]] | None = None,
    keys: Sequence[str] | None = None,
    groups: str | Sequence[str] | None = None,
    total_label: str | Sequence[str] | Mapping[str, str | Sequence[str]] | None = None,
    total_mask: str | pd.Series | Mapping[str, str | pd.Series] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    publish: bool | None = None,
    secret: bytes | None = None,
) -> pd.DataFrame:
    """Hide small counts (and what would reveal them) before a table is shared.

    - `data`: long (tidy) table, one row per cell, e.g. columns anno, comune, area, utenti,
      tasso, lower, upper; total rows may be included.
    - `counts`: the count column(s) to protect; each is protected on its own.
    - `derived`: derived column -> the count column(s) it is built on (rates, interval limits,
      percentages); hidden wherever a base count is hidden.
    - `keys`: the columns that identify a cell (required with `groups`), e.g.
      ``["anno", "comune", "area"]``.  Other columns are carried along.
    - `groups`: the dimensions with published totals (margins), e.g. ``["comune"]`` (comuni add
      up to a district total within each anno and area) or ``["comune", "area"]`` (both
      margins).  Without it only primary suppression is applied.
    - `total_label`: value(s) marking total rows: one label or a list for every dimension, or a
      mapping dimension -> label(s).  Default `DEFAULT_TOTAL_LABELS`; compared ignoring case
      and surrounding spaces.
    - `total_mask`: instead of labels, a boolean column name / Series marking the total rows (a
      mapping dimension -> mask with several dimensions).  A mask column is not used as a key.
    - `threshold`: largest count hidden by primary suppression (default 4).
    - `publish`: True forces publication mode; None/False follow `is_publish_mode()`.
    - `secret`: the key of the complements' draw (`pianozona.privacy.keying`); the same secret
      and data always hide the same cells.  Default: `keying.default_secret()`; an office's
      reports pass their district's (`keying.district_secret`).

    Returns a copy of `data` with a ``<count>_soppresso`` (bool) column per count.  In
    publication mode hidden counts and their derived values are NaN (count columns become
    float64); in exploration mode the values are untouched and the flags False.  ``attrs["pianozona.privacy"]`` records the settings for
    `format_suppressed`.  Emits `PrivacyWarning` when a group could not be fully protected.
    Raises `ParameterError` for unusable arguments.
    """
    spec = build_spec(data, counts=counts, derived=derived, keys=keys, groups=groups,
                      total_label=total_label, total_mask=total_mask, threshold=threshold)
    out = _without_flags(data, spec.counts)
    publishing = bool(publish) or is_publish_mode()
    # built in both modes, so that a table unfit for publication fails while exploring
    structure = build_structure(data, spec) if spec.groups else None
    if publishing:
        draws = _draws(data, spec, secret) if structure is not None else None
        messages = _hide(out, spec, structure, draws)
    else:
        messages = _flag_nothing(out, spec.counts)
    for message in messages:
        warnings.warn(message, PrivacyWarning, stacklevel=2)
    out.attrs[ATTRS_KEY] = _settings(spec, publishing)
    return out


def _without_flags(data: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
    """A copy of `data` without stale flag columns; ParameterError if it already hides values."""
    out = data.copy()
    for col in counts:
        name = col + FLAG_SUFFIX
        if name in out.columns:
            if out[name].fillna(False).astype(bool).any():
                raise ParameterError(
                    "data", name,
                    "la tabella è già stata protetta (contiene valori nascosti): "
                    "chiamare protect() sui dati originali",
                )
            out = out.drop(columns=name)
    return out


def _settings(spec: Spec, publishing: bool) -> dict:
    """What `format_suppressed` (and a reader of the table) needs to know of the call."""
    return {
        "mode": "pubblicazione" if publishing else "esplorazione",
        "threshold": spec.threshold,
        "counts": list(spec.counts),
        "derived": {k: list(v) for k, v in spec.derived.items()},
        "keys": list(spec.keys),
        "groups": list(spec.groups),
    }


def _draws(data: pd.DataFrame, spec: Spec, secret: bytes | None) -> dict[str, np.ndarray]:
    """Per count column, each row's secret draw: the identity of a cell is its count and its keys."""
    keys = data[spec.keys].astype(str) if spec.keys else pd.DataFrame(index=data.index)
    cells = ["|".join(f"{k}={v}" for k, v in zip(spec.keys, row)) for row in keys.itertuples(index=False)]
    secret = default_secret() if secret is None else secret
    return {col: cell_draws(secret, [f"{col}|{cell}" for cell in cells]) for col in spec.counts}


def _flag_nothing(out: pd.DataFrame, counts: list[str]) -> list[str]:
    """Exploration: the flag columns, all False; nothing to report."""
    for col in counts:
        out[col + FLAG_SUFFIX] = np.zeros(len(out), dtype=bool)
    return []


def _hide(out: pd.DataFrame, spec: Spec, structure: Structure | None,
          draws: dict[str, np.ndarray] | None) -> list[str]:
    """Publication: suppress every count column of `out` and its derived values; the warnings to emit."""
    hidden: dict[str, np.ndarray] = {}
    problems: list[str] = []
    for col in spec.counts:
        values = spec.values[col]
        if structure is None:
            state = np.where((values > 0) & (values <= spec.threshold), HIDDEN_PRIMARY, PUBLISHED).astype(np.int8)
        else:
            result = suppress(structure, values, spec.threshold, draws[col] if draws else None)
            state = result.state[: structure.n_real]
            problems += _problems(col, result)
        hidden[col] = _write_count(out, col, values, state)
    _hide_derived(out, spec.derived, hidden)
    return _warnings(problems)


def _problems(col: str, result: Suppression) -> list[str]:
    """What could not be protected in one count column, in words."""
    problems = []
    if result.unsafe:
        problems.append(f"'{col}': {result.unsafe} celle nascoste il cui valore resta ricavabile, "
                        "o restringibile, combinando i totali")
    if result.skipped:
        problems.append(f"'{col}': verifica completa non eseguita su {result.skipped} "
                        "blocchi troppo grandi di celle nascoste collegate")
    return problems


def _write_count(out: pd.DataFrame, col: str, values: np.ndarray, state: np.ndarray) -> np.ndarray:
    """Write one suppressed count (NaN where hidden) and its flag column; return the hidden mask."""
    mask = state > 0
    numbers = values.copy()
    numbers[mask] = np.nan
    out[col] = pd.Series(numbers, index=out.index, dtype="float64")
    out[col + FLAG_SUFFIX] = mask
    return mask


def _hide_derived(out: pd.DataFrame, derived: dict[str, list[str]], hidden: dict[str, np.ndarray]) -> None:
    """Hide a derived value wherever one of its counts is hidden (integer columns become float64)."""
    for col, bases in derived.items():
        mask = np.zeros(len(out), dtype=bool)
        for base in bases:
            mask |= hidden[base]
        if not mask.any():
            continue
        series = out[col]
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_float_dtype(series.dtype):
            series = series.astype("float64")
        out[col] = series.mask(mask)


def _warnings(problems: list[str]) -> list[str]:
    """The `PrivacyWarning` messages (Italian) for what could not be protected."""
    if not problems:
        return []
    return [
        "protezione incompleta: alcuni valori nascosti restano ricavabili dai totali ("
        + "; ".join(problems)
        + "). Includere nella tabella le righe di totale (così possono essere nascoste) "
        "o pubblicare a un livello più aggregato."
    ]
