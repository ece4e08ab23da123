"""pianozona.files: writes land whole or not at all, reads are bounded and recorded, one YAML loader, fingerprints."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from pianozona import files
from pianozona.errors import DataError


def interrupted(*args):
    raise KeyboardInterrupt


def test_an_interrupted_write_keeps_the_old_file_and_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    target.write_text("vecchio", encoding="utf-8")
    monkeypatch.setattr(files.os, "replace", interrupted)
    for write in (lambda: files.write_atomic(target, "nuovo"), lambda: files.write_atomic(target, b"nuovo"),
                  lambda: files.copy_atomic(__file__, target)):
        with pytest.raises(KeyboardInterrupt):
            write()
    assert target.read_text(encoding="utf-8") == "vecchio"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_a_write_lands_whole_with_the_usual_permissions(tmp_path):
    files.write_atomic(tmp_path / "a" / "pagina.html", "è")
    assert (tmp_path / "a" / "pagina.html").read_text(encoding="utf-8") == "è"
    assert (tmp_path / "a" / "pagina.html").stat().st_mode & 0o777 == 0o666 & ~files.umask()
    with files.atomic_path(tmp_path / "tabelle.xlsx") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(files.TEMP_PREFIX) and tmp.suffix == ".xlsx"
        tmp.write_bytes(b"PK")
    assert (tmp_path / "tabelle.xlsx").read_bytes() == b"PK"
    assert files.copy_atomic(tmp_path / "tabelle.xlsx", tmp_path / "copia.xlsx").read_bytes() == b"PK"


def test_what_a_killed_writer_leaves_is_cleaned_by_remove_temporaries(tmp_path):
    """kill -9 runs no cleanup: every temporary is named so that the next run removes it."""
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from pianozona import files
        folder = Path({str(tmp_path)!r})
        with files.atomic_path(folder / "a.json") as tmp:
            tmp.write_text("mezzo")
            scratch = files.make_scratch(folder)
            (scratch / "profilo").mkdir()
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert proc.returncode == -signal.SIGKILL
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == 2 and all(name.startswith(files.TEMP_PREFIX) for name in left)
    (tmp_path / "pagina.html").write_text("resta", encoding="utf-8")
    files.remove_temporaries(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["pagina.html"]


def test_a_folder_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "vigevano"
    with pytest.raises(RuntimeError), files.atomic_folder(target) as scratch:
        (scratch / "distretto.yml").write_text("codice: vigevano", encoding="utf-8")
        raise RuntimeError("a metà")
    assert list(tmp_path.iterdir()) == []
    with files.atomic_folder(target) as scratch:
        (scratch / "distretto.yml").write_text("codice: vigevano", encoding="utf-8")
        assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["vigevano"]
    (target / "note.txt").write_text("dell'ufficio", encoding="utf-8")
    with files.atomic_folder(target) as scratch:
        (scratch / "distretto.yml").write_text("codice: nuovo", encoding="utf-8")
    assert (target / "distretto.yml").read_text(encoding="utf-8") == "codice: nuovo"
    assert sorted(p.name for p in target.iterdir()) == ["distretto.yml", "note.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["vigevano"]


def test_a_bounded_read_stops_at_its_limit(tmp_path):
    path = tmp_path / "POSAS.csv"
    path.write_bytes(b"riga\n" * 1000)
    assert files.read_bytes_bounded(path, 10_000, max_lines=1000) == b"riga\n" * 1000
    with pytest.raises(DataError, match=r"troppo grande \(4 KB|troppo grande .*limite") as info:
        files.read_bytes_bounded(path, 4000)
    assert "POSAS.csv" in str(info.value)
    with pytest.raises(DataError, match=r"file ISTAT troppo lungo \(oltre 999 righe\)"):
        files.read_bytes_bounded(path, 10_000, max_lines=999, what="file ISTAT")


def test_a_bounded_read_stops_early_on_an_endless_stream(tmp_path):
    """A stream that keeps giving (a zip member that lies about its size) is read only up to the limit."""
    class Endless:
        given = 0

        def read(self, size):
            self.given += size
            return b"x\n" * (size // 2)

    stream = Endless()
    with pytest.raises(DataError, match="oltre 2.000 righe"):
        files.read_stream_bounded(stream, "archivio.zip [POSAS.csv]", 1 << 30, max_lines=2000)
    assert stream.given == files.BLOCK  # one block, not the gigabyte allowed


def test_special_files_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "utenti.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="non è un file normale"):
        files.read_bytes_bounded(fifo, 100)
    with pytest.raises(DataError, match="file mancante"):
        files.read_bytes_bounded(tmp_path / "assente.csv", 100)


def test_reads_are_recorded_with_their_content_and_a_change_while_reading_is_noticed(tmp_path):
    path = tmp_path / "utenti.csv"
    path.write_bytes(b"a;b\n1;2\n")
    files.read_bytes_bounded(path, 100)  # outside a recording: nothing noted anywhere
    with files.recording_reads() as reads:
        files.read_bytes_bounded(path, 100)
        files.read_bytes_bounded(path, 100)
        assert reads == {str(path.resolve()): files.file_hash(path)}
        path.write_bytes(b"a;b\n1;")  # saved while it is read again
        files.read_bytes_bounded(path, 100)
    assert reads == {str(path.resolve()): files.CHANGED}


def test_the_one_yaml_loader(tmp_path):
    path = tmp_path / "distretto.yml"
    path.write_text("codice: pavia\ncomuni:\n  - codice: 015146\n  - codice: 18030\n", encoding="utf-8")
    typed, lines = files.read_yaml(path, limit=1000, fix="vedi esempio")
    assert [c["codice"].text for c in typed["comuni"]] == ["015146", "18030"] and typed["comuni"][1]["codice"] == 18030
    assert lines.keys == {"codice": 1, "comuni": 2} and lines.items == {"comuni": [3, 4]}
    text, _ = files.read_yaml(path, limit=1000, typed=False, fix="vedi esempio")
    assert text["comuni"][0]["codice"] == "015146"
    path.write_text("a: &x 1\nb: *x\n", encoding="utf-8")
    with pytest.raises(DataError, match="alias e ancore") as info:
        files.read_yaml(path, limit=1000, fix="vedi esempio")
    assert info.value.line == 1 and "distretto.yml" in str(info.value)
    path.write_text("a: [1\n", encoding="utf-8")
    with pytest.raises(DataError, match="file YAML non leggibile.*vedi esempio"):
        files.read_yaml(path, limit=1000, fix="vedi esempio")


def test_folder_fingerprint_follows_content_not_office_lock_files(tmp_path):
    (tmp_path / "istat").mkdir()
    (tmp_path / "utenti.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    (tmp_path / "istat" / "POSAS_2023.csv").write_text("x", encoding="utf-8")
    before = files.folder_fingerprint(tmp_path)
    assert sorted(before) == ["istat/POSAS_2023.csv", "utenti.csv"]
    (tmp_path / "~$dati.xlsx").write_bytes(b"lock")
    (tmp_path / ".DS_Store").write_bytes(b"x")
    (tmp_path / ".nascosta").mkdir()
    (tmp_path / ".nascosta" / "x.csv").write_bytes(b"x")
    assert files.folder_fingerprint(tmp_path) == before
    info = os.stat(tmp_path / "utenti.csv")
    (tmp_path / "utenti.csv").write_text("a;b\n1;3\n", encoding="utf-8")  # same size, same times
    os.utime(tmp_path / "utenti.csv", ns=(info.st_atime_ns, info.st_mtime_ns))
    after = files.folder_fingerprint(tmp_path)
    assert after["utenti.csv"] != before["utenti.csv"]
    assert after["istat/POSAS_2023.csv"] == before["istat/POSAS_2023.csv"]
    assert files.folder_fingerprint(tmp_path / "assente") == {}


def test_digest_is_stable_and_the_state_folder_is_private(tmp_path, monkeypatch):
    assert files.digest({"b": 1, "a": [1, 2]}) == files.digest({"a": [1, 2], "b": 1}) != files.digest({"a": [2, 1]})
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert files.state_folder() == tmp_path / "pianozona"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert files.state_folder() == files.Path.home() / ".local" / "state" / "pianozona"
