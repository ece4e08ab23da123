"""Publication mode (pianozona.privacy.mode): the environment variable, the flag, set_publish_mode."""

from __future__ import annotations

import pytest

from pianozona.privacy import PUBLISH_ENV_VAR, is_publish_mode, protect, set_publish_mode
from tests.privacy.tables import one_area


@pytest.mark.parametrize("value, expected", [("1", True), ("sì", True), ("0", False), ("", False),
                                             ("false", False)])
def test_environment_variable_switches_publication(monkeypatch, value, expected):
    monkeypatch.setenv(PUBLISH_ENV_VAR, value)
    assert is_publish_mode() is expected
    out = protect(one_area({"A": 3, "B": 30}, total=None), counts="utenti")
    assert bool(out["utenti"].isna().any()) is expected


def test_explicit_flag_and_set_publish_mode(monkeypatch):
    df = one_area({"A": 3, "B": 30}, total=None)
    assert not protect(df, counts="utenti")["utenti"].isna().any()
    assert protect(df, counts="utenti", publish=True)["utenti"].isna().any()
    set_publish_mode(True)
    assert is_publish_mode()
    assert protect(df, counts="utenti")["utenti"].isna().any()
    set_publish_mode(False)
    monkeypatch.setenv(PUBLISH_ENV_VAR, "1")
    # a notebook cannot switch off the report runner
    assert protect(df, counts="utenti", publish=False)["utenti"].isna().any()
