"""The dictionary of definitions: one registry, the reports' headers from it, every shown indicator defined."""

from __future__ import annotations

import pandas as pd
import pytest

from pianozona import privacy
from pianozona.analysis import (budget, change, definitions, definitions_methods as methods, definitions_national,
                                indicators, leps, needs, services, territory, verification)
from pianozona.analysis.poisson import EXACT_BELOW
from pianozona.analysis.trend import TREND_POINTS
from pianozona.data.areas import AREE


def number(value: float, year: bool = False) -> dict:
    return {"n": value, "d": 0, "t": str(value), "y": year}


def test_every_indicator_is_complete_and_uses_known_methods():
    for code, item in definitions.INDICATORI.items():
        assert item.codice == code and item.nome and item.definizione.endswith(".")
        assert item.gruppo in definitions.GRUPPI and item.aggiornamento
        assert item.intervallo in methods.METODI_INTERVALLO and item.confronto in methods.METODI_CONFRONTO
        assert item.fonte or code in ("intervallo",), code


def test_a_column_key_names_one_indicator_only():
    seen: dict[str, str] = {}
    for item in definitions.INDICATORI.values():
        for key in (item.codice, *item.colonne):
            assert key not in seen, f"{key} is both {seen[key]} and {item.codice}"
            seen[key] = item.codice


@pytest.mark.parametrize("key, code", [
    ("copertura", "copertura"), ("copertura_precedente", "copertura"), ("indice_vecchiaia_2023", "indice_vecchiaia"),
    ("popolazione_2019", "popolazione"), ("lower", "intervallo"), ("residenti", "popolazione"),
    ("precedente", "popolazione_a_rischio"), ("spesa_per_residente_distretto", "spesa_per_residente"),
])
def test_for_column_maps_keys_aliases_and_years(key, code):
    assert definitions.for_column(key).codice == code


def test_every_area_has_its_coverage_column_and_unknown_keys_have_none():
    assert all(definitions.for_column(f"copertura_{code}").codice == "copertura" for code in AREE)
    assert definitions.for_column("tasso_di_ricovero") is None and definitions.for_column("2023") is None


def test_the_demographic_entries_are_the_indicators_the_code_computes():
    pop = pd.DataFrame({"codice_comune": "018110", "eta": range(101), "sesso": "F", "residenti": 10})
    computed = set(indicators.demografici(pop, stranieri=pop).columns)
    demographic = {c for c, i in definitions.INDICATORI.items() if i.gruppo == "Demografia"}
    assert demographic - {"variazione_popolazione_pct", "variazione_vecchiaia"} <= computed
    assert {c for c in computed if c not in ("anno", "codice_comune")} <= demographic


def test_resolve_names_what_a_table_shows_and_what_it_does_not_define():
    table = {"caption": "Copertura", "columns": ["Comune", "Anno", "Copertura per 1.000 (2023)", "Tasso X", "Note"],
             "keys": ["comune", "anno", "copertura", "tasso_x", "nota"],
             "rows": [["Pavia", number(2023, year=True), number(12.5), number(3), "testo"]]}
    codes, problems = definitions.resolve(table)
    assert codes == ["copertura"]  # the year and the text columns are not indicators
    assert problems == ["tabella «Copertura», colonna «Tasso X»: indicatore non definito nel dizionario (chiave "
                        "'tasso_x')"]
    assert definitions.undefined([table]) == problems


def test_a_header_that_drifted_from_the_dictionary_is_a_problem():
    table = {"caption": "T", "columns": ["Indice di anzianità"], "keys": ["indice_vecchiaia"], "rows": [[number(150)]]}
    assert "non è il nome del dizionario («Indice di vecchiaia»)" in definitions.resolve(table)[1][0]


def test_tables_of_indicators_by_territory_name_their_indicators():
    table = {"caption": "Demografia", "columns": ["Indicatore", "Pavia"], "keys": ["etichetta", "comune"],
             "rows": [["Indice di vecchiaia", number(200)]], "indicators": ["indice_vecchiaia", "copertura_anziani"]}
    assert definitions.resolve(table) == (["indice_vecchiaia", "copertura"], [])
    assert definitions.resolve({**table, "indicators": ["ignoto"]})[1] == [
        "tabella «Demografia»: indicatore 'ignoto' non definito nel dizionario"]


@pytest.mark.parametrize("labels", [
    needs.COVERAGE_LABELS, needs.SPENDING_LABELS, budget.AREA_LABELS, territory.COVERAGE_LABELS,
    territory.SPENDING_LABELS, territory.DEMOGRAPHY_LABELS, verification.PROGRESS_LABELS, verification.HISTORY_LABELS,
    change.CHANGE_LABELS, services.SERVICE_CHANGE_LABELS, indicators.ETICHETTE, leps.LABELS, leps.STAFF_LABELS,
], ids=lambda labels: ",".join(list(labels)[:2]))
def test_the_analysis_modules_headers_are_the_dictionarys_names(labels):
    for key, header in labels.items():
        item = definitions.for_column(key)
        if item is not None:
            assert definitions.header_matches(item, header), (key, header, item.nome)


def test_the_methods_say_what_the_code_does():
    assert f"sotto {EXACT_BELOW} eventi" in methods.METODI_INTERVALLO["poisson_byar"]
    assert f"almeno {TREND_POINTS} anni" in methods.METODI_CONFRONTO["tendenza"]
    assert "2σ (95%)" in methods.METODI_CONFRONTO["distretto"] and "3σ (99,8%)" in methods.METODI_CONFRONTO["distretto"]


def test_the_protection_rule_comes_from_privacy_and_says_what_its_docstring_says():
    rule = " ".join(methods.protection_rule())
    threshold = privacy.DEFAULT_THRESHOLD
    assert f"da 1 a {threshold}" in rule and f"«{privacy.MARKER}»" in rule
    # The Italian rule paraphrases these statements of pianozona/privacy/__init__.py: when they change, so must
    # definitions_methods.protection_rule (the one Italian text of the rule, on the dictionary and in every sheet).
    doc = " ".join(privacy.__doc__.split())
    for statement in ("**Primary suppression** - a count from 1 to `threshold` (default 4) is hidden",
                      "Zero stays 0", "**One marker** - every hidden cell shows", "**Secondary suppression**",
                      "a small count keeps **every value from 1 to `threshold` possible**",
                      "any other hidden cell keeps **at least `threshold` whole values possible**",
                      "a secret kept with the office's data", "**Derived values**"):
        assert statement in doc, statement
    [(marker, meaning)] = methods.marker_meanings()
    assert marker == privacy.MARKER and meaning.startswith(privacy.suppression_legend().split("»: ", 1)[1])


def test_the_comparison_with_istat_and_the_leps_are_groups_of_the_one_registry():
    assert definitions.GRUPPI[-2:] == (definitions_national.GRUPPO_ISTAT, definitions_national.GRUPPO_LEPS)
    groups = {group: [i for i in definitions.INDICATORI.values() if i.gruppo == group] for group in definitions.GRUPPI}
    assert {"spesa_per_abitante_istat", "dispersione_regione", "posizione_regione", "spesa_istat", "utenti_istat",
            "utenti_per_abitante_istat"} == {i.codice for i in groups[definitions_national.GRUPPO_ISTAT]}
    assert {"soglia_6500", "mancanti_5000", "fascia_40000", "contributo_stimato", "residenti_per_as",
            "personale_fte"} <= {i.codice for i in groups[definitions_national.GRUPPO_LEPS]}
    for item in groups[definitions_national.GRUPPO_ISTAT]:
        assert "DCIS_SPESESERSOC1_5" in item.fonte and item.unita and item.aggiornamento.startswith("annuale")
    assert all("L. 30 dicembre 2020, n. 178" in i.fonte for i in groups[definitions_national.GRUPPO_LEPS]
               if i.codice.startswith(("soglia", "mancanti", "fascia", "contributo")))
    # users are counts of people: protected, ISTAT's own included; staff and euros are not
    assert definitions.get("utenti_istat").protetto and definitions.get("utenti_per_abitante_istat").protetto
    assert not any(i.protetto for i in groups[definitions_national.GRUPPO_LEPS])


@pytest.mark.parametrize("key, code", [
    ("spesa_regione", "spesa_per_abitante_istat"), ("spesa_italia", "spesa_per_abitante_istat"),
    ("mediana_ambiti", "dispersione_regione"), ("fte_indeterminato", "as_fte_indeterminato"),
    ("contributo_euro", "contributo_stimato"), ("personale_totale", "personale_fte"),
])
def test_the_national_reports_keys_map_to_their_indicators(key, code):
    assert definitions.for_column(key).codice == code and definitions.nome(key) == definitions.nome(code)
