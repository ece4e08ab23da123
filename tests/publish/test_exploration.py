"""exploration: a planner's copy of the explorer for any district, written outside the tracked notebooks."""

from __future__ import annotations

import shutil
import subprocess

import nbformat
import papermill as pm
import pytest
from click.testing import CliRunner

from pianozona.cli import main
from pianozona.errors import DataError, ParameterError
from pianozona.publish import exploration
from tests.conftest import ROOT


def test_the_copy_has_the_district_and_year_in_its_parameters_and_the_tracked_notebook_is_untouched(tmp_path):
    tracked = exploration.EXPLORER.read_bytes()
    copy = exploration.personal_explorer("pavia", year=2022, folder=tmp_path / "mie")
    assert copy.created and copy.path == tmp_path / "mie" / "esplora_pavia.ipynb"
    assert copy.district == "Distretto Sociale di Pavia"
    params = pm.inspect_notebook(str(copy.path))
    assert params["district"]["default"] == '"pavia"' and params["year"]["default"] == "2022"
    assert params["district"]["help"] and params["year"]["inferred_type_name"] == "Optional[int]"  # help, type kept
    assert exploration.EXPLORER.read_bytes() == tracked
    original, mine = (nbformat.read(p, as_version=4) for p in (exploration.EXPLORER, copy.path))
    assert [c.source for c in mine.cells[2:]] == [c.source for c in original.cells[2:]]
    assert all(not c.get("outputs") for c in mine.cells)


def test_a_copy_already_there_is_the_planners_own_work_and_is_kept_unless_replaced(tmp_path):
    first = exploration.personal_explorer("pavia", folder=tmp_path)
    first.path.write_text(first.path.read_text(encoding="utf-8").replace("## L'esploratore", "## Mio"),
                          encoding="utf-8")
    again = exploration.personal_explorer("pavia", year=2021, folder=tmp_path)
    assert not again.created and "## Mio" in again.path.read_text(encoding="utf-8")
    assert pm.inspect_notebook(str(again.path))["year"]["default"] == "None"
    replaced = exploration.personal_explorer("pavia", year=2021, folder=tmp_path, replace=True)
    assert replaced.created and "## Mio" not in replaced.path.read_text(encoding="utf-8")
    assert pm.inspect_notebook(str(replaced.path))["year"]["default"] == "2021"


def test_a_district_outside_the_data_folder_is_written_as_its_folder(tmp_path, pavia_copy):
    copy = exploration.personal_explorer(pavia_copy, folder=tmp_path / "mie")
    assert pm.inspect_notebook(str(copy.path))["district"]["default"] == f'"{pavia_copy.resolve()}"'


def test_an_unknown_district_or_a_year_without_data_is_refused_and_nothing_is_written(tmp_path):
    with pytest.raises(DataError, match="distretti disponibili"):
        exploration.personal_explorer("atlantide", folder=tmp_path)
    with pytest.raises(ParameterError, match="anni con dati nel distretto"):
        exploration.personal_explorer("pavia", year=1999, folder=tmp_path)
    assert not list(tmp_path.iterdir())


def test_the_command_says_where_the_copy_is_how_to_open_it_and_that_it_is_raw(tmp_path):
    result = CliRunner().invoke(main, ["esplora", "pavia", "--anno", "2023", "--cartella", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"Esplorazione di Distretto Sociale di Pavia: {tmp_path / 'esplora_pavia.ipynb'}" in result.output
    assert f"jupyter lab {tmp_path / 'esplora_pavia.ipynb'}" in result.output and "Dati non protetti" in result.output
    again = CliRunner().invoke(main, ["esplora", "pavia", "--cartella", str(tmp_path)])
    assert again.exit_code == 0 and "già pronta" in again.output and "--sovrascrivi" in again.output
    wrong = CliRunner().invoke(main, ["esplora", "pavia", "--anno", "1999", "--cartella", str(tmp_path / "x")])
    assert wrong.exit_code == 2 and "anni con dati nel distretto" in wrong.output


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="serve un checkout git")
def test_the_default_folder_is_ignored_by_git():
    path = exploration.FOLDER / "esplora_pavia.ipynb"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT, timeout=30)
    assert ignored.returncode == 0, f"{path} non è ignorato da git: aggiungere {exploration.FOLDER}/ a .gitignore"
