"""The specification of a protection request: `protect`'s arguments checked and turned into a `Spec`.

`build_spec` checks every argument against the table (a `ParameterError` in Italian names the
argument, the value and the fix) in both modes, so that mistakes show up while exploring.  It
also recognises the total rows of each margin dimension, by label (`DEFAULT_TOTAL_LABELS` or
`total_label`, compared ignoring case and surrounding spaces) or by a boolean mask, and refuses
a total row that is not declared in `groups`, because it would reveal the hidden cells next to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pianozona.errors import ParameterError
from pianozona.privacy.markers import DEFAULT_THRESHOLD

__all__ = ["DEFAULT_TOTAL_LABELS", "Spec", "build_spec"]

DEFAULT_TOTAL_LABELS: tuple[str, ...] = (
    "Totale",
    "Totale distretto",
    "Totale ambito",
    "Totale zona",
    "Totale generale",
)


@dataclass
class Spec:
    """A checked request: what to protect and how the table's cells and totals are identified.

    `counts` are the count columns (their checked values, float with NaN for missing, in
    `values`); `derived` maps a derived column to the counts it is built on; `keys` identify a
    cell (a total-mask column is not a key); `groups` are the dimensions with published margins
    and `total_masks` marks, per dimension, the rows that are its totals.
    """

    counts: list[str]
    derived: dict[str, list[str]]
    keys: list[str]
    groups: list[str]
    total_masks: dict[str, np.ndarray] = field(default_factory=dict)
    values: dict[str, np.ndarray] = field(default_factory=dict)
    threshold: int = DEFAULT_THRESHOLD


def build_spec(data: Any, *, counts: Any, derived: Any, keys: Any, groups: Any, total_label: Any,
               total_mask: Any, threshold: Any) -> Spec:
    """Check `protect`'s arguments (see its docstring) and return the `Spec`; ParameterError if unusable."""
    _check_table_and_threshold(data, threshold)
    count_cols = _count_columns(data, counts)
    values = {col: _count_values(data, col) for col in count_cols}
    derived_map = _derived_columns(data, derived, count_cols)
    group_cols = [] if groups is None else _as_list(groups, "groups")
    key_cols = _key_columns(data, keys, group_cols, set(count_cols) | set(derived_map))
    _check_groups(groups, group_cols, key_cols)
    labels_for, all_labels = _total_labels(total_label, group_cols)
    masks, mask_columns = _explicit_masks(data, total_mask, group_cols)
    masks.update(_label_masks(data, group_cols, labels_for, masks))
    key_cols = [k for k in key_cols if k not in mask_columns]
    _check_unique_keys(data, key_cols)
    _check_undeclared_totals(data, key_cols, group_cols, set(count_cols) | set(derived_map), all_labels)
    return Spec(count_cols, derived_map, key_cols, group_cols, masks, values, int(threshold))


# ---------------------------------------------------------------------------
# counts, derived values, keys and groups


def _as_list(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ParameterError(name, value, "indicare il nome di una colonna o un elenco di nomi di colonna")


def _check_columns(data: pd.DataFrame, names: list[str], param: str) -> None:
    for name in names:
        if name not in data.columns:
            raise ParameterError(
                param, name,
                f"la colonna '{name}' non è nella tabella; colonne presenti: {', '.join(map(str, data.columns))}",
            )


def _check_table_and_threshold(data: Any, threshold: Any) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data", type(data).__name__, "passare una tabella (pandas DataFrame) in formato lungo")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ParameterError("threshold", threshold,
                             f"indicare una soglia intera maggiore o uguale a 1 (predefinita {DEFAULT_THRESHOLD}: "
                             f"si nascondono i valori da 1 a {DEFAULT_THRESHOLD})")


def _count_columns(data: pd.DataFrame, counts: Any) -> list[str]:
    count_cols = _as_list(counts, "counts")
    if not count_cols:
        raise ParameterError("counts", counts, "indicare almeno una colonna di conteggi, ad esempio counts='utenti'")
    if len(set(count_cols)) != len(count_cols):
        raise ParameterError("counts", counts, "ogni colonna di conteggi va indicata una sola volta")
    _check_columns(data, count_cols, "counts")
    return count_cols


def _count_values(data: pd.DataFrame, col: str) -> np.ndarray:
    """Counts as float (NaN for missing); ParameterError unless whole and >= 0."""
    series = data[col]
    if pd.api.types.is_bool_dtype(series.dtype):
        raise ParameterError(col, str(series.dtype),
                             f"la colonna '{col}' deve contenere conteggi (numeri interi), non valori vero/falso")
    numbers = pd.to_numeric(series, errors="coerce")
    bad = numbers.isna() & series.notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise ParameterError(col, series.iloc[pos],
                             f"la colonna '{col}' deve contenere conteggi numerici (riga {pos + 1} della tabella)")
    values = numbers.to_numpy(dtype=float, na_value=np.nan)
    finite = ~np.isnan(values)
    negative = finite & (values < 0)
    if negative.any():
        pos = int(np.flatnonzero(negative)[0])
        raise ParameterError(col, series.iloc[pos],
                             f"i conteggi della colonna '{col}' non possono essere negativi "
                             f"(riga {pos + 1} della tabella)")
    fractional = finite & (values != np.round(values))
    if fractional.any() or np.isinf(values).any():
        pos = int(np.flatnonzero(fractional | np.isinf(values))[0])
        raise ParameterError(col, series.iloc[pos],
                             f"i conteggi della colonna '{col}' devono essere numeri interi "
                             f"(riga {pos + 1} della tabella)")
    return values


def _derived_columns(data: pd.DataFrame, derived: Any, count_cols: list[str]) -> dict[str, list[str]]:
    derived_map: dict[str, list[str]] = {}
    if derived is None:
        return derived_map
    if not isinstance(derived, Mapping):
        raise ParameterError("derived", derived,
                             "indicare un dizionario colonna derivata -> conteggio, es. {'tasso': 'utenti'}")
    for col, bases in derived.items():
        _check_columns(data, [col], "derived")
        if col in count_cols:
            raise ParameterError("derived", col, f"'{col}' è già tra i conteggi: non può essere anche derivata")
        base_list = _as_list(bases, "derived")
        for base in base_list:
            if base not in count_cols:
                raise ParameterError("derived", base,
                                     f"la colonna '{col}' dipende da '{base}', che non è tra i conteggi "
                                     f"({', '.join(count_cols)}): aggiungerla a counts")
        derived_map[col] = base_list
    return derived_map


def _key_columns(data: pd.DataFrame, keys: Any, group_cols: list[str], values: set[str]) -> list[str]:
    """The key columns; `values` are the count and derived columns, which cannot be keys."""
    if keys is None:
        if group_cols:
            raise ParameterError("keys", None,
                                 "con groups indicare anche le colonne che identificano una cella, "
                                 "es. keys=['anno', 'comune', 'area']")
        return []
    key_cols = _as_list(keys, "keys")
    _check_columns(data, key_cols, "keys")
    for col in key_cols:
        if col in values:
            raise ParameterError("keys", col, f"'{col}' è un conteggio o un valore derivato, non una chiave")
    return key_cols


def _check_groups(groups: Any, group_cols: list[str], key_cols: list[str]) -> None:
    for col in group_cols:
        if col not in key_cols:
            raise ParameterError("groups", col, f"'{col}' deve essere anche in keys ({', '.join(key_cols)})")
    if len(set(group_cols)) != len(group_cols):
        raise ParameterError("groups", groups, "ogni dimensione va indicata una sola volta")


def _check_unique_keys(data: pd.DataFrame, key_cols: list[str]) -> None:
    if not key_cols:
        return
    dup = data.duplicated(subset=key_cols, keep=False).to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        example = ", ".join(f"{col}={data[col].iloc[pos]!r}" for col in key_cols)
        raise ParameterError(
            "keys", example,
            "più righe hanno le stesse chiavi: aggregare i dati o aggiungere a keys la colonna che le distingue",
        )


# ---------------------------------------------------------------------------
# total rows: labels, masks, and totals that are not declared


def _label_set(labels: Any, name: str) -> set[str]:
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, Sequence) or not labels or not all(isinstance(x, str) for x in labels):
        raise ParameterError(name, labels, "indicare l'etichetta dei totali, ad esempio 'Totale distretto'")
    return {x.strip().casefold() for x in labels}


def _total_labels(total_label: Any, group_cols: list[str]) -> tuple[dict[str, set[str]], set[str]]:
    """The labels of the total rows of each dimension, and every label in use (for the scan)."""
    default_labels = {x.casefold() for x in DEFAULT_TOTAL_LABELS}
    labels_for: dict[str, set[str]] = {}
    all_labels = set(default_labels)
    if total_label is None:
        labels_for = {g: default_labels for g in group_cols}
    elif isinstance(total_label, Mapping):
        for dim, lab in total_label.items():
            if dim not in group_cols:
                raise ParameterError("total_label", dim, f"'{dim}' non è tra le dimensioni di groups ({group_cols})")
            labels_for[dim] = _label_set(lab, "total_label")
            all_labels |= labels_for[dim]
        for g in group_cols:
            labels_for.setdefault(g, default_labels)
    else:
        lab = _label_set(total_label, "total_label")
        labels_for = {g: lab for g in group_cols}
        all_labels |= lab
    return labels_for, all_labels


def _matches(series: pd.Series, labels: set[str]) -> np.ndarray:
    text = series.astype("string").str.strip().str.casefold()
    return text.isin(labels).fillna(False).to_numpy(dtype=bool)


def _is_text(series: pd.Series) -> bool:
    return (pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)
            or isinstance(series.dtype, pd.CategoricalDtype))


def _looks_total(series: pd.Series) -> np.ndarray:
    """Values such as 'Totale', 'TOTALE AMBITO', 'totale comuni'."""
    if not _is_text(series):
        return np.zeros(len(series), dtype=bool)
    text = series.astype("string").str.strip().str.casefold()
    return text.str.startswith("totale").fillna(False).to_numpy(dtype=bool)


def _explicit_masks(data: pd.DataFrame, total_mask: Any,
                    group_cols: list[str]) -> tuple[dict[str, np.ndarray], set[str]]:
    """The masks given with `total_mask`, per dimension, and the mask columns (not keys)."""
    masks: dict[str, np.ndarray] = {}
    mask_columns: set[str] = set()
    if total_mask is None:
        return masks, mask_columns
    if not group_cols:
        raise ParameterError("total_mask", "maschera", "indicare anche groups: la dimensione di cui sono totali")
    if isinstance(total_mask, Mapping):
        items = list(total_mask.items())
        for dim, _ in items:
            if dim not in group_cols:
                raise ParameterError("total_mask", dim, f"'{dim}' non è tra le dimensioni di groups ({group_cols})")
    else:
        if len(group_cols) != 1:
            raise ParameterError("total_mask", "maschera unica",
                                 "con più dimensioni indicare un dizionario dimensione -> maschera")
        items = [(group_cols[0], total_mask)]
    for dim, mask in items:
        masks[dim], column = _mask_values(data, mask, dim)
        if column is not None:
            mask_columns.add(column)
    return masks, mask_columns


def _mask_values(data: pd.DataFrame, mask: Any, dim: str) -> tuple[np.ndarray, str | None]:
    column = None
    if isinstance(mask, str):
        _check_columns(data, [mask], "total_mask")
        column = mask
        values = data[mask]
    elif isinstance(mask, pd.Series):
        if not mask.index.equals(data.index):
            if len(mask) != len(data) or not mask.index.isin(data.index).all():
                raise ParameterError("total_mask", f"Series di {len(mask)} righe",
                                     "la maschera dei totali deve avere lo stesso indice della tabella")
            mask = mask.reindex(data.index)
        values = mask
    else:
        values = pd.Series(list(mask)) if mask is not None else None
        if values is None or len(values) != len(data):
            raise ParameterError("total_mask", type(mask).__name__,
                                 f"per '{dim}' indicare una colonna o una serie di vero/falso lunga quanto la tabella")
    if values.isna().any():
        raise ParameterError("total_mask", "(vuoto)", f"la maschera dei totali di '{dim}' contiene valori mancanti")
    try:
        as_bool = values.astype(bool).to_numpy()
    except (TypeError, ValueError) as exc:
        raise ParameterError("total_mask", str(values.dtype),
                             f"la maschera dei totali di '{dim}' deve contenere vero/falso") from exc
    return as_bool, column


def _label_masks(data: pd.DataFrame, group_cols: list[str], labels_for: dict[str, set[str]],
                 given: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The total rows, by label, of the dimensions without a `given` mask; refuses unknown 'Totale …'."""
    masks: dict[str, np.ndarray] = {}
    for g in group_cols:
        if g in given:
            continue
        masks[g] = _matches(data[g], labels_for[g])
        odd = _looks_total(data[g]) & ~masks[g]
        if odd.any():
            label = data[g].iloc[int(np.flatnonzero(odd)[0])]
            raise ParameterError(
                "total_label", label,
                f"nella colonna '{g}' il valore {label!r} sembra un totale ma non è tra le etichette "
                f"riconosciute: indicare total_label={{'{g}': {label!r}}} (o total_mask)",
            )
    return masks


def _check_undeclared_totals(data: pd.DataFrame, key_cols: list[str], group_cols: list[str],
                             values: set[str], all_labels: set[str]) -> None:
    """Refuse a column mixing total rows with other rows unless it is a declared dimension."""
    if key_cols:
        scan = [k for k in key_cols if k not in group_cols]
    else:
        scan = [c for c in data.columns if c not in values and _is_text(data[c])]
    for col in scan:
        hit = _matches(data[col], all_labels) | _looks_total(data[col])
        if hit.any() and not hit.all():
            label = data[col].iloc[int(np.flatnonzero(hit)[0])]
            raise ParameterError(
                "groups", group_cols or None,
                f"la colonna '{col}' contiene righe di totale ({label!r}) insieme ad altre righe: "
                f"aggiungere '{col}' a groups (e le colonne che identificano una cella a keys), "
                "altrimenti il totale permette di ricalcolare i valori nascosti",
            )
