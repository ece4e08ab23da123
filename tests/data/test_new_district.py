"""A new district folder from names, a province or a file: real codes, comparators, the workbook, no overwrite."""

from __future__ import annotations

import openpyxl
import pytest

from pianozona import load_district
from pianozona.data import new_district
from pianozona.data.comuni import Entry, parse_names
from pianozona.data.config import read_config
from pianozona.data.tabular import WORKBOOK
from pianozona.data.schema import TABLES
from pianozona.errors import DataError, ParameterError, ValidationError

LOMELLINA = "Vigevano, Mortara, Gambolò, Garlasco, Cassolnovo, Gravellona Lomellina, Travacò Siccomario"


def _create(tmp_path, text=LOMELLINA, **options):
    return new_district.create_district("lomellina", parse_names(text), root=tmp_path, **options)


def test_from_names_writes_real_codes_and_comparators(tmp_path):
    result = _create(tmp_path, nome="Distretto di Vigevano")
    config = read_config(tmp_path / "lomellina")
    assert config.codice == "lomellina" and config.nome == "Distretto di Vigevano"
    assert config.comuni["018177"] == "Vigevano" and config.comuni["018068"] == "Gambolò"
    assert config.comuni["018162"] == "Travacò Siccomario"
    assert list(config.comuni) == list(result.comuni) and len(config.comuni) == 7
    assert [(c.livello, c.codice, c.nome) for c in config.confronti] == [
        ("provincia", "018", "Provincia di Pavia"), ("regione", "03", "Lombardia")]
    assert not config.problems  # codes quoted, names as ISTAT writes them
    sheets = openpyxl.load_workbook(tmp_path / "lomellina" / WORKBOOK, read_only=True).sheetnames
    assert sheets == ["Istruzioni", *TABLES]  # the empty workbook of the data contract, written, not copied


def test_empty_workbook_validates_with_only_the_sheets_to_fill_in(tmp_path):
    result = _create(tmp_path)
    district = load_district(result.folder, strict=False)
    assert {p.message for p in district.problems if p.severity != "nota"} == {"il file non contiene righe di dati"}
    blocking = sorted(p.file for p in district.problems.errors)
    assert [f.rsplit("foglio ", 1)[1].rstrip("]") for f in blocking] == ["misure", "obiettivi", "spesa", "utenti"]
    steps = " ".join(new_district.next_steps(result))
    assert "utenti, spesa, obiettivi, misure" in steps and "il file non contiene righe di dati" in steps


def test_default_name_and_data_root_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PIANOZONA_DATA_DIR", str(tmp_path))
    result = new_district.create_district("cdg", parse_names("Codogno, Casalpusterlengo"))
    assert result.folder == tmp_path / "cdg"
    config = read_config(result.folder)
    assert config.nome == "Distretto cdg"
    assert [c.codice for c in config.confronti] == ["098", "03"]


def test_from_a_province(tmp_path):
    result = new_district.create_district("lodi", new_district.entries_from_province("Lodi"), root=tmp_path)
    config = read_config(result.folder)
    assert len(config.comuni) == 60 and all(code.startswith("098") for code in config.comuni)
    assert config.comuni["098031"] == "Lodi"


def test_from_a_file_of_names_codes_and_the_csv_of_comuni(tmp_path):
    listing = tmp_path / "elenco.txt"
    listing.write_bytes("# comuni del distretto\nCodogno\n\n098010\ncodice;comune\n098047;San Fiorano;098\n"
                        "Santo Stefano Lodigiano\nTravacò Siccomario\n".encode("cp1252"))
    result = new_district.create_district("bassa", new_district.entries_from_file(listing), root=tmp_path)
    assert list(result.comuni) == ["098019", "098010", "098047", "098051", "018162"]
    assert result.provincia.codice == "098"
    assert any("2 province" in note and "Lodi 4, Pavia 1" in note for note in result.notes)


def test_file_errors_name_the_file_and_line(tmp_path):
    listing = tmp_path / "elenco.txt"
    listing.write_text("Codogno\nSamone\nPavai\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        new_district.create_district("x", new_district.entries_from_file(listing), root=tmp_path)
    assert [(p.line, p.value) for p in info.value.problems] == [(2, "Samone"), (3, "Pavai")]
    assert all(p.file == str(listing) for p in info.value.problems)
    assert not (tmp_path / "x").exists()  # nothing written when a comune is wrong
    with pytest.raises(DataError, match="manca.txt: file mancante"):
        new_district.entries_from_file(tmp_path / "manca.txt")


def test_ambiguous_name_is_an_error_with_candidates(tmp_path):
    with pytest.raises(DataError) as info:
        _create(tmp_path, text="Vigevano, Calliano")
    fix = info.value.problem.fix
    assert "Calliano (provincia di Asti)" in fix and "Calliano (provincia di Trento)" in fix
    assert "codice ISTAT" in fix


def test_tied_provinces_ask_for_the_comparator(tmp_path):
    with pytest.raises(DataError) as info:
        _create(tmp_path, text="Codogno, Vigevano")
    assert "--provincia-confronto" in info.value.problem.fix
    result = _create(tmp_path, text="Codogno, Vigevano", provincia_confronto="Lodi")
    assert (result.provincia.codice, result.regione.codice) == ("098", "03")


def test_comuni_in_two_regions_take_the_region_of_the_province(tmp_path):
    result = _create(tmp_path, text="Vigevano, Mortara, Novara")
    assert (result.provincia.nome, result.regione.nome) == ("Pavia", "Lombardia")
    assert any("2 regioni" in note for note in result.notes)


def test_never_overwrites_unless_asked(tmp_path):
    _create(tmp_path, nome="Primo")
    with pytest.raises(DataError) as info:
        _create(tmp_path, nome="Secondo")
    assert "--sovrascrivi" in info.value.problem.fix
    assert read_config(tmp_path / "lomellina").nome == "Primo"
    _create(tmp_path, nome="Secondo", overwrite=True)
    assert read_config(tmp_path / "lomellina").nome == "Secondo"


def test_demo_over_an_existing_workbook_is_refused_even_with_overwrite(tmp_path):
    _create(tmp_path)
    with pytest.raises(DataError, match="dati.xlsx"):
        _create(tmp_path, demo_data=True, overwrite=True)


def test_unsafe_code_and_awkward_name_are_handled(tmp_path):
    with pytest.raises(ParameterError):
        new_district.create_district("../fuori", parse_names("Pavia"), root=tmp_path)
    result = new_district.create_district("p", [Entry("Pavia")], root=tmp_path, nome="Ambito: \"Pavia\" #1 d'Italia")
    assert read_config(result.folder).nome == "Ambito: \"Pavia\" #1 d'Italia"
