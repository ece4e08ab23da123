"""data.cache: the fingerprint of a district's files, and what is kept is handed out as copies."""

from __future__ import annotations

import os

from pianozona.data import cache


def test_fingerprint_follows_every_file(tmp_path):
    (tmp_path / "utenti.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    first = cache.files_fingerprint(tmp_path)
    assert first == cache.files_fingerprint(tmp_path)
    (tmp_path / "istat").mkdir()
    (tmp_path / "istat" / "POSAS_2024.csv").write_text("x", encoding="utf-8")
    second = cache.files_fingerprint(tmp_path)
    assert second != first
    stat = os.stat(tmp_path / "utenti.csv")
    os.utime(tmp_path / "utenti.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1000))  # same size, touched
    assert cache.files_fingerprint(tmp_path) != second
    os.remove(tmp_path / "istat" / "POSAS_2024.csv")
    assert cache.files_fingerprint(tmp_path) not in (first, second)


def test_kept_values_are_deep_copies_and_bounded():
    cache.clear()
    value = {"tabella": [1, 2]}
    cache.remember(("k",), value)
    value["tabella"].append(3)  # the caller's object is not the kept one
    got = cache.recall(("k",))
    assert got == {"tabella": [1, 2]}
    got["tabella"].clear()
    assert cache.recall(("k",)) == {"tabella": [1, 2]}
    for n in range(cache.MAX_DISTRICTS):
        cache.remember((n,), n)
    assert cache.recall(("k",)) is None and cache.recall((cache.MAX_DISTRICTS - 1,)) == cache.MAX_DISTRICTS - 1
    cache.clear()
    assert cache.recall((0,)) is None
