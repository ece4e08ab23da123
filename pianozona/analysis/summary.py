"""A short terminal summary of a district: population and key indicators per comune."""

from __future__ import annotations

from pianozona.data.datasets import District
from pianozona.formatting import num as _num
from pianozona.analysis.indicators import copertura, demografici


def district_summary(district: District, year: int | None = None) -> str:
    """Plain-text summary (Italian) for the terminal.

    `year` defaults to the latest year of the office's data, as ``pianozona run`` does (the latest population
    year when there are none); its population is the nearest ISTAT year, said when it is another year's.
    """
    year = int(year or (district.anni_dati or district.anni_popolazione)[-1])
    pop_year = district.nearest_population_year(year)
    pop = district.popolazione[district.popolazione["anno"] == pop_year]
    pop = pop.merge(district.comuni[["codice_comune", "comune"]], on="codice_comune")
    per_comune = demografici(pop, by="comune").sort_values("popolazione", ascending=False)
    whole = demografici(pop.assign(territorio=district.nome), by="territorio").iloc[0]
    lines = [
        f"{district.nome}: {len(district.comuni)} comuni, {_num(whole.popolazione, 0)} residenti al 1° gennaio "
        f"{pop_year}" + (f" (usata come stima per il {year})" if pop_year != year else ""),
        f"Fonte popolazione {pop_year}: " + ", ".join(
            district.fonti_popolazione.loc[district.fonti_popolazione["anno"] == pop_year, "fonte"]),
        "",
        f"{'Comune':<26}{'Residenti':>11}{'Ind. vecch.':>13}{'% 65+':>8}{'% 0-17':>8}",
    ]
    for row in per_comune.itertuples():
        lines.append(f"{row.comune:<26}{_num(row.popolazione, 0):>11}{_num(row.indice_vecchiaia):>13}"
                     f"{_num(row.quota_65):>8}{_num(row.quota_minori):>8}")
    lines.append(f"{'Distretto':<26}{_num(whole.popolazione, 0):>11}{_num(whole.indice_vecchiaia):>13}"
                 f"{_num(whole.quota_65):>8}{_num(whole.quota_minori):>8}")
    cov = copertura(district, anni=[year], livello="distretto")
    if not cov.empty:
        lines += ["", f"Copertura dei servizi {year} (utenti per 1.000 residenti a rischio):"]
        for row in cov.itertuples():
            label = district.aree[row.area].etichetta
            lines.append(f"  {label:<36}{_num(row.utenti, 0):>7} utenti  {_num(row.copertura):>7} per 1.000")
    if district.dimostrativo:
        lines += ["", "Attenzione: i dati di servizi e spesa sono DIMOSTRATIVI (fonte = dimostrativo)."]
    return "\n".join(lines)
