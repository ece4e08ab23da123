"""Needs analysis of one target area: the numbers behind `notebooks/bisogni_area.ipynb`.

Every figure the notebook shows comes from here, so that a second notebook, a
test or a planner in JupyterLab gets exactly the same numbers:

* population at risk per comune and its change since the previous population year;
* users and coverage per 1,000 residents at risk with confidence intervals
  (exact Poisson below 10 users, Byar from 10), funnel position and comparison
  with the district;
* the district's coverage over the years with the recent-trend verdict;
* spending per user and per resident;
* `synthesis(...)`: the "Sintesi" paragraph, written from these results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import stats
from .areas import get_area
from .datasets import District
from . import privacy
from .formatting import del_pct, num, pct
from .indicators import copertura, spesa_pro_capite

MULTIPLIER = 1000
TOTAL_LABEL = "Totale distretto"
COVERAGE_LABELS = {"anno": "Anno", "comune": "Comune", "utenti": "Utenti",
                   "popolazione_a_rischio": "Popolazione a rischio", "copertura": "Copertura per 1.000",
                   "lower": "Limite inferiore 95%", "upper": "Limite superiore 95%",
                   "anno_popolazione": "Anno popolazione", "funnel": "Grafico a imbuto",
                   "confronto": "Rispetto al distretto"}
SPENDING_LABELS = {"anno": "Anno", "importo_euro": "Spesa (euro)", "utenti": "Utenti",
                   "spesa_per_utente": "Euro per utente", "spesa_per_residente": "Euro per residente"}
_POSITION = {"migliore": "superiore", "peggiore": "inferiore", "simile": "simile",
             "non confrontabile": "non confrontabile"}


@dataclass
class NeedsAnalysis:
    area: str
    year: int
    at_risk: pd.DataFrame      # per comune: popolazione_a_rischio, previous, variazione_pct
    coverage: pd.DataFrame     # per comune: utenti, popolazione_a_rischio, copertura, lower, upper, funnel, confronto
    district: pd.Series        # district row: utenti, popolazione_a_rischio, copertura, lower, upper
    trend_table: pd.DataFrame  # per year: district utenti, copertura, lower, upper
    trend: stats.Trend
    spending: pd.DataFrame     # per year (this and previous): importo_euro, spesa_per_utente, spesa_per_residente
    population_note: str


def _with_intervals(table: pd.DataFrame) -> pd.DataFrame:
    est = stats.rate_ci(table["utenti"].to_numpy(), table["popolazione_a_rischio"].to_numpy(),
                        multiplier=MULTIPLIER)
    return table.assign(copertura=est.value, lower=est.lower, upper=est.upper)


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


def analyse(district: District, area: str, year: int) -> NeedsAnalysis:
    """All the figures of the needs analysis of `area` in `year`."""
    get_area(area)
    district.check_year(year)
    per_comune = _with_intervals(copertura(district, area, anni=[year]))
    whole = _with_intervals(copertura(district, area, livello="distretto"))
    this_year = whole[whole["anno"] == year].iloc[0]
    per_comune["funnel"] = stats.funnel_significance(
        per_comune["utenti"].to_numpy(), per_comune["popolazione_a_rischio"].to_numpy(), statistic="rate",
        mean=this_year["copertura"], multiplier=MULTIPLIER, italian=True)
    compared = stats.benchmark(per_comune["copertura"].to_numpy(), per_comune["lower"].to_numpy(),
                               per_comune["upper"].to_numpy(), this_year["copertura"], "high_is_good")
    per_comune["confronto"] = [_POSITION[c] for c in np.atleast_1d(compared)]
    upto = whole[whole["anno"] <= year]
    trend = stats.recent_trend(upto["copertura"].to_numpy(), upto["lower"].to_numpy(), upto["upper"].to_numpy(),
                               years=upto["anno"].to_numpy())
    spending = spesa_pro_capite(district, anni=[year - 1, year])
    spending = spending[spending["area"] == area].reset_index(drop=True)
    has_foreign = district.stranieri is not None
    return NeedsAnalysis(
        area=area, year=year, at_risk=_at_risk_change(district, area, year), coverage=per_comune,
        district=this_year, trend_table=upto.reset_index(drop=True), trend=trend, spending=spending,
        population_note=district.aree[area].describe_population(has_stranieri=has_foreign),
    )


def shareable_coverage(analysis: NeedsAnalysis, district_name: str) -> pd.DataFrame:
    """Coverage per comune plus the district total row, through small-number protection.

    In a report run (publication mode) counts from 1 to 4 are hidden together
    with their rates and intervals, and a second cell where the district total
    would reveal them; in JupyterLab the data stay raw.
    """
    cols = ["comune", "utenti", "popolazione_a_rischio", "copertura", "lower", "upper", "confronto"]
    total = analysis.district.to_frame().T.assign(comune=TOTAL_LABEL, confronto="")
    table = pd.concat([analysis.coverage[cols], total[cols]], ignore_index=True)
    table = table.astype({"utenti": float, "popolazione_a_rischio": float, "copertura": float,
                          "lower": float, "upper": float})
    return privacy.protect(table, counts="utenti", derived={"copertura": "utenti", "lower": "utenti",
                                                            "upper": "utenti", "confronto": "utenti"},
                           keys=["comune"], groups=["comune"], total_label=TOTAL_LABEL)


def population_years_note(analysis: NeedsAnalysis) -> str:
    """Say which years borrow the population of another year (ISTAT data exist only for some years)."""
    borrowed = analysis.trend_table[analysis.trend_table["anno"] != analysis.trend_table["anno_popolazione"]]
    if borrowed.empty:
        return "Ogni anno usa la popolazione ISTAT dello stesso anno."
    pairs = ", ".join(f"{int(r.anno)} (popolazione {int(r.anno_popolazione)})" for r in borrowed.itertuples())
    return (f"Per alcuni anni mancano i dati ISTAT di popolazione e si usa l'anno più vicino: {pairs}. "
            "Per dati esatti importare i file POSAS di quegli anni con 'pianozona import-istat'.")


def metrics(analysis: NeedsAnalysis) -> dict:
    """Key figures for the metrics JSON (plain numbers, no formatting)."""
    d = analysis.district
    by_position = analysis.coverage["confronto"].value_counts()
    spend = analysis.spending[analysis.spending["anno"] == analysis.year]
    return {
        "area": analysis.area,
        "anno": analysis.year,
        "utenti": int(d["utenti"]),
        "popolazione_a_rischio": round(float(d["popolazione_a_rischio"]), 3),
        "copertura_per_1000": round(float(d["copertura"]), 6),
        "copertura_lower": round(float(d["lower"]), 6),
        "copertura_upper": round(float(d["upper"]), 6),
        "comuni_superiori": int(by_position.get("superiore", 0)),
        "comuni_inferiori": int(by_position.get("inferiore", 0)),
        "tendenza": str(analysis.trend.verdict),
        "spesa_euro": round(float(spend["importo_euro"].sum()), 2) if not spend.empty else None,
    }


def _names(table: pd.DataFrame, position: str) -> list[str]:
    return table.loc[table["confronto"] == position, "comune"].tolist()


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " e " + names[-1]


def synthesis(analysis: NeedsAnalysis, etichetta: str) -> str:
    """The "Sintesi" paragraph, in Italian, from the computed results (never canned text)."""
    d, year = analysis.district, analysis.year
    parts = [f"Nel {year} i servizi dell'area {etichetta.lower()} hanno seguito {num(d['utenti'], 0)} persone, "
             f"{num(d['copertura'])} ogni 1.000 residenti a rischio (intervallo di confidenza al 95%: "
             f"{num(d['lower'])}–{num(d['upper'])})."]
    above, below = _names(analysis.coverage, "superiore"), _names(analysis.coverage, "inferiore")
    if above:
        parts.append(f"La copertura è significativamente superiore a quella del distretto a {_join(above)}.")
    if below:
        lead = "È invece significativamente inferiore" if above else \
            "La copertura è significativamente inferiore a quella del distretto"
        parts.append(f"{lead} a {_join(below)}.")
    if not above and not below:
        parts.append("Nessun comune si discosta dal distretto in modo statisticamente significativo: "
                     "le differenze osservate sono compatibili con la variabilità casuale.")
    trend = analysis.trend
    if str(trend.verdict).startswith("non calcolabile"):
        parts.append(f"La tendenza recente non è calcolabile ({str(trend.verdict).split(': ', 1)[-1]}).")
    elif trend.significant:
        parts.append(f"Negli ultimi cinque anni la copertura è in {'aumento' if trend.direction == 'up' else 'diminuzione'} "
                     "in modo statisticamente significativo.")
    else:
        parts.append("Negli ultimi cinque anni la copertura non mostra variazioni statisticamente significative.")
    risk = analysis.at_risk
    if "variazione_pct" in risk:
        total_now, total_before = risk["popolazione_a_rischio"].sum(), risk["precedente"].sum()
        change = (total_now / total_before - 1) * 100
        span = f"tra il {int(risk['anno_precedente'].iloc[0])} e il {int(risk['anno_popolazione'].iloc[0])}"
        if abs(change) < 0.05:
            parts.append(f"La popolazione a rischio è rimasta stabile {span}.")
        else:
            verb = "cresciuta" if change > 0 else "diminuita"
            parts.append(f"La popolazione a rischio è {verb} {del_pct(abs(change))} {span}.")
    spend = analysis.spending.set_index("anno")
    if year in spend.index and year - 1 in spend.index:
        now, before = spend.loc[year, "importo_euro"], spend.loc[year - 1, "importo_euro"]
        change = (now / before - 1) * 100
        parts.append(f"La spesa dell'area è di {num(now, 0)} euro ({'+' if change >= 0 else '−'}{pct(abs(change))} "
                     f"sul {year - 1}), pari a {num(spend.loc[year, 'spesa_per_utente'], 0)} euro per utente.")
    return " ".join(parts)
