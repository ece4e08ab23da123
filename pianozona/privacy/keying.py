"""The secret that draws the complements of secondary suppression, and the draw itself.

Why a secret.  A complement chosen by a rule the reader can repeat gives bounds away: with "the
smallest published count of the line" every hidden complement is at most the smallest count
left published beside it, and an attacker who knows the rule pins cells with it.  Here the
complements are drawn: each candidate cell costs its value times a random factor (an
exponential draw, so that a cell is chosen with probability inversely proportional to its
value: small cells are preferred, large ones stay possible), and the random factor of a cell is
an HMAC of its identity under a secret.  Without the secret the choice says nothing about the
hidden values; with the same secret and the same data every report, every run and every year
hides the same cells.

Where the secret lives (`district_secret`): the environment variable `SECRET_ENV_VAR` (hex, for
tests and CI); else the file `SECRET_FILE` in the district's data folder, created on first use,
so that it travels with the office's data to a new machine (it is as private as the data: it is
never published and git ignores it); else, where the data folder cannot be written, a file under
the user's state folder (`$XDG_STATE_HOME/pianozona/protezione/`).  Losing it changes which
complements are drawn: then every year should be published again, replacing the old pages.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["SECRET_ENV_VAR", "SECRET_FILE", "cell_draws", "default_secret", "district_secret"]

SECRET_ENV_VAR = "PIANOZONA_CHIAVE_PROTEZIONE"
SECRET_FILE = ".chiave_protezione"
_HEX = re.compile(r"^[0-9a-fA-F]{32,}$")


def _from_env() -> bytes | None:
    value = os.environ.get(SECRET_ENV_VAR, "").strip()
    if not value:
        return None
    if _HEX.match(value):
        return bytes.fromhex(value if len(value) % 2 == 0 else value + "0")
    return hashlib.sha256(value.encode("utf-8")).digest()


def _read_or_create(path: Path) -> bytes | None:
    """The secret in `path` (hex), created with 32 random bytes when absent; None if it cannot be."""
    try:
        text = path.read_text(encoding="ascii").strip()
        if _HEX.match(text):
            return bytes.fromhex(text)
    except (OSError, UnicodeDecodeError):
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(secrets.token_hex(32) + "\n", encoding="ascii")
        try:
            os.chmod(tmp, 0o600)
        except OSError:  # pragma: no cover - file systems without permissions
            pass
        try:
            os.link(tmp, path)  # never overwrite a secret another process has just written
        except FileExistsError:
            pass
        except OSError:
            if not path.exists():
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def _state_folder() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "pianozona" / "protezione"


def default_secret() -> bytes:
    """The secret when no district is named: the environment variable, else the user's own."""
    secret = _from_env() or _read_or_create(_state_folder() / "predefinita")
    if secret is None:  # pragma: no cover - no writable home: a per-process secret
        return secrets.token_bytes(32)
    return secret


def district_secret(folder: str | os.PathLike | None, code: str = "") -> bytes:
    """The secret of the district whose data are in `folder` (see the module docstring)."""
    secret = _from_env()
    if secret is not None:
        return secret
    if folder is not None:
        secret = _read_or_create(Path(folder) / SECRET_FILE)
        if secret is not None:
            return secret
    name = re.sub(r"[^0-9A-Za-z_-]", "_", code) or "predefinita"
    secret = _read_or_create(_state_folder() / name)
    return secret if secret is not None else default_secret()


def cell_draws(secret: bytes, identities: Sequence[str]) -> np.ndarray:
    """One exponential draw per cell identity (mean 1), fixed by `secret`: the cost factor of a complement."""
    out = np.empty(len(identities))
    for i, identity in enumerate(identities):
        digest = hmac.new(secret, identity.encode("utf-8"), hashlib.sha256).digest()
        u = (int.from_bytes(digest[:8], "big") + 0.5) / 2.0**64
        out[i] = -np.log(u)
    return out
