"""Tests of pianozona.data.istat_recon: the ricostruzione intercensuaria (ages in columns, blocks)."""

from __future__ import annotations

from pianozona.data.istat import detect_kind, read_istat
from pianozona.data.istat_cells import COLUMNS
from pianozona.data.istat_recon import read_ricostruzione

from .istat_samples import error, recon_lines, value, write

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


def test_ricostruzione_data_before_block_and_short_rows(tmp_path):
    lines = ["Maschi", "18110;Pavia;1;2;3", *recon_lines(2011)]
    err = error(read_ricostruzione, write(tmp_path, "r.csv", lines))
    assert err.line == 2 and "Anno" in str(err)
    err = error(read_ricostruzione, write(tmp_path, "s.csv", ["Tutte le cittadinanze - Anno: 2011",
                                                             "Maschi", "18110;Pavia;1;2;3"]))
    assert "senza intestazione" in str(err) and "s.csv" in str(err)
