"""The secret of the complements' draw (pianozona.privacy.keying): where it lives, what it draws."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from pianozona.privacy import keying


@pytest.fixture
def no_env_secret(monkeypatch, tmp_path):
    monkeypatch.delenv(keying.SECRET_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path


def test_the_district_folder_keeps_its_secret_private_and_stable(no_env_secret):
    folder = no_env_secret / "carpi"
    folder.mkdir()
    first = keying.district_secret(folder, "carpi")
    path = folder / keying.SECRET_FILE
    assert path.exists() and len(first) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert keying.district_secret(folder, "carpi") == first  # read back, not drawn again
    other = no_env_secret / "soliera"
    other.mkdir()
    assert keying.district_secret(other, "soliera") != first


def test_a_read_only_data_folder_falls_back_to_the_state_folder(no_env_secret, monkeypatch):
    folder = no_env_secret / "sola_lettura"
    folder.mkdir()
    real = keying._read_or_create

    def refuse_data_folder(path):
        return None if path.parent == folder else real(path)

    monkeypatch.setattr(keying, "_read_or_create", refuse_data_folder)
    secret = keying.district_secret(folder, "sola_lettura")
    assert (no_env_secret / "state" / "pianozona" / "protezione" / "sola_lettura").exists()
    assert keying.district_secret(folder, "sola_lettura") == secret


def test_the_environment_wins_for_tests_and_ci(monkeypatch, tmp_path):
    monkeypatch.setenv(keying.SECRET_ENV_VAR, "ab" * 32)
    assert keying.district_secret(tmp_path, "x") == bytes.fromhex("ab" * 32)
    assert not (tmp_path / keying.SECRET_FILE).exists()
    monkeypatch.setenv(keying.SECRET_ENV_VAR, "una frase qualsiasi")
    assert len(keying.district_secret(tmp_path, "x")) == 32


def test_draws_are_fixed_by_secret_and_identity_and_look_exponential():
    ids = [f"utenti|anno=2023|comune=C{i}" for i in range(4000)]
    a = keying.cell_draws(b"\x01" * 32, ids)
    assert np.array_equal(a, keying.cell_draws(b"\x01" * 32, ids))
    b = keying.cell_draws(b"\x02" * 32, ids)
    assert not np.allclose(a, b)
    assert (a > 0).all() and abs(a.mean() - 1) < 0.06 and abs(np.median(a) - np.log(2)) < 0.05
