"""Listing and searching Italy's comuni: filters by province, region and name, near matches, names to codes."""

from __future__ import annotations

import csv
import io

import pytest

from pianozona.data import comuni, population
from pianozona.errors import DataError, ValidationError
from pianozona.names import fold


def test_province_by_code_or_name_gives_the_same_comuni():
    by_code = comuni.list_comuni(provincia="018")
    assert by_code.equals(comuni.list_comuni(provincia="Pavia"))
    assert by_code.equals(comuni.list_comuni(provincia="18"))
    assert by_code.equals(comuni.list_comuni(provincia="provincia di PAVIA"))
    assert set(by_code["provincia"]) == {"Pavia"} and set(by_code["regione"]) == {"Lombardia"}
    # every comune of the province, as in the ISTAT list, each once and sorted by code
    registry = population.comuni_italia()
    assert len(by_code) == (registry["codice_provincia"] == "018").sum()
    assert by_code["codice_comune"].is_monotonic_increasing and by_code["codice_comune"].is_unique


def test_region_filter_combines_with_the_name():
    lombardy = comuni.list_comuni(regione="Lombardia")
    assert lombardy.equals(comuni.list_comuni(regione="03"))
    assert set(lombardy["codice_regione"]) == {"03"}
    san = comuni.list_comuni(regione="lombardia", nome="san")
    assert 0 < len(san) < len(lombardy)
    assert all("san" in fold(n) for n in san["comune"])


def test_bilingual_region_found_by_either_name():
    region = comuni.find_territory("Südtirol", "regione")
    assert region == comuni.find_territory("trentino alto adige", "regione")
    assert (region.codice, region.nome) == ("04", "Trentino-Alto Adige/Südtirol")
    assert comuni.find_territory("Bozen", "provincia").codice == "021"


def test_name_matching_ignores_accents_and_case():
    found = comuni.list_comuni(nome="TRAVACO")
    assert list(found["comune"]) == ["Travacò Siccomario"]
    assert list(found["codice_comune"]) == ["018162"]
    assert list(comuni.list_comuni(nome="torre d isola")["codice_comune"]) == ["018159"]


def test_no_match_offers_near_names():
    with pytest.raises(DataError) as info:
        comuni.list_comuni(nome="Pavai")
    assert "forse cercavi" in info.value.problem.fix and "Pavia (018110)" in info.value.problem.fix
    with pytest.raises(DataError) as info:
        comuni.list_comuni(provincia="Pavai")
    assert "Pavia (018)" in info.value.problem.fix


def test_text_table_and_csv_list_every_comune():
    found = comuni.list_comuni(provincia="Lodi", nome="san")
    text = comuni.text_table(found).splitlines()
    assert text[0].split() == ["codice", "comune", "provincia", "regione"]
    assert text[-1] == f"{len(found)} comuni"
    assert any(line.startswith("098047  San Fiorano") and "Lodi (098)" in line for line in text)
    rows = list(csv.reader(io.StringIO(comuni.csv_text(found)), delimiter=";"))
    assert rows[0][0] == "codice" and len(rows) == len(found) + 1
    assert ["098047", "San Fiorano", "098", "Lodi", "03", "Lombardia"] in rows


def test_resolve_names_and_codes_in_order_repeats_dropped():
    entries = comuni.parse_names("Pavia; cava manara, 18030, Pavia")
    assert comuni.resolve_comuni(entries) == {"018110": "Pavia", "018041": "Cava Manara",
                                              "018030": "Carbonara al Ticino"}


def test_ambiguous_name_lists_the_candidates_with_codes():
    with pytest.raises(DataError) as info:
        comuni.resolve_comuni([comuni.Entry("Samone", file="elenco.txt", line=3)])
    problem = info.value.problem
    assert (problem.file, problem.line, problem.value) == ("elenco.txt", 3, "Samone")
    assert "\"001235\"" in problem.fix and "\"022165\"" in problem.fix and "codice ISTAT" in problem.fix


def test_every_unknown_name_is_reported_at_once():
    with pytest.raises(ValidationError) as info:
        comuni.resolve_comuni(comuni.parse_names("Pavai, 999999, Sommo, Zinaskko"))
    problems = info.value.problems
    assert [p.value for p in problems] == ["Pavai", "999999", "Zinaskko"]
    assert "\"018110\"" in problems[0].fix and "forse cercavi" in problems[0].fix
    assert "\"018190\"" in problems[2].fix


def test_empty_list_is_an_error():
    with pytest.raises(DataError, match="nessun comune"):
        comuni.resolve_comuni(comuni.parse_names(" , ;"))


def test_a_saints_abbreviation_finds_the_comuni_by_name():
    found = comuni.list_comuni(nome="S. Alessio")
    assert "018141" in set(found["codice_comune"]) and len(found) == 3
    assert comuni.text_table(comuni.list_comuni(nome="travaco")).endswith("1 comune")


@pytest.mark.parametrize(("typed", "first"), [("Novi", "Novi di Modena"), ("Altavilla", "Altavilla Vicentina")])
def test_suggestions_prefer_a_prefix_in_the_province_of_the_other_comuni(typed, first):
    """Trial F1: 'Novi' among comuni of Modena gave Novoli, Nove and Nomi from three other provinces."""
    context = {"Novi": "Carpi, Soliera", "Altavilla": "Creazzo, Sovizzo"}[typed]
    with pytest.raises(DataError) as info:
        comuni.resolve_comuni(comuni.parse_names(f"{context}, {typed}"))
    assert info.value.problem.fix.startswith(f"forse cercavi: {first} (provincia di")
