"""Every privacy test starts (and ends) in exploration mode."""

from __future__ import annotations

import pytest

from pianozona.privacy import PUBLISH_ENV_VAR, set_publish_mode


@pytest.fixture(autouse=True)
def exploration_mode(monkeypatch):
    """Every test starts (and ends) in exploration mode."""
    monkeypatch.delenv(PUBLISH_ENV_VAR, raising=False)
    set_publish_mode(False)
    yield
    set_publish_mode(False)
