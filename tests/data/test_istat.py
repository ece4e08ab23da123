"""Tests of pianozona.data.istat: recognising the kind of a file and dispatching to its reader."""

from __future__ import annotations

import zipfile

from pianozona.data.istat import detect_kind, read_istat, read_posas

from .istat_samples import error, posas, write

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
