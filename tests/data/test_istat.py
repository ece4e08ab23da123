"""Tests of pianozona.data.istat: every fixture is generated in tmp_path."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from pianozona.errors import DataError, ParameterError
from pianozona.data.istat import (
    COLUMNS,
    detect_kind,
    read_istat,
    read_posas,
    read_pre2019,
    read_ricostruzione,
    read_strasa,
)

TITLE_2023 = "Popolazione residente al 1° gennaio 2023 per età, sesso e stato civile - Comuni"
HEADER = "Codice comune;Comune;Età;Totale maschi;Totale femmine"
POSAS_ROWS = [
    "18159;Torre d'Isola;0;10;9",
    "18159;Torre d'Isola;1;11;12",
    "18159;Torre d'Isola;100;0;1",
    "18159;Torre d'Isola;999;21;22",
    "18189;Zerbolò;0;5;6",
    "18189;Zerbolò;999;5;6",
]


def write(folder, name, lines, encoding="utf-8-sig"):
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def posas(folder, name="POSAS_2023_it_Comuni.csv", rows=POSAS_ROWS, title=TITLE_2023,
          header=HEADER, encoding="utf-8-sig", sep=";"):
    lines = ([title] if title else []) + [header] + rows
    return write(folder, name, [ln.replace(";", sep) for ln in lines], encoding)


def value(df, code, sex, age):
    sel = df[(df.codice_comune == code) & (df.sesso == sex) & (df.eta == age)]
    assert len(sel) == 1
    return int(sel.residenti.iloc[0])


def error(func, *args, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        func(*args, **kwargs)
    return info.value


# ------------------------------------------------------------------- POSAS
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


# -------------------------------------------------------------------- year
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


# --------------------------------------------------------------------- zip
def make_zip(folder, members):
    path = folder / "POSAS_2023_it_Comuni.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


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


# ------------------------------------------------------------------ errors
def test_missing_file(tmp_path):
    err = error(read_posas, tmp_path / "assente.csv")
    assert "file mancante" in str(err) and "assente.csv" in str(err)


def test_empty_file(tmp_path):
    path = tmp_path / "POSAS_2023.csv"
    path.write_bytes(b"  \n")
    assert "vuoto" in str(error(read_posas, path))


def test_no_header_lists_expected_columns(tmp_path):
    path = write(tmp_path, "POSAS_2023.csv", [TITLE_2023, "a;b;c", "1;2;3"])
    err = error(read_posas, path)
    assert "Codice comune" in str(err) and "Totale femmine" in str(err) and "POSAS_2023.csv" in str(err)


def test_header_missing_columns(tmp_path):
    err = error(read_posas, posas(tmp_path, header="Codice comune;Comune;Età;Totale maschi", rows=["1;A;0;1"]))
    assert err.line == 2 and "totale femmine" in str(err)


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


def test_ragged_row_names_line(tmp_path):
    err = error(read_posas, posas(tmp_path, rows=["18110;Pavia;0;1;2", "18110;Pavia;1;1;2;9"]))
    assert err.line == 4


def test_repeated_age(tmp_path):
    err = error(read_posas, posas(tmp_path, rows=["18110;Pavia;0;1;2", "18110;Pavia;0;1;2"]))
    assert err.line == 4 and "ripetuta" in str(err)


# ---------------------------------------------------------- STRASA, pre-2019
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


# ------------------------------------------------------------ ricostruzione
AGES = list(range(101))


def recon_header(total=True, hundred="100 e oltre"):
    labels = [str(a) for a in AGES[:-1]] + [hundred]
    return ";".join(["Codice comune", "Comune", *labels] + (["Totale"] if total else []))


def recon_row(code, name, counts, total=True):
    cells = [str(code), name, *map(str, counts)] + ([str(sum(counts))] if total else [])
    return ";".join(cells)


def recon_lines(year, citizenship="Tutte le cittadinanze", factor=1, total=True, header=True):
    m = [factor * (a % 3) for a in AGES]
    f = [factor * (a % 4) for a in AGES]
    out = [f"{citizenship} - Anno: {year} - Provincia: Pavia"]
    for marker, counts in (("Maschi", m), ("Femmine", f), ("Totale", [x + y for x, y in zip(m, f)])):
        out += [marker] + ([recon_header(total)] if header else [])
        out += [recon_row(18110, "Pavia", counts, total), recon_row(18189, "Zerbolò", counts, total)]
    return out


def test_ricostruzione_blocks(tmp_path):
    lines = ["Ricostruzione della popolazione residente per età e sesso. Anni 2002-2019", ""]
    lines += recon_lines(2011) + recon_lines(2011, "Stranieri", factor=50) + recon_lines(2012, factor=2)
    lines += ["", "Fonte: Istat"]
    path = write(tmp_path, "ricostruzione_018.csv", lines, encoding="cp1252")
    df = read_ricostruzione(path)
    assert list(df.columns) == COLUMNS
    assert sorted(set(df.anno)) == [2011, 2012]
    assert len(df) == 2 * 2 * 2 * 101  # years x comuni x sexes x ages: no totals, no Stranieri
    y2011, y2012 = df[df.anno == 2011], df[df.anno == 2012]
    assert value(y2011, "018189", "M", 100) == 100 % 3 and value(y2011, "018110", "F", 99) == 99 % 4
    assert value(y2012, "018110", "F", 99) == 2 * (99 % 4)
    assert set(df.comune) == {"Pavia", "Zerbolò"} and set(df.sesso) == {"M", "F"}
    kind, only = read_istat(path, year=2012)
    assert kind == "ricostruzione" and set(only.anno) == {2012} and len(only) == 404
    assert "2013" in str(error(read_istat, path, year=2013))


def test_ricostruzione_without_header_lines(tmp_path):
    path = write(tmp_path, "prov.csv", recon_lines(2005, header=False, total=False))
    df = read_ricostruzione(path)
    assert len(df) == 404 and value(df, "018110", "M", 5) == 2 and detect_kind(path) == "ricostruzione"


def test_ricostruzione_total_column_mismatch(tmp_path):
    lines = recon_lines(2011)
    lines[3] = lines[3].rsplit(";", 1)[0] + ";1"
    err = error(read_ricostruzione, write(tmp_path, "r.csv", lines))
    assert err.line == 4 and err.column == "Totale" and "018110" in str(err)


def test_ricostruzione_total_block_mismatch(tmp_path):
    lines = recon_lines(2011)
    cells = lines[-2].split(";")
    cells[2 + 7] = "999"  # age 7 in the Totale block
    lines[-2] = ";".join(cells[:-1] + [str(sum(map(int, cells[2:-1])))])
    err = error(read_ricostruzione, write(tmp_path, "r.csv", lines))
    assert err.line == len(lines) - 1 and err.column == "7"


def test_ricostruzione_bad_count_and_missing_marker(tmp_path):
    lines = recon_lines(2011)
    lines[4] = lines[4].replace(";Zerbolò;0;1;", ";Zerbolò;0;uno;")
    err = error(read_ricostruzione, write(tmp_path, "r.csv", lines))
    assert err.line == 5 and err.column == "1" and err.problem.value == "uno"
    lines = recon_lines(2011)
    del lines[1]  # first 'Maschi' marker
    err = error(read_ricostruzione, write(tmp_path, "s.csv", lines))
    assert err.line == 3 and "Maschi" in str(err)


def test_ricostruzione_unknown_age_column(tmp_path):
    lines = recon_lines(2011)
    lines[2] = lines[2].replace(";50;", ";cinquanta;")
    err = error(read_ricostruzione, write(tmp_path, "r.csv", lines))
    assert err.line == 3 and err.column == "cinquanta"


# ---------------------------------------------------------------- dispatch
def test_detect_kind_and_read_istat(tmp_path):
    path = posas(tmp_path)
    assert detect_kind(path) == "posas"
    kind, df = read_istat(path)
    assert kind == "posas" and df.equals(read_posas(path))
    plain = posas(tmp_path, name="dati.csv", header="Codice comune;Comune;Età;Maschi;Femmine")
    assert detect_kind(plain) == "strasa"


def test_detect_kind_unknown_file(tmp_path):
    err = error(detect_kind, write(tmp_path, "elenco.csv", ["nome;cognome", "a;b"]))
    assert "non riconosciuto" in str(err) and "elenco.csv" in str(err)


def test_read_istat_dispatches_zip_and_strasa(tmp_path):
    data = posas(tmp_path, name="inner.csv", title="Cittadini stranieri al 1° gennaio 2021",
                 header="Codice comune;Comune;Età;Maschi;Femmine", rows=["1001;Agliè;3;2;1"]).read_bytes()
    path = tmp_path / "STRASA_2021_it_Comuni.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("STRASA_2021_it_Comuni.csv", data)
    kind, df = read_istat(path)
    assert kind == "strasa" and df.codice_comune.tolist() == ["001001", "001001"]
    assert df.residenti.tolist() == [1, 2] and (df.anno == 2021).all()  # F before M


def test_header_without_data_rows(tmp_path):
    err = error(read_posas, posas(tmp_path, rows=["", "Fonte: Istat"]))
    assert "righe di dati" in str(err)


def test_many_bad_rows_are_counted(tmp_path):
    err = error(read_posas, posas(tmp_path, rows=["18110;Pavia;0;-1;2", "18110;Pavia;1;-1;2"]))
    assert err.line == 3 and "altre 1 righe" in str(err)


def test_ricostruzione_data_before_block_and_short_rows(tmp_path):
    lines = ["Maschi", "18110;Pavia;1;2;3", *recon_lines(2011)]
    err = error(read_ricostruzione, write(tmp_path, "r.csv", lines))
    assert err.line == 2 and "Anno" in str(err)
    err = error(read_ricostruzione, write(tmp_path, "s.csv", ["Tutte le cittadinanze - Anno: 2011",
                                                             "Maschi", "18110;Pavia;1;2;3"]))
    assert "senza intestazione" in str(err) and "s.csv" in str(err)


def test_crlf_quoted_title_and_trailing_separator(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(('"Popolazione residente al 1° gennaio 2023";;;;\r\n' + HEADER + ";\r\n"
                      "18110;Pavia;0;1;2;\r\n18110;Pavia;999;1;2;\r\n").encode("utf-8-sig"))
    df = read_posas(path)
    assert len(df) == 2 and (df.anno == 2023).all() and value(df, "018110", "F", 0) == 2
