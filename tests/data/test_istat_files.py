"""Tests of pianozona.data.istat_files: loading .csv/.zip files, the header line and the year."""

from __future__ import annotations

import pytest

from pianozona.errors import DataError, ParameterError
from pianozona.data.istat_files import (
    MAX_ISTAT_BYTES, MAX_ISTAT_LINES, find_header, head_lines, header_cells, load_source, norm_label, resolve_year,
)
from pianozona.data.istat_flat import read_posas

from .istat_samples import HEADER, error, make_zip, posas, value

def test_year_explicit_overrides_title(tmp_path):
    assert (read_posas(posas(tmp_path), year=2020).anno == 2020).all()


def test_year_after_gennaio_preferred_in_title(tmp_path):
    title = "Bilancio 2022 - Popolazione residente al 1° gennaio 2023"
    assert (read_posas(posas(tmp_path, name="dati.csv", title=title)).anno == 2023).all()


def test_year_from_file_name(tmp_path):
    df = read_posas(posas(tmp_path, name="POSAS_2021_it_Comuni.csv", title="Popolazione residente"))
    assert (df.anno == 2021).all()


def test_year_from_title_beats_file_name(tmp_path):
    df = read_posas(posas(tmp_path, name="POSAS_2021_it_Comuni.csv"))
    assert (df.anno == 2023).all()


def test_year_missing_is_an_error(tmp_path):
    err = error(read_posas, posas(tmp_path, name="popolazione.csv", title=None))
    assert "anno" in str(err) and "popolazione.csv" in str(err) and "year=" in str(err)


def test_bad_year_argument(tmp_path):
    with pytest.raises(ParameterError, match="year"):
        read_posas(posas(tmp_path), year="duemila")


def test_zip_with_one_csv(tmp_path):
    data = posas(tmp_path, name="inner.csv", title="Popolazione residente").read_bytes()
    path = make_zip(tmp_path, {"POSAS_2023_it_Comuni.csv": data, "leggimi.txt": "x"})
    df = read_posas(path)
    assert (df.anno == 2023).all() and len(df) == 8  # year from the member name


@pytest.mark.parametrize("members, count", [({"leggimi.txt": "x"}, "0"), ({"a.csv": "x", "b.csv": "y"}, "2")])
def test_zip_without_single_csv(tmp_path, members, count):
    err = error(read_posas, make_zip(tmp_path, members))
    assert f"ne contiene {count}" in str(err) and ".zip" in str(err)


def test_corrupt_zip(tmp_path):
    path = tmp_path / "POSAS_2023.zip"
    path.write_bytes(b"not a zip")
    assert "zip" in str(error(read_posas, path))


def test_missing_file(tmp_path):
    err = error(read_posas, tmp_path / "assente.csv")
    assert "file mancante" in str(err) and "assente.csv" in str(err)


def test_empty_file(tmp_path):
    path = tmp_path / "POSAS_2023.csv"
    path.write_bytes(b"  \n")
    assert "vuoto" in str(error(read_posas, path))


def test_crlf_quoted_title_and_trailing_separator(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(('"Popolazione residente al 1° gennaio 2023";;;;\r\n' + HEADER + ";\r\n"
                      "18110;Pavia;0;1;2;\r\n18110;Pavia;999;1;2;\r\n").encode("utf-8-sig"))
    df = read_posas(path)
    assert len(df) == 2 and (df.anno == 2023).all() and value(df, "018110", "F", 0) == 2


# ------------------------------------------------------------ the helpers themselves
def test_norm_label_folds_case_quotes_underscores_and_spaces():
    assert norm_label('  "Totale_Maschi   " ') == "totale maschi"
    assert norm_label("Eta\u0300") == "età"  # decomposed accent, as some exports write it


def test_head_lines_and_header_line():
    head = head_lines("Popolazione 2023\r\nCodice comune;Comune\n18110;Pavia")
    assert head == ["Popolazione 2023", "Codice comune;Comune", "18110;Pavia"]
    assert find_header(head) == 1 and find_header(["a;b", "1;2"]) is None
    assert header_cells("Codice  comune,Comune\tEtà") == {"codice comune", "comune", "età"}


def test_resolve_year_argument_then_title_then_name():
    title = ["Bilancio 2022 - Popolazione al 1° gennaio 2023"]
    assert resolve_year(None, title, ["POSAS_2021.csv"], "f.csv", "posas") == 2023
    assert resolve_year(None, ["Popolazione"], ["POSAS_2021.csv"], "f.csv", "posas") == 2021
    assert resolve_year("2020", title, [], "f.csv", "posas") == 2020
    with pytest.raises(DataError, match="anno"):
        resolve_year(None, ["Popolazione"], ["dati.csv"], "f.csv", "posas")
    with pytest.raises(ParameterError):
        resolve_year(1800, title, [], "f.csv", "posas")


def test_load_source_names_the_member_of_a_zip(tmp_path):
    path = make_zip(tmp_path, {"dati/POSAS_2022.csv": "Codice comune;Comune\n"})
    text, shown, names = load_source(path)
    assert text.startswith("Codice comune") and shown.endswith("[dati/POSAS_2022.csv]")
    assert names == ["POSAS_2023_it_Comuni.zip", "POSAS_2022.csv"]
    assert MAX_ISTAT_BYTES > len(text)


def test_the_line_limit_covers_every_real_istat_file():
    """Italy had at most 8,101 comuni (2001-2009); a POSAS/STRASA/pop file has 102 lines a comune (title and header
    aside)."""
    assert MAX_ISTAT_LINES >= 8_101 * 102 + 30
    assert MAX_ISTAT_LINES < 2 * 8_101 * 102  # and nothing like the ten million lines of a generated file


def test_a_file_longer_than_any_istat_file_stops_early(tmp_path, monkeypatch):
    """Reading stops at the line limit, for a .csv and for the CSV in a .zip, with a line saying what to check."""
    from pianozona.data import istat_files

    monkeypatch.setattr(istat_files, "MAX_ISTAT_LINES", 50)
    rows = [f"18110;Pavia;{age};10;9" for age in range(101)]
    for path in (posas(tmp_path, rows=rows), make_zip(tmp_path, {"POSAS_2023.csv": "\n".join([HEADER] + rows)})):
        problem = error(load_source, path)
        assert "file ISTAT troppo lungo (oltre 50 righe)" in str(problem) and "830.000 righe" in str(problem)
    assert len(read_posas(posas(tmp_path, rows=rows[:40]))) == 80  # 40 ages x 2 sexes: below the limit, read
