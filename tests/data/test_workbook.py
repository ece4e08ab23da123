"""Tests of pianozona.data.workbook: the empty workbook follows the data contract."""

from __future__ import annotations

import openpyxl
import pytest

from pianozona.data.schema import TABLES
from pianozona.data.tabular import read_table
from pianozona.errors import DataError
from pianozona.data.workbook import LISTS, write_workbook


def test_one_sheet_per_table_with_the_contract_headers(tmp_path):
    book = openpyxl.load_workbook(write_workbook(tmp_path / "x" / "dati.xlsx"))
    assert book.sheetnames == ["Istruzioni", *TABLES]
    for spec in TABLES.values():
        headers = [cell.value for cell in book[spec.name][1]]
        assert headers == [c.name for c in spec.columns]
        assert book[spec.name].max_row == 1  # nothing to fill in yet


def test_instructions_name_every_column_and_lists_guide_the_input(tmp_path):
    book = openpyxl.load_workbook(write_workbook(tmp_path / "dati.xlsx"))
    rows = {(r[0], r[1]) for r in book["Istruzioni"].iter_rows(values_only=True) if r[0] in TABLES}
    assert rows == {(spec.name, c.name) for spec in TABLES.values() for c in spec.columns}
    rules = book["utenti"].data_validations.dataValidation
    assert any(",".join(LISTS["area"]) in rule.formula1 for rule in rules)


def test_the_loader_reads_its_sheets_and_says_what_to_fill_in(tmp_path):
    path = write_workbook(tmp_path / "dati.xlsx")
    with pytest.raises(DataError, match="non contiene righe di dati"):
        read_table(path, sheet="utenti")


def test_staff_and_leps_sheets_have_their_lists(tmp_path):
    book = openpyxl.load_workbook(write_workbook(tmp_path / "dati.xlsx"))
    formulas = [rule.formula1 for rule in book["personale"].data_validations.dataValidation]
    assert any("assistente_sociale" in f for f in formulas) and any("sì,no" in f for f in formulas)
    formulas = [rule.formula1 for rule in book["leps"].data_validations.dataValidation]
    assert any("pronto_intervento_sociale" in f for f in formulas) and any("parziale" in f for f in formulas)
    assert all(len(f) <= 257 for f in formulas)  # Excel's limit for a list written in the rule
