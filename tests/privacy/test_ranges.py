"""The audit (pianozona.privacy.ranges, .network): the package's ranges equal the independent attacker's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pianozona.privacy.column import HIDDEN_SECONDARY, CountColumn
from pianozona.privacy.ranges import feasible_ranges, line_ranges
from pianozona.privacy.spec import build_spec
from pianozona.privacy.structure import build_structure
from tests.privacy.attacker import ranges as attacker_ranges
from tests.privacy.tables import ALL_AREAS, DISTRICT, KEYS, one_area, two_way


def _hide(df: pd.DataFrame, mask: np.ndarray, groups):
    spec = build_spec(df, counts="utenti", derived=None, keys=KEYS, groups=groups, total_label=None,
                      total_mask=None, threshold=4)
    cells = CountColumn(build_structure(df, spec), spec.values["utenti"], 4)
    cells.state[: len(df)][mask & (cells.state[: len(df)] == 0)] = HIDDEN_SECONDARY
    cells.state[: len(df)][~mask] = 0
    published = df.assign(utenti=df["utenti"].where(~mask).astype(float), utenti_soppresso=mask)
    return cells, published


def _package(cells: CountColumn, n: int, audit=feasible_ranges) -> dict[int, tuple[float, float]]:
    r = audit(cells)
    return {int(row): (lo, hi) for row, lo, hi in zip(r.rows, r.lower, r.upper) if row < n}


def _attacker(published, df, margins) -> dict[int, tuple[float, float]]:
    everything = float(df["utenti"].sum())  # the attacker's box stops at sum + 1000: beyond this, no limit
    return {label: (lo, np.inf if hi > everything else hi)
            for label, _, lo, hi in attacker_ranges(published, df, margins=margins)}


def test_one_line_in_closed_form():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    cells, published = _hide(df, df["comune"].isin(["A", "D"]).to_numpy(), ["comune"])
    assert _package(cells, len(df)) == {0: (1, 9), 3: (1, 9)} == _attacker(published, df, ("comune",))


def test_a_total_larger_than_its_parts_gives_an_upper_bound_only():
    df = one_area({"A": 3, "B": 10}, total=20)
    cells, published = _hide(df, df["comune"].isin(["A"]).to_numpy(), ["comune"])
    assert _package(cells, len(df)) == {0: (1, 10)} == _attacker(published, df, ("comune",))


def test_two_way_tables_by_maximum_flow_equal_the_integer_programmes():
    rng = np.random.default_rng(11)
    for trial in range(25):
        matrix = rng.choice([0, 1, 2, 3, 5, 8, 13, 40], size=(rng.integers(2, 6), rng.integers(2, 5)))
        df = two_way(matrix)
        if trial % 3 == 1:  # some district totals count users without a comune: inequalities
            extra = df["comune"].eq(DISTRICT)
            df.loc[extra, "utenti"] += rng.integers(0, 3)
            df.loc[extra & df["area"].eq(ALL_AREAS), "utenti"] = df.loc[extra & ~df["area"].eq(ALL_AREAS),
                                                                         "utenti"].sum()
        mask = (rng.random(len(df)) < 0.45) & (df["utenti"] > 0).to_numpy()
        cells, published = _hide(df, mask, ["comune", "area"])
        expected = _attacker(published, df, ("comune", "area"))
        assert _package(cells, len(df)) == expected, (trial, matrix)
        # each line alone is a relaxation: never narrower than the exact ranges
        for row, (lo, hi) in _package(cells, len(df), line_ranges).items():
            assert lo <= expected[row][0] and hi >= expected[row][1]
