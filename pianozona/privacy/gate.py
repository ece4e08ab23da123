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

Layout: this module holds the public API, its documentation and the checking
of the arguments; the suppression algorithm (table structure, line passes,
network and linear-programming checks) is in `pianozona.privacy.suppression`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pianozona.errors import ParameterError
from pianozona.privacy.suppression import LP_MAX_CELLS, _build_structure, _Suppressor

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
