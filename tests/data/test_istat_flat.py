"""Tests of pianozona.data.istat_flat: POSAS, STRASA and pre-2019 files (one row per age)."""

from __future__ import annotations

import pandas as pd
import pytest

from pianozona.data.istat import detect_kind
from pianozona.data.istat_cells import COLUMNS
from pianozona.data.istat_flat import read_posas, read_pre2019, read_strasa

from .istat_samples import TITLE_2023, error, posas, value, write

def test_posas_semicolon_utf8_bom_output_contract(tmp_path):
    df = read_posas(posas(tmp_path))
    assert list(df.columns) == COLUMNS
    assert (df.anno == 2023).all()
    assert set(df.codice_comune) == {"018159", "018189"}
    assert set(df.sesso) == {"M", "F"} and set(df.eta) == {0, 1, 100}
    assert len(df) == 8  # 4 age rows x 2 sexes, no 999 rows
    # totals not added: sum equals the 999 rows of the file
    assert df.residenti.sum() == 21 + 22 + 5 + 6
    assert value(df, "018159", "F", 100) == 1
    assert df.comune[df.codice_comune == "018189"].iloc[0] == "Zerbolò"
    expected = df.sort_values(["anno", "codice_comune", "sesso", "eta"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(df, expected)
    for col in ("anno", "eta", "residenti"):
        assert pd.api.types.is_integer_dtype(df[col])


def test_posas_comma_cp1252(tmp_path):
    path = posas(tmp_path, sep=",", encoding="cp1252")
    assert b"Zerbol\xf2" in path.read_bytes()
    df = read_posas(path)
    assert set(df.comune) == {"Torre d'Isola", "Zerbolò"}
    assert value(df, "018189", "M", 0) == 5


def test_posas_marital_status_columns_and_header_variants(tmp_path):
    header = ("CODICE  COMUNE;comune;ETA;Maschi celibi;Maschi coniugati;Totale_maschi;"
              "Femmine nubili;Femmine coniugate;Totale Femmine;Totale")
    rows = ["18110;Pavia;0;300;0;300;280;0;280;580", "18110;Pavia;999;300;0;300;280;0;280;580"]
    df = read_posas(posas(tmp_path, header=header, rows=rows))
    assert value(df, "018110", "M", 0) == 300 and value(df, "018110", "F", 0) == 280
    assert len(df) == 2


@pytest.mark.parametrize("header", [
    "Municipality code,Municipality,Age,Total males,Total females",
    "Municipality code,Municipality,Age,Males,Females",
])
def test_posas_english_headers(tmp_path, header):
    title = "Resident population on 1st January 2022 by age and sex"
    rows = ["18110,Pavia,5,30,31", "18110,Pavia,999,30,31"]
    df = read_posas(posas(tmp_path, name="x.csv", title=title, header=header, rows=rows, sep=","))
    assert (df.anno == 2022).all() and value(df, "018110", "F", 5) == 31


def test_blank_and_note_lines_keep_line_numbers(tmp_path):
    rows = ["18110;Pavia;0;1;2", "", "18110;Pavia;1;x;2", "Fonte: Istat"]
    err = error(read_posas, posas(tmp_path, rows=rows))
    assert err.line == 5 and err.column == "Totale maschi" and err.problem.value == "x"


def test_no_header_lists_expected_columns(tmp_path):
    path = write(tmp_path, "POSAS_2023.csv", [TITLE_2023, "a;b;c", "1;2;3"])
    err = error(read_posas, path)
    assert "Codice comune" in str(err) and "Totale femmine" in str(err) and "POSAS_2023.csv" in str(err)


def test_header_missing_columns(tmp_path):
    err = error(read_posas, posas(tmp_path, header="Codice comune;Comune;Età;Totale maschi", rows=["1;A;0;1"]))
    assert err.line == 2 and "totale femmine" in str(err)


def test_ragged_row_names_line(tmp_path):
    err = error(read_posas, posas(tmp_path, rows=["18110;Pavia;0;1;2", "18110;Pavia;1;1;2;9"]))
    assert err.line == 4


def test_header_without_data_rows(tmp_path):
    err = error(read_posas, posas(tmp_path, rows=["", "Fonte: Istat"]))
    assert "righe di dati" in str(err)


def test_strasa_italian(tmp_path):
    title = "Cittadini stranieri. Popolazione residente per sesso e età al 1° gennaio 2022"
    rows = ["18110;Pavia;0;40;38", "18110;Pavia;1;35;33", "18110;Pavia;999;75;71"]
    path = posas(tmp_path, name="STRASA_2022_it_Comuni.csv", title=title,
                 header="Codice comune;Comune;Età;Maschi;Femmine", rows=rows)
    df = read_strasa(path)
    assert len(df) == 4 and df.residenti.sum() == 146 and (df.anno == 2022).all()
    assert detect_kind(path) == "strasa"


def test_strasa_english_total_mismatch(tmp_path):
    path = posas(tmp_path, name="STRASA_2022_en.csv", title="Foreign residents on 1st January 2022",
                 header="Municipality code,Municipality,Age,Males,Females",
                 rows=["18110,Pavia,0,40,38", "18110,Pavia,999,41,38"], sep=",")
    err = error(read_strasa, path)
    assert err.line == 4 and err.column == "Males"


def test_pre2019_layout(tmp_path):
    header = ("Codice comune,Denominazione,Età,Celibi,Coniugati,Divorziati,Vedovi,Totale Maschi,"
              "Nubili,Coniugate,Divorziate,Vedove,Totale Femmine")
    rows = ["18110,Pavia,30,200,100,5,0,305,150,140,6,1,297",
            "18110,Pavia,999,200,100,5,0,305,150,140,6,1,297"]
    path = write(tmp_path, "pop2017.csv",
                 ["Popolazione residente al 1 gennaio 2017 per età, sesso e stato civile", header, *rows],
                 encoding="cp1252")
    df = read_pre2019(path)
    assert len(df) == 2 and value(df, "018110", "M", 30) == 305 and value(df, "018110", "F", 30) == 297
    assert (df.anno == 2017).all() and detect_kind(path) == "pre2019"
