"""Checks across a district's tables, once each table is read: what a single table cannot see.

- comparators whose ISTAT code matches no comune (errore);
- years of data without ISTAT population: the nearest year is used as an estimate (avviso, with where to
  download the right file: the how-to belongs to `validate`, never to a page);
- the immigrazione area without foreign residents (ISTAT STRASA): its coverage is measured against all
  residents (avviso naming the denominator and the years);
- users above the population at risk (avviso); the objectives' links to measures and services (errore,
  `pianozona.data.links`);
- amounts and counts far from the other years of their own series, the classic typing error
  (`pianozona.data.plausibility`, avviso).

Each function adds `Problem`s to the district's list; `datasets.load_district` calls `cross_checks`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pianozona.data import istat_ats, links, plausibility, population
from pianozona.data.config import CONFIG_FILE, DistrictConfig, command_target
from pianozona.data.tabular import LINE_COLUMN, display_path, find_table
from pianozona.errors import DataError, Problem
from pianozona.formatting import years_text

ISTAT_FOLDER = "istat"


def table_label(folder: Path, name: str) -> str:
    """How a message names table `name` of the district in `folder` (its file, or its sheet of dati.xlsx)."""
    try:
        found = find_table(folder, name)
    except DataError:
        found = None
    return display_path(*found) if found else str(folder / f"{name}.csv")


def comparator_problems(config: DistrictConfig) -> list[Problem]:
    """A province or region of `confronti` whose ISTAT code no comune has."""
    registry = population.comuni_italia()
    mine = registry[registry["codice_comune"].isin(list(config.comuni))]
    out = []
    for comp in config.confronti:
        column = "codice_provincia" if comp.livello == "provincia" else "codice_regione"
        if not (registry[column] == comp.codice).any():
            own = mine[[column, comp.livello]].value_counts().index  # the district's own, most comuni first
            example = (f"quella dei comuni del distretto è \"{own[0][0]}\" ({own[0][1]})" if len(own) else
                       "es. \"018\" per la provincia di Pavia, \"03\" per la Lombardia")
            out.append(Problem("errore", f"nessun comune ISTAT ha codice {comp.livello} {comp.codice}",
                               file=str(config.folder / CONFIG_FILE), column=comp.livello, value=comp.codice,
                               fix=f"usare il codice ISTAT della {comp.livello}: {example}"))
    return out


def cross_checks(district: Any) -> None:
    """Every check across tables, its findings added to `district.problems` (a `datasets.District`)."""
    problems = district.problems
    folder = district.config.folder
    problems.extend(comparator_problems(district.config))
    if district.popolazione.empty:
        problems.add(Problem("errore", "nessun dato di popolazione per i comuni del distretto",
                             file=str(folder / CONFIG_FILE), fix="controllare i codici dei comuni"))
        return
    problems.extend(_population_years(district))
    problems.extend(_foreign_residents(district))
    _check_users_vs_population(district)
    problems.extend(links.objective_problems(district, table_label(folder, "obiettivi"), table_label(folder, "misure")))
    problems.extend(plausibility.check(district.utenti, "utenti", table_label(folder, "utenti")))
    problems.extend(plausibility.check(district.spesa, "spesa", table_label(folder, "spesa")))
    if problem := istat_ats.ambito_problem(folder, district.config.ambito_istat):
        problems.add(problem)


def _population_years(district: Any) -> list[Problem]:
    """One warning per population year lent to years of data without their own ISTAT population."""
    known = set(district.anni_popolazione)
    lent: dict[int, list[int]] = {}
    for year in district.anni_dati:
        if year not in known:
            lent.setdefault(district.nearest_population_year(year), []).append(year)
    target = command_target(district.config.folder)
    return [Problem("avviso", population.borrowed_text({y: used for y in years}) + " nei rapporti",
                    file=display_path(district.config.folder / ISTAT_FOLDER),
                    fix="per dati esatti " + population.istat_download_hint(years, target))
            for used, years in sorted(lent.items())]


def _foreign_residents(district: Any) -> list[Problem]:
    """The immigrazione area measured against all residents for the years without STRASA (only if it has users)."""
    area = district.aree.get("immigrazione")
    users = district.utenti
    if area is None or area.base != "stranieri" or users.empty:
        return []
    years = sorted(int(y) for y in users.loc[users["area"] == "immigrazione", "anno"].dropna().unique())
    have = set() if district.stranieri is None else {int(y) for y in district.stranieri["anno"].unique()}
    missing = [y for y in years if district.nearest_population_year(y) not in have]
    if not missing:
        return []
    span = years_text(missing)
    return [Problem("avviso", f"area immigrazione, {'anno' if len(missing) == 1 else 'anni'} {span}: mancano i "
                    "residenti stranieri (ISTAT STRASA), la copertura si calcola su tutti i residenti "
                    "(i rapporti lo dicono)",
                    file=display_path(district.config.folder / ISTAT_FOLDER),
                    fix="per misurarla sui residenti stranieri " + population.strasa_download_hint(
                        missing[-1], command_target(district.config.folder)))]


def _check_users_vs_population(district: Any) -> None:
    users = district.utenti.dropna(subset=["anno", "codice_comune", "area", "utenti"])
    users = users[users["area"].isin(list(district.aree))]
    if users.empty:
        return
    frames = [district.popolazione_a_rischio(area, users["anno"].astype(int).unique().tolist())
              for area in users["area"].unique()]
    at_risk = pd.concat(frames, ignore_index=True)
    merged = users.assign(anno=users["anno"].astype(int)).merge(at_risk, on=["anno", "codice_comune", "area"])
    over = merged[merged["utenti"].astype(float) > merged["popolazione_a_rischio"]]
    path = table_label(district.config.folder, "utenti")
    for line, count, at_risk_n, year in zip(over[LINE_COLUMN], over["utenti"], over["popolazione_a_rischio"],
                                            over["anno_popolazione"]):
        district.problems.add(Problem(
            "avviso", f"utenti superiori alla popolazione a rischio ({at_risk_n:.0f} nel {year})", file=path,
            line=int(line), column="utenti", value=int(count),
            fix="verificare il conteggio o la definizione della popolazione a rischio",
        ))
