"""Three or more margin dimensions (pianozona.privacy.lp), against an integer-programming attacker."""

from __future__ import annotations

import numpy as np

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
