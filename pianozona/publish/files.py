"""File helpers every stage of a run shares: atomic writes, JSON reads, file hashes, the manifest's entries.

Nothing here knows about plans or jobs: `pianozona.publish.planning` writes
the district facts cache with `write_atomic`, the workers write each job's
files with it, and `pianozona.publish.site` the manifest and the index.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the pianozona package folder
TEMP_PREFIX = ".in-corso-"  # the run's temporary folder and files in the output folder start with this


def write_atomic(path: Path, text: str) -> None:
    """Write `path` whole or not at all: a temporary file in the same folder, then `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o666 & ~umask())
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> dict:
    """The JSON object in `path`; an empty dict when it is missing, unreadable or not an object."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def umask() -> int:
    """The process's umask (read without changing it for longer than a call)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def package_version(package: str) -> str | None:
    """The installed version of `package`, None when it is not installed."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def manifest_entries(manifest: dict) -> dict[str, dict]:
    """The manifest's report entries (``rapporti``) by job name."""
    return {e.get("nome"): e for e in manifest.get("rapporti", [])}
