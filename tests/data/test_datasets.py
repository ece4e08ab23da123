"""load_district and validation: every case of the foundation issue, each on a broken copy of Pavia."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import pianozona
from pianozona.cli import main
from pianozona.errors import DataError, ValidationError

from tests.conftest import replace_line, write_csv


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


def test_missing_optional_file_is_one_note_not_a_warning(pavia_copy):
    (pavia_copy / "servizi.csv").unlink()
    assert not _problems(pavia_copy)
    assert not [p for p in _problems(pavia_copy, "avviso") if "servizi" in p.message + (p.file or "")]
    note = _only(_problems(pavia_copy, "nota"), "tabelle facoltative non compilate")
    assert "(servizi, persone)" in note.message


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
    problem = _only(warnings, "popolazione 2022 usata come stima per gli anni 2019-2021")
    assert len([p for p in warnings if "usata come stima" in p.message]) == 1  # one line for the three years
    assert "demo.istat.it" in problem.fix and "POSAS_2019_it_Comuni.zip, POSAS_2020_it_Comuni.zip" in problem.fix
    # a folder outside the data root is named by its path: the command runs as shown
    assert f"'pianozona import-istat FILE --distretto {pavia_copy}'" in problem.fix
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
    from tests.conftest import ROOT, PAVIA

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
    # the optional sheets, left empty as the template allows, are one note and no warning
    assert not [p for p in _problems(folder, "avviso") if "righe" in p.message]
    assert [p.message for p in _problems(folder, "nota")] == [
        "tabelle facoltative non compilate (servizi, persone, personale, leps): i rapporti ne fanno a meno"]


def test_district_yml_errors(tmp_path):
    folder = tmp_path / "rotto"
    folder.mkdir()
    write_csv(folder / "distretto.yml", "nome: Prova\ncomuni:\n  - {codice: 18110x, nome: Pavia}\n")
    with pytest.raises(DataError) as info:
        pianozona.load_district(folder)
    assert "distretto.yml" in str(info.value) and "6 cifre" in str(info.value)


# ---------------------------------------------------------------- issue 8: one root cause, one readable line


def _sub(folder, file, old, new):
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _to_xlsx(folder, name):
    frame = pd.read_csv(folder / f"{name}.csv", sep=";", dtype=str, keep_default_na=False)
    frame.to_excel(folder / f"{name}.xlsx", index=False)
    (folder / f"{name}.csv").unlink()
    return folder / f"{name}.xlsx"


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _zip_not_xlsx(folder):
    (folder / "utenti.csv").unlink()
    with zipfile.ZipFile(folder / "utenti.xlsx", "w") as archive:
        archive.writestr("leggimi.txt", "x")


def _workbook_next_to_csv(folder):
    with pd.ExcelWriter(folder / "dati.xlsx") as writer:
        pd.read_csv(folder / "utenti.csv", sep=";", dtype=str).to_excel(writer, sheet_name="utenti", index=False)


def _special(folder, kind):
    (folder / "utenti.csv").unlink()
    if kind == "fifo":
        os.mkfifo(folder / "utenti.csv")
    else:
        (folder / "utenti.csv").symlink_to(kind)


YML = "distretto.yml"
CASES = {
    # name: (break the copy, text of the one error line)
    "xlsx troncato": (lambda f: _truncate(_to_xlsx(f, "utenti")),
                      "utenti.xlsx: il file .xlsx è troncato o danneggiato"),
    "csv rinominato xlsx": (lambda f: (f / "utenti.csv").rename(f / "utenti.xlsx"), "forse un CSV rinominato"),
    "xlsx vuoto": (lambda f: (f / "utenti.csv").unlink() or (f / "utenti.xlsx").write_bytes(b""),
                   "utenti.xlsx: il file è vuoto"),
    "zip non xlsx": (_zip_not_xlsx, "utenti.xlsx: il file .xlsx non è leggibile"),
    "dati.xlsx danneggiato": (lambda f: (f / "dati.xlsx").write_bytes(b"PK\x03\x04 rotto"),
                              "dati.xlsx: il file .xlsx è troncato"),
    "conteggio 1e30": (lambda f: _sub(f, "utenti.csv", ";307;", ";1e30;"),
                       "utenti.csv, riga 2, colonna 'utenti': conteggio troppo grande (massimo 10.000.000) "
                       "(valore: '1e30')"),
    "conteggio inf": (lambda f: _sub(f, "utenti.csv", ";307;", ";inf;"), "riga 2, colonna 'utenti': numero non finito"),
    "conteggio nan": (lambda f: _sub(f, "utenti.csv", ";307;", ";nan;"), "riga 2, colonna 'utenti': numero non finito"),
    "anno -inf": (lambda f: _sub(f, "utenti.csv", "2019;018110", "-inf;018110"),
                  "riga 2, colonna 'anno': numero non finito"),
    "anno 1e30": (lambda f: _sub(f, "utenti.csv", "2019;018110", "1e30;018110"),
                  "riga 2, colonna 'anno': anno fuori intervallo"),
    "importo inf": (lambda f: _sub(f, "spesa.csv", "108273,75", "inf"),
                    "spesa.csv, riga 2, colonna 'importo_euro': numero non finito"),
    "importo 1e30": (lambda f: _sub(f, "spesa.csv", "108273,75", "1e30"),
                     "colonna 'importo_euro': importo troppo grande"),
    "comuni vuoto": (lambda f: (f / YML).write_text("nome: X\ncomuni:\n"),
                     "riga 2, colonna 'comuni': l'elenco 'comuni' è vuoto"),
    "confronti elenco": (lambda f: _sub(f, YML, '  provincia: {codice: "018", nome: Provincia di Pavia}\n'
                                        '  regione: {codice: "03", nome: Lombardia}', "  - provincia"),
                         "colonna 'confronti': 'confronti' deve associare livello e territorio"),
    "confronto senza codice": (lambda f: _sub(f, YML, 'provincia: {codice: "018", ', "provincia: {"),
                               "il confronto 'provincia' non ha un codice ISTAT valido"),
    "confronto inesistente": (lambda f: _sub(f, YML, 'codice: "018", nome: Provincia',
                                             'codice: "999", nome: Provincia'),
                              "nessun comune ISTAT ha codice provincia 999"),
    "radice elenco": (lambda f: (f / YML).write_text("- nome\n- comuni\n"), "il file deve contenere chiavi"),
    "comune senza nome": (lambda f: _sub(f, YML, '{codice: "018030", nome: Carbonara al Ticino}', '{codice: "018030"}'),
                          "riga 8, colonna 'comuni': ogni comune deve avere 'codice' e 'nome'"),
    "alias": (lambda f: _sub(f, YML, "nome: Distretto Sociale di Pavia", "x: &x Pavia\nnome: *x"),
              "alias e ancore YAML"),
    "dev zero": (lambda f: _special(f, "/dev/zero"), "utenti.csv: non è un file normale"),
    "dev urandom": (lambda f: _special(f, "/dev/urandom"), "utenti.csv: non è un file normale"),
    "fifo": (lambda f: _special(f, "fifo"), "utenti.csv: non è un file normale"),
    "codice fuori cartella": (lambda f: _sub(f, YML, "codice: pavia", "codice: ../../x"),
                              "colonna 'codice': il codice del distretto non è un nome di cartella sicuro"),
    "codice ottale": (lambda f: _sub(f, YML, '{codice: "018110", nome: Pavia}', "{codice: 015146, nome: Pavia}"),
                      "015146 è Milano per ISTAT; per questo 75 righe di utenti.csv, 9 righe di servizi.csv"),
    "codice sbagliato": (lambda f: _sub(f, YML, '"018110", nome: Pavia', '"018111", nome: Pavia'),
                         "riga 7, colonna 'nome': il nome non corrisponde al codice: 018111"),
    "codice sconosciuto": (lambda f: _sub(f, YML, '"018110", nome: Pavia', '"099999", nome: Pavia'),
                           "codice comune sconosciuto a ISTAT; per questo 75 righe di utenti.csv"),
    "nome sbagliato": (lambda f: _sub(f, YML, "nome: Sommo", "nome: Zinasco"),
                       "018151 è Sommo per ISTAT (valore: 'Zinasco'). se il comune è Zinasco, il codice è \"018190\""),
    "colonna ripetuta": (lambda f: _sub(f, "utenti.csv", "utenti;fonte", "utenti;utenti"),
                         "utenti.csv, riga 1, colonna 'utenti': colonna 'utenti' ripetuta: colonne E e F"),
    "csv e dati.xlsx": (_workbook_next_to_csv,
                        "la tabella 'utenti' è in 2 posti: utenti.csv e dati.xlsx [foglio utenti]"),
    "utf-16": (lambda f: (f / "utenti.csv").write_bytes((f / "utenti.csv").read_text().encode("utf-16")),
               "utenti.csv: il file è in codifica UTF-16"),
    "riga del titolo": (lambda f: (f / "spesa.csv").write_text("Spesa 2019-2023\n" + (f / "spesa.csv").read_text()),
                        "spesa.csv, riga 1: la prima riga sembra un titolo: le intestazioni attese (anno, area, "
                        "fonte_finanziamento, importo_euro, fonte) sono alla riga 2"),
    "cartella al posto del file": (lambda f: (f / "misure.csv").unlink() or (f / "misure.csv").mkdir(),
                                   "misure.csv: al posto del file c'è una cartella"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_validate_gives_one_line_per_root_cause(pavia_copy, name):
    breaks, expected = CASES[name]
    breaks(pavia_copy)
    result = CliRunner().invoke(main, ["validate", str(pavia_copy)])
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    errors = [ln for ln in result.output.splitlines() if "ERRORE" in ln]
    assert len(errors) == 1, errors
    assert expected in errors[0], errors[0]


@pytest.mark.parametrize("name", ["Travaco' Siccomario", "TRAVACÒ SICCOMARIO", "travacò  siccomario"])
def test_comune_name_check_ignores_accents_case_and_apostrophes(pavia_copy, name):
    _sub(pavia_copy, YML, "nome: Travacò Siccomario", f'nome: "{name}"')
    assert not _problems(pavia_copy)


def test_unknown_code_and_unknown_name_suggests_near_names(pavia_copy):
    _sub(pavia_copy, YML, '"018162", nome: Travacò Siccomario', '"099998", nome: Travacco Sicomario')
    problem = _only(_problems(pavia_copy), "codice comune sconosciuto a ISTAT")
    assert problem.line == 15 and 'Travacò Siccomario ("018162")' in problem.fix


def test_unquoted_code_is_kept_and_warned(pavia_copy):
    _sub(pavia_copy, YML, '{codice: "018110", nome: Pavia}', "{codice: 18110, nome: Pavia}")
    district = pianozona.load_district(pavia_copy)
    assert "018110" in set(district.comuni["codice_comune"])
    assert "virgolette" in _only(_problems(pavia_copy, "avviso"), "senza virgolette").fix


def test_infinite_amount_never_reaches_the_tables(pavia_copy):
    _sub(pavia_copy, "spesa.csv", "108273,75", "inf")
    district = pianozona.load_district(pavia_copy, strict=False)
    assert district.spesa["importo_euro"].dropna().map(np.isfinite).all()
    _sub(pavia_copy, "spesa.csv", "inf", "108273,75")
    _sub(pavia_copy, "utenti.csv", ";307;", ";1e30;")
    district = pianozona.load_district(pavia_copy, strict=False)
    assert pd.isna(district.utenti.loc[0, "utenti"])  # reported, and kept out of the Int64 column


def test_repeated_problem_is_one_line_with_a_count(pavia_copy):
    path = pavia_copy / "utenti.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(";dimostrativo", ";"), encoding="utf-8")
    [problem] = _problems(pavia_copy)
    assert problem.line == 2 and problem.column == "fonte"
    assert "cella vuota (e altre 899 righe: 3, 4, 5" in problem.message


PERSONE = "anno;codice_comune;area;persone;fonte\n2019;018110;anziani;280;cartella sociale\n" \
          "2019;018030;minori;4;cartella sociale\n"


def test_persone_is_none_when_absent_and_silent(pavia_copy):
    district = pianozona.load_district(pavia_copy)
    assert district.persone is None
    assert not [p for p in district.problems if Path(p.file or "").name.startswith("persone")]


def test_persone_table_is_validated_and_typed(pavia_copy):
    (pavia_copy / "persone.csv").write_text(PERSONE, encoding="utf-8")
    district = pianozona.load_district(pavia_copy)
    assert list(district.persone["persone"]) == [280, 4] and str(district.persone["persone"].dtype) == "Int64"
    assert list(district.persone["codice_comune"]) == ["018110", "018030"]


def test_persone_table_gets_the_checks_of_utenti(pavia_copy):
    (pavia_copy / "persone.csv").write_text(
        PERSONE + "2019;018110;anziani;3;cartella sociale\n2020;018001;giovani;-1;cartella sociale\n", encoding="utf-8")
    problems = _problems(pavia_copy)
    assert _only(problems, "riga duplicata").line == 4
    assert (_only(problems, "comune fuori dal distretto").line, _only(problems, "area sconosciuta").line) == (5, 5)
    assert _only(problems, "valore negativo").column == "persone"
    assert all(p.file.endswith("persone.csv") for p in problems)


def test_istat_folder_special_and_damaged_files_are_one_line_each(pavia_copy):
    folder = pavia_copy / "istat"
    folder.mkdir()
    os.mkfifo(folder / "posas_2021.csv")
    (folder / "posas_2020.zip").write_bytes(b"PK\x03\x04 rotto")
    problems = _problems(pavia_copy)
    assert _only(problems, "non è un file normale").file.endswith("posas_2021.csv")
    assert _only(problems, "archivio zip danneggiato").file.endswith("posas_2020.zip")


# ---------------------------------------------------------------------------
# read once per process while the files are unchanged (pianozona.data.cache)


def _counting_reads(monkeypatch) -> list:
    from pianozona.data import datasets

    reads = []
    real = datasets.read_config
    monkeypatch.setattr(datasets, "read_config", lambda folder: reads.append(folder) or real(folder))
    return reads


def test_second_load_is_a_copy_from_memory(pavia_copy, monkeypatch):
    reads = _counting_reads(monkeypatch)
    first = pianozona.load_district(pavia_copy)
    second = pianozona.load_district(pavia_copy)
    assert len(reads) == 1
    assert second is not first and second.utenti is not first.utenti
    pd.testing.assert_frame_equal(first.utenti, second.utenti)
    first.utenti.loc[first.utenti.index[0], "utenti"] = -7  # a caller changing its copy in place
    first.problems.items.append("rotto")
    original = second.utenti["utenti"].iloc[0]
    second.utenti.loc[second.utenti.index[0], "utenti"] = -8  # ... also one served from memory
    third = pianozona.load_district(pavia_copy)
    assert third.utenti["utenti"].iloc[0] == original and original not in (-7, -8)
    assert "rotto" not in third.problems.items


def test_an_edited_file_is_read_again(pavia_copy, monkeypatch):
    reads = _counting_reads(monkeypatch)
    before = pianozona.load_district(pavia_copy)
    replace_line(pavia_copy / "utenti.csv", 2, "2019;018110;anziani;Assistenza domiciliare (SAD);308;dimostrativo")
    after = pianozona.load_district(pavia_copy)
    assert len(reads) == 2
    assert after.utenti["utenti"].iloc[0] == 308 != before.utenti["utenti"].iloc[0]
    (pavia_copy / "note.txt").write_text("appunti", encoding="utf-8")  # a new file: read again...
    again = pianozona.load_district(pavia_copy)
    assert len(reads) == 3 and again.inputs == after.inputs  # ... but what was read is the same


def test_each_input_has_the_fingerprint_of_what_was_read(pavia_copy):
    from pianozona.data import inputs

    before = pianozona.load_district(pavia_copy).inputs
    assert set(before) == set(inputs.INPUTS) and before["persone"] == inputs.ABSENT
    line = (pavia_copy / "obiettivi.csv").read_text(encoding="utf-8").splitlines()[1]
    replace_line(pavia_copy / "obiettivi.csv", 2, line.replace("dimostrativo", " dimostrativo "))
    assert pianozona.load_district(pavia_copy).inputs == before  # the same cells as read: spaces are trimmed
    replace_line(pavia_copy / "obiettivi.csv", 2, line.replace(";450;", ";460;"))  # one target
    after = pianozona.load_district(pavia_copy).inputs
    assert [name for name in inputs.INPUTS if after[name] != before[name]] == ["obiettivi"]


def _as_workbook(folder) -> dict[str, pd.DataFrame]:
    """Move the office's CSV tables of `folder` into sheets of dati.xlsx; the tables, to change and write again."""
    tables = {name: pd.read_csv(folder / f"{name}.csv", sep=";", dtype=str, keep_default_na=False)
              for name in ("utenti", "spesa", "obiettivi", "misure", "servizi")}
    for name in tables:
        (folder / f"{name}.csv").unlink()
    _write_workbook(folder, tables)
    return tables


def _write_workbook(folder, tables) -> None:
    with pd.ExcelWriter(folder / "dati.xlsx") as book:
        for name, table in tables.items():
            table.to_excel(book, sheet_name=name, index=False)


def test_a_sheet_of_the_workbook_has_its_own_fingerprint(pavia_copy):
    from pianozona.data import inputs

    tables = _as_workbook(pavia_copy)
    before = pianozona.load_district(pavia_copy).inputs
    tables["misure"].loc[0, "valore"] = "1"
    _write_workbook(pavia_copy, tables)
    after = pianozona.load_district(pavia_copy).inputs
    assert [name for name in inputs.INPUTS if after[name] != before[name]] == ["misure"]


def test_a_workbook_saved_while_it_is_read_is_an_error(pavia_copy, monkeypatch):
    """dati.xlsx is read once per table: a save between two of its reads is noticed, never mixed nor kept."""
    from pianozona.data import tabular

    tables = _as_workbook(pavia_copy)
    original = (pavia_copy / "dati.xlsx").read_bytes()
    real, calls = tabular.read_bytes_bounded, []

    def saved_meanwhile(path, *args, **kwargs):
        raw = real(path, *args, **kwargs)
        calls.append(path)
        if len(calls) == 3:  # the office saves the workbook after the loader's third read
            tables["utenti"].loc[0, "utenti"] = "999"
            _write_workbook(pavia_copy, tables)
        return raw

    monkeypatch.setattr(tabular, "read_bytes_bounded", saved_meanwhile)
    district = pianozona.load_district(pavia_copy, strict=False)
    assert len(calls) > 3
    assert [p.message for p in district.problems.errors if p.file.endswith("dati.xlsx")] == [
        "il file è cambiato mentre veniva letto (salvato in quel momento?)"]
    again = pianozona.load_district(pavia_copy)  # read again: the saved version, whole
    assert again.utenti["utenti"].iloc[0] == 999 and not again.problems.errors
    (pavia_copy / "dati.xlsx").write_bytes(original)  # the file back as it was when the mixed read began ...
    back = pianozona.load_district(pavia_copy)  # ... is read again, whole: the mixed district was never kept
    assert back.utenti["utenti"].iloc[0] != 999 and not back.problems.errors


def test_a_file_saved_between_the_key_and_the_read_is_not_kept_under_the_old_key(pavia_copy, monkeypatch):
    """The district is read whole after the save, but the key was taken before: kept, it would come back for
    the old content."""
    from pianozona.data import inputs

    real, users = inputs.content_key, pavia_copy / "utenti.csv"
    original, calls = users.read_bytes(), []

    def key_then_saved(folder):
        key = real(folder)
        if not calls:  # the office saves the file right after the loader took the key
            replace_line(users, 2, "2019;018110;anziani;Assistenza domiciliare (SAD);308;dimostrativo")
        calls.append(key)
        return key

    monkeypatch.setattr(inputs, "content_key", key_then_saved)
    assert pianozona.load_district(pavia_copy).utenti["utenti"].iloc[0] == 308
    users.write_bytes(original)  # back as it was when the key was taken
    assert pianozona.load_district(pavia_copy).utenti["utenti"].iloc[0] != 308


def test_an_istat_file_changes_the_population_input_only(pavia_copy):
    from pianozona.data import inputs
    from tests.data.istat_samples import posas

    before = pianozona.load_district(pavia_copy).inputs
    (pavia_copy / "istat").mkdir()
    posas(pavia_copy / "istat")
    after = pianozona.load_district(pavia_copy, strict=False).inputs
    assert [name for name in inputs.INPUTS if after[name] != before[name]] == ["popolazione"]


def test_a_run_notes_what_each_load_read(pavia_copy, tmp_path, monkeypatch):
    from pianozona.data import inputs

    record = tmp_path / "letture.jsonl"
    monkeypatch.setenv(inputs.READS_ENV_VAR, str(record))
    first = pianozona.load_district(pavia_copy)
    pianozona.load_district(pavia_copy)  # from memory: noted as well
    notes = inputs.read_notes(record)
    assert len(notes) == 2 and notes[0] == notes[1]
    assert notes[0] == {"cartella": str(pavia_copy.resolve()), "codice": "pavia", "ingressi": first.inputs,
                        "fatti": inputs.district_facts(first)}
    assert notes[0]["fatti"]["anni"] == [2019, 2020, 2021, 2022, 2023] and notes[0]["fatti"]["dimostrativo"]
    monkeypatch.delenv(inputs.READS_ENV_VAR)
    pianozona.load_district(pavia_copy)
    assert len(inputs.read_notes(record)) == 2


def test_strict_applies_to_a_district_from_memory(pavia_copy, monkeypatch):
    reads = _counting_reads(monkeypatch)
    replace_line(pavia_copy / "utenti.csv", 2, "2019;018110;anziani;Assistenza domiciliare (SAD);-1;dimostrativo")
    assert pianozona.load_district(pavia_copy, strict=False).problems.errors
    with pytest.raises(ValidationError):
        pianozona.load_district(pavia_copy)
    assert len(reads) == 1


def test_validate_warns_when_no_istat_survey_covers_the_ambito(pavia_copy):
    from tests.data import ats_samples

    config = pavia_copy / "distretto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("ente_capofila:", 'ambito_istat: "T03007"\n'
                                                                   "ente_capofila:"), encoding="utf-8")
    [warning] = [p for p in pianozona.load_district(pavia_copy).problems.warnings if p.column == "ambito_istat"]
    assert "confronto con l'Italia non disponibile: nessun file dell'indagine ISTAT" in warning.format()
    (pavia_copy.parent / "istat_ats").mkdir()
    ats_samples.write(pavia_copy.parent / "istat_ats" / "ats.csv", ats_samples.lombardia(n_ambiti=5, years=(2021,)))
    [warning] = [p for p in pianozona.load_district(pavia_copy).problems.warnings if p.column == "ambito_istat"]
    assert "l'ambito T03007 di distretto.yml non è nei file" in warning.message and warning.value == "T03007"
    ats_samples.write(pavia_copy.parent / "istat_ats" / "ats.csv", ats_samples.lombardia(n_ambiti=9, years=(2021,)))
    assert not [p for p in pianozona.load_district(pavia_copy).problems.items if p.column == "ambito_istat"]
