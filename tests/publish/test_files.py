"""The file helpers a run shares: a write lands whole or not at all."""

from __future__ import annotations

import pytest

from pianozona.publish import files


def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    target.write_text("vecchio", encoding="utf-8")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic(target, "nuovo")
    assert target.read_text(encoding="utf-8") == "vecchio"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
