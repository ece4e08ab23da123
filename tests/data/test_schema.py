"""The data contract's messages as an office reads them (trial F3-F5) and names typed in the tables (item 9)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pianozona.data.schema import TABLES, check_table
from pianozona.data.tabular import LINE_COLUMN

CARPI = {"036005": "Campogalliano", "036004": "Carpi", "036028": "Novi di Modena", "036044": "Soliera"}


def _check(name: str, rows: list[dict], comuni=CARPI):
    frame = pd.DataFrame(rows).astype(str)
    frame[LINE_COLUMN] = range(2, 2 + len(rows))
    return check_table(frame, TABLES[name], "dati.xlsx [foglio utenti]", comuni, set(CARPI) | {"018110"})


def _users(**changes):
    row = {"anno": "2023", "codice_comune": "036004", "area": "anziani", "servizio": "SAD", "utenti": "12",
           "fonte": "gestionale"}
    return {**row, **changes}


@pytest.mark.parametrize(("column", "typed", "hint"), [
    ("anno", "2O23", "scrivere l'anno a 4 cifre (es. 2023)"),
    ("utenti", "-", "0 se non ci sono utenti; se il dato non è noto, cancellare la riga"),
])
def test_the_hint_fits_the_kind_of_column(column, typed, hint):
    _, problems = _check("utenti", [_users(**{column: typed})])
    assert len(problems) == 1 and hint in problems[0].fix
    assert "1234,50" not in problems[0].fix  # the decimal-comma hint is for amounts


def test_a_dash_in_a_count_is_named_as_such():
    _, problems = _check("utenti", [_users(utenti="-")])
    assert problems[0].message == "segno al posto di un numero"


def test_an_amount_gets_the_amount_hint():
    row = {"anno": "2023", "area": "anziani", "fonte_finanziamento": "FNA", "importo_euro": "dodicimila",
           "fonte": "x"}
    _, problems = _check("spesa", [row])
    assert "importo in euro" in problems[0].fix


def test_an_empty_key_cell_shows_as_empty_never_nan():
    """Trial F4: 'servizio=nan' in the duplicate-key message."""
    row = {"anno": "2021", "area": "minori", "fonte_finanziamento": "quote comunali", "importo_euro": "10",
           "servizio": "", "fonte": "x"}
    _, problems = _check("spesa", [row, row])
    assert len(problems) == 1 and "servizio=(vuoto)" in problems[0].format()
    assert not re.search(r"\bnan\b", problems[0].format())  # "finanziamento" contains the letters, not the word


def test_an_unknown_code_gets_the_districts_own_codes_as_examples():
    """Trial F5: '(es. 018110 per Pavia)' to an office in Emilia-Romagna."""
    _, problems = _check("utenti", [_users(codice_comune="36050")])
    fix = problems[0].fix
    assert "036005 Campogalliano" in fix and "036044 Soliera" in fix and "Pavia" not in fix


@pytest.mark.parametrize("typed", ["36004", "036004", "Carpi", "carpi", " CARPI "])
def test_a_comune_is_found_by_code_as_excel_keeps_it_or_by_name(typed):
    typed_table, problems = _check("utenti", [_users(codice_comune=typed)])
    assert problems == [] and typed_table["codice_comune"].tolist() == ["036004"]


def test_names_without_accents_or_apostrophes_match_in_the_tables():
    comuni = {"018141": "Sant'Alessio con Vialone", "018162": "Travacò Siccomario"}
    rows = [_users(codice_comune=name) for name in ("Travaco Siccomario", "S. Alessio con Vialone")]
    typed, problems = _check("utenti", [{**r, "servizio": f"S{i}"} for i, r in enumerate(rows)], comuni=comuni)
    assert problems == [] and typed["codice_comune"].tolist() == ["018162", "018141"]


@pytest.mark.parametrize(("typed", "code"), [("Povertà", "poverta"), ("Salute mentale", "salute_mentale"),
                                             ("Minori e famiglia", "minori"), ("ANZIANI", "anziani")])
def test_an_area_by_code_or_label(typed, code):
    typed_table, problems = _check("utenti", [_users(area=typed)])
    assert problems == [] and typed_table["area"].tolist() == [code]
