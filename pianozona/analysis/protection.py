"""The district's one protection: every count a run publishes is hidden or shown from here.

`protect_district` passes, for every area and every year of the district's data, one table
through `privacy.protect`: the comuni with the district total, and the area's services adding up
to the same total (both margins in one call, so that a hidden service cannot be recovered through
the comuni, nor the other way round).  Each year is protected on its own, with the district's
secret (`privacy.district_secret`): a year shows the same hidden cells in every report, in the
run of that year and in every later run that shows it again, whatever the other years hold.
Every report reads from it: the needs analysis of an area (`needs`), the comuni's profiles and the
mayors' overview through it, the budget's totals, the territory's comparison, and the objectives
of the verification.

Objectives that count people.  An objective's value is often one of the counts above ("minori
seguiti con ADM" = the users of the service ADM): published plainly beside a hidden service, it
would give the service back.  So a value (and a baseline) of an objective whose unit counts
people is hidden when
* it is from 1 to the threshold, like any small count;
* the objective names the service it counts (`servizio` in `obiettivi`; "tutti" for the area's
  total) and that count is hidden in the year;
* it equals a count hidden in the year (any area, comune, service or total): the office may not
  have said which count it is.
`objective_hidden` tells `verification` which.  `audit` lists what could not be protected, for the
runner to stop before publishing.
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pianozona import privacy
from pianozona.analysis import services
from pianozona.analysis.indicators import copertura
from pianozona.data import cache
from pianozona.data.datasets import District
from pianozona.data.schema import ALL_SERVICES_WORDS
from pianozona.names import fold

__all__ = ["ALL_AREA", "TOTAL_LABEL", "AreaProtection", "DistrictProtection", "area_tables", "audit",
           "measure", "objective_hidden", "protect_area", "protect_district"]

TOTAL_LABEL = "Totale distretto"
#: What the `servizio` of an objective says when it counts every user of its area.
ALL_AREA = ALL_SERVICES_WORDS
_DERIVED = {"copertura": "utenti", "lower": "utenti", "upper": "utenti"}


@dataclass(frozen=True)
class AreaProtection:
    """One area, every year: the comuni with the district total, and the services with the area total.

    `hidden_counts`: per year, the true values of the counts hidden (never published); `problems`:
    what `privacy.protect` could not protect, in Italian.
    """

    table: pd.DataFrame
    services: pd.DataFrame
    hidden_counts: dict[int, frozenset[float]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class DistrictProtection:
    """Every count of the district as published (protected when publishing) and what could not be protected.

    `hidden_counts` maps a year to the true values of the counts hidden in it (never published: it
    is how an objective equal to a hidden count is found).
    """

    areas: dict[str, AreaProtection]
    hidden_counts: dict[int, frozenset[float]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def measure(district: District, area: str) -> str:
    """'persone' when the district gives distinct persons for `area`, else 'utenti'."""
    persons = district.persone
    if persons is not None and not persons.empty and (persons["area"] == area).any():
        return "persone"
    return "utenti"


def cache_context(district: District, arguments: dict) -> tuple:
    """What a cached analysis depends on beyond the district's tables and its other arguments
    (`pianozona.data.cache.per_district`): whether the call publishes (its ``publish`` argument or the
    process's publication mode: ``publish=None`` and ``publish=True`` are one key when publishing), the
    process's mode, and, when it publishes, the digest of the secret that draws the complements."""
    publishing = bool(arguments.get("publish")) or privacy.is_publish_mode()
    secret = privacy.district_secret(district.config.folder, district.codice) if publishing else b""
    return publishing, privacy.is_publish_mode(), hashlib.sha256(secret).hexdigest()


#: `cache.per_district` for the analyses that protect: keyed by `cache_context`, which resolves ``publish``
cached = functools.partial(cache.per_district, context=cache_context, covers=("publish",))


@cached
def protect_area(district: District, area: str, *, publish: bool | None = None) -> AreaProtection:
    """The protection of one area of the district, every year (see the module docstring)."""
    publishing = bool(publish) or privacy.is_publish_mode()
    secret = privacy.district_secret(district.config.folder, district.codice) if publishing else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", privacy.PrivacyWarning)
        protected = _protect_area(district, area, list(district.anni_dati), publish=publish, secret=secret)
    problems = tuple(f"{district.aree[area].etichetta}: {w.message}" for w in caught
                     if issubclass(w.category, privacy.PrivacyWarning))
    return AreaProtection(protected.table, protected.services, protected.hidden_counts, problems)


@cached
def protect_district(district: District, *, publish: bool | None = None) -> DistrictProtection:
    """The protection of every count of the district: every area (`protect_area`), every year."""
    areas, hidden, problems = {}, {}, []
    for area in district.aree:
        areas[area] = protected = protect_area(district, area, publish=publish)
        problems += protected.problems
        for year, values in protected.hidden_counts.items():
            hidden.setdefault(year, set()).update(values)
    return DistrictProtection(areas, {y: frozenset(v) for y, v in hidden.items()}, tuple(problems))


def area_tables(district: District, area: str, years: list[int], *,
                publish: bool | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The protected comuni table and services table of `area`, for `years` only."""
    protected = protect_area(district, area, publish=publish)
    return _years(protected.table, years), _years(protected.services, years)


def audit(district: District) -> list[str]:
    """What the district's protection could not achieve, in Italian (empty: every hidden count is safe)."""
    return list(protect_district(district, publish=True).problems)


def objective_hidden(district: District, values: pd.Series, years: pd.Series, areas: pd.Series,
                     services_named: pd.Series, counts: np.ndarray, *, publish: bool | None = None) -> np.ndarray:
    """True where an objective's value (or baseline) must be hidden (see the module docstring)."""
    if not (bool(publish) or privacy.is_publish_mode()):
        return np.zeros(len(values), dtype=bool)
    protection = protect_district(district, publish=True)
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    out = np.zeros(len(values), dtype=bool)
    for i, (value, year, area, named) in enumerate(zip(v, years, areas, services_named)):
        if not counts[i] or not np.isfinite(value) or value == 0:
            continue
        if value <= privacy.DEFAULT_THRESHOLD:
            out[i] = True
            continue
        year = int(year) if pd.notna(year) else None
        out[i] = (year is not None and value in protection.hidden_counts.get(year, frozenset())) or \
            _named_count_hidden(protection, area, named, year)
    return out


def _named_count_hidden(protection: DistrictProtection, area, named, year: int | None) -> bool:
    """True when the objective names a count (a service of its area, or the area's total) hidden in `year`."""
    if year is None or not isinstance(named, str) or not named.strip() or area not in protection.areas:
        return False
    wanted = fold(named)  # as data.links checked it: the one name folding
    rows = protection.areas[area].services
    rows = rows[rows["anno"] == year]
    if wanted in {fold(word) for word in ALL_AREA}:
        rows = rows[rows["servizio"] == services.ALL_SERVICES]
    else:
        rows = rows[rows["servizio"].astype(str).map(fold) == wanted]
    return bool(rows["utenti" + privacy.FLAG_SUFFIX].any())


def _protect_area(district: District, area: str, years: list[int], *, publish: bool | None,
                  secret: bytes | None) -> AreaProtection:
    """One area, each year protected on its own (the same cells hidden whatever the other years hold)."""
    table, rows = _inputs(district, area, years)
    persons = measure(district, area) == "persone"
    tables, service_tables, hidden = [], [], {}
    for year in years:
        one_table = table[table["anno"] == year].reset_index(drop=True)
        one_rows = rows[rows["anno"] == year].reset_index(drop=True)
        protect = _protect_apart if persons else _protect_joint
        area_table, service_rows, raw = protect(one_table, one_rows, publish=publish, secret=secret)
        tables.append(area_table)
        service_tables.append(service_rows)
        flags = np.concatenate([area_table["utenti" + privacy.FLAG_SUFFIX].to_numpy(bool),
                                service_rows["utenti" + privacy.FLAG_SUFFIX].to_numpy(bool)])
        values = raw[flags]
        hidden[year] = frozenset(float(v) for v in values[np.isfinite(values)])
    table = pd.concat(tables, ignore_index=True)
    service_rows = pd.concat(service_tables, ignore_index=True)
    table.attrs = dict(tables[0].attrs)
    service_rows.attrs = dict(service_tables[0].attrs)
    return AreaProtection(table, service_rows, hidden)


def _inputs(district: District, area: str, years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The unprotected comuni table (with the district total) and services table of `area`, every year."""
    kind = measure(district, area)
    comuni = copertura(district, area, anni=years, misura=kind)
    whole = copertura(district, area, anni=years, livello="distretto", misura=kind)
    whole = whole.drop(columns="territorio").assign(codice_comune="", comune=TOTAL_LABEL)
    table = pd.concat([comuni, whole[comuni.columns]], ignore_index=True)
    table = table.sort_values(["anno", "codice_comune"], kind="stable", ignore_index=True)
    table = table.astype({"utenti": float, "popolazione_a_rischio": float})
    return table, services.service_users(district, area, years)


def _protect_joint(table: pd.DataFrame, rows: pd.DataFrame, *, publish: bool | None,
                   secret: bytes | None) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """One year: comuni and services through one `protect` call; the true counts of both, in order."""
    joint = services.with_coverage(services.joint_table(table, rows, TOTAL_LABEL))
    raw = joint["utenti"].to_numpy(float)
    protected = privacy.protect(joint, counts="utenti", derived=_DERIVED, keys=["anno", "comune", "servizio"],
                                groups=["comune", "servizio"],
                                total_label={"comune": TOTAL_LABEL, "servizio": services.ALL_SERVICES},
                                publish=publish, secret=secret)
    area_table, service_rows = services.split_joint(protected, TOTAL_LABEL)
    in_area = (protected["servizio"] == services.ALL_SERVICES).to_numpy()
    in_services = (protected["comune"] == TOTAL_LABEL).to_numpy()
    return area_table, service_rows, np.concatenate([raw[in_area], raw[in_services]])


def _protect_apart(table: pd.DataFrame, rows: pd.DataFrame, *, publish: bool | None,
                   secret: bytes | None) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """One year when persons are counted: the comuni (persons) and the services (users) each on their own."""
    area_table = privacy.protect(services.with_coverage(table), counts="utenti", derived=_DERIVED,
                                 keys=["anno", "comune"], groups=["comune"], total_label=TOTAL_LABEL,
                                 publish=publish, secret=secret)
    service_rows, raw_services = services.protect_alone(rows, publish=publish, secret=secret)
    return area_table, service_rows, np.concatenate([table["utenti"].to_numpy(float), raw_services])


def _years(frame: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    out = frame[frame["anno"].isin(list(years))].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out
