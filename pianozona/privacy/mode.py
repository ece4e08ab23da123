"""The publication mode: whether `protect` suppresses (sharing) or returns raw data (exploring).

Publication mode is on with ``set_publish_mode(True)`` in the process or with the environment
variable `PUBLISH_ENV_VAR` (``PIANOZONA_PUBBLICAZIONE``) set to ``1`` by the report runner; any
non-empty value other than 0/false/no/off/falso counts as on, so a typo fails safe.  Nothing here
switches off a mode set by the runner: a notebook cannot leak raw data into a report by accident.
"""

from __future__ import annotations

import os

from pianozona.errors import ParameterError

__all__ = ["PUBLISH_ENV_VAR", "is_publish_mode", "set_publish_mode"]

PUBLISH_ENV_VAR = "PIANOZONA_PUBBLICAZIONE"

_OFF_VALUES = {"", "0", "false", "no", "off", "falso"}
_publish_override = False


def set_publish_mode(enabled: bool) -> None:
    """Switch publication mode on (True) or back off (False) for this process.

    Switching off does not override ``PIANOZONA_PUBBLICAZIONE`` set by the
    report runner.
    """
    global _publish_override
    if not isinstance(enabled, bool):
        raise ParameterError("enabled", enabled, "indicare True (pubblicazione) oppure False (esplorazione)")
    _publish_override = enabled


def is_publish_mode() -> bool:
    """True when tables are being prepared for sharing (see the module docstring)."""
    if _publish_override:
        return True
    raw = os.environ.get(PUBLISH_ENV_VAR)
    if raw is None:
        return False
    return raw.strip().lower() not in _OFF_VALUES
