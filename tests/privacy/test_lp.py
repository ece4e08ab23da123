"""Three or more margin dimensions (pianozona.privacy.lp), against an integer-programming attacker."""

from __future__ import annotations

import numpy as np
import pytest

from pianozona.privacy import PrivacyWarning, lp, protect
from tests.privacy.attacker import recomputable
from tests.privacy.tables import cube, protect_long


def test_three_margins():
    """comune x area x sesso, every margin published (checked by linear programming)."""
    rng = np.random.default_rng(5)
    for trial in range(4):
        df = cube(rng.choice([0, 1, 3, 6, 12, 30], size=(4, 3, 2)))
        keys = ["comune", "area", "sesso"]
        out = protect_long(df, keys=keys, groups=keys)
        assert recomputable(out, df, keys=keys, margins=tuple(keys), integer=True) == [], trial


def test_blocks_too_large_for_the_programmes_are_reported(monkeypatch):
    monkeypatch.setattr(lp, "LP_MAX_CELLS", 1)
    df = cube(np.random.default_rng(5).choice([0, 1, 3, 6, 12, 30], size=(4, 3, 2)))
    keys = ["comune", "area", "sesso"]
    with pytest.warns(PrivacyWarning, match="verifica completa non eseguita su .* blocchi con più di 1 celle"):
        protect(df, counts="utenti", keys=keys, groups=keys, publish=True)
