"""How an analysis result introduces itself in a notebook: a short Italian summary, not every table as text.

`needs.NeedsAnalysis`, `profile.ComuneProfile` and `territory.TerritoryComparison` show these
summaries as their HTML and text representations (`_repr_html_`, `__repr__`): the district figures,
the mode (raw data or protected), and where the full tables are.  The values are the result's
own, so a protected result shows its markers ("n.d.") where a count is hidden; every piece of text
is escaped by `formatting.Summary`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pianozona.analysis.protection import TOTAL_LABEL
from pianozona.data.areas import get_area
from pianozona.formatting import Summary, num, span

__all__ = ["MODE_PROTECTED", "MODE_RAW", "needs_summary", "profile_summary", "territory_summary"]

MODE_RAW = "non protetti (non condividere)"
MODE_PROTECTED = "protetti per la pubblicazione (i conteggi da 1 a 4, e ciò che li rivelerebbe, sono nascosti)"
#: how a comparison with the district reads in a count, one and many ("2 sopra, 8 simili, 1 non confrontabile")
_POSITIONS = {"superiore": ("sopra", "sopra"), "inferiore": ("sotto", "sotto"), "simile": ("simile", "simili"),
              "non confrontabile": ("non confrontabile", "non confrontabili")}


def _mode(protected: bool) -> tuple[str, str]:
    return "Dati", MODE_PROTECTED if protected else MODE_RAW


def _interval(value: Any, lower: Any, upper: Any) -> str:
    if pd.isna(value):
        return num(value)
    return f"{num(value)} (intervallo al 95%: {num(lower)}–{num(upper)})"


def _positions(verdicts: pd.Series) -> str:
    """'2 sopra, 1 sotto, 8 simili, 1 non confrontabile' (verdicts against the district)."""
    counts = verdicts.astype(str).value_counts()
    order = [v for v in _POSITIONS if v in counts] + sorted(v for v in counts.index if v not in _POSITIONS)
    return ", ".join(f"{counts[v]} {_POSITIONS.get(v, (v, v))[int(counts[v] != 1)]}" for v in order) or "nessuno"


def needs_summary(analysis: Any) -> Summary:
    """The needs analysis of one area and year (`needs.NeedsAnalysis`)."""
    whole = analysis.district
    comuni = analysis.coverage[analysis.coverage["comune"] != TOTAL_LABEL]
    return Summary(
        title=f"Analisi dei bisogni: {get_area(analysis.area).etichetta}, {analysis.year}",
        rows=(_mode(analysis.protected),
              (analysis.words["header"], num(whole["utenti"], 0)),
              ("Popolazione a rischio", num(whole["popolazione_a_rischio"], 0)),
              ("Copertura per 1.000 residenti a rischio", _interval(whole["copertura"], whole["lower"],
                                                                    whole["upper"])),
              ("Comuni rispetto al distretto", _positions(comuni["confronto"])),
              ("Andamento", f"{analysis.trend.verdict} ({span(analysis.trend_table['anno'])})")),
        notes=("Le tabelle: .coverage (i comuni), .trend_table (gli anni), .spending, .services, .change; "
               ".table è la tabella da cui derivano.",))


def profile_summary(profile: Any) -> Summary:
    """The profile of one comune (`profile.ComuneProfile`)."""
    areas = profile.areas
    return Summary(
        title=f"Profilo di {profile.comune} ({profile.district}), {profile.year}",
        rows=(_mode(profile.protected),
              ("Residenti", f"{num(profile.residents, 0)} al 1° gennaio {profile.population_year}"),
              ("Aree rispetto al distretto", _positions(areas["confronto"]) if len(areas) else "nessuna")),
        notes=(profile.population_note, "Le tabelle: .demography, .areas (le aree), .spine (il grafico)."))


def territory_summary(comparison: Any) -> Summary:
    """The comparison of a territory's districts (`territory.TerritoryComparison`)."""
    districts = comparison.districts
    return Summary(
        title=f"Confronto tra ambiti: {comparison.nome}, {comparison.year}",
        rows=(_mode(comparison.protected),
              ("Ambiti", num(len(districts), 0)),
              ("Comuni", num(districts["comuni"].sum(), 0)),
              ("Residenti", f"{num(districts['residenti'].sum(), 0)} al 1° gennaio {comparison.population_year}"),
              ("Ambiti rispetto al territorio, area per area", _positions(comparison.coverage["confronto"]))),
        notes=("Le tabelle: .districts, .coverage (aree e ambiti), .pooled (il tasso del territorio), "
               ".demography, .spending.",))
