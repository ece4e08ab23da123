from __future__ import annotations

import os
import zipfile

import pandas as pd
import pytest

from pianozona.errors import DataError
from pianozona.data.tabular import LINE_COLUMN, find_table, parse_number, read_table, sniff_separator
from pianozona.files import decode_bytes

from tests.conftest import write_csv


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


# ---------------------------------------------------------------- issue 8: bad files, one readable line each

from pianozona.data.tabular import MAX_TABLE_BYTES  # noqa: E402
from pianozona.files import read_bytes_bounded  # noqa: E402

HEADER = "anno;codice_comune;area;servizio;utenti;fonte\n"
ROW = "2019;018110;anziani;SAD;3;dimostrativo\n"
EXPECTED = ["anno", "codice_comune", "area", "servizio", "utenti", "fonte"]


def _error(path, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        read_table(path, **kwargs)
    assert path.name in str(info.value)
    return info.value


def test_fifo_and_device_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "utenti.csv"
    os.mkfifo(fifo)
    assert "non è un file normale" in str(_error(fifo))  # would block forever if opened
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    assert "non è un file normale" in str(_error(link))


def test_size_limit_is_a_clear_line(tmp_path):
    path = write_csv(tmp_path / "grande.csv", HEADER + ROW * 100)
    with pytest.raises(DataError, match=r"file troppo grande .*limite") as info:
        read_bytes_bounded(path, limit=200)
    assert "grande.csv" in str(info.value)
    assert MAX_TABLE_BYTES == 50 * 1024 * 1024


def test_folder_in_place_of_a_file(tmp_path):
    (tmp_path / "utenti.csv").mkdir()
    assert "cartella" in str(_error(tmp_path / "utenti.csv"))


def _real_xlsx(path):
    pd.DataFrame({"anno": ["2019"], "utenti": ["3"]}).to_excel(path, index=False)
    return path


def _zip_without_workbook(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("leggimi.txt", "non un foglio di calcolo")


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b""), "il file è vuoto"),
    (lambda p: p.write_text(HEADER + ROW, encoding="utf-8"), "forse un CSV rinominato"),
    (lambda p: p.write_bytes(_real_xlsx(p).read_bytes()[:600]), "troncato o danneggiato"),
    (_zip_without_workbook, "il file .xlsx non è leggibile"),
])
def test_damaged_xlsx_says_why(tmp_path, make, message):
    path = tmp_path / "utenti.xlsx"
    make(path)
    error = _error(path)
    assert message in str(error) and error.problem.fix


def test_damaged_workbook_while_finding_tables(tmp_path):
    (tmp_path / "dati.xlsx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(DataError, match="dati.xlsx.*troncato o danneggiato"):
        find_table(tmp_path, "utenti")


def test_utf16_is_named_with_the_way_out(tmp_path):
    path = write_csv(tmp_path / "utenti.csv", HEADER + ROW, "utf-16")
    error = _error(path)
    assert "UTF-16" in str(error) and "CSV UTF-8" in error.problem.fix


def test_pipe_separator_is_accepted(tmp_path):
    path = write_csv(tmp_path / "utenti.csv", (HEADER + ROW).replace(";", "|"))
    frame = read_table(path)
    assert frame.loc[0, "utenti"] == "3" and frame.loc[0, "codice_comune"] == "018110"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_title_row_names_the_header_line(tmp_path, suffix):
    path = tmp_path / f"utenti{suffix}"
    if suffix == ".csv":
        write_csv(path, "Utenti dei servizi 2019\n\n" + HEADER + ROW)
    else:
        blank = [""] * len(EXPECTED)
        rows = [["Utenti dei servizi 2019"] + blank[1:], blank, EXPECTED, ROW.strip().split(";")]
        pd.DataFrame(rows).to_excel(path, index=False, header=False)
    error = _error(path, expected=EXPECTED)
    assert "la prima riga sembra un titolo" in str(error) and "alla riga 3" in str(error)
    assert error.line == 1


def test_duplicate_header_names_both_columns(tmp_path):
    path = write_csv(tmp_path / "utenti.csv", "anno;Utenti;servizio;utenti \n2019;3;SAD;4\n")
    error = _error(path)
    assert "colonna 'utenti' ripetuta: colonne B e D" in str(error)
    assert (error.line, error.column) == (1, "utenti")


def test_csv_and_workbook_sheet_together_is_an_error_naming_both(tmp_path):
    write_csv(tmp_path / "utenti.csv", HEADER + ROW)
    with pd.ExcelWriter(tmp_path / "dati.xlsx") as writer:
        pd.DataFrame({"anno": ["2019"]}).to_excel(writer, sheet_name="utenti", index=False)
    with pytest.raises(DataError) as info:
        find_table(tmp_path, "utenti")
    assert "utenti.csv e dati.xlsx [foglio utenti]" in str(info.value) and "cancellare" in str(info.value)
    assert find_table(tmp_path, "spesa") is None


def test_csv_and_xlsx_of_the_same_table_is_an_error(tmp_path):
    write_csv(tmp_path / "spesa.csv", HEADER + ROW)
    _real_xlsx(tmp_path / "spesa.xlsx")
    with pytest.raises(DataError, match="spesa.csv e spesa.xlsx"):
        find_table(tmp_path, "spesa")


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "NaN", "1e999", "Infinity"])
def test_parse_number_refuses_non_finite(text):
    values, bad = parse_number(pd.Series([text]))
    assert bool(bad.iloc[0]) and pd.isna(values.iloc[0])
