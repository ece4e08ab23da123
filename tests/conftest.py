"""Shared fixtures: a private copy of the bundled Pavia district that a test may break.

Every test (and every kernel a test starts, which inherits the environment) draws the complements
of secondary suppression with one fixed secret: results do not depend on the machine, and no test
writes a secret into the bundled data folders or the user's state folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pianozona.privacy import SECRET_ENV_VAR

ROOT = Path(__file__).resolve().parent.parent
PAVIA = ROOT / "data" / "pavia"
#: The secret of every test run (hex): see `pianozona.privacy.keying`.
TEST_SECRET = "7e57" * 16
os.environ[SECRET_ENV_VAR] = TEST_SECRET


@pytest.fixture
def pavia_copy(tmp_path: Path) -> Path:
    """A copy of data/pavia in tmp_path (the committed files are never touched)."""
    target = tmp_path / "pavia"
    shutil.copytree(PAVIA, target)
    return target


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def replace_line(path: Path, line: int, new: str) -> None:
    """Replace 1-based `line` of a text file (as the spreadsheet numbers it)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
