"""The social-worker LEPS: the contribution as L. 178/2020, art. 1, c. 797 writes it, the checklist, the summary.

The law publishes no worked example; the expected numbers below follow from its
text alone (the two bands and their amounts), worked by hand for an ambito of
65,000 residents, where the ratios give round numbers: 1:6,500 -> 10 FTE,
1:5,000 -> 13 FTE, 1:4,000 -> 16.25 FTE.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import pianozona
from pianozona.analysis import leps
from tests.conftest import write_csv


@pytest.mark.parametrize("fte, first, second, euro", [
    (0, 0, 0, 0),
    (9, 0, 0, 0),              # below 1:6,500: no contribution
    (10, 0, 0, 0),             # exactly 1:6,500: nothing beyond it yet
    (10.5, 0.5, 0, 20_000),    # fractions of FTE count: half a social worker, half of 40,000
    (12, 2, 0, 80_000),        # 2 beyond 1:6,500 at 40,000
    (13, 3, 0, 120_000),       # the LEPS (1:5,000) reached: the first band is full
    (15, 3, 2, 160_000),       # 3 x 40,000 + 2 x 20,000
    (16.25, 3, 3.25, 185_000),  # the service target (1:4,000): both bands full
    (20, 3, 3.25, 185_000),    # beyond 1:4,000 nothing more
])
def test_the_two_bands_of_the_law_for_65000_residents(fte, first, second, euro):
    rule = leps.contribution(65_000, fte)
    assert (rule["soglia_6500"], rule["soglia_5000"], rule["soglia_4000"]) == (10, 13, 16.25)
    assert rule["fascia_40000"] == pytest.approx(first) and rule["fascia_20000"] == pytest.approx(second)
    assert rule["contributo_euro"] == pytest.approx(euro)
    assert rule["mancanti_5000"] == pytest.approx(max(13 - fte, 0))
    assert rule["mancanti_4000"] == pytest.approx(max(16.25 - fte, 0))


def test_where_an_ambito_stands():
    assert leps.position(65_000 / 9) == "sotto 1:6.500"
    assert leps.position(65_000 / 12) == "tra 1:6.500 e il LEPS"
    assert leps.position(5_000) == "LEPS raggiunto (1:5.000)"
    assert leps.position(4_000) == "obiettivo di servizio raggiunto (1:4.000)"
    assert leps.position(math.inf) == leps.position(float("nan")) == "nessun assistente sociale a tempo indeterminato"


def test_bundled_pavia_counts_permanent_fte_only_on_its_residents():
    pavia = pianozona.load_district("pavia")
    table = leps.social_workers(pavia, until=2023).set_index("anno")
    staff = pavia.personale.query("figura == 'assistente_sociale' and anno == 2023")
    permanent = staff.loc[staff["tempo_indeterminato"].astype(bool), "fte"].sum()
    residents = pavia.popolazione.query("anno == 2023")["residenti"].sum()
    row = table.loc[2023]
    assert row["fte_indeterminato"] == permanent and row["fte_determinato"] > 0  # fixed-term shown, not counted
    assert row["residenti"] == residents and row["anno_popolazione"] == 2023
    assert row["residenti_per_as"] == pytest.approx(residents / permanent)
    assert row["contributo_euro"] == pytest.approx(40_000 * (permanent - residents / 6500))
    assert table.loc[2019, "anno_popolazione"] == 2022  # no population for 2019 in the package: nearest year
    assert list(leps.social_workers(pavia, until=2021).index) == [0, 1, 2]


def test_summary_and_key_figures_say_estimate_and_fte(pavia_copy):
    write_csv(pavia_copy / "personale.csv", "anno;figura;fte;tempo_indeterminato;fonte\n"
              "2023;assistente_sociale;12,5;sì;prova\n2023;assistente_sociale;4;no;prova\n2023;educatore;3;sì;prova\n")
    district = pianozona.load_district(pavia_copy)
    table = leps.social_workers(district, until=2023)
    text = leps.summary(table, 2023)
    assert "12,5 assistenti sociali a tempo indeterminato (equivalenti a tempo pieno)" in text
    assert "sotto 1:6.500" in text
    assert "contributo annuo stimato è di 0 euro (una stima, non una somma concessa)" in text
    checks, year = leps.checklist(district, 2023)
    figures = leps.metrics(table, checks, 2023)
    assert figures["fte_indeterminato"] == 12.5 and figures["contributo_stimato_euro"] == 0
    assert figures["in_evidenza"]["LEPS attivi"] == f"{figures['leps_attivi']} su 7"
    staff = leps.staff_table(district).set_index("figura")
    assert staff.loc["Educatore professionale", "personale_indeterminato"] == 3
    assert staff.loc["Assistente sociale", "personale_totale"] == 16.5


def test_every_number_the_report_shows_is_an_indicator_of_the_one_registry_under_its_name():
    """The drift check on the LEPS report's tables: `LABELS` and `STAFF_LABELS` are the dictionary's names."""
    from pianozona.analysis import definitions, definitions_national

    pavia = pianozona.load_district("pavia")
    for table, labels in ((leps.social_workers(pavia, until=2023), leps.LABELS),
                          (leps.staff_table(pavia, until=2023), leps.STAFF_LABELS)):
        numbers = [c for c in labels if c in table and c != "anno" and pd.api.types.is_numeric_dtype(table[c])]
        assert len(numbers) >= 3
        for key in numbers:
            item = definitions.for_column(key)
            assert item is not None and definitions.header_matches(item, labels[key]), (key, labels[key])
            assert item.gruppo == definitions_national.GRUPPO_LEPS or key == "residenti"
    assert leps.LABELS["contributo_euro"] == definitions.nome("contributo_stimato") == "Contributo annuo stimato (euro)"
    assert "L. 30 dicembre 2020, n. 178, art. 1, c. 797" in definitions.get("contributo_stimato").fonte
    assert "D.M. 4 febbraio 2021, n. 15" in definitions.get("soglia_5000").fonte


def test_checklist_lists_every_leps_with_its_state_and_law(pavia_copy):
    write_csv(pavia_copy / "leps.csv", "anno;leps;stato;nota;fonte\n2022;pua;no;;prova\n"
              "2023;pua;sì;con l'ASST;prova\n2023;P.I.P.P.I.;parziale;;prova\n2025;pua;no;;prova\n")
    district = pianozona.load_district(pavia_copy)
    table, year = leps.checklist(district, 2023)
    assert year == 2023 and len(table) == 7
    states = table.set_index("leps")["stato"]
    assert states["Punti unici di accesso (PUA) per le persone non autosufficienti"] == "● sì"
    assert states["Prevenzione dell'allontanamento familiare (P.I.P.P.I.)"] == "◐ parziale"
    assert states["Pronto intervento sociale"] == "– non indicato"
    reference = table.set_index("leps").loc["Pronto intervento sociale", "riferimento"]
    assert reference.startswith("L. 234/2021, art. 1, c. 170")
    assert leps.checklist(district, 2020)[1] is None


def test_availability_needs_one_of_the_two_tables(pavia_copy):
    assert leps.availability(pianozona.load_district(pavia_copy)) is None
    (pavia_copy / "personale.csv").unlink()
    assert leps.availability(pianozona.load_district(pavia_copy)) is None  # the checklist alone is enough
    (pavia_copy / "leps.csv").unlink()
    reason = leps.availability(pianozona.load_district(pavia_copy))
    assert reason.startswith("livelli_essenziali non eseguito") and "personale" in reason
    assert leps.social_workers(pianozona.load_district(pavia_copy)).empty
    assert isinstance(leps.staff_table(pianozona.load_district(pavia_copy)), pd.DataFrame)
