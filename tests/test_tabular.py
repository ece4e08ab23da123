from __future__ import annotations

import pandas as pd
import pytest

from pianozona.errors import DataError
from pianozona.tabular import LINE_COLUMN, decode_bytes, find_table, parse_number, read_table, sniff_separator

from .conftest import write_csv


def test_semicolon_cp1252_and_line_numbers(tmp_path):
    path = write_csv(tmp_path / "t.csv", "comune;importo\nZerbolò;1.234,50\n\nTravacò;7,5\n", "cp1252")
    frame = read_table(path)
    assert list(frame["comune"]) == ["Zerbolò", "Travacò"]
    # the blank row is dropped but the spreadsheet line numbers are kept
    assert list(frame[LINE_COLUMN]) == [2, 4]


def test_utf8_bom_and_comma_separator(tmp_path):
    path = write_csv(tmp_path / "t.csv", "\ufeffAnno,Utenti\n2023,5\n")
    frame = read_table(path)
    assert list(frame.columns[:2]) == ["anno", "utenti"]  # BOM stripped, names lower-cased
    assert frame.loc[0, "utenti"] == "5"


def test_sniff_separator_prefers_consistent_split():
    assert sniff_separator("a;b;c\n1;2,5;3\n") == ";"
    assert sniff_separator("a,b\n1,2\n") == ","
    assert sniff_separator("a\tb\n1\t2\n") == "\t"


def test_decode_falls_back_to_cp1252():
    assert decode_bytes("perché".encode("cp1252")) == "perché"
    assert decode_bytes("perché".encode("utf-8")) == "perché"


@pytest.mark.parametrize("text, expected", [
    ("1.234,50", 1234.5), ("1234,5", 1234.5), ("1234.5", 1234.5), ("1.234", 1234.0),
    ("1,234.50", 1234.5), ("€ 12.000,00", 12000.0), ("-3", -3.0), ("1 234", 1234.0),
])
def test_parse_number_italian_and_english(text, expected):
    values, bad = parse_number(pd.Series([text]))
    assert values.iloc[0] == pytest.approx(expected)
    assert not bad.iloc[0]


def test_parse_number_reports_unreadable_not_empty():
    values, bad = parse_number(pd.Series(["abc", "", "12"]))
    assert list(bad) == [True, False, False]
    assert pd.isna(values.iloc[0]) and pd.isna(values.iloc[1]) and values.iloc[2] == 12


def test_xlsx_sheet_and_line_numbers(tmp_path):
    path = tmp_path / "dati.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"anno": [2023, 2022], "utenti": [4, 5]}).to_excel(writer, sheet_name="utenti", index=False)
    frame = read_table(path, sheet="utenti")
    assert list(frame[LINE_COLUMN]) == [2, 3]
    assert find_table(tmp_path, "utenti") == (path, "utenti")
    assert find_table(tmp_path, "spesa") is None


@pytest.mark.parametrize("content", ["", "   \n", "anno;utenti\n"])
def test_empty_files_raise_data_error(tmp_path, content):
    path = write_csv(tmp_path / "vuoto.csv", content)
    with pytest.raises(DataError) as info:
        read_table(path)
    assert "vuot" in str(info.value) or "nessuna" in str(info.value) or "non contiene" in str(info.value)
    assert "vuoto.csv" in str(info.value)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(DataError, match="file mancante"):
        read_table(tmp_path / "nessuno.csv")
    other = write_csv(tmp_path / "a.ods", "x")
    with pytest.raises(DataError, match="non supportato"):
        read_table(other)
