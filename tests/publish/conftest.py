"""Shared by the publish tests: the fixture notebooks, a private output root, a private local secret."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from pianozona.data.areas import AREE
from pianozona.data.config import district_folder, read_config

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notebooks"
FAULTS = Path(__file__).parents[1] / "fixtures" / "faults"
PAVIA_COMUNI = list(read_config(district_folder("pavia")).comuni)  # ISTAT codes, in the district's order
DISTRICT_NAMES = (["panoramica"] + [f"bisogni_area_{code}" for code in AREE]
                  + ["verifica_annuale", "bilancio", "livelli_essenziali"])  # bundled Pavia has the staff table
SUITE_NAMES = DISTRICT_NAMES + ["quadro_sindaci"] + [f"scheda_comune_{code}" for code in PAVIA_COMUNI]


@pytest.fixture(scope="module", autouse=True)
def local_secret_home(tmp_path_factory):
    """The HMAC secret of the incremental keys lives in a private state folder, here a temporary one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("stato")))
        yield


@pytest.fixture(scope="module")
def reports_root(tmp_path_factory) -> Path:
    """One output root per module: the district facts are read from the data once, then cached."""
    return tmp_path_factory.mktemp("reports")


@pytest.fixture
def notebooks(tmp_path) -> Path:
    """A private copy of the fixture notebooks that a test may break."""
    return Path(shutil.copytree(FIXTURES, tmp_path / "notebooks"))


def edit_notebook(path: Path, edit) -> None:
    """Apply `edit` to the notebook at `path` and save it."""
    nb = nbformat.read(path, as_version=4)
    edit(nb)
    nbformat.write(nb, path)
