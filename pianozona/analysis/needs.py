"""Needs analysis of one target area: the numbers behind `notebooks/bisogni_area.ipynb`.

Every figure the notebook shows comes from here, so that a second notebook, a
test or a planner in JupyterLab gets exactly the same numbers:

* population at risk per comune and its change since the previous population year;
* users and coverage per 1,000 residents at risk with confidence intervals
  (exact Poisson below 10 users, Byar from 10), funnel position and comparison
  with the district;
* the district's coverage over the years with the recent-trend verdict, or with fewer than five years
  the change since the previous year (`change`); users per service, protected with the comuni (`services`);
* spending per user and per resident;
* `synthesis(...)`: the "Sintesi" paragraph, written from these results.

Protection at the analysis layer.  `analyse` starts from the district's one
protection (`protection.protect_district`: per area and year, every comune,
the district total and the services, through `privacy.protect` together);
everything else (coverage per comune,
the district row, funnel positions, comparisons, the trend, spending per user,
the Sintesi, the key figures) is computed from that protected table, never
from the raw counts.  In publication mode (set by the report runner) a comune
whose count is hidden is therefore "non confrontabile" everywhere: it is not
named in the text, not counted among the comuni above or below the district,
not drawn in the charts.  In JupyterLab the same code runs on the raw data.
`budget` takes the district totals per area from `district_totals`, so that the
same total is hidden in every report that shows it.

What is counted.  `utenti` rows are per service: summed over services they
count a person who uses two services twice, so the words say "utenti dei
servizi".  When the district gives the optional `persone` table (distinct
persons per comune, area and year) for an area, coverage uses it and the
words say "persone".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pianozona import privacy
from pianozona.analysis import change, definitions, naming, stats
from pianozona.analysis.protection import TOTAL_LABEL, area_tables, cached, measure
from pianozona.data.areas import get_area
from pianozona.data.datasets import District
from pianozona.data.population import estimate_sentence
from pianozona.formatting import del_pct, num, pct
from pianozona.analysis.indicators import spesa_pro_capite

MULTIPLIER = 1000
NOT_COMPARABLE = "non confrontabile"
COVERAGE_LABELS = {"anno": "Anno", "comune": "Comune",
                   **definitions.nomi(["utenti", "popolazione_a_rischio", "copertura"]),
                   "lower": "Limite inferiore 95%", "upper": "Limite superiore 95%",
                   "anno_popolazione": "Anno popolazione", "funnel": "Grafico a imbuto",
                   "confronto": "Rispetto al distretto"}
SPENDING_LABELS = {"anno": "Anno", **definitions.nomi(["importo_euro", "utenti", "spesa_per_utente",
                                                       "spesa_per_residente"])}
#: How each measure is named in tables and text.
MEASURE_WORDS = {
    "utenti": {"header": definitions.nome("utenti"), "per": definitions.nome("spesa_per_utente"),
               "note": "Gli utenti sono contati per servizio: chi usa più servizi dell'area è contato più volte."},
    "persone": {"header": "Persone in carico", "per": "Euro per persona",
                "note": "Le persone sono contate una sola volta anche quando usano più servizi dell'area "
                        "(tabella 'persone' dell'ufficio di piano)."},
}
_POSITION = {"migliore": "superiore", "peggiore": "inferiore", "simile": "simile", NOT_COMPARABLE: NOT_COMPARABLE}
FLAGS = ["utenti" + privacy.FLAG_SUFFIX]  # the suppression flag of the count column


@dataclass(frozen=True)
class NeedsAnalysis:
    area: str
    year: int
    measure: str               # "utenti" (summed over services) or "persone" (distinct persons)
    protected: bool            # True in publication mode: counts from 1 to 4, and what reveals them, are hidden
    table: pd.DataFrame        # the protected table: per comune and district total, every year up to `year`
    at_risk: pd.DataFrame      # per comune: popolazione_a_rischio, previous, variazione_pct
    coverage: pd.DataFrame     # per comune in `year`: utenti, popolazione_a_rischio, copertura, lower, upper, funnel,
    #                            confronto
    district: pd.Series        # district row of `year`: utenti, popolazione_a_rischio, copertura, lower, upper
    trend_table: pd.DataFrame  # per year: district utenti, copertura, lower, upper
    trend: stats.Trend
    spending: pd.DataFrame     # per year (this and previous): importo_euro, utenti, spesa_per_utente,
    #                            spesa_per_residente
    population_note: str
    services: pd.DataFrame     # the protected services table: per year and service, with the area total
    change: pd.DataFrame       # per comune and district total: coverage change since the previous year, with its test

    @property
    def hidden_comuni(self) -> list[str]:
        """Comuni whose count is not published (empty outside publication mode)."""
        return self.coverage.loc[self.coverage["utenti" + privacy.FLAG_SUFFIX], "comune"].tolist()

    @property
    def district_hidden(self) -> bool:
        """True when the district total itself is not published."""
        return bool(self.district["utenti" + privacy.FLAG_SUFFIX])

    @property
    def words(self) -> dict[str, str]:
        return MEASURE_WORDS[self.measure]

    @property
    def short_series(self) -> bool:
        """True with fewer years than the trend test needs: the change since the previous year is used instead."""
        return len(self.trend_table) < stats.TREND_POINTS

    def _repr_html_(self) -> str:  # a notebook shows a short summary (`results`), not every table as text
        from pianozona.analysis.results import needs_summary

        return needs_summary(self).html()

    def __repr__(self) -> str:
        from pianozona.analysis.results import needs_summary

        return needs_summary(self).text()


def protected_tables(district: District, area: str, years: list[int], *,
                     publish: bool | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The area's table (comuni and district total) and its services table for `years`, as published.

    Cut from the district's one protection (`protection.protect_district`), so that every report
    shows the same cells hidden.
    """
    return area_tables(district, area, years, publish=publish)


def coverage_table(district: District, area: str, years: list[int], *, publish: bool | None = None) -> pd.DataFrame:
    """Coverage per comune and the district total for each of `years`, protected (see `protected_tables`)."""
    return protected_tables(district, area, years, publish=publish)[0]


def district_totals(district: District, area: str, years: list[int], *, publish: bool | None = None) -> pd.DataFrame:
    """The district rows of `coverage_table` (one per year): the total every report shows for the area."""
    table = coverage_table(district, area, [y for y in district.anni_dati if y <= max(years)], publish=publish)
    rows = table[(table["comune"] == TOTAL_LABEL) & table["anno"].isin(years)]
    return rows.drop(columns=["codice_comune", "comune"]).reset_index(drop=True)


def _at_risk_change(district: District, area: str, year: int) -> pd.DataFrame:
    current_year = district.nearest_population_year(year)
    earlier = [y for y in district.anni_popolazione if y < current_year]
    now = district.popolazione_a_rischio(area, [current_year]).set_index("codice_comune")
    out = district.comuni[["codice_comune", "comune"]].set_index("codice_comune")
    out["popolazione_a_rischio"] = now["popolazione_a_rischio"]
    out["anno_popolazione"] = current_year
    if earlier:
        before = district.popolazione_a_rischio(area, [earlier[-1]]).set_index("codice_comune")
        out["precedente"] = before["popolazione_a_rischio"]
        out["anno_precedente"] = earlier[-1]
        out["variazione_pct"] = (out["popolazione_a_rischio"] / out["precedente"] - 1) * 100
    return out.reset_index()


def _positions(coverage: pd.DataFrame, mean: float) -> pd.DataFrame:
    """Funnel position and comparison with the district, from the (protected) values only."""
    if not np.isfinite(mean):
        return coverage.assign(funnel=stats.FUNNEL_LABELS["not_assessable"], confronto=NOT_COMPARABLE)
    funnel = stats.funnel_significance(coverage["utenti"].to_numpy(), coverage["popolazione_a_rischio"].to_numpy(),
                                       statistic="rate", mean=mean, multiplier=MULTIPLIER, italian=True)
    compared = stats.benchmark(coverage["copertura"].to_numpy(), coverage["lower"].to_numpy(),
                               coverage["upper"].to_numpy(), mean, "high_is_good")
    return coverage.assign(funnel=np.atleast_1d(funnel), confronto=[_POSITION[c] for c in np.atleast_1d(compared)])


def _spending(district: District, area: str, year: int, totals: pd.DataFrame) -> pd.DataFrame:
    """Spending of the area in `year` and the year before, per resident and per (protected) user."""
    spending = spesa_pro_capite(district, anni=[year - 1, year])
    spending = spending[spending["area"] == area].drop(columns="utenti").reset_index(drop=True)
    users = totals[["anno", "utenti", *FLAGS]]
    spending = spending.merge(users, on="anno", how="left")
    spending["utenti" + privacy.FLAG_SUFFIX] = spending["utenti" + privacy.FLAG_SUFFIX].fillna(False).astype(bool)
    with np.errstate(all="ignore"):
        per_user = spending["importo_euro"] / spending["utenti"]
    spending["spesa_per_utente"] = per_user.where(spending["utenti"] > 0)
    return spending


@cached
def analyse(district: District, area: str, year: int, *, publish: bool | None = None) -> NeedsAnalysis:
    """All the figures of the needs analysis of `area` in `year`, protected when publishing.

    `publish` follows `privacy.protect`: None (default) means publication mode
    when the runner has switched it on; True forces it.
    """
    get_area(area)
    district.check_year(year)
    table, service_rows = protected_tables(district, area, [y for y in district.anni_dati if y <= year],
                                           publish=publish)
    totals = table[table["comune"] == TOTAL_LABEL].drop(columns=["codice_comune", "comune"]).reset_index(drop=True)
    this_year = totals[totals["anno"] == year].iloc[0]
    per_comune = table[(table["anno"] == year) & (table["comune"] != TOTAL_LABEL)].reset_index(drop=True)
    coverage = _positions(per_comune, float(this_year["copertura"]))
    usable = totals.dropna(subset=["copertura"])
    trend = stats.recent_trend(totals["copertura"].to_numpy(), totals["lower"].to_numpy(),
                               totals["upper"].to_numpy(), years=totals["anno"].to_numpy())
    if len(usable) < len(totals) and str(trend.verdict).startswith("non calcolabile"):
        trend = trend._replace(verdict="non calcolabile: il valore di alcuni anni non è pubblicato")
    return NeedsAnalysis(
        area=area, year=year, measure=measure(district, area),
        protected=table.attrs[privacy.ATTRS_KEY]["mode"] == "pubblicazione",
        table=table, at_risk=_at_risk_change(district, area, year), coverage=coverage, district=this_year,
        trend_table=totals, trend=trend, spending=_spending(district, area, year, totals),
        population_note=district.aree[area].describe_population(has_stranieri=district.stranieri is not None),
        services=service_rows, change=change.coverage_change(table, year),
    )


def coverage_labels(analysis: NeedsAnalysis) -> dict[str, str]:
    """Column headers of the coverage tables, naming what is counted."""
    return {**COVERAGE_LABELS, "utenti": analysis.words["header"]}


def spending_labels(analysis: NeedsAnalysis) -> dict[str, str]:
    """Column headers of the spending table, naming what is counted."""
    return {**SPENDING_LABELS, "utenti": analysis.words["header"], "spesa_per_utente": analysis.words["per"]}


def shareable_coverage(analysis: NeedsAnalysis, district_name: str | None = None) -> pd.DataFrame:
    """Coverage per comune plus the district total row of the analysed year, as published.

    Already protected by `analyse` (the flag columns say which cells are
    hidden); `district_name` is accepted for backward compatibility.
    """
    cols = ["comune", "utenti", "popolazione_a_rischio", "copertura", "lower", "upper", "confronto", *FLAGS]
    total = analysis.district.to_frame().T.assign(comune=TOTAL_LABEL, confronto="")
    out = pd.concat([analysis.coverage[cols], total[cols]], ignore_index=True)
    out = out.astype({"utenti": float, "popolazione_a_rischio": float, "copertura": float, "lower": float,
                      "upper": float, "utenti" + privacy.FLAG_SUFFIX: bool})
    out.attrs[privacy.ATTRS_KEY] = analysis.table.attrs.get(privacy.ATTRS_KEY, {})
    return out


def spending_table(analysis: NeedsAnalysis) -> pd.DataFrame:
    """The spending table as published: euro, users (protected), euro per user and per resident."""
    cols = ["anno", "importo_euro", "utenti", "spesa_per_utente", "spesa_per_residente", *FLAGS]
    return analysis.spending[cols]


def trend_rows(analysis: NeedsAnalysis) -> pd.DataFrame:
    """The district's coverage per year as published (hidden totals marked)."""
    cols = ["anno", "utenti", "popolazione_a_rischio", "anno_popolazione", "copertura", "lower", "upper", *FLAGS]
    return analysis.trend_table[cols]


def population_years_note(analysis: NeedsAnalysis) -> str:
    """Say which years borrow the population of another year (ISTAT data exist only for some years)."""
    trend = analysis.trend_table
    note = estimate_sentence(dict(zip(trend["anno"].astype(int), trend["anno_popolazione"].astype(int))))
    return note or "Ogni anno usa la popolazione ISTAT dello stesso anno."


def _rounded(value, digits: int):
    return None if value is None or not np.isfinite(float(value)) else round(float(value), digits)


def metrics(analysis: NeedsAnalysis) -> dict:
    """Key figures for the metrics JSON (plain numbers; None where a value is not published)."""
    d = analysis.district
    by_position = analysis.coverage["confronto"].value_counts()
    spend = analysis.spending[analysis.spending["anno"] == analysis.year]
    users = _rounded(d["utenti"], 0)
    return {
        "area": analysis.area,
        "anno": analysis.year,
        "misura": analysis.measure,
        "utenti": None if users is None else int(users),
        "popolazione_a_rischio": round(float(d["popolazione_a_rischio"]), 3),
        "copertura_per_1000": _rounded(d["copertura"], 6),
        "copertura_lower": _rounded(d["lower"], 6),
        "copertura_upper": _rounded(d["upper"], 6),
        "comuni_superiori": int(by_position.get("superiore", 0)),
        "comuni_inferiori": int(by_position.get("inferiore", 0)),
        "comuni_non_confrontabili": int(by_position.get(NOT_COMPARABLE, 0)),
        "tendenza": str(analysis.trend.verdict),
        "variazione_anno_precedente": change.verdict_of(analysis.change, TOTAL_LABEL) or None,
        "spesa_euro": round(float(spend["importo_euro"].sum()), 2) if not spend.empty else None,
    }


def key_figures(analysis: NeedsAnalysis) -> dict[str, str]:
    """The key figures as display text ("n.d." where a value is not published)."""
    m, d = metrics(analysis), analysis.district
    return {
        f"{analysis.words['header']} nel distretto": _count_text(d),
        "Copertura per 1.000 residenti a rischio": num(m["copertura_per_1000"], 1),
        **({"Variazione sull'anno precedente": m["variazione_anno_precedente"] or "non calcolabile"}
           if analysis.short_series else {"Tendenza recente": m["tendenza"]}),
    }


def _count_text(row: pd.Series) -> str:
    if row["utenti" + privacy.FLAG_SUFFIX]:
        return privacy.MARKER
    return num(row["utenti"], 0)


def _names(table: pd.DataFrame, position: str) -> list[str]:
    return table.loc[table["confronto"] == position, "comune"].tolist()


def _join(names: list[str]) -> str:
    return naming.name_few(names)  # at most a few names, the rest counted: readable at 186 comuni


def _opening(analysis: NeedsAnalysis, etichetta: str) -> str:
    d, year = analysis.district, analysis.year
    if analysis.district_hidden:
        return (f"Nel {year} il numero di {'persone' if analysis.measure == 'persone' else 'utenti'} dell'area "
                f"{etichetta.lower()} nel distretto non è pubblicato per tutelare la riservatezza "
                "(è troppo piccolo o permetterebbe di ricalcolare un valore riservato): copertura e confronti "
                "tra comuni non sono mostrati.")
    ci = f"(intervallo di confidenza al 95%: {num(d['lower'])}–{num(d['upper'])})"
    if analysis.measure == "persone":
        return (f"Nel {year} i servizi dell'area {etichetta.lower()} hanno seguito {num(d['utenti'], 0)} persone, "
                f"{num(d['copertura'])} ogni 1.000 residenti a rischio {ci}.")
    return (f"Nel {year} gli utenti dei servizi dell'area {etichetta.lower()} sono {num(d['utenti'], 0)} "
            f"(chi usa più servizi è contato una volta per ciascuno), {num(d['copertura'])} ogni 1.000 residenti "
            f"a rischio {ci}.")


def _comparison(analysis: NeedsAnalysis) -> list[str]:
    if analysis.district_hidden:
        return []
    parts = []
    above, below = _names(analysis.coverage, "superiore"), _names(analysis.coverage, "inferiore")
    hidden = analysis.hidden_comuni
    if above:
        parts.append(f"La copertura è significativamente superiore a quella del distretto a {_join(above)}.")
    if below:
        lead = "È invece significativamente inferiore" if above else \
            "La copertura è significativamente inferiore a quella del distretto"
        parts.append(f"{lead} a {_join(below)}.")
    if not above and not below:
        among = "Nessuno dei comuni con dati pubblicati" if hidden else "Nessun comune"
        parts.append(f"{among} si discosta dal distretto in modo statisticamente significativo: "
                     "le differenze osservate sono compatibili con la variabilità casuale.")
    if hidden:
        which = "del comune" if len(hidden) == 1 else "dei comuni"
        parts.append(f"Il valore {which} {_join(hidden)} non è pubblicato per tutelare la riservatezza e non è "
                     "confrontato con il distretto.")
    return parts


def _at_risk_sentence(risk: pd.DataFrame) -> str | None:
    if "variazione_pct" not in risk:
        return None
    change = (risk["popolazione_a_rischio"].sum() / risk["precedente"].sum() - 1) * 100
    span = f"tra il {int(risk['anno_precedente'].iloc[0])} e il {int(risk['anno_popolazione'].iloc[0])}"
    if abs(change) < 0.05:
        return f"La popolazione a rischio è rimasta stabile {span}."
    return f"La popolazione a rischio è {'cresciuta' if change > 0 else 'diminuita'} {del_pct(abs(change))} {span}."


def _spending_sentence(analysis: NeedsAnalysis) -> str | None:
    year, spend = analysis.year, analysis.spending.set_index("anno")
    if year not in spend.index or year - 1 not in spend.index:
        return None
    now, before = spend.loc[year, "importo_euro"], spend.loc[year - 1, "importo_euro"]
    change = (now / before - 1) * 100
    sign = "+" if change >= 0 else "−"
    text = f"La spesa dell'area è di {num(now, 0)} euro ({sign}{pct(abs(change))} sul {year - 1})"
    per_user = spend.loc[year, "spesa_per_utente"]
    if pd.notna(per_user):
        unit = "persona" if analysis.measure == "persone" else "utente"
        text += f", pari a {num(per_user, 0)} euro per {unit}"
    return text + "."


def synthesis(analysis: NeedsAnalysis, etichetta: str) -> str:
    """The "Sintesi" paragraph, in Italian, from the computed (and, when publishing, protected) results.

    Over time it uses the five-year trend when the series has five years, else
    the change between the last two years (`change.change_sentence`).
    """
    over_time = change.over_time_sentence(analysis.trend, analysis.change, analysis.year,
                                          short=analysis.short_series, district_label=TOTAL_LABEL)
    parts = [_opening(analysis, etichetta), *_comparison(analysis), over_time,
             _at_risk_sentence(analysis.at_risk), _spending_sentence(analysis)]
    return " ".join(p for p in parts if p)
