"""Likely typing errors: a value far from the other years of its own series (trial F8)."""

from __future__ import annotations

import pandas as pd
import pytest

import pianozona
from pianozona.data import plausibility
from pianozona.data.tabular import LINE_COLUMN
from tests.conftest import PAVIA, ROOT, replace_line


def _spesa(values: dict[int, float], area="disabili", fonte="FNA") -> pd.DataFrame:
    return pd.DataFrame({"anno": list(values), "area": area, "fonte_finanziamento": fonte, "servizio": None,
                         "importo_euro": list(values.values()), LINE_COLUMN: range(2, 2 + len(values))})


def test_the_trials_case_is_flagged_on_its_row():
    """€ 12.500,00 typed for about 650.000 (2021, disabili, FNA) in the Carpi trial."""
    problems = plausibility.check(_spesa({2021: 12_500.0, 2022: 651_234.5, 2023: 648_900.0}), "spesa", "dati.xlsx")
    assert len(problems) == 1
    p = problems[0]
    assert (p.severity, p.line, p.column, p.value) == ("avviso", 2, "importo_euro", "12.500")
    assert "52 volte più piccolo della mediana degli altri anni (650.067)" in p.message
    assert "nan" not in p.format()


@pytest.mark.parametrize("values", [
    {2021: 120_000.0, 2022: 240_000.0, 2023: 480_000.0},            # a series that doubles every year
    {2019: 10_000.0, 2020: 60_000.0, 2021: 120_000.0, 2022: 200_000.0},  # a service that ramps up
    {2021: 0.0, 2022: 650_000.0, 2023: 660_000.0},                  # a zero is meant (a fund not received)
    {2022: 12_500.0, 2023: 650_000.0},                              # two years: which one is wrong is unknown
    {2021: 100.0, 2022: 900.0, 2023: 950.0},                        # below the gap worth a warning (1.000 €)
])
def test_real_changes_are_not_flagged(values):
    assert plausibility.check(_spesa(values), "spesa", "spesa.csv") == []


def test_a_zero_too_many_in_a_count_is_flagged_but_small_counts_move_freely():
    def users(values):
        return pd.DataFrame({"anno": list(values), "codice_comune": "036005", "area": "anziani",
                             "servizio": "SAD", "utenti": list(values.values()),
                             LINE_COLUMN: range(10, 10 + len(values))})
    flagged = plausibility.check(users({2021: 410, 2022: 4100, 2023: 395}), "utenti", "utenti.csv")
    assert [(p.line, p.value) for p in flagged] == [(11, "4.100")]
    assert plausibility.check(users({2021: 3, 2022: 6, 2023: 3}), "utenti", "utenti.csv") == []  # F24's 3 -> 6


def test_through_validation_the_row_is_named(pavia_copy):
    # Pavia, 2021 disabili FNA is about 231.000 (the other years 208.000-240.000): typed without three digits
    replace_line(pavia_copy / "spesa.csv", 59, "2021;disabili;FNA;231,04;dimostrativo")
    district = pianozona.load_district(pavia_copy)  # a warning, not an error
    found = [p for p in district.problems.warnings if p.column == "importo_euro"]
    assert [(p.line, p.file.endswith("spesa.csv")) for p in found] == [(59, True)]


@pytest.mark.parametrize("folder", [PAVIA, *sorted((ROOT / "data/territori/provincia_pavia").glob("ambito-*"))],
                         ids=lambda p: p.name)
def test_no_false_alarm_on_the_bundled_data(folder):
    district = pianozona.load_district(folder)
    assert not [p.format() for p in district.problems if "molto diverso" in p.message]
