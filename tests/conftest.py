"""Shared fixtures: a private copy of the bundled Pavia district that a test may break; the suite's time limits.

Markers (registered in pyproject.toml) say what a test starts: ``kernel`` (Jupyter kernels: papermill,
nbclient, nbval, a publishing run), ``browser`` (Chromium), ``dask`` (a Dask cluster) and ``suite`` (a
district's whole report suite, end to end).  ``make test-fast`` deselects all four.  A test without the
``kernel`` marker cannot start a kernel: the ``python3`` kernel it finds refuses, naming the marker.

Every test (and every kernel a test starts, which inherits the environment) draws the complements
of secondary suppression with one fixed secret: results do not depend on the machine, and no test
writes a secret into the bundled data folders or the user's state folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import matplotlib
import pytest

from pianozona.privacy import SECRET_ENV_VAR

matplotlib.use("Agg")  # every test draws off screen; set before any test module imports pyplot

ROOT = Path(__file__).resolve().parent.parent
PAVIA = ROOT / "data" / "pavia"
#: The secret of every test run (hex): see `pianozona.privacy.keying`.
TEST_SECRET = "7e57" * 16
os.environ[SECRET_ENV_VAR] = TEST_SECRET
HEAVY_MARKERS = ("kernel", "browser", "dask", "suite", "slow")  # left out of the fast loop
CELL_TIMEOUT_S = 300  # a notebook cell in a test: the slowest takes ~20 s on a loaded 2-core machine
KERNEL_START_TIMEOUT_S = 60


def execute_notebook(source: Path | str, target: Path | str, **kwargs):
    """``papermill.execute_notebook`` with the suite's time limits: a cell that waits longer fails the test."""
    import papermill

    kwargs.setdefault("progress_bar", False)
    return papermill.execute_notebook(str(source), str(target), execution_timeout=CELL_TIMEOUT_S,
                                      start_timeout=KERNEL_START_TIMEOUT_S, **kwargs)


@pytest.fixture(scope="session")
def _refusing_kernels(tmp_path_factory) -> Path:
    """A Jupyter data folder whose `python3` kernel refuses to start, naming the marker a test needs."""
    folder = tmp_path_factory.mktemp("jupyter")
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    message = "un test che avvia un kernel va segnato con @pytest.mark.kernel"
    (spec / "kernel.json").write_text(json.dumps({"argv": [sys.executable, "-c", f"raise SystemExit({message!r})"],
                                                  "display_name": "Python 3", "language": "python"}),
                                      encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def _kernels_only_in_marked_tests(request, monkeypatch, _refusing_kernels):
    """Outside `kernel` tests the `python3` kernel found first is one that refuses to start (JUPYTER_PATH)."""
    if request.node.get_closest_marker("kernel") is None:
        monkeypatch.setenv("JUPYTER_PATH", str(_refusing_kernels))


@pytest.fixture
def pavia_copy(tmp_path: Path) -> Path:
    """A copy of data/pavia in tmp_path (the committed files are never touched)."""
    target = tmp_path / "pavia"
    # not the protection secret a run of the checkout's Pavia leaves there (`make report`): each copy starts clean
    shutil.copytree(PAVIA, target, ignore=shutil.ignore_patterns(".chiave_protezione"))
    return target


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def replace_line(path: Path, line: int, new: str) -> None:
    """Replace 1-based `line` of a text file (as the spreadsheet numbers it)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
