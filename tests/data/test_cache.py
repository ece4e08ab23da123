"""data.cache: what is kept is handed out as copies (its key: tests/data/test_datasets.py)."""

from __future__ import annotations

from pianozona.data import cache


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
