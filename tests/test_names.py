"""pianozona.names: the one folding of a typed name and the one list parser."""

from __future__ import annotations

import pytest

from pianozona.data import population
from pianozona.names import NameIndex, code_key, fold, loose, split_list


@pytest.mark.parametrize("typed", ["Travacò Siccomario", "Travaco Siccomario", "TRAVACO' SICCOMARIO",
                                   " travacò-siccomario ", "Travaco\u0300  Siccomario"])
def test_fold_ignores_accents_apostrophes_case_and_spaces(typed):
    assert fold(typed) == "travaco siccomario"


def test_fold_keeps_words_apart_where_an_apostrophe_was():
    assert fold("Sant'Alessio con Vialone") == "sant alessio con vialone" == fold("Sant Alessio con Vialone")
    assert fold("Bolzano/Bozen") == "bolzano bozen"


@pytest.mark.parametrize("typed", ["S. Alessio con Vialone", "S.Alessio con Vialone", "San Alessio con Vialone",
                                   "Santo Alessio con Vialone", "sant'alessio con vialone"])
def test_loose_reads_a_saints_abbreviation_as_the_full_name(typed):
    assert loose(typed) == loose("Sant'Alessio con Vialone") == "s alessio con vialone"


def test_code_key_turns_a_typed_label_into_a_code():
    assert code_key("Salute mentale") == "salute_mentale"
    assert code_key(" Povertà ") == "poverta"


@pytest.mark.parametrize("typed, items", [
    ("Pavia, Cava Manara; 018030", ["Pavia", "Cava Manara", "018030"]),
    (" , ;", []), ("", []), (None, []),
    (["Pavia ", " Zinasco"], ["Pavia", "Zinasco"]),
    ("anziani,,minori", ["anziani", "minori"]),
    ("Pavia, Pavia", ["Pavia", "Pavia"]),  # repeats are the caller's business
])
def test_split_list(typed, items):
    assert split_list(typed) == items


def test_name_index_exact_first_then_loose():
    index = NameIndex([("018141", ["Sant'Alessio con Vialone"]), ("018110", ["018110", "Pavia"])])
    assert index.find("sant alessio con vialone") == ("018141",)
    assert index.find("S. Alessio con Vialone") == ("018141",)
    assert index.find("PAVIA") == index.find("018110") == ("018110",)
    assert index.find("Atlantide") == ()


def test_name_index_returns_every_value_of_a_shared_name():
    index = NameIndex([("a", ["Samone"]), ("b", ["Samone"])])
    assert index.find("samone") == ("a", "b")


def test_the_loose_key_joins_no_two_istat_comuni_the_exact_fold_keeps_apart():
    """On ISTAT's whole list, "S." never turns a name into another comune."""
    table = population.comuni_italia()
    exact: dict[str, set[str]] = {}
    loose_keys: dict[str, set[str]] = {}
    for code, name in zip(table["codice_comune"], table["comune"]):
        exact.setdefault(fold(name), set()).add(code)
        loose_keys.setdefault(loose(name), set()).add(code)
    assert len(loose_keys) == len(exact)


@pytest.mark.parametrize("typed", ["Travaco Siccomario", "S. Alessio con Vialone", "torre d'isola", "TORRE D ISOLA"])
def test_every_istat_lookup_uses_the_folding(typed):
    assert len(population.codes_for_name(typed)) == 1
