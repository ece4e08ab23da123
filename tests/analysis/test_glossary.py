"""The dictionary as a document: every indicator once, the areas from the area registry, the methods it uses."""

from __future__ import annotations

from pianozona.analysis import definitions, glossary
from pianozona.data.areas import AREE, with_overrides


def test_the_whole_dictionary_has_every_indicator_once_in_its_section():
    whole = glossary.build()
    codes = [code for _, items in whole.sections for code, _, _ in items]
    assert sorted(codes) == sorted(definitions.INDICATORI) and len(codes) == len(set(codes))
    assert [title for title, _ in whole.sections] == list(definitions.GRUPPI)
    assert {name for name, _ in whole.intervals} >= {"Tassi: Poisson esatto e Byar", "Proporzioni: Wilson",
                                                      "Tassi standardizzati: Dobson"}
    assert whole.rule and [marker for marker, _ in whole.markers] == ["n.d."]


def test_the_population_at_risk_comes_from_the_area_registry_not_a_copy():
    assert glossary.build().areas == tuple((a.etichetta, a.area_istat, a.descrizione) for a in AREE.values())
    district = with_overrides({"anziani": {"eta_min": 75}})  # a district's distretto.yml may move the band
    areas = [(code, area.etichetta, area.describe_population()) for code, area in district.items()]
    assert glossary.build(areas).areas[0] == ("Anziani", "Anziani", "residenti di 75 anni e oltre")


def test_a_reports_entry_defines_what_it_shows_and_the_methods_those_use():
    entry = glossary.build(codes=["indice_vecchiaia", "copertura"])
    assert [(title, [code for code, _, _ in items]) for title, items in entry.sections] == [
        ("Demografia", ["indice_vecchiaia"]), ("Bisogni e copertura dei servizi", ["copertura"])]
    assert [name for name, _ in entry.intervals] == ["Conteggi completi", "Tassi: Poisson esatto e Byar"]
    assert entry.areas  # coverage is per area
    assert glossary.build(codes=["indice_vecchiaia"]).areas == ()
    fields = dict(entry.sections[1][1][0][2])
    assert fields["Popolazione a rischio"].startswith("diversa per ogni area")
    assert fields["Tutela dei piccoli numeri"].startswith("sì: i conteggi da 1 a 4")


def test_sheet_rows_one_row_per_indicator_with_every_field():
    header, rows = glossary.sheet_rows(glossary.build(codes=["copertura", "spesa_per_utente"]))
    assert header[:3] == ["Indicatore", "Gruppo", "Definizione"] and len(header) == 2 + len(glossary.FIELDS)
    assert [row[0] for row in rows] == ["Copertura per 1.000", "Euro per utente"]
    assert all(len(row) == len(header) for row in rows)
