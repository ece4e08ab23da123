"""The office's own district: said once, used by every command; never a silent Pavia (trial F9)."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from pianozona.cli import main
from pianozona.data import settings
from pianozona.errors import DataError, ParameterError
from tests.conftest import PAVIA


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A data root with two districts (pavia, carpi) and no choice made."""
    monkeypatch.setenv("PIANOZONA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv(settings.ENV_DISTRICT, raising=False)
    shutil.copytree(PAVIA, tmp_path / "pavia")
    shutil.copytree(PAVIA, tmp_path / "carpi")
    (tmp_path / "carpi" / "distretto.yml").write_text(
        (PAVIA / "distretto.yml").read_text(encoding="utf-8").replace("codice: pavia", "codice: carpi"),
        encoding="utf-8")
    return tmp_path


def test_several_districts_and_no_choice_is_a_clear_line_not_pavia(root):
    with pytest.raises(ParameterError) as info:
        settings.default_district()
    text = str(info.value)
    assert "2 distretti" in text and "carpi, pavia" in text and "pianozona predefinito CODICE" in text


def test_the_only_district_is_the_default(root):
    shutil.rmtree(root / "carpi")
    assert settings.default_district().distretto == "pavia"


def test_a_setting_chooses_and_the_environment_wins(root, monkeypatch):
    path = settings.set_default_district("carpi")
    assert path == root / settings.SETTINGS_FILE and "distretto: carpi" in path.read_text(encoding="utf-8")
    assert settings.default_district() == settings.Choice("carpi", f"impostazione in {path}")
    monkeypatch.setenv(settings.ENV_DISTRICT, "pavia")
    assert settings.default_district().distretto == "pavia"


def test_an_unknown_district_is_not_set(root):
    with pytest.raises(ParameterError, match="distretti in .*: carpi, pavia"):
        settings.set_default_district("atlantide")
    assert not (root / settings.SETTINGS_FILE).exists()


def test_import_files_only_into_a_named_or_chosen_district(root):
    with pytest.raises(ParameterError, match="--distretto CODICE"):
        settings.import_target(None)
    shutil.rmtree(root / "carpi")
    with pytest.raises(ParameterError):  # the only district is not a choice: a download is never filed by guess
        settings.import_target(None)
    assert settings.import_target("pavia") == "pavia"
    settings.set_default_district("pavia")
    assert settings.import_target(None) == "pavia"


def test_every_command_uses_the_default(root):
    runner = CliRunner()
    refused = runner.invoke(main, ["validate"])
    assert refused.exit_code == 2 and "nessuno è scelto come predefinito" in refused.output
    assert runner.invoke(main, ["run"]).exit_code == 2
    assert runner.invoke(main, ["summary"]).exit_code == 2
    assert runner.invoke(main, ["import-istat", str(root / "x.zip")]).exit_code == 2
    chosen = runner.invoke(main, ["predefinito", "carpi"])
    assert chosen.exit_code == 0 and "distretto predefinito: carpi" in chosen.output
    assert "carpi (impostazione in" in runner.invoke(main, ["predefinito"]).output
    checked = runner.invoke(main, ["validate"])
    assert checked.exit_code == 0 and "Distretto Sociale di Pavia: 0 errori" in checked.output  # carpi's copy


def test_the_first_district_created_becomes_the_default_and_says_so(root):
    result = CliRunner().invoke(main, ["nuovo-distretto", "lodi", "--comuni", "Lodi, Codogno"])
    assert result.exit_code == 0, result.output
    assert "lodi è ora il distretto predefinito" in result.output
    assert settings.default_district().distretto == "lodi"
    again = CliRunner().invoke(main, ["nuovo-distretto", "cdg", "--comuni", "Maleo"])
    assert "predefinito" not in again.output.split("- compilare")[0]  # the choice made stays
    assert settings.default_district().distretto == "lodi"


def test_the_setting_is_read_with_the_one_yaml_reader(root):
    """A comment, quotes and an alias-free YAML line all work; a broken file is one line naming file and line."""
    settings.settings_path(root).write_text('# la scelta dell\'ufficio\ndistretto: "carpi"  # Carpi\n',
                                            encoding="utf-8")
    assert settings.default_district().distretto == "carpi"
    settings.settings_path(root).write_text("altro: 1\ndistretto: [carpi\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        settings.default_district()
    assert info.value.problem.file.endswith("impostazioni.yml") and info.value.line
