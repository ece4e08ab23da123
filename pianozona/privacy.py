"""Small-number protection: the one gate every shared table and chart goes through.

Reports shared with mayors must not let anyone recognise a person
(shared/reference/indicators.md, "Small numbers").  `protect` applies:

* **Primary suppression** - a count from 1 to `threshold` (default 4) is
  hidden and shown as ``"< 5"`` (in general ``f"< {threshold + 1}"``).
  Zero stays 0: it is published and never counts as protecting anything.
* **Secondary suppression** - where a published total (row, column or
  both) would let a hidden value be recomputed, further cells are hidden and
  shown as ``"n.d."``.  The complement is the smallest non-zero published
  count of the group (ties broken by the sorted key values, so the same data
  in a different row order gives the same result); the total itself is hidden
  only when the group has nothing else to hide.  Passes repeat over rows and
  columns until stable.
* **Derived values** - rates, intervals and percentages built on a hidden
  count (`derived=`) are hidden with it.

What "cannot be recomputed" means here.  The attacker is assumed to know the
method: every published total and cell, that zeros are shown, that a primary
cell is between 1 and `threshold` and that a secondary cell is at least
`threshold + 1` (complements are never zeros nor small counts).  A hidden
cell is safe when, with all that, it can still take at least two whole
values.  Checked:

* one margin dimension: each group with its total is one equation, solved
  exactly with those bounds, so ``1 + 1 = 2`` or ``1 + 5 = 6`` next to a
  published total is caught, not just the single hidden cell;
* two margin dimensions (e.g. comuni x aree, both with totals): the same per
  group, then the whole table at once.  The equations of a two-way table are
  those of a network (groups are nodes, hidden cells are arcs), so a cell can
  move exactly when one unit can be pushed round a cycle through it within
  the bounds: strongly connected components of the residual graph, exact and
  linear-time.  A pinned cell gets the cheapest set of extra cells that closes
  such a cycle (shortest path, the cost of a cell being its value);
* three or more margin dimensions: linear programmes (largest and smallest
  value of every hidden cell) per connected block of hidden cells, up to
  `LP_MAX_CELLS` cells per block; larger blocks are reported, not checked.
  The programmes are the linear relaxation: an attacker using integer
  programming could in principle do better on such tables.

What cannot be fixed is reported with a `PrivacyWarning`, never silently:
a total published elsewhere that already gives a cell away, or a group whose
non-zero values are all small with a small total (``1 + 1 + 1 + 1`` with the
total ``"< 5"``: the markers and the zeros alone say every cell is 1).

How totals are recognised.  `groups` names the dimensions that have
published margins and `keys` all the columns that identify a cell (e.g.
``keys=["anno", "comune", "area"], groups=["comune"]``: within each anno and
area the comuni add up to a published district total).  A row is the total of
dimension ``d`` when its ``d`` value equals one of the labels (`total_label`,
default `DEFAULT_TOTAL_LABELS`, compared ignoring case and surrounding
spaces) or, with `total_mask`, where a boolean column/Series is True.  When a
group has no total row in the table the total is assumed to be published
elsewhere (it is what declaring the dimension in `groups` means): it cannot be
hidden here, except that a total from 1 to `threshold` is taken as hidden,
since every shared table goes through this function.  If `groups` is not
given and a column mixes total rows with other rows, `protect` refuses
(`ParameterError`), because that total would reveal the hidden cells.

Exploration and publication.  In JupyterLab `protect` returns a copy of the
raw data (after checking the arguments, so mistakes show up early) with the
flag columns all False.  It suppresses when publication mode is on:
``publish=True`` in the call, or ``set_publish_mode(True)`` in the process,
or the environment variable ``PIANOZONA_PUBBLICAZIONE`` set to ``1`` (the
report runner sets it; any non-empty value other than 0/false/no/off counts as
on, so a typo fails safe).  ``publish=False`` does not switch off a
publication mode set by the runner or by `set_publish_mode`: a notebook cannot
leak raw data into a report by accident.

Output.  The same frame (same rows, order and index) where, in publication
mode, each count column is float64 with NaN for hidden cells (pandas' nullable
Int64 breaks matplotlib's ``bar``), derived columns have NaN where their count
is hidden, and two columns per count are added: ``<count>_soppresso`` (bool)
and ``<count>_soppressione`` (``"primaria"``, ``"secondaria"`` or ``""``).
`format_suppressed` turns it into display text (``"< 5"``, ``"n.d."``, Italian
number format) and `suppression_legend` gives the footnote.

Limits: tables cut from the same data must be protected together (pass all
their margins in one call); protecting the same data twice with different
margins, or publishing two differently suppressed versions of it, can leak.
Totals are expected to add up: include every part (e.g. a "non indicato"
row); where a total is larger than its parts only the rule "never a single
hidden cell in a group" is applied to that group.  Missing counts (NA) are
treated as published for the purpose of the checks (which can only
over-protect).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ParameterError

__all__ = [
    "DEFAULT_THRESHOLD",
    "DEFAULT_TOTAL_LABELS",
    "PUBLISH_ENV_VAR",
    "SECONDARY_MARKER",
    "PrivacyWarning",
    "format_suppressed",
    "is_publish_mode",
    "primary_marker",
    "protect",
    "set_publish_mode",
    "suppression_legend",
]

DEFAULT_THRESHOLD = 4
PUBLISH_ENV_VAR = "PIANOZONA_PUBBLICAZIONE"
DEFAULT_TOTAL_LABELS: tuple[str, ...] = (
    "Totale",
    "Totale distretto",
    "Totale ambito",
    "Totale zona",
    "Totale generale",
)
SECONDARY_MARKER = "n.d."
PRIMARY = "primaria"
SECONDARY = "secondaria"
FLAG_SUFFIX = "_soppresso"
KIND_SUFFIX = "_soppressione"
ATTRS_KEY = "pianozona.privacy"

#: Largest block of hidden cells checked by linear programming (3+ margin dimensions).
LP_MAX_CELLS = 300

_OFF_VALUES = {"", "0", "false", "no", "off", "falso"}
_publish_override = False


class PrivacyWarning(UserWarning):
    """Some hidden value could not be fully protected; the message says where."""


# ---------------------------------------------------------------------------
# publication mode


def set_publish_mode(enabled: bool) -> None:
    """Switch publication mode on (True) or back off (False) for this process.

    Switching off does not override ``PIANOZONA_PUBBLICAZIONE`` set by the
    report runner.
    """
    global _publish_override
    if not isinstance(enabled, bool):
        raise ParameterError("enabled", enabled, "indicare True (pubblicazione) oppure False (esplorazione)")
    _publish_override = enabled


def is_publish_mode() -> bool:
    """True when tables are being prepared for sharing (see the module docstring)."""
    if _publish_override:
        return True
    raw = os.environ.get(PUBLISH_ENV_VAR)
    if raw is None:
        return False
    return raw.strip().lower() not in _OFF_VALUES


# ---------------------------------------------------------------------------
# display


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


def _it_number(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def format_suppressed(
    df: pd.DataFrame,
    *,
    derived: Mapping[str, str | Sequence[str]] | None = None,
    threshold: int | None = None,
    decimals: int = 1,
    formatter: Callable[[Any, str], str] | None = None,
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
    counts = [c[: -len(FLAG_SUFFIX)] for c in df.columns
              if isinstance(c, str) and c.endswith(FLAG_SUFFIX) and c[: -len(FLAG_SUFFIX)] in df.columns]
    if not counts:
        raise ParameterError(
            "df", "nessuna colonna '*_soppresso'",
            "passare la tabella restituita da protect() (le colonne di controllo non vanno tolte)",
        )
    hidden: dict[str, np.ndarray] = {}
    out = df.copy()
    for count in counts:
        flag = df[count + FLAG_SUFFIX].fillna(False).astype(bool).to_numpy()
        kind_col = count + KIND_SUFFIX
        kind = df[kind_col].astype(str).to_numpy() if kind_col in df.columns else np.full(len(df), "")
        hidden[count] = flag
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
        out[count] = pd.Series(texts, index=df.index, dtype=object)
    for col, bases in derived.items():
        if col not in df.columns:
            continue
        bases = [bases] if isinstance(bases, str) else list(bases)
        mask = np.zeros(len(df), dtype=bool)
        for base in bases:
            if base in hidden:
                mask |= hidden[base]
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
        out[col] = pd.Series(texts, index=df.index, dtype=object)
    drop = [c for count in counts for c in (count + FLAG_SUFFIX, count + KIND_SUFFIX) if c in out.columns]
    return out.drop(columns=drop)


# ---------------------------------------------------------------------------
# argument checking


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


def _label_set(labels: Any, name: str) -> set[str]:
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, Sequence) or not labels or not all(isinstance(x, str) for x in labels):
        raise ParameterError(name, labels, "indicare l'etichetta dei totali, ad esempio 'Totale distretto'")
    return {x.strip().casefold() for x in labels}


def _matches(series: pd.Series, labels: set[str]) -> np.ndarray:
    text = series.astype("string").str.strip().str.casefold()
    return text.isin(labels).fillna(False).to_numpy(dtype=bool)


def _looks_total(series: pd.Series) -> np.ndarray:
    """Values such as 'Totale', 'TOTALE AMBITO', 'totale comuni'."""
    if not (pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)
            or isinstance(series.dtype, pd.CategoricalDtype)):
        return np.zeros(len(series), dtype=bool)
    text = series.astype("string").str.strip().str.casefold()
    return text.str.startswith("totale").fillna(False).to_numpy(dtype=bool)


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


@dataclass
class _Spec:
    counts: list[str]
    derived: dict[str, list[str]]
    keys: list[str]
    groups: list[str]
    total_masks: dict[str, np.ndarray] = field(default_factory=dict)


def _validate(data, counts, derived, keys, groups, total_label, total_mask, threshold) -> tuple[_Spec, dict]:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data", type(data).__name__, "passare una tabella (pandas DataFrame) in formato lungo")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ParameterError("threshold", threshold,
                             f"indicare una soglia intera maggiore o uguale a 1 (predefinita {DEFAULT_THRESHOLD}, "
                             f"cioè «{primary_marker(DEFAULT_THRESHOLD)}»)")
    count_cols = _as_list(counts, "counts")
    if not count_cols:
        raise ParameterError("counts", counts, "indicare almeno una colonna di conteggi, ad esempio counts='utenti'")
    if len(set(count_cols)) != len(count_cols):
        raise ParameterError("counts", counts, "ogni colonna di conteggi va indicata una sola volta")
    _check_columns(data, count_cols, "counts")
    values = {col: _count_values(data, col) for col in count_cols}

    derived_map: dict[str, list[str]] = {}
    if derived is not None:
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

    group_cols = [] if groups is None else _as_list(groups, "groups")
    if keys is None:
        if group_cols:
            raise ParameterError("keys", None,
                                 "con groups indicare anche le colonne che identificano una cella, "
                                 "es. keys=['anno', 'comune', 'area']")
        key_cols: list[str] = []
    else:
        key_cols = _as_list(keys, "keys")
        _check_columns(data, key_cols, "keys")
        for col in key_cols:
            if col in count_cols or col in derived_map:
                raise ParameterError("keys", col, f"'{col}' è un conteggio o un valore derivato, non una chiave")
    for col in group_cols:
        if col not in key_cols:
            raise ParameterError("groups", col, f"'{col}' deve essere anche in keys ({', '.join(key_cols)})")
    if len(set(group_cols)) != len(group_cols):
        raise ParameterError("groups", groups, "ogni dimensione va indicata una sola volta")

    # total labels, per dimension
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

    masks: dict[str, np.ndarray] = {}
    mask_columns: set[str] = set()
    if total_mask is not None:
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
    for g in group_cols:
        if g in masks:
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

    key_cols = [k for k in key_cols if k not in mask_columns]
    if key_cols:
        dup = data.duplicated(subset=key_cols, keep=False).to_numpy()
        if dup.any():
            pos = int(np.flatnonzero(dup)[0])
            example = ", ".join(f"{col}={data[col].iloc[pos]!r}" for col in key_cols)
            raise ParameterError(
                "keys", example,
                "più righe hanno le stesse chiavi: aggregare i dati o aggiungere a keys la colonna che le distingue",
            )

    # a total row that is not declared would reveal the hidden cells next to it
    if key_cols:
        scan = [k for k in key_cols if k not in group_cols]
    else:
        scan = [c for c in data.columns
                if c not in count_cols and c not in derived_map
                and (pd.api.types.is_object_dtype(data[c].dtype) or pd.api.types.is_string_dtype(data[c].dtype)
                     or isinstance(data[c].dtype, pd.CategoricalDtype))]
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
    return _Spec(count_cols, derived_map, key_cols, group_cols, masks), values


# ---------------------------------------------------------------------------
# table structure: cells, groups (lines) and their totals


@dataclass
class _Structure:
    n_real: int
    codes: np.ndarray                     # (N, K) int64; a total has code == total_code[j]
    margins: list[int]                    # columns of `codes` with margins
    lines: list[np.ndarray]               # per margin: group id of each row
    n_lines: list[int]
    is_total: list[np.ndarray]            # per margin: row is the total of its group
    in_equation: list[np.ndarray]         # per margin: row's group has parts and a total
    virtual_rounds: list[tuple[np.ndarray, np.ndarray]]  # (virtual row per pair, part row per pair)
    rank: np.ndarray                      # canonical order of real rows (sorted keys)


def _factorize_sorted(series: pd.Series) -> tuple[np.ndarray, int]:
    try:
        codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=False)
    except TypeError:
        codes, uniques = pd.factorize(series.astype(str), sort=True, use_na_sentinel=False)
    return codes.astype(np.int64), len(uniques)


def _group_ids(codes: np.ndarray, radices: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense ids of the distinct rows of `codes` (N, J)."""
    n = codes.shape[0]
    if codes.shape[1] == 0:
        return np.zeros(n, dtype=np.int64), 1 if n else 0
    if float(np.prod(radices.astype(float))) < 2.0**62:
        combined = np.zeros(n, dtype=np.int64)
        for j in range(codes.shape[1]):
            combined = combined * int(radices[j]) + codes[:, j]
        uniq, inverse = np.unique(combined, return_inverse=True)
    else:  # pragma: no cover - astronomically many key combinations
        uniq, inverse = np.unique(codes, axis=0, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), len(uniq)


def _build_structure(data: pd.DataFrame, spec: _Spec) -> _Structure:
    n = len(data)
    k = len(spec.keys)
    codes = np.zeros((n, k), dtype=np.int64)
    total_code = np.zeros(k, dtype=np.int64)
    for j, col in enumerate(spec.keys):
        c, card = _factorize_sorted(data[col])
        codes[:, j] = c
        total_code[j] = card
    margins = [spec.keys.index(g) for g in spec.groups]
    for g, j in zip(spec.groups, margins):
        codes[spec.total_masks[g], j] = total_code[j]
    radices = total_code + 1

    full_ids, n_full = _group_ids(codes, radices)
    if n_full != n:
        counts = np.bincount(full_ids)
        dup = int(np.flatnonzero(counts[full_ids] > 1)[0])
        example = ", ".join(f"{col}={data[col].iloc[dup]!r}" for col in spec.keys)
        raise ParameterError(
            "keys", example,
            "più righe hanno le stesse chiavi (o due righe di totale per lo stesso gruppo): "
            "aggregare i dati o aggiungere a keys la colonna che le distingue",
        )
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort(codes.T[::-1]) if k else np.arange(n)] = np.arange(n)

    # groups without a total row: the total is published elsewhere -> virtual row
    virtual_rounds: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(len(margins) + 2):
        added = False
        for j in margins:
            others = [i for i in range(k) if i != j]
            ids, n_ids = _group_ids(codes[:, others], radices[others])
            is_tot = codes[:, j] == total_code[j]
            has_total = np.bincount(ids[is_tot], minlength=n_ids) > 0
            has_part = np.bincount(ids[~is_tot], minlength=n_ids) > 0
            need = has_part & ~has_total
            if not need.any():
                continue
            part_rows = np.flatnonzero(~is_tot & need[ids])
            line_of_part = ids[part_rows]
            needed_lines, first = np.unique(line_of_part, return_index=True)
            new_codes = codes[part_rows[first]].copy()
            new_codes[:, j] = total_code[j]
            start = codes.shape[0]
            new_index = np.full(n_ids, -1, dtype=np.int64)
            new_index[needed_lines] = start + np.arange(len(needed_lines))
            codes = np.vstack([codes, new_codes])
            virtual_rounds.append((new_index[line_of_part], part_rows))
            added = True
        if not added:
            break

    lines, n_lines, is_total, in_eq = [], [], [], []
    for j in margins:
        others = [i for i in range(k) if i != j]
        ids, n_ids = _group_ids(codes[:, others], radices[others])
        is_tot = codes[:, j] == total_code[j]
        has_part = np.bincount(ids[~is_tot], minlength=n_ids) > 0
        lines.append(ids)
        n_lines.append(n_ids)
        is_total.append(is_tot)
        in_eq.append(has_part[ids])
    return _Structure(n, codes, margins, lines, n_lines, is_total, in_eq, virtual_rounds, rank)


# ---------------------------------------------------------------------------
# suppression


class _Suppressor:
    """Primary and secondary suppression of one count column over a structure."""

    def __init__(self, st: _Structure, real_values: np.ndarray, threshold: int) -> None:
        self.st = st
        self.t = threshold
        n_all = st.codes.shape[0]
        vals = np.full(n_all, np.nan)
        vals[: st.n_real] = real_values
        for virt, part in st.virtual_rounds:
            targets = np.unique(virt)
            vals[targets] = 0.0
            np.add.at(vals, virt, np.nan_to_num(vals[part], nan=0.0))
        self.vals = vals
        self.real = np.zeros(n_all, dtype=bool)
        self.real[: st.n_real] = True
        self.missing = np.isnan(vals)
        self.state = np.zeros(n_all, dtype=np.int8)  # 0 published, 1 primary, 2 secondary
        self.state[(vals > 0) & (vals <= threshold)] = 1
        self.usable = self.real & ~self.missing & (vals > 0)  # may become a complement
        self.order = np.full(n_all, np.iinfo(np.int64).max, dtype=np.int64)
        self.order[: st.n_real] = st.rank
        self.unsafe_groups = 0
        self.pinned = 0
        self.determined = 0
        self.lp_skipped = 0
        self.marker_groups = 0
        self.hopeless: set[int] = set()

    # -- helpers -------------------------------------------------------------
    def _cheapest(self, rows: np.ndarray, group: np.ndarray) -> np.ndarray:
        """For each group, the row with the smallest value (then the sorted keys)."""
        if len(rows) == 0:
            return rows
        order = np.lexsort((self.order[rows], self.vals[rows], group))
        _, first = np.unique(group[order], return_index=True)
        return rows[order[first]]

    def _suppress(self, rows: np.ndarray) -> bool:
        rows = rows[self.state[rows] == 0]
        self.state[rows] = 2
        return len(rows) > 0

    # -- one group (equation) at a time, with the attacker's bounds ----------
    def _unsafe_lines(self, m: int) -> np.ndarray:
        st, t = self.st, self.t
        line, n_lines = st.lines[m], st.n_lines[m]
        eq = st.in_equation[m]
        unknown = (self.state > 0) & eq
        if not unknown.any():
            return np.zeros(n_lines, dtype=bool)
        sign = np.where(st.is_total[m], -1.0, 1.0)
        known = eq & ~unknown
        vals = np.nan_to_num(self.vals, nan=0.0)
        # sum(a_i x_i over hidden) = c  with c = known total - known parts
        c = np.bincount(line[known], weights=-(sign * vals)[known], minlength=n_lines)
        idx = np.flatnonzero(unknown)
        primary = self.state[idx] == 1
        lo = np.where(primary, 1.0, t + 1.0)
        hi = np.where(primary, float(t), np.inf)
        s = sign[idx]
        cmin = np.where(s > 0, lo, -hi)
        cmax = np.where(s > 0, hi, -lo)
        li = line[idx]
        neg_inf = np.isinf(cmin)
        pos_inf = np.isinf(cmax)
        smin = np.bincount(li, weights=np.where(neg_inf, 0.0, cmin), minlength=n_lines)
        smax = np.bincount(li, weights=np.where(pos_inf, 0.0, cmax), minlength=n_lines)
        nneg = np.bincount(li, weights=neg_inf.astype(float), minlength=n_lines)
        npos = np.bincount(li, weights=pos_inf.astype(float), minlength=n_lines)
        others_min = np.where(nneg[li] - neg_inf > 0, -np.inf, smin[li] - np.where(neg_inf, 0.0, cmin))
        others_max = np.where(npos[li] - pos_inf > 0, np.inf, smax[li] - np.where(pos_inf, 0.0, cmax))
        with np.errstate(invalid="ignore"):
            upper = np.minimum(cmax, c[li] - others_min)
            lower = np.maximum(cmin, c[li] - others_max)
            width = upper - lower
        # width < 0: the total is not the sum of its parts (e.g. it includes
        # users without a comune); the bounds say nothing, fall back to the
        # rule "never a single hidden cell in a group".
        alone = np.bincount(li, minlength=n_lines)[li] == 1
        pinned = ((width >= 0) & (width < 1)) | ((width < 0) & alone)
        pinned &= hi - lo >= 1  # a marker that already says it all (threshold 1) is not a leak
        pinned &= self.real[idx]  # a total published elsewhere is protected where it is published
        unsafe = np.zeros(n_lines, dtype=bool)
        unsafe[li[pinned]] = True
        return unsafe

    def _line_pass(self) -> bool:
        st = self.st
        changed = False
        for m in range(len(st.margins)):
            unsafe = self._unsafe_lines(m)
            if not unsafe.any():
                continue
            line = st.lines[m]
            free = self.usable & (self.state == 0) & st.in_equation[m] & unsafe[line]
            parts = np.flatnonzero(free & ~st.is_total[m])
            chosen = self._cheapest(parts, line[parts])
            covered = np.zeros(st.n_lines[m], dtype=bool)
            covered[line[chosen]] = True
            totals = np.flatnonzero(free & st.is_total[m] & ~covered[line])
            chosen = np.concatenate([chosen, totals])
            covered[line[totals]] = True
            changed |= self._suppress(chosen)
        return changed

    # -- two margin dimensions: the hidden cells as a network ----------------
    #
    # With two margins the equations are those of a network: after changing
    # the sign of some equations every hidden cell is an arc between its two
    # groups (row group, column group) and the published totals fix the net
    # flow at every node.  A hidden cell can take another whole value exactly
    # when one unit can be pushed round a cycle through it without leaving
    # the bounds known to the attacker (residual graph; exact because the
    # matrix is totally unimodular).  Groups without an equation merge into
    # one free node.
    def _network(self):
        st = self.st
        n0, n1 = st.n_lines
        free_node = n0 + n1
        u = np.where(st.in_equation[0], st.lines[0], free_node)
        v = np.where(st.in_equation[1], n0 + st.lines[1], free_node)
        s = np.where(st.is_total[0], -1, 1) * np.where(st.is_total[1], -1, 1)
        # the arc of "increase the cell": from tail to head
        tail = np.where(s > 0, v, u)
        head = np.where(s > 0, u, v)
        return tail, head, free_node + 1

    def _bounds(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        primary = self.state[rows] == 1
        return np.where(primary, 1.0, self.t + 1.0), np.where(primary, float(self.t), np.inf)

    def _pinned_cells(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Hidden cells whose value the totals and the markers determine."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        tail, head, n_nodes = self._network()
        cells = np.flatnonzero(self.state > 0)
        lo, hi = self._bounds(cells)
        x = self.vals[cells]
        up = x + 1 <= hi           # can grow: arc tail -> head
        down = x - 1 >= lo         # can shrink: arc head -> tail
        t, h = tail[cells], head[cells]
        src = np.concatenate([t[up], h[down]])
        dst = np.concatenate([h[up], t[down]])
        graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n_nodes, n_nodes)).tocsr()
        _, scc = connected_components(graph, directed=True, connection="strong")
        same = scc[t] == scc[h]
        movable = (up | down) & same
        pinned = ~movable & (hi - lo >= 1) & self.real[cells]
        both = movable & up & down
        if both.any():
            # a two-way cell is on a proper cycle unless it is a bridge of its component
            inner = np.flatnonzero(movable)
            bridges, _ = _find_bridges(n_nodes, t[inner], h[inner])
            is_bridge = np.zeros(len(cells), dtype=bool)
            is_bridge[inner[bridges]] = True
            pinned |= both & is_bridge & self.real[cells]
        return cells[pinned], cells, up, down

    def _flow_pass(self) -> bool:
        from scipy.sparse import coo_matrix, csr_matrix
        from scipy.sparse.csgraph import connected_components, dijkstra

        pinned, cells, up, down = self._pinned_cells()
        pinned = pinned[~np.isin(pinned, np.fromiter(self.hopeless, dtype=np.int64))]
        if len(pinned) == 0:
            return False
        tail, head, n_nodes = self._network()
        t_c, h_c = tail[cells], head[cells]
        # one fix per connected block of hidden cells per pass, then all is re-checked
        und = coo_matrix((np.ones(len(cells)), (t_c, h_c)), shape=(n_nodes, n_nodes))
        _, block = connected_components(und, directed=False)
        pinned = pinned[np.argsort(self.order[pinned], kind="stable")]

        # arcs of hidden cells cost (almost) nothing; a published cell that
        # could be hidden costs its value: the cheapest cycle hides the least
        cand = np.flatnonzero(self.usable & (self.state == 0))
        shrink = self.vals[cand] - 1 >= self.t + 1
        src = np.concatenate([t_c[up], h_c[down], tail[cand], head[cand[shrink]]])
        dst = np.concatenate([h_c[up], t_c[down], head[cand], tail[cand[shrink]]])
        cost = np.concatenate([np.full(int(up.sum()) + int(down.sum()), 1e-6),
                               self.vals[cand], self.vals[cand[shrink]]])
        ids = np.concatenate([cells[up], cells[down], cand, cand[shrink]])
        new = np.concatenate([np.zeros(int(up.sum()) + int(down.sum()), dtype=bool),
                              np.ones(len(cand) + int(shrink.sum()), dtype=bool)])
        order = np.lexsort((self.order[ids], cost, dst, src))
        src, dst, cost, ids, new = src[order], dst[order], cost[order], ids[order], new[order]
        keep = np.ones(len(src), dtype=bool)
        keep[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        src, dst, cost, ids, new = src[keep], dst[keep], cost[keep], ids[keep], new[keep]
        indptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n_nodes), out=indptr[1:])
        weights = cost.copy()
        graph = csr_matrix((weights, dst, indptr), shape=(n_nodes, n_nodes))
        blocked = 1e15

        changed = False
        done: set[int] = set()
        for cell in pinned:
            b = int(block[tail[cell]])
            if b in done:
                continue
            own = np.flatnonzero((ids == cell) & ~new)
            graph.data[own] = blocked  # a cycle must not come back through the cell itself
            lo, hi = self._bounds(np.array([cell]))
            x = self.vals[cell]
            options = []
            if x + 1 <= hi[0]:
                options.append((int(head[cell]), int(tail[cell])))  # grow it: back from head to tail
            if x - 1 >= lo[0]:
                options.append((int(tail[cell]), int(head[cell])))  # shrink it
            best = None
            for start, goal in options:
                dist, pred = dijkstra(graph, indices=start, return_predecessors=True, limit=blocked / 2)
                if np.isfinite(dist[goal]) and (best is None or dist[goal] < best[0]):
                    best = (dist[goal], pred, start, goal)
            graph.data[own] = cost[own]
            if best is None:
                self.hopeless.add(int(cell))
                continue
            _, pred, start, goal = best
            new_cells = []
            node = goal
            while node != start:
                prev = int(pred[node])
                j = indptr[prev] + int(np.searchsorted(dst[indptr[prev]:indptr[prev + 1]], node))
                if new[j]:
                    new_cells.append(int(ids[j]))
                node = prev
            changed |= self._suppress(np.array(new_cells, dtype=np.int64))
            done.add(b)
        return changed

    # -- three or more margin dimensions: linear programmes ------------------
    #
    # Without the network structure each hidden cell is checked directly:
    # the largest and smallest value it can take given every published total
    # and the markers' bounds (the linear relaxation of the attacker's
    # problem).  Done per connected block of hidden cells, up to
    # LP_MAX_CELLS cells per block.
    def _lp_pass(self, fix: bool = True) -> bool:
        from scipy.optimize import linprog
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        st = self.st
        hidden = np.flatnonzero(self.state > 0)
        if len(hidden) == 0:
            return False
        pos = np.full(st.codes.shape[0], -1, dtype=np.int64)
        pos[hidden] = np.arange(len(hidden))
        vals = np.nan_to_num(self.vals, nan=0.0)
        eq_rows, var_cols, coef, rhs = [], [], [], []
        offset = 0
        for m in range(len(st.margins)):
            line, eq = st.lines[m], st.in_equation[m]
            sign = np.where(st.is_total[m], -1.0, 1.0)
            known = eq & (self.state == 0)
            rhs.append(np.bincount(line[known], weights=-(sign * vals)[known], minlength=st.n_lines[m]))
            sel = hidden[eq[hidden]]
            eq_rows.append(offset + line[sel])
            var_cols.append(pos[sel])
            coef.append(sign[sel])
            offset += st.n_lines[m]
        eq_all = np.concatenate(eq_rows)
        var_all = np.concatenate(var_cols)
        coef_all = np.concatenate(coef)
        rhs_all = np.concatenate(rhs)
        nv = len(hidden)
        graph = coo_matrix((np.ones(len(var_all)), (var_all, nv + eq_all)), shape=(nv + offset, nv + offset))
        _, labels = connected_components(graph, directed=False)
        lo, hi = self._bounds(hidden)
        changed = False
        for lab in np.unique(labels[:nv]):
            members = np.flatnonzero(labels[:nv] == lab)
            sel = np.isin(var_all, members)
            if not sel.any():
                continue  # in no equation: free
            if len(members) > LP_MAX_CELLS:
                self.lp_skipped += 1
                continue
            eqs, eq_index = np.unique(eq_all[sel], return_inverse=True)
            local = np.searchsorted(members, var_all[sel])
            matrix = np.zeros((len(eqs), len(members)))
            np.add.at(matrix, (eq_index, local), coef_all[sel])
            bounds = list(zip(lo[members], [None if np.isinf(h) else h for h in hi[members]]))
            truth = self.vals[hidden[members]]
            order = np.argsort(self.order[hidden[members]], kind="stable")
            for i in order:
                cell = hidden[members[i]]
                if not self.real[cell] or hi[members[i]] - lo[members[i]] < 1:
                    continue
                pinned = True
                for direction in (-1.0, 1.0):  # maximise, then minimise
                    objective = np.zeros(len(members))
                    objective[i] = direction
                    res = linprog(objective, A_eq=matrix, b_eq=rhs_all[eqs], bounds=bounds, method="highs")
                    if res.status != 0 or abs(direction * res.fun - truth[i]) >= 1 - 1e-7:
                        pinned = False  # it can move (or the totals are not additive)
                        break
                if not pinned:
                    continue
                if not fix:
                    self.determined += int(not self.marker_cells[cell])
                    continue
                # the cheapest published cell in the groups of the cell, else in
                # the groups of the hidden cells next to it, and so on
                free = self.usable & (self.state == 0)
                reached = np.zeros_like(free)
                reached[cell] = True
                rows = np.zeros(0, dtype=np.int64)
                for _ in range(4):
                    near = np.zeros_like(free)
                    for m in range(len(st.margins)):
                        touched = np.zeros(st.n_lines[m], dtype=bool)
                        touched[st.lines[m][reached & st.in_equation[m]]] = True
                        near |= st.in_equation[m] & touched[st.lines[m]]
                    rows = np.flatnonzero(free & near)
                    if len(rows):
                        break
                    reached = near & (self.state > 0)
                if len(rows):
                    changed |= self._suppress(self._cheapest(rows, np.zeros(len(rows), dtype=np.int64)))
                    break  # re-check this block from scratch
        return changed

    def run(self) -> np.ndarray:
        k = len(self.st.margins)
        if k == 0:
            return self.state
        retried = False
        for _ in range(self.st.codes.shape[0] + 2):
            if self._line_pass():
                continue
            if k == 2 and self._flow_pass():
                continue
            if k >= 3 and self._lp_pass():
                continue
            if self.hopeless and not retried:  # later suppressions may have opened a way
                self.hopeless.clear()
                retried = True
                continue
            break
        self._audit()
        return self.state

    def _audit(self) -> None:
        """Count what is still recomputable after the passes (normally nothing).

        A group whose non-zero values are all hidden (its total too) but still
        pinned, e.g. 1 + 1 + 1 + 1 with the total "< 5", is told apart: the
        markers and the zeros alone give it away, no complement can help
        (zeros are never hidden).
        """
        st = self.st
        k = len(st.margins)
        self.unsafe_groups = 0
        self.marker_groups = 0
        self.marker_cells = np.zeros(st.codes.shape[0], dtype=bool)
        for m in range(k):
            unsafe = self._unsafe_lines(m)
            line, eq = st.lines[m], st.in_equation[m]
            shown = eq & (self.state == 0) & (np.nan_to_num(self.vals) > 0)
            has_shown = np.bincount(line[shown], minlength=st.n_lines[m]) > 0
            marker = unsafe & ~has_shown
            self.marker_groups += int(marker.sum())
            self.unsafe_groups += int((unsafe & has_shown).sum())
            self.marker_cells |= eq & marker[line] & (self.state > 0)
        self.pinned = 0
        self.determined = 0
        self.lp_skipped = 0
        if k == 2:
            pinned = self._pinned_cells()[0]
            self.pinned = int((~self.marker_cells[pinned]).sum())
        elif k >= 3:
            self._lp_pass(fix=False)


def _adjacency(n_nodes: int, eu: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ends = np.concatenate([eu, ev])
    other = np.concatenate([ev, eu])
    edge_id = np.concatenate([np.arange(len(eu)), np.arange(len(eu))])
    order = np.argsort(ends, kind="stable")
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n_nodes), out=indptr[1:])
    return indptr, other[order], edge_id[order]


def _find_bridges(n_nodes: int, eu: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bridges of an undirected multigraph (iterative Tarjan) and component of each node."""
    indptr, nbr, eid = _adjacency(n_nodes, eu, ev)
    indptr_l, nbr_l, eid_l = indptr.tolist(), nbr.tolist(), eid.tolist()
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    comp = np.full(n_nodes, -1, dtype=np.int64)
    is_bridge = np.zeros(len(eu), dtype=bool)
    timer = 0
    touched = np.unique(np.concatenate([eu, ev])).tolist()
    for root in touched:
        if disc[root] != -1:
            continue
        disc[root] = low[root] = timer
        timer += 1
        comp[root] = root
        stack = [(root, -1, indptr_l[root])]
        while stack:
            node, parent_edge, p = stack[-1]
            if p < indptr_l[node + 1]:
                stack[-1] = (node, parent_edge, p + 1)
                e = eid_l[p]
                if e == parent_edge:
                    continue
                w = nbr_l[p]
                if disc[w] == -1:
                    disc[w] = low[w] = timer
                    timer += 1
                    comp[w] = root
                    stack.append((w, e, indptr_l[w]))
                elif disc[w] < low[node]:
                    low[node] = disc[w]
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                    if low[node] > disc[parent]:
                        is_bridge[parent_edge] = True
    return is_bridge, comp


# ---------------------------------------------------------------------------
# entry point


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
) -> pd.DataFrame:
    """Hide small counts (and what would reveal them) before a table is shared.

    Parameters
    ----------
    data:
        long (tidy) table, one row per cell, e.g. columns anno, comune, area,
        utenti, tasso, lower, upper; total rows may be included.
    counts:
        the count column(s) to protect; each is protected on its own.
    derived:
        derived column -> the count column(s) it is built on (rates,
        interval limits, percentages); hidden wherever a base count is hidden.
    keys:
        the columns that identify a cell (required with `groups`), e.g.
        ``["anno", "comune", "area"]``.  Other columns are carried along.
    groups:
        the dimensions with published totals (margins), e.g. ``["comune"]``
        (comuni add up to a district total within each anno and area) or
        ``["comune", "area"]`` (both margins).  Without it only primary
        suppression is applied.
    total_label:
        value(s) marking total rows: one label or a list for every dimension,
        or a mapping dimension -> label(s).  Default `DEFAULT_TOTAL_LABELS`;
        compared ignoring case and surrounding spaces.
    total_mask:
        instead of labels, a boolean column name / Series marking the total
        rows (a mapping dimension -> mask with several dimensions).  A mask
        column is not used as a key.
    threshold:
        largest count hidden (default 4, shown as "< 5").
    publish:
        True forces publication mode; None/False follow `is_publish_mode()`.

    Returns
    -------
    A copy of `data` with ``<count>_soppresso`` (bool) and
    ``<count>_soppressione`` ("primaria"/"secondaria"/"") columns.  In
    publication mode hidden counts and their derived values are NaN (count
    columns become float64); in exploration mode the values are untouched and
    the flags False.  ``attrs["pianozona.privacy"]`` records the settings for
    `format_suppressed`.  Emits `PrivacyWarning` when a group could not be
    fully protected.  Raises `ParameterError` for unusable arguments.
    """
    spec, values = _validate(data, counts, derived, keys, groups, total_label, total_mask, threshold)
    threshold = int(threshold)
    out = data.copy()
    for col in spec.counts:
        for suffix in (FLAG_SUFFIX, KIND_SUFFIX):
            name = col + suffix
            if name in out.columns:
                already = out[name]
                if suffix == FLAG_SUFFIX and already.fillna(False).astype(bool).any():
                    raise ParameterError(
                        "data", name,
                        "la tabella è già stata protetta (contiene valori nascosti): "
                        "chiamare protect() sui dati originali",
                    )
                out = out.drop(columns=name)
    publishing = bool(publish) or is_publish_mode()
    meta = {
        "mode": "pubblicazione" if publishing else "esplorazione",
        "threshold": threshold,
        "counts": list(spec.counts),
        "derived": {k: list(v) for k, v in spec.derived.items()},
        "keys": list(spec.keys),
        "groups": list(spec.groups),
    }
    n = len(data)
    # built in both modes, so that a table unfit for publication fails while exploring
    structure = _build_structure(data, spec) if spec.groups else None
    if not publishing:
        for col in spec.counts:
            out[col + FLAG_SUFFIX] = np.zeros(n, dtype=bool)
            out[col + KIND_SUFFIX] = np.full(n, "", dtype=object)
        out.attrs[ATTRS_KEY] = meta
        return out

    hidden: dict[str, np.ndarray] = {}
    problems: list[str] = []
    markers: list[str] = []
    for col in spec.counts:
        vals = values[col]
        if structure is None:
            state = np.where((vals > 0) & (vals <= threshold), 1, 0).astype(np.int8)
        else:
            engine = _Suppressor(structure, vals, threshold)
            state = engine.run()[:n]
            if engine.marker_groups:
                markers.append(f"'{col}': {engine.marker_groups}")
            if engine.unsafe_groups:
                problems.append(f"'{col}': {engine.unsafe_groups} gruppi con un valore nascosto ricalcolabile")
            if engine.pinned or engine.determined:
                problems.append(f"'{col}': {engine.pinned + engine.determined} celle nascoste ricalcolabili "
                                "combinando più totali")
            if engine.lp_skipped:
                problems.append(f"'{col}': verifica completa non eseguita su {engine.lp_skipped} "
                                f"blocchi con più di {LP_MAX_CELLS} celle nascoste")
        mask = state > 0
        hidden[col] = mask
        numbers = vals.copy()
        numbers[mask] = np.nan
        out[col] = pd.Series(numbers, index=out.index, dtype="float64")
        out[col + FLAG_SUFFIX] = mask
        out[col + KIND_SUFFIX] = np.where(state == 1, PRIMARY, np.where(state == 2, SECONDARY, "")).astype(object)
    for col, bases in spec.derived.items():
        mask = np.zeros(n, dtype=bool)
        for base in bases:
            mask |= hidden[base]
        if not mask.any():
            continue
        series = out[col]
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_float_dtype(series.dtype):
            series = series.astype("float64")
        out[col] = series.mask(mask)
    if problems:
        warnings.warn(
            "protezione incompleta: alcuni valori nascosti restano ricalcolabili dai totali ("
            + "; ".join(problems)
            + "). Includere nella tabella le righe di totale (così possono essere nascoste) "
            "o pubblicare a un livello più aggregato.",
            PrivacyWarning,
            stacklevel=2,
        )
    if markers:
        warnings.warn(
            "gruppi in cui tutti i valori diversi da zero sono sotto soglia ("
            + "; ".join(markers)
            + f"): i simboli «{primary_marker(threshold)}» e gli zeri bastano a ricavarli "
            f"(es. 1 + 1 + 1 + 1 con totale «{primary_marker(threshold)}»). "
            "Valutare di pubblicare questi dati a un livello più aggregato.",
            PrivacyWarning,
            stacklevel=2,
        )
    out.attrs[ATTRS_KEY] = meta
    return out
