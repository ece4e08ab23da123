"""The codes of the optional `personale` and `leps` tables, and one clear line for each bad row."""

from __future__ import annotations

import pytest

import pianozona
from pianozona.data.leps_registry import ASSISTENTE_SOCIALE, LEPS, figura_code, leps_code, stato_code
from tests.conftest import write_csv


def test_codes_are_read_as_planners_type_them():
    assert figura_code("Assistente sociale") == figura_code("AS") == ASSISTENTE_SOCIALE
    assert figura_code("OSS") == "operatore_socio_sanitario" and figura_code("Psicologa") == "psicologo"
    assert leps_code("P.I.P.P.I.") == leps_code("pippi") == "prevenzione_allontanamento"
    assert leps_code("Pronto intervento sociale") == "pronto_intervento_sociale" and leps_code("PUA") in LEPS
    assert stato_code("Sì") == stato_code("si") == "si" and stato_code("in parte") == "parziale"


def test_bundled_pavia_has_illustrative_staff_and_leps():
    pavia = pianozona.load_district("pavia")
    assert set(pavia.personale["fonte"]) == {"dimostrativo"} and set(pavia.leps["fonte"]) == {"dimostrativo"}
    workers = pavia.personale.query("anno == 2023 and figura == 'assistente_sociale'")
    assert workers["fte"].sum() > 0 and set(workers["tempo_indeterminato"]) == {True, False}


def test_without_the_tables_nothing_is_said(pavia_copy):
    (pavia_copy / "personale.csv").unlink()
    (pavia_copy / "leps.csv").unlink()
    district = pianozona.load_district(pavia_copy, strict=False)
    assert district.personale is None and district.leps is None
    assert not [p for p in district.problems.items if "personale" in (p.file or "") or "leps" in (p.file or "")]


@pytest.mark.parametrize("table, row, column, message", [
    ("personale", "2023;assistente sociale;-1;sì;prova", "fte", "valore negativo"),
    ("personale", "2023;assistente_sociale;1.000.000;sì;prova", "fte", "equivalenti a tempo pieno troppo grandi"),
    ("personale", "2023;assistente_sociale;tre;sì;prova", "fte", "valore non numerico"),
    ("personale", "2023;sociologo;1;sì;prova", "figura", "figura professionale sconosciuta"),
    ("personale", "2023;assistente_sociale;1;forse;prova", "tempo_indeterminato", "valore non riconosciuto"),
    ("personale", "2023;assistente_sociale;;sì;prova", "fte", "cella vuota"),
    ("leps", "2023;telesoccorso;sì;;prova", "leps", "LEPS sconosciuto"),
    ("leps", "2023;pronto_intervento_sociale;quasi;;prova", "stato", "stato del LEPS non riconosciuto"),
])
def test_a_bad_row_is_one_line_naming_file_line_column_value(pavia_copy, table, row, column, message):
    header = {"personale": "anno;figura;fte;tempo_indeterminato;fonte", "leps": "anno;leps;stato;nota;fonte"}[table]
    write_csv(pavia_copy / f"{table}.csv", f"{header}\n2022;assistente_sociale;3;sì;prova\n{row}\n"
              if table == "personale" else f"{header}\n2022;pua;sì;;prova\n{row}\n")
    district = pianozona.load_district(pavia_copy, strict=False)
    [problem] = [p for p in district.problems.errors if p.file.endswith(f"{table}.csv")]
    assert problem.line == 3 and problem.column == column and message in problem.message
    assert "\n" not in problem.format() and problem.fix


def test_the_same_figure_and_contract_twice_is_a_duplicate(pavia_copy):
    write_csv(pavia_copy / "personale.csv", "anno;figura;fte;tempo_indeterminato;fonte\n"
              "2023;assistente_sociale;3;sì;prova\n2023;Assistente sociale;2;sì;prova\n2023;AS;1;no;prova\n")
    district = pianozona.load_district(pavia_copy, strict=False)
    [problem] = [p for p in district.problems.errors if p.file.endswith("personale.csv")]
    assert problem.line == 3 and "riga duplicata" in problem.message
    write_csv(pavia_copy / "personale.csv", "anno;figura;fte;tempo_indeterminato;ente;fonte\n"
              "2023;assistente_sociale;3;sì;Comune di Pavia;prova\n2023;assistente_sociale;2;sì;Consorzio;prova\n")
    assert not pianozona.load_district(pavia_copy, strict=False).problems.errors  # one row per employer
