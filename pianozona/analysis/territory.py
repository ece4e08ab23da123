"""The comparison of a territory's districts: the numbers behind `notebooks/confronto_ambiti.ipynb`.

For a territory (`pianozona.data.territory`) and a year:

* each district's coverage per area with its 95% interval, taken from the district total row of
  its protected needs analysis (`needs.analyse`, the same total every report of the district
  shows; `district_rows`, cached per district by `pianozona.data.cache.per_district` and warmed by
  the runner), the funnel position and the verdict against the territory's pooled rate;
* the pooled rate of each area, computed from the published district totals only (a hidden
  total is left out and said so, never recovered by difference);
* demographic indicators of each district side by side with the territory and its comparators
  (ISTAT population, not counts of users);
* spending per area per resident and per (protected) user;
* `summary`: a short Italian text that names at most a few districts per list (`naming.name_few`) and counts the rest.

What is counted: `utenti` are users of services, counted once per service (a person using two
services counts twice); a district that gives the `persone` table for an area counts persons, and
is then not compared with districts that count users (`misura`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pianozona import privacy
from pianozona.analysis import definitions, naming, needs, stats
from pianozona.analysis.indicators import ETICHETTE, demografici, spesa_pro_capite
from pianozona.analysis.protection import cached
from pianozona.data import population
from pianozona.data.datasets import District
from pianozona.data.territory import TerritoryConfig, load_districts, read_territory
from pianozona.formatting import num

__all__ = ["AMBITI", "COVERAGE_COLUMNS", "COVERAGE_LABELS", "DEMOGRAPHY_COLUMNS", "DEMOGRAPHY_LABELS", "MAX_NAMED",
           "NOT_COMPARABLE", "SPENDING_LABELS", "TerritoryComparison", "assess", "compare", "district_rows",
           "funnel_table", "key_figures", "metrics", "reference", "spending_table", "summary"]

MAX_NAMED = naming.FEW  # at most this many districts named in a list; beyond, naming.NAMED and the rest counted
AMBITI = ("un altro ambito", "altri {n} ambiti")
NOT_COMPARABLE = needs.NOT_COMPARABLE
FLAGS = needs.FLAGS
_POSITION = {"migliore": "superiore", "peggiore": "inferiore", "simile": "simile", NOT_COMPARABLE: NOT_COMPARABLE}
_DERIVED = {"copertura": "utenti", "lower": "utenti", "upper": "utenti", "spesa_per_utente": "utenti"}
COVERAGE_LABELS = {"ambito": "Ambito", "etichetta": "Area", "utenti": f"{definitions.nome('utenti')} (per servizio)",
                   **definitions.nomi(["popolazione_a_rischio", "copertura"]),
                   "lower": "Limite inferiore 95%", "upper": "Limite superiore 95%", "funnel": "Grafico a imbuto",
                   "confronto": "Rispetto al territorio"}
SPENDING_LABELS = {"ambito": "Ambito", "etichetta": "Area", **definitions.nomi(["importo_euro", "spesa_per_residente"]),
                   "utenti": f"{definitions.nome('utenti')} (per servizio)", **definitions.nomi(["spesa_per_utente"])}
#: the columns of a coverage table as the page shows it (flags kept for the markers)
COVERAGE_COLUMNS = ["ambito", "utenti", "popolazione_a_rischio", "copertura", "lower", "upper", "funnel", "confronto",
                    *needs.FLAGS]
DEMOGRAPHY_LABELS = {"territorio": "Territorio", "livello": "Livello", **{k: v for k, v in ETICHETTE.items()}}
DEMOGRAPHY_COLUMNS = ["territorio", "livello", "popolazione", "indice_vecchiaia", "indice_dipendenza_strutturale",
                      "quota_65", "quota_85", "quota_minori"]


@dataclass(frozen=True)
class TerritoryComparison:
    """The comparison of a territory's districts in one year (protected when publishing)."""

    codice: str
    nome: str
    year: int
    population_year: int
    protected: bool
    districts: pd.DataFrame   # per district: ambito, codice, comuni, residenti
    coverage: pd.DataFrame    # per area and district: utenti, popolazione_a_rischio, copertura, lower, upper,
    #                           flags, funnel, confronto
    pooled: pd.DataFrame      # per area: the territory's rate from the published totals, ambiti_inclusi, ambiti_esclusi
    demography: pd.DataFrame  # per district, then territory and comparators: DEMOGRAPHY_COLUMNS
    spending: pd.DataFrame    # per area and district: importo_euro, spesa_per_residente, utenti (protected),
    #                           spesa_per_utente
    dimostrativo: bool = False  # True when any district's tables are illustrative (`display.demo_banner` reads it)

    def _repr_html_(self) -> str:  # a notebook shows a short summary (`results`), not every table as text
        from pianozona.analysis.results import territory_summary

        return territory_summary(self).html()

    def __repr__(self) -> str:
        from pianozona.analysis.results import territory_summary

        return territory_summary(self).text()


def _meta(settings: dict) -> dict:
    """The attrs `privacy.format_suppressed` reads: the protection's settings, with this table's derived columns."""
    return {privacy.ATTRS_KEY: {**settings, "derived": {k: [v] for k, v in _DERIVED.items()}}}


def _area_total(district: District, area: str, year: int, publish: bool | None) -> pd.DataFrame:
    """The protected district total of `area` in `year`: the district rows of `needs.analyse`'s protected table.

    `needs.analyse` is cached per district (`pianozona.data.cache`): in a report run the warm-up has
    already analysed every area, so the total is a look-up.
    """
    totals = needs.analyse(district, area, year, publish=publish).trend_table
    return totals[totals["anno"] == year].reset_index(drop=True)


@cached(warm=True)
def district_rows(district: District, year: int, *, publish: bool | None = None) -> pd.DataFrame:
    """The protected district total of every area in `year`, the measure counted and the area's spending.

    Spending (`importo_euro`, `spesa_per_residente`) is the office's, not a count. Cached per district
    (`pianozona.data.cache.per_district`, warmed by the runner): a territory run's comparison reads it from memory.
    """
    rows = []
    for code, area in district.aree.items():
        total = _area_total(district, code, year, publish)
        rows.append(total.assign(area=code, etichetta=area.etichetta, misura=needs.measure(district, code)))
    out = pd.concat(rows, ignore_index=True).assign(ambito=district.nome, codice=district.codice)
    spend = spesa_pro_capite(district, anni=[year])[["area", "importo_euro", "spesa_per_residente"]]
    out = out.merge(spend, on="area", how="left")
    out.attrs = {privacy.ATTRS_KEY: dict(rows[0].attrs.get(privacy.ATTRS_KEY, {}))}
    return out


def _pooled(table: pd.DataFrame) -> pd.DataFrame:
    """Per area: the pooled rate over the districts whose total is published and counts the usual measure."""
    out = []
    for area, rows in table.groupby("area", sort=False):
        usual = rows["misura"].mode().iloc[0]
        used = rows[~rows[FLAGS[0]] & (rows["misura"] == usual)]
        users, at_risk = float(used["utenti"].sum()), float(used["popolazione_a_rischio"].sum())
        value, lower, upper = stats.rate_ci(users, at_risk, multiplier=needs.MULTIPLIER) if len(used) else (np.nan,) * 3
        out.append({"area": area, "etichetta": rows["etichetta"].iloc[0], "misura": usual, "utenti": users,
                    "popolazione_a_rischio": at_risk, "copertura": value, "lower": lower, "upper": upper,
                    "ambiti_inclusi": len(used), "ambiti_esclusi": len(rows) - len(used)})
    return pd.DataFrame(out)


def _positions(table: pd.DataFrame, pooled: pd.DataFrame) -> pd.DataFrame:
    """Funnel position and verdict of each district against its area's pooled rate (published values only)."""
    parts = []
    for area, rows in table.groupby("area", sort=False):
        ref = pooled.set_index("area").loc[area]
        mean = float(ref["copertura"])
        same = (rows["misura"] == ref["misura"]).to_numpy()
        users = rows["utenti"].where(same).to_numpy(float)
        funnel = np.atleast_1d(stats.funnel_significance(users, rows["popolazione_a_rischio"].to_numpy(float),
                                                         statistic="rate", mean=mean, multiplier=needs.MULTIPLIER,
                                                         italian=True))
        verdict = np.atleast_1d(stats.benchmark(rows["copertura"].where(same).to_numpy(float),
                                                rows["lower"].to_numpy(float), rows["upper"].to_numpy(float),
                                                mean, "high_is_good"))
        parts.append(rows.assign(funnel=funnel, confronto=[_POSITION[v] for v in verdict]))
    return pd.concat(parts, ignore_index=True)


def _demography(districts: list[District], territory: TerritoryConfig, year: int) -> pd.DataFrame:
    """Demographic indicators per district, the whole territory and its comparators (ISTAT population)."""
    pops = [d.popolazione[d.popolazione["anno"] == year].assign(territorio=d.nome) for d in districts]
    each = demografici(pd.concat(pops, ignore_index=True), by="territorio").assign(livello="distretto")
    each = each.set_index("territorio").loc[[d.nome for d in districts]].reset_index()
    whole = demografici(pd.concat(pops, ignore_index=True).assign(territorio=territory.nome), by="territorio")
    frames = [each, whole.assign(livello="territorio")]
    listing = population.comuni_italia()
    for comparator in territory.confronti:
        codes = listing.loc[listing[f"codice_{comparator.livello}"] == comparator.codice, "codice_comune"].tolist()
        pop = population.italy_population(years=[year], comuni=codes).assign(territorio=comparator.nome)
        frames.append(demografici(pop, by="territorio").assign(livello=comparator.livello))
    return pd.concat(frames, ignore_index=True)[DEMOGRAPHY_COLUMNS]


def _spending(rows: pd.DataFrame) -> pd.DataFrame:
    """Spending per area of one district: euro, per resident, per protected user (raw users never read)."""
    out = rows[["ambito", "area", "etichetta", "importo_euro", "spesa_per_residente", "utenti", *FLAGS]].copy()
    with np.errstate(all="ignore"):
        out["spesa_per_utente"] = (out["importo_euro"] / out["utenti"]).where(out["utenti"] > 0)
    return out[["ambito", "area", "etichetta", "importo_euro", "spesa_per_residente", "utenti", "spesa_per_utente",
                *FLAGS]]


def assess(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """From the districts' rows (`district_rows`, concatenated, attrs of the first): pooled, coverage and spending.

    The pooled rate per area of the published totals, each district's funnel position and verdict
    against it, and spending per resident and per protected user (`TerritoryComparison`'s tables).
    """
    settings = rows.attrs[privacy.ATTRS_KEY]
    pooled = _pooled(rows)
    keep = ["area", "etichetta", "ambito", "codice", "misura", "utenti", "popolazione_a_rischio", "copertura", "lower",
            "upper", "funnel", "confronto", *FLAGS]
    coverage = _positions(rows, pooled)[keep]
    spending = _spending(rows)
    for frame in (coverage, spending):
        frame.attrs = _meta(settings)
    return pooled, coverage, spending


def compare(territory: TerritoryConfig | str, year: int, *, publish: bool | None = None,
            districts: list[District] | None = None) -> TerritoryComparison:
    """The comparison of the territory's districts in `year`; `publish` as in `needs.analyse`.

    `territory` is a code under data/territori/, a path, or a read `TerritoryConfig`; `districts`
    (as `load_districts` returns them) saves loading them again.
    """
    config = territory if isinstance(territory, TerritoryConfig) else read_territory(territory)
    districts = districts if districts is not None else load_districts(config)
    for district in districts:
        district.check_year(year)
    population_year = districts[0].nearest_population_year(year)
    each = [district_rows(d, year, publish=publish) for d in districts]
    rows = pd.concat(each, ignore_index=True)
    rows.attrs = dict(each[0].attrs)
    pooled, coverage, spending = assess(rows)
    protected = rows.attrs[privacy.ATTRS_KEY].get("mode") == "pubblicazione"
    info = pd.DataFrame([{"ambito": d.nome, "codice": d.codice, "comuni": len(d.comuni),
                          "residenti": int(d.popolazione.loc[d.popolazione["anno"] == population_year,
                                                             "residenti"].sum())} for d in districts])
    return TerritoryComparison(codice=config.codice, nome=config.nome, year=year, population_year=population_year,
                               protected=protected, districts=info, coverage=coverage, pooled=pooled,
                               demography=_demography(districts, config, population_year), spending=spending,
                               dimostrativo=any(d.dimostrativo for d in districts))


def funnel_table(comparison: TerritoryComparison, area: str) -> pd.DataFrame:
    """The districts of one area as `charts.funnel_plot` and `charts.forest_plot` take them (hidden rows NaN)."""
    rows = comparison.coverage[comparison.coverage["area"] == area].reset_index(drop=True)
    rows.attrs.update(comparison.coverage.attrs)
    return rows


def reference(comparison: TerritoryComparison, area: str) -> pd.Series:
    """The territory's pooled row of one area: copertura, lower, upper, ambiti_inclusi, ambiti_esclusi."""
    return comparison.pooled.set_index("area").loc[area]


def spending_table(comparison: TerritoryComparison, area: str | None = None) -> pd.DataFrame:
    """Spending per district (of one area, or every area), with the users' suppression flags for the markers."""
    rows = comparison.spending if area is None else comparison.spending[comparison.spending["area"] == area]
    rows = rows.reset_index(drop=True)
    rows.attrs.update(comparison.spending.attrs)
    return rows


def _names(names: list[str]) -> str:
    """The districts named as every Sintesi names units: all up to `naming.FEW`, else a few and the rest counted."""
    return naming.name_few(names, rest=AMBITI)


def _ambiti(n: int) -> str:
    return "1 ambito" if n == 1 else f"{n} ambiti"


def _area_sentence(comparison: TerritoryComparison, ref: pd.Series) -> str:
    rows = funnel_table(comparison, ref["area"])
    label = str(ref["etichetta"])
    if not np.isfinite(ref["copertura"]):
        return f"{label}: la copertura del territorio non è calcolabile con i valori pubblicati."
    counted = "persone in carico" if ref["misura"] == "persone" else "utenti dei servizi"
    text = (f"{label}: {num(ref['copertura'])} {counted} ogni 1.000 residenti a rischio nell'insieme del territorio "
            f"(intervallo di confidenza al 95%: {num(ref['lower'])}–{num(ref['upper'])}).")
    above, below = (rows.loc[rows["confronto"] == word, "ambito"].tolist() for word in ("superiore", "inferiore"))
    similar = int((rows["confronto"] == "simile").sum())
    parts = [f"significativamente superiore in {_ambiti(len(above))}: {_names(above)}" if above else "",
             f"significativamente inferiore in {_ambiti(len(below))}: {_names(below)}" if below else "",
             f"compatibile con quella del territorio in {_ambiti(similar)}" if similar else ""]
    parts = [p for p in parts if p]
    if parts:
        text += " La copertura è " + "; ".join(parts) + "."
    hidden = int(rows[FLAGS[0]].sum())
    other = int(((rows["confronto"] == NOT_COMPARABLE) & ~rows[FLAGS[0]]).sum())
    if hidden:
        verb = "non è pubblicato" if hidden == 1 else "non sono pubblicati"
        text += (f" {'Il totale' if hidden == 1 else 'I totali'} di {_ambiti(hidden)} {verb} per tutelare la "
                 "riservatezza: non entrano nel confronto né nel valore del territorio.")
    if other:
        text += (f" {_ambiti(other).capitalize()} {'non è confrontabile' if other == 1 else 'non sono confrontabili'}"
                 " (misura diversa o valore non calcolabile).")
    return text


def summary(comparison: TerritoryComparison) -> str:
    """The Italian summary: the territory in one sentence, then one sentence per area (few names, the rest counted)."""
    info = comparison.districts
    opening = (f"Il territorio {comparison.nome} comprende {_ambiti(len(info))} con {num(info['comuni'].sum(), 0)} "
               f"comuni e {num(info['residenti'].sum(), 0)} residenti al 1° gennaio {comparison.population_year}. "
               f"Per ogni area, la copertura di ciascun ambito nel {comparison.year} è confrontata con quella "
               "dell'insieme del territorio. Gli utenti sono contati per servizio: chi usa più servizi è contato "
               "una volta per ciascuno.")
    return " ".join([opening, *(_area_sentence(comparison, ref) for _, ref in comparison.pooled.iterrows())])


def _rounded(value: float, digits: int) -> float | None:
    return round(float(value), digits) if np.isfinite(value) else None


def metrics(comparison: TerritoryComparison) -> dict:
    """Key figures for the metrics JSON (plain numbers; None where not published).

    Over every area: ``confronti_superiori`` / ``confronti_inferiori`` count the (district, area)
    pairs significantly above / below the territory, ``totali_non_pubblicati`` the district totals
    hidden for privacy; ``aree`` holds the same per area.
    """
    areas = {}
    for _, ref in comparison.pooled.iterrows():
        rows = funnel_table(comparison, ref["area"])["confronto"].value_counts()
        areas[ref["area"]] = {"copertura_per_1000": _rounded(ref["copertura"], 6),
                              "ambiti_superiori": int(rows.get("superiore", 0)),
                              "ambiti_inferiori": int(rows.get("inferiore", 0)),
                              "ambiti_non_confrontabili": int(rows.get(NOT_COMPARABLE, 0))}
    return {"territorio": comparison.codice, "anno": comparison.year, "ambiti": int(len(comparison.districts)),
            "comuni": int(comparison.districts["comuni"].sum()),
            "residenti": int(comparison.districts["residenti"].sum()),
            "confronti_superiori": sum(a["ambiti_superiori"] for a in areas.values()),
            "confronti_inferiori": sum(a["ambiti_inferiori"] for a in areas.values()),
            "totali_non_pubblicati": int(comparison.coverage[FLAGS[0]].sum()), "aree": areas}


def key_figures(comparison: TerritoryComparison) -> dict[str, str]:
    """The key figures as display text."""
    m = metrics(comparison)
    outside = m["confronti_superiori"] + m["confronti_inferiori"]
    return {"Ambiti": num(m["ambiti"], 0), "Comuni": num(m["comuni"], 0), "Residenti": num(m["residenti"], 0),
            "Confronti significativi (ambito × area)": f"{num(outside, 0)} su {num(len(comparison.coverage), 0)}"}
