"""load_district and validation: every case of the foundation issue, each on a broken copy of Pavia."""

from __future__ import annotations

import pandas as pd
import pytest

import pianozona
from pianozona.errors import DataError, ValidationError

from .conftest import replace_line, write_csv


def _problems(folder, severity="errore"):
    district = pianozona.load_district(folder, strict=False)
    return [p for p in district.problems if p.severity == severity]


def _only(problems, text):
    found = [p for p in problems if text in p.message]
    assert found, f"no problem mentioning {text!r} in {[p.format() for p in problems]}"
    return found[0]


def test_bundled_pavia_loads_clean():
    district = pianozona.load_district("pavia")
    assert district.problems.errors == []
    assert len(district.comuni) == 12
    assert district.comuni["codice_comune"].str.fullmatch(r"\d{6}").all()
    assert set(district.popolazione.columns) >= {"anno", "codice_comune", "eta", "sesso", "residenti"}
    # reference totals at 1 January (shared/reference/istat_formats.md)
    totals = district.popolazione.groupby("anno")["residenti"].sum()
    assert totals[2022] == 102_684 and totals[2023] == 102_860
    assert district.dimostrativo
    assert set(district.utenti["fonte"]) == {"dimostrativo"}
    assert (district.misure["fonte"] == "piano di zona 2012-2014").sum() >= 12


def test_load_by_path_and_data_dir_env(pavia_copy, monkeypatch):
    assert pianozona.load_district(pavia_copy).nome == "Distretto Sociale di Pavia"
    monkeypatch.setenv("PIANOZONA_DATA_DIR", str(pavia_copy.parent))
    assert pianozona.load_district("pavia").config.folder == pavia_copy


def test_unknown_district_names_the_choices():
    with pytest.raises(DataError) as info:
        pianozona.load_district("atlantide")
    assert "pavia" in str(info.value)


def test_strict_load_raises_with_all_problems(pavia_copy):
    replace_line(pavia_copy / "utenti.csv", 2, "2019;018110;anziani;Assistenza domiciliare (SAD);-1;dimostrativo")
    replace_line(pavia_copy / "utenti.csv", 3, "2019;018030;anziani;Assistenza domiciliare (SAD);x;dimostrativo")
    with pytest.raises(ValidationError) as info:
        pianozona.load_district(pavia_copy)
    assert len(info.value.problems) >= 2


def test_missing_file(pavia_copy):
    (pavia_copy / "spesa.csv").unlink()
    problem = _only(_problems(pavia_copy), "file mancante")
    assert problem.file.endswith("spesa.csv") and "spesa.xlsx" in problem.fix


def test_missing_optional_file_is_a_warning(pavia_copy):
    (pavia_copy / "servizi.csv").unlink()
    assert not _problems(pavia_copy)
    assert _only(_problems(pavia_copy, "avviso"), "file mancante").file.endswith("servizi.csv")


def test_missing_column(pavia_copy):
    path = pavia_copy / "utenti.csv"
    text = path.read_text(encoding="utf-8").replace("servizio;utenti", "servizi;utenti", 1)
    path.write_text(text, encoding="utf-8")
    problem = _only(_problems(pavia_copy), "colonna mancante")
    assert problem.column == "servizio" and problem.line == 1


@pytest.mark.parametrize("code, message", [("999999", "codice comune sconosciuto"),
                                           ("018001", "comune fuori dal distretto")])
def test_comune_codes(pavia_copy, code, message):
    replace_line(pavia_copy / "utenti.csv", 5, f"2019;{code};anziani;Assistenza domiciliare (SAD);3;dimostrativo")
    problem = _only(_problems(pavia_copy), message)
    assert (problem.line, problem.column, problem.value) == (5, "codice_comune", code)
    assert problem.file.endswith("utenti.csv")


def test_code_without_leading_zero_is_accepted(pavia_copy):
    replace_line(pavia_copy / "utenti.csv", 2, "2019;18110;anziani;Assistenza domiciliare (SAD);307;dimostrativo")
    district = pianozona.load_district(pavia_copy)
    assert district.utenti.loc[0, "codice_comune"] == "018110"


@pytest.mark.parametrize("value, message", [("-4", "valore negativo"), ("tre", "valore non numerico"),
                                            ("", "cella vuota"), ("2,5", "intero")])
def test_bad_counts(pavia_copy, value, message):
    replace_line(pavia_copy / "utenti.csv", 7, f"2019;018137;anziani;Assistenza domiciliare (SAD);{value};dimostrativo")
    problem = _only(_problems(pavia_copy), message)
    assert (problem.line, problem.column) == (7, "utenti")
    assert problem.fix


def test_duplicate_keys(pavia_copy):
    path = pavia_copy / "utenti.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1].replace(";307;", ";12;"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problem = _only(_problems(pavia_copy), "duplicata")
    assert problem.line == len(lines) and "riga 2" in problem.message


def test_unknown_area_and_funding_source(pavia_copy):
    replace_line(pavia_copy / "utenti.csv", 3, "2019;018030;giovani;Assistenza domiciliare (SAD);3;dimostrativo")
    replace_line(pavia_copy / "spesa.csv", 2, "2019;anziani;Fondo Europeo;108273,75;dimostrativo")
    problems = _problems(pavia_copy)
    area = _only(problems, "area sconosciuta")
    assert (area.line, area.column, area.value) == (3, "area", "giovani") and "anziani" in area.fix
    source = _only(problems, "fonte di finanziamento sconosciuta")
    assert (source.line, source.column) == (2, "fonte_finanziamento") and "FNPS" in source.fix


def test_funding_source_aliases_and_decimal_comma(pavia_copy):
    replace_line(pavia_copy / "spesa.csv", 2, "2019;anziani;fnps;1.108.273,75;dimostrativo")
    district = pianozona.load_district(pavia_copy)
    assert district.spesa.loc[0, "fonte_finanziamento"] == "FNPS"
    assert district.spesa.loc[0, "importo_euro"] == pytest.approx(1_108_273.75)


def test_empty_file(pavia_copy):
    (pavia_copy / "obiettivi.csv").write_bytes(b"")
    problem = _only(_problems(pavia_copy), "vuoto")
    assert problem.file.endswith("obiettivi.csv")


def test_year_without_population_is_a_warning_naming_the_year_used(pavia_copy):
    warnings = _problems(pavia_copy, "avviso")
    problem = _only(warnings, "anno 2019 senza popolazione")
    assert "2022" in problem.message
    district = pianozona.load_district(pavia_copy)
    at_risk = district.popolazione_a_rischio("anziani", [2019])
    assert set(at_risk["anno_popolazione"]) == {2022}


def test_users_above_population_at_risk_is_a_warning(pavia_copy):
    # Mezzana Rabattone has about 140 residents aged 65+
    replace_line(pavia_copy / "utenti.csv", 5, "2019;018091;anziani;Assistenza domiciliare (SAD);900;dimostrativo")
    problem = _only(_problems(pavia_copy, "avviso"), "superiori alla popolazione a rischio")
    assert (problem.line, problem.column, problem.value) == (5, "utenti", 900)
    assert not _problems(pavia_copy)  # a warning, not an error


def test_unknown_objective_in_measures(pavia_copy):
    replace_line(pavia_copy / "misure.csv", 2, "XXX-99;2009;621;piano di zona 2012-2014;")
    problem = _only(_problems(pavia_copy), "obiettivo non presente")
    assert (problem.line, problem.value) == (2, "XXX-99")


def test_cp1252_semicolon_file_loads(pavia_copy):
    path = pavia_copy / "utenti.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1252"))
    district = pianozona.load_district(pavia_copy)
    assert "Unità di strada e prevenzione" in set(district.utenti["servizio"])


def test_workbook_with_one_sheet_per_table(pavia_copy):
    with pd.ExcelWriter(pavia_copy / "dati.xlsx") as writer:
        for name in ("utenti", "spesa"):
            frame = pd.read_csv(pavia_copy / f"{name}.csv", sep=";", dtype=str, keep_default_na=False)
            frame.to_excel(writer, sheet_name=name, index=False)
            (pavia_copy / f"{name}.csv").unlink()
    district = pianozona.load_district(pavia_copy)
    assert len(district.utenti) == 900
    replace = pd.read_excel(pavia_copy / "dati.xlsx", sheet_name=None, dtype=str)
    replace["utenti"].loc[3, "utenti"] = "-2"
    with pd.ExcelWriter(pavia_copy / "dati.xlsx") as writer:
        for name, frame in replace.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    problem = _only(_problems(pavia_copy), "valore negativo")
    assert problem.line == 5 and "foglio utenti" in problem.file


def test_template_workbook_loads_as_district(tmp_path):
    from .conftest import ROOT, PAVIA

    folder = tmp_path / "nuovo"
    folder.mkdir()
    (folder / "distretto.yml").write_text((PAVIA / "distretto.yml").read_text(encoding="utf-8"), encoding="utf-8")
    import shutil

    shutil.copy(ROOT / "data" / "modello" / "dati.xlsx", folder / "dati.xlsx")
    problems = _problems(folder)
    # an empty template is readable: each table says it has no rows yet, nothing crashes
    assert {p.message for p in problems} == {"il file non contiene righe di dati"}
    assert sorted(p.file.rsplit("foglio ", 1)[1].rstrip("]") for p in problems) == [
        "misure", "obiettivi", "spesa", "utenti"]
    # the optional table only warns
    assert [p.file for p in _problems(folder, "avviso") if "righe" in p.message][0].endswith("[foglio servizi]")


def test_district_yml_errors(tmp_path):
    folder = tmp_path / "rotto"
    folder.mkdir()
    write_csv(folder / "distretto.yml", "nome: Prova\ncomuni:\n  - {codice: 18110x, nome: Pavia}\n")
    with pytest.raises(DataError) as info:
        pianozona.load_district(folder)
    assert "distretto.yml" in str(info.value) and "6 cifre" in str(info.value)
