"""Checks across tables, and the validate of a district filled as an office fills it (issue 20, "done when")."""

from __future__ import annotations

import re

from click.testing import CliRunner

import pianozona
from pianozona.cli import main
from tests.office import office_district


def test_an_office_district_validates_with_no_noise(tmp_path):
    """Codes typed as numbers, amounts as Italian text, optional sheets empty: only what the office must know."""
    folder = office_district(tmp_path)
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["AVVISO", "AVVISO", "NOTA"]
    assert "popolazione 2022 usata come stima per il 2021 nei rapporti" in lines[0]  # ISTAT has no 2021 here
    assert "area immigrazione, anni 2021-2023: mancano i residenti stranieri" in lines[1]  # the denominator named
    assert "tabelle facoltative non compilate (servizi, persone, personale, leps)" in lines[2]
    assert lines[-1] == "Distretto di Carpi: 0 errori, 2 avvisi, 1 nota."
    assert not re.search(r"\bnan\b|Pavia|018110", result.output)


def test_the_trials_typing_error_is_the_one_warning_more(tmp_path):
    """€ 12.500,00 typed for about 650.000 (trial F8): one more warning, on its row, nothing else."""
    import openpyxl

    folder = office_district(tmp_path)
    book = openpyxl.load_workbook(folder / "dati.xlsx")
    sheet = book["spesa"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == 2021 and r[1].value == "disabili"
               and r[2].value == "FNA")
    row[3].value = "€ 12.500,00"
    book.save(folder / "dati.xlsx")
    district = pianozona.load_district(folder)
    found = [p for p in district.problems.warnings if "molto diverso" in p.message]
    assert [(p.line, p.column, p.value) for p in found] == [(row[3].row, "importo_euro", "12.500")]
    assert found[0].file.endswith("dati.xlsx [foglio spesa]")


def test_a_wrong_comparator_is_corrected_with_the_districts_own_province(tmp_path):
    """Trial F5's cousin: the example is the district's own province, not Pavia's."""
    folder = office_district(tmp_path)
    config = folder / "distretto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace('codice: "036"', 'codice: "199"'), encoding="utf-8")
    errors = pianozona.load_district(folder, strict=False).problems.errors
    assert [p.fix for p in errors] == ['usare il codice ISTAT della provincia: quella dei comuni del distretto è '
                                       '"036" (Modena)']
