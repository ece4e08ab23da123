"""The command line: exit codes, one readable line per problem, never a traceback for bad data."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from pianozona.cli import main

from .conftest import replace_line


def test_validate_clean_exits_zero():
    result = CliRunner().invoke(main, ["validate", "pavia"])
    assert result.exit_code == 0, result.output
    assert "0 errori" in result.output
    assert "AVVISO" in result.output and "anno 2019 senza popolazione" in result.output


def test_validate_lists_every_error_and_exits_two(pavia_copy):
    replace_line(pavia_copy / "utenti.csv", 2, "2019;018110;anziani;Assistenza domiciliare (SAD);-1;dimostrativo")
    replace_line(pavia_copy / "spesa.csv", 3, "2019;anziani;FSX;10;dimostrativo")
    result = CliRunner().invoke(main, ["validate", str(pavia_copy)])
    assert result.exit_code == 2
    errors = [ln for ln in result.output.splitlines() if ln.startswith("ERRORE")]
    assert len(errors) == 2
    assert "utenti.csv, riga 2, colonna 'utenti': valore negativo (valore: '-1')" in errors[0] + errors[1]
    assert "2 errori" in result.output


def test_unknown_district_one_line_exit_two():
    result = CliRunner().invoke(main, ["validate", "atlantide"])
    assert result.exit_code == 2
    assert "non trovato" in result.output and "Traceback" not in result.output


def test_bad_file_never_gives_a_traceback(pavia_copy):
    (pavia_copy / "utenti.csv").write_bytes(b"\x00\xff garbage;;\n\"unterminated")
    (pavia_copy / "distretto.yml").write_text((pavia_copy / "distretto.yml").read_text() + "\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pianozona.cli", "validate", str(pavia_copy)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "utenti.csv" in proc.stdout


def test_broken_yaml_is_one_line(pavia_copy):
    (pavia_copy / "distretto.yml").write_text("nome: [non chiuso\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(pavia_copy)])
    assert result.exit_code == 2
    assert "distretto.yml" in result.output and "YAML" in result.output


def test_comuni_lists_a_province_as_a_table_or_csv():
    result = CliRunner().invoke(main, ["comuni", "--provincia", "Pavia", "--nome", "siccomario"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["codice", "comune", "provincia", "regione"]
    assert lines[1].startswith("018137  San Martino Siccomario") and "Pavia (018)" in lines[1]
    assert lines[-1] == "2 comuni"
    result = CliRunner().invoke(main, ["comuni", "--regione", "03", "--nome", "TRAVACO", "--csv"])
    assert result.output == ("codice;comune;cod. prov.;provincia;cod. reg.;regione\n"
                             "018162;Travacò Siccomario;018;Pavia;03;Lombardia\n")


def test_comuni_without_match_offers_near_names_exit_two():
    result = CliRunner().invoke(main, ["comuni", "--nome", "Pavai"])
    assert result.exit_code == 2
    assert "forse cercavi: Pavia (018110)" in result.output and "Traceback" not in result.output


def test_nuovo_distretto_writes_a_folder_that_validate_reads(tmp_path):
    result = CliRunner().invoke(main, ["nuovo-distretto", "cdg", "--comuni", "Codogno, Maleo, 098047",
                                       "--cartella", str(tmp_path), "--nome", "Ambito di Codogno"])
    assert result.exit_code == 0, result.output
    assert "3 comuni" in result.output and "provincia di Lodi (098)" in result.output
    assert "dati.xlsx" in result.output and "utenti, spesa, obiettivi, misure" in result.output
    checked = CliRunner().invoke(main, ["validate", str(tmp_path / "cdg")])
    assert "Ambito di Codogno: 4 errori, 2 avvisi." in checked.output  # the four sheets still to fill in
    again = CliRunner().invoke(main, ["nuovo-distretto", "cdg", "--comuni", "Codogno", "--cartella", str(tmp_path)])
    assert again.exit_code == 2 and "--sovrascrivi" in again.output


def test_nuovo_distretto_dimostrativo_from_a_file_validates_clean(tmp_path):
    listing = tmp_path / "elenco.txt"
    listing.write_text("Codogno\nMaleo\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["nuovo-distretto", "cdg", "--file", str(listing), "--dimostrativo",
                                       "--cartella", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "DIMOSTRATIVE" in result.output
    checked = CliRunner().invoke(main, ["validate", str(tmp_path / "cdg")])
    assert checked.exit_code == 0 and "0 errori" in checked.output


def test_nuovo_distretto_errors_are_one_readable_message(tmp_path):
    ambiguous = CliRunner().invoke(main, ["nuovo-distretto", "x", "--comuni", "Samone", "--cartella", str(tmp_path)])
    assert ambiguous.exit_code == 2 and "\"001235\"" in ambiguous.output and "\"022165\"" in ambiguous.output
    both = CliRunner().invoke(main, ["nuovo-distretto", "x", "--comuni", "Pavia", "--provincia", "018"])
    assert both.exit_code == 2 and "uno solo dei modi" in both.output
    assert not (tmp_path / "x").exists()


def test_areas_lists_the_seven_areas():
    result = CliRunner().invoke(main, ["areas"])
    assert result.exit_code == 0
    codes = [ln.split()[0] for ln in result.output.splitlines() if ln.strip()]
    assert codes == ["anziani", "minori", "disabili", "immigrazione", "poverta", "dipendenze", "salute_mentale"]


def test_summary_prints_italian_numbers():
    result = CliRunner().invoke(main, ["summary", "pavia", "--anno", "2023"])
    assert result.exit_code == 0, result.output
    assert "102.860 residenti al 1° gennaio 2023" in result.output
    assert "70.636" in result.output
    assert "DIMOSTRATIVI" in result.output


def test_run_writes_word_documents_unless_told_not_to(monkeypatch):
    import pianozona.publish.runner as runner

    asked = []

    class Done:
        exit_code = 0

        def summary(self):
            return "fatto"

    monkeypatch.setattr(runner, "run_reports", lambda *args, **options: asked.append(options["docx"]) or Done())
    for flags in ([], ["--no-docx"], ["--docx"]):
        result = CliRunner().invoke(main, ["run", "--distretto", "pavia", *flags])
        assert result.exit_code == 0, result.output
    assert asked == [True, False, True]
