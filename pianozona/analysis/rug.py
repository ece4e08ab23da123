"""The mayors' overview ("quadro dei sindaci"): every comune against every indicator, as one long table.

Fingertips' "tartan rug": one row per comune and indicator (and the district total),
with the value, how it is suppressed and its verdict against the district.  Coverage
values and verdicts come from the protected `needs.analyse` of each area (through
`profile.area_analyses`), so a value hidden in an area report is hidden here too;
demographic indicators are ISTAT full counts, "non valutato" (not compared).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pianozona import privacy
from pianozona.analysis import needs
from pianozona.analysis.indicators import ETICHETTE
from pianozona.analysis.profile import (COVERAGE_SUFFIX, NOT_ASSESSED, VERDICTS, area_analyses, coverage_label,
                                        demography_table)
from pianozona.analysis.protection import cached
from pianozona.data.datasets import District
from pianozona.formatting import num

__all__ = ["COLUMNS", "DEMOGRAPHY", "GROUPS", "VERDICTS", "groups", "key_figures", "metrics", "overview",
           "population_notes", "summary"]

#: Demographic indicators of the overview, in order (labels: `indicators.ETICHETTE`).
DEMOGRAPHY = ["popolazione", "indice_vecchiaia", "quota_65", "quota_85", "quota_minori"]
#: Columns of `overview`.
COLUMNS = ["codice_comune", "comune", "codice_indicatore", "indicatore", "valore", "soppressione", "verdetto",
           "decimali"]


def _demography_rows(district: District, year: int) -> list[dict]:
    table = demography_table(district, year)
    names = dict(zip(district.comuni["comune"], district.comuni["codice_comune"]))
    comuni = table[table["livello"] == "comune"].set_index("territorio")
    whole = table[table["livello"] == "distretto"]
    rows = []
    for key in DEMOGRAPHY:
        for name, code in names.items():
            rows.append({"codice_comune": code, "comune": name, "codice_indicatore": key,
                         "indicatore": ETICHETTE[key], "valore": float(comuni.loc[name, key])})
        rows.append({"codice_comune": "", "comune": needs.TOTAL_LABEL, "codice_indicatore": key,
                     "indicatore": ETICHETTE[key], "valore": float(whole[key].iloc[0]) if not whole.empty else np.nan})
    for row in rows:
        row.update(soppressione=False, verdetto=NOT_ASSESSED,
                   decimali=0 if row["codice_indicatore"] == "popolazione" else 1)
    return rows


def _coverage_rows(district: District, analysis: needs.NeedsAnalysis) -> list[dict]:
    """The published coverage of each comune and of the district, with its verdict (from the protected table)."""
    label = coverage_label(district, analysis.area)
    shared = needs.shareable_coverage(analysis)
    codes = dict(zip(district.comuni["comune"], district.comuni["codice_comune"]))
    (flag,) = needs.FLAGS
    rows = []
    for row in shared.to_dict("records"):
        total = row["comune"] == needs.TOTAL_LABEL
        rows.append({"codice_comune": "" if total else codes[row["comune"]], "comune": row["comune"],
                     "codice_indicatore": f"copertura_{analysis.area}", "indicatore": label,
                     "valore": np.nan if row[flag] else float(row["copertura"]),
                     "soppressione": bool(row[flag]),
                     "verdetto": NOT_ASSESSED if total else str(row["confronto"]), "decimali": 1})
    return rows


@cached
def overview(district: District, year: int, *, publish: bool | None = None) -> pd.DataFrame:
    """Comuni x indicators in `year`, long: one row per comune (then the district total) and indicator.

    Columns `COLUMNS`: valore is NaN where hidden, soppressione True there (False elsewhere),
    verdetto one of `VERDICTS` (the district total and demographic indicators: "non valutato").
    `publish` as in `needs.analyse`.
    """
    district.check_year(year)
    rows = _demography_rows(district, year)
    for analysis in area_analyses(district, year, publish=publish).values():
        rows.extend(_coverage_rows(district, analysis))
    table = pd.DataFrame(rows, columns=COLUMNS)
    order = {name: i for i, name in enumerate([*district.comuni["comune"], needs.TOTAL_LABEL])}
    indicators = list(dict.fromkeys(table["codice_indicatore"]))
    table = table.assign(_r=table["comune"].map(order), _c=table["codice_indicatore"].map(indicators.index))
    return table.sort_values(["_r", "_c"], kind="stable", ignore_index=True).drop(columns=["_r", "_c"])


#: The overview's tables, each a group of indicators: the areas' coverage (verdicts against the district), then
#: demography (ISTAT full counts, not compared).  Seven and five columns: each fits a laptop screen and a portrait
#: A4 page, from 4 comuni to 40 (the comuni are rows).
#: (heading, what the caption adds) of each group.
GROUPS = (("Copertura dei servizi per area", "utenti dei servizi per 1.000 residenti a rischio e verdetto rispetto "
                                            "al distretto"),
          ("Indicatori demografici", "dati ISTAT, non messi a confronto"))


def groups(table: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """An `overview` table as its `GROUPS`: (heading, caption, long table), the coverage's columns named by area."""
    coverage = table["codice_indicatore"].str.startswith("copertura_")
    areas = table[coverage].assign(indicatore=table.loc[coverage, "indicatore"].str.removesuffix(COVERAGE_SUFFIX))
    parts = [(*GROUPS[0], areas), (*GROUPS[1], table[~coverage])]
    return [(title, f"{title}: {detail}", part.reset_index(drop=True)) for title, detail, part in parts
            if not part.empty]


def population_notes(district: District) -> list[str]:
    """What a reader of the coverage table must know about a denominator: an area measured on all residents."""
    return [f"{area.etichetta}: copertura calcolata su {area.describe_population(has_stranieri=False)}."
            for area in district.aree.values() if area.base == "stranieri" and district.stranieri is None]


def _coverage_cells(table: pd.DataFrame) -> pd.DataFrame:
    """The coverage cells of the comuni (not the district total)."""
    return table[(table["comune"] != needs.TOTAL_LABEL) & table["codice_indicatore"].str.startswith("copertura_")]


def _area_counts(table: pd.DataFrame) -> pd.DataFrame:
    comuni = _coverage_cells(table)
    counts = pd.crosstab(comuni["indicatore"], comuni["verdetto"])
    return counts.reindex(columns=list(VERDICTS), fill_value=0).reindex(comuni["indicatore"].unique())


def summary(table: pd.DataFrame) -> str:
    """Two or three Italian sentences on an `overview` table: how many comparisons differ, how many are hidden.

    Written from the protected verdicts only: it counts, it never names a hidden value nor ranks comuni.
    """
    counts = _area_counts(table)
    cells = int(counts.to_numpy().sum())
    if cells == 0:
        return "Il quadro non contiene indicatori di copertura dei servizi."
    above, below = int(counts["superiore"].sum()), int(counts["inferiore"].sum())
    hidden = int(_coverage_cells(table)["soppressione"].astype(bool).sum())
    comuni = len(table.loc[table["comune"] != needs.TOTAL_LABEL, "comune"].unique())
    text = (f"Il quadro confronta la copertura di {comuni} "
            f"comuni con quella del distretto in {len(counts)} aree ({cells} confronti): {above} "
            f"{'è significativamente superiore' if above == 1 else 'sono significativamente superiori'}, "
            f"{below} {'è significativamente inferiore' if below == 1 else 'sono significativamente inferiori'}, "
            "gli altri non si discostano in modo statisticamente significativo o non sono confrontabili.")
    moved = [f"{area.removesuffix(COVERAGE_SUFFIX)} ({int(r['superiore'])} sopra, {int(r['inferiore'])} sotto)"
             for area, r in counts.iterrows() if r["superiore"] or r["inferiore"]]
    if moved:
        text += f" Le differenze significative riguardano: {'; '.join(moved)}."
    if hidden:
        text += (f" {hidden} {'valore non è pubblicato' if hidden == 1 else 'valori non sono pubblicati'} per tutelare "
                 f"la riservatezza («{privacy.MARKER}» nella tabella) e "
                 "non entrano nei confronti.")
    return text


def metrics(table: pd.DataFrame, year: int) -> dict:
    """Key figures of an `overview` table for the metrics JSON: comparisons by verdict, hidden cells."""
    cells = _coverage_cells(table)
    verdicts = cells["verdetto"].value_counts()
    return {"anno": int(year), "comuni": int(cells["comune"].nunique()), "confronti": int(len(cells)),
            "superiori": int(verdicts.get("superiore", 0)), "inferiori": int(verdicts.get("inferiore", 0)),
            "non_pubblicati": int(cells["soppressione"].astype(bool).sum())}


def key_figures(table: pd.DataFrame, year: int) -> dict[str, str]:
    """The key figures of an `overview` table as display text."""
    m = metrics(table, year)
    return {"Comuni": num(m["comuni"], 0),
            "Confronti con copertura superiore al distretto": num(m["superiori"], 0),
            "Confronti con copertura inferiore al distretto": num(m["inferiori"], 0),
            "Valori non pubblicati (riservatezza)": num(m["non_pubblicati"], 0)}
