"""The command line: exit codes, one readable line per problem, never a traceback for bad data."""

from __future__ import annotations

import shlex
import subprocess
import sys

from click.testing import CliRunner

from pianozona.cli import main

from .conftest import replace_line


def test_validate_clean_exits_zero():
    result = CliRunner().invoke(main, ["validate", "pavia"])
    assert result.exit_code == 0, result.output
    assert "0 errori" in result.output
    assert "AVVISO" in result.output and "popolazione 2022 usata come stima per gli anni 2019-2021" in result.output
    assert result.output.index("AVVISO") < result.output.index("NOTA")  # what matters first


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
    # the four sheets still to fill in; the optional ones left empty are one note, not warnings
    assert "Ambito di Codogno: 4 errori, 0 avvisi, 1 nota." in checked.output
    again = CliRunner().invoke(main, ["nuovo-distretto", "cdg", "--comuni", "Codogno", "--cartella", str(tmp_path)])
    assert again.exit_code == 2 and "--sovrascrivi" in again.output


def test_nuovo_distretto_next_steps_run_as_shown(tmp_path, monkeypatch):
    """Trial F2: the commands printed are the short ones of the README, and they run."""
    monkeypatch.setenv("PIANOZONA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PIANOZONA_DISTRETTO", raising=False)
    result = CliRunner().invoke(main, ["nuovo-distretto", "carpi", "--comuni", "Carpi, Campogalliano, Novi di Modena, "
                                       "Soliera", "--dimostrativo"])
    assert result.exit_code == 0, result.output
    steps = {line.split(": ", 1)[0].lstrip("- "): line.split(": ", 1)[1] for line in result.output.splitlines()
             if line.startswith("- controllo") or line.startswith("- rapporti")}
    assert steps == {"controllo": "pianozona validate carpi", "rapporti": "pianozona run --distretto carpi"}
    shown = shlex.split(steps["controllo"])
    assert CliRunner().invoke(main, shown[1:]).exit_code == 0


def test_novi_suggests_novi_di_modena_among_comuni_of_modena(tmp_path):
    """Trial F1: a prefix match in the province of the other comuni comes first."""
    result = CliRunner().invoke(main, ["nuovo-distretto", "carpi", "--comuni", "Carpi, Campogalliano, Novi, Soliera",
                                       "--cartella", str(tmp_path)])
    assert result.exit_code == 2
    assert "forse cercavi: Novi di Modena (provincia di Modena): \"036028\"" in result.output


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


def test_summary_and_run_agree_on_the_year(pavia_copy):
    """Trial F16: with 2024 rows, summary shows 2024 as run publishes it, on the 2023 population said as such."""
    from pianozona.publish.planning import district_info

    with (pavia_copy / "utenti.csv").open("a", encoding="utf-8") as handle:
        handle.write("2024;018110;anziani;Assistenza domiciliare (SAD);120;dimostrativo\n")
    result = CliRunner().invoke(main, ["summary", str(pavia_copy)])
    assert result.exit_code == 0, result.output
    assert "residenti al 1° gennaio 2023 (usata come stima per il 2024)" in result.output
    assert "Copertura dei servizi 2024" in result.output
    assert max(district_info(pavia_copy, pavia_copy.parent / "out").anni) == 2024


def test_run_writes_word_documents_unless_told_not_to(monkeypatch):
    import pianozona.publish.runner as runner

    asked = []

    class Done:
        exit_code = 0

        def summary(self):
            return "fatto"

    monkeypatch.setattr(runner, "run_reports",
                        lambda district, year, options, **_: asked.append(options.docx) or Done())
    for flags in ([], ["--no-docx"], ["--docx"]):
        result = CliRunner().invoke(main, ["run", "--distretto", "pavia", *flags])
        assert result.exit_code == 0, result.output
    assert asked == [True, False, True]


def test_a_run_that_fails_is_dated_in_a_scheduled_runs_log(pavia_copy, tmp_path, monkeypatch):
    """Trial F25: the cron log's lines carry date and time; a run refused for its data was the undated one (a bad
    parameter stays the one line it always was)."""
    import re

    replace_line(pavia_copy / "utenti.csv", 2, "2019;018110;disabile;Assistenza domiciliare (SAD);3;dimostrativo")
    result = CliRunner().invoke(main, ["run", "--distretto", str(pavia_copy), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    first, second = result.output.splitlines()[:2]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d esecuzione non riuscita \(codice 2\):", first), first
    assert second == "pianozona: 1 errore nei dati:"
    monkeypatch.setenv("PIANOZONA_DATA_DIR", str(tmp_path / "vuota"))  # no district named, none to default to
    monkeypatch.delenv("PIANOZONA_DISTRETTO", raising=False)
    (tmp_path / "vuota").mkdir()
    unnamed = CliRunner().invoke(main, ["run", "--out", str(tmp_path / "out")])  # a bad parameter stays one line
    assert unnamed.exit_code == 2 and len(unnamed.output.strip().splitlines()) == 1
    assert unnamed.output.startswith("pianozona: ") and "nessun distretto in" in unnamed.output
