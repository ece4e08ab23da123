from __future__ import annotations

import pytest

from pianozona.config import data_root, district_folder, read_config
from pianozona.errors import DataError


def test_pavia_config():
    config = read_config(district_folder("pavia"))
    assert config.nome == "Distretto Sociale di Pavia"
    assert list(config.comuni)[:2] == ["018110", "018030"] and len(config.comuni) == 12
    assert [(c.livello, c.codice) for c in config.confronti] == [("provincia", "018"), ("regione", "03")]


def test_data_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PIANOZONA_DATA_DIR", str(tmp_path))
    assert data_root() == tmp_path
    with pytest.raises(DataError, match="nessuno"):
        district_folder("pavia")


def test_codes_are_padded_and_checked(tmp_path):
    (tmp_path / "distretto.yml").write_text("nome: X\ncomuni:\n  - {codice: 18110, nome: Pavia}\n", encoding="utf-8")
    assert list(read_config(tmp_path).comuni) == ["018110"]
    (tmp_path / "distretto.yml").write_text("nome: X\n", encoding="utf-8")
    with pytest.raises(DataError, match="comuni"):
        read_config(tmp_path)
