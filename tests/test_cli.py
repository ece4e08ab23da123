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
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "utenti.csv" in proc.stdout


def test_broken_yaml_is_one_line(pavia_copy):
    (pavia_copy / "distretto.yml").write_text("nome: [non chiuso\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(pavia_copy)])
    assert result.exit_code == 2
    assert "distretto.yml" in result.output and "YAML" in result.output


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
