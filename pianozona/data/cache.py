"""Loaded districts kept in memory, keyed by the content of their files, and returned as copies.

`pianozona.data.datasets.load_district` asks here first, with a key made of the
folder and the content of its data files (`pianozona.files.folder_fingerprint`)
and of the population it reads (and of ISTAT's survey files beside it,
``../istat_ats/``): editing, adding or removing a data file gives a
new key, so the district is read again.

What is kept is never handed out: `recall` returns a deep copy (tables, config
and problems), so a caller that changes its District changes nobody else's.
At most `MAX_DISTRICTS` are kept (least recently used dropped); `clear` empties it.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any

__all__ = ["MAX_DISTRICTS", "clear", "export", "install", "recall", "remember"]

MAX_DISTRICTS = 128  # a region's territory (Lombardia: ~90 ambiti) fits; each district is about 1 MB in memory
_kept: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


def recall(key: tuple) -> Any | None:
    """A deep copy of the district kept under `key`, or None."""
    with _lock:
        found = _kept.get(key)
        if found is None:
            return None
        _kept.move_to_end(key)
    return copy.deepcopy(found)


def remember(key: tuple, district: Any) -> None:
    """Keep a deep copy of `district` under `key` (the caller keeps its own object)."""
    kept = copy.deepcopy(district)
    with _lock:
        _kept[key] = kept
        _kept.move_to_end(key)
        while len(_kept) > MAX_DISTRICTS:
            _kept.popitem(last=False)


def clear() -> None:
    """Forget every kept district (the next `load_district` reads the files again)."""
    with _lock:
        _kept.clear()


def export() -> list[tuple[tuple, Any]]:
    """The kept (key, district) pairs, oldest first: what `install` puts back (picklable)."""
    with _lock:
        return list(_kept.items())


def install(entries: list[tuple[tuple, Any]]) -> None:
    """Keep districts of `export` (e.g. read by another process) as if this process had read them."""
    with _lock:
        for key, district in entries:
            _kept[key] = district
        while len(_kept) > MAX_DISTRICTS:
            _kept.popitem(last=False)
