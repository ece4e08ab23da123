"""Tests of pianozona.data.istat_cells: codes, ages, counts and totals, checked cell by cell."""

from __future__ import annotations

import pandas as pd
import pytest

from pianozona.errors import DataError
from pianozona.data.istat_cells import parse_ages, parse_codes, parse_counts
from pianozona.data.istat_flat import read_posas

from .istat_samples import POSAS_ROWS, error, posas, value

def test_posas_totale_word_rows_are_not_added(tmp_path):
    rows = [r.replace(";999;", ";Totale;") for r in POSAS_ROWS]
    df = read_posas(posas(tmp_path, rows=rows))
    assert len(df) == 8 and df.residenti.sum() == 54


def test_posas_total_mismatch_names_line(tmp_path):
    rows = list(POSAS_ROWS)
    rows[3] = "18159;Torre d'Isola;999;21;99"
    err = error(read_posas, posas(tmp_path, rows=rows))
    assert err.line == 6 and err.column == "Totale femmine"
    assert "POSAS_2023_it_Comuni.csv" in str(err) and "99" in str(err) and "22" in str(err)


@pytest.mark.parametrize("row, column, message, bad", [
    ("18110;Pavia;0;abc;2", "Totale maschi", "non numerico", "abc"),
    ("18110;Pavia;0;1;-3", "Totale femmine", "negativo", "-3"),
    ("18110;Pavia;0;1,5;2", "Totale maschi", "non intero", "1,5"),
    ("18110;Pavia;0;;2", "Totale maschi", "mancante", ""),
    ("18110;Pavia;dieci;1;2", "Età", "età non numerica", "dieci"),
    ("18110;Pavia;150;1;2", "Età", "età sconosciuto", "150"),
    ("18110;Pavia;998;1;2", "Età", "età sconosciuto", "998"),
    ("18A10;Pavia;0;1;2", "Codice comune", "codice comune", "18A10"),
])
def test_bad_cells_name_line_column_value(tmp_path, row, column, message, bad):
    err = error(read_posas, posas(tmp_path, rows=["18110;Pavia;1;1;1", row]))
    assert err.line == 4 and err.column == column and message in str(err)
    assert err.problem.value == bad and err.problem.fix
    assert "POSAS_2023_it_Comuni.csv" in str(err)


def test_thousands_separator_is_accepted(tmp_path):
    df = read_posas(posas(tmp_path, rows=['18110;Pavia;0;"1.234";2']))
    assert value(df, "018110", "M", 0) == 1234


def test_repeated_age(tmp_path):
    err = error(read_posas, posas(tmp_path, rows=["18110;Pavia;0;1;2", "18110;Pavia;0;1;2"]))
    assert err.line == 4 and "ripetuta" in str(err)


def test_many_bad_rows_are_counted(tmp_path):
    err = error(read_posas, posas(tmp_path, rows=["18110;Pavia;0;-1;2", "18110;Pavia;1;-1;2"]))
    assert err.line == 3 and "altre 1 righe" in str(err)


# ------------------------------------------------------------ the parsers themselves
LINES = pd.Series([2, 3, 4, 5, 6])


def test_parse_ages_marks_totals_and_reads_hundred_and_over():
    ages, total = parse_ages(pd.Series(["0", "100 e oltre", "999", "Totale", " 42 "]), LINES, "f.csv", "Età")
    assert ages.tolist() == [0, 100, -1, -1, 42]
    assert total.tolist() == [False, False, True, True, False]


def test_parse_codes_pads_to_six_digits_and_names_the_bad_line():
    assert parse_codes(pd.Series([" 18110", "1001"]), LINES[:2], "f.csv", "Codice").tolist() == ["018110", "001001"]
    with pytest.raises(DataError) as info:
        parse_codes(pd.Series(["18110", "1234567"]), LINES[:2], "f.csv", "Codice")
    assert info.value.line == 3 and info.value.column == "Codice"


def test_parse_counts_reads_thousands_dots_and_refuses_negatives():
    counts = parse_counts(pd.Series(["1.234", "7"]), LINES[:2], "f.csv", "Maschi")
    assert counts.tolist() == [1234, 7] and counts.dtype == "int64"
    with pytest.raises(DataError, match="negativo") as info:
        parse_counts(pd.Series(["1", "2", "-3"]), LINES[:3], "f.csv", "Maschi")
    assert info.value.line == 4
