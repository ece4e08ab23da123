"""One count column during suppression (pianozona.privacy.column): values, states, bounds, costs."""

from __future__ import annotations

import numpy as np

from pianozona.privacy.column import HIDDEN_PRIMARY, HIDDEN_SECONDARY, PUBLISHED, CountColumn
from pianozona.privacy.spec import build_spec
from pianozona.privacy.structure import build_structure
from tests.privacy.tables import KEYS, one_area


def column_of(values: dict[str, float], total="sum", threshold=4, draws=None) -> CountColumn:
    df = one_area(values, total=total)
    spec = build_spec(df, counts="utenti", derived=None, keys=KEYS, groups=["comune"], total_label=None,
                      total_mask=None, threshold=threshold)
    return CountColumn(build_structure(df, spec), spec.values["utenti"], threshold, draws)


def test_primary_state_and_usable_cells():
    cells = column_of({"A": 3, "B": 0, "C": 20, "D": 7})
    assert cells.state.tolist() == [HIDDEN_PRIMARY, PUBLISHED, PUBLISHED, PUBLISHED, PUBLISHED]
    assert cells.small.tolist() == [True, False, False, False, False]
    assert cells.usable.tolist() == [True, False, True, True, True]  # a zero never covers anything


def test_virtual_total_is_the_sum_of_the_known_parts():
    cells = column_of({"A": 3, "B": np.nan, "C": 20}, total=None)
    assert cells.vals[-1] == 23 and not cells.real[-1] and not cells.usable[-1]
    assert cells.missing.tolist() == [False, True, False, False]


def test_bounds_are_what_the_one_marker_says():
    cells = column_of({"A": 3, "B": 10}, threshold=4)
    cells.state[1] = HIDDEN_SECONDARY
    lo, hi = cells.bounds(np.array([0, 1]))
    # a small count and a complement look the same: at least 1, nothing more
    assert lo.tolist() == [1.0, 1.0] and hi.tolist() == [np.inf, np.inf]


def test_cheapest_is_the_least_value_times_draw_then_the_sorted_keys():
    cells = column_of({"E": 8, "D": 8, "F": 20})
    rows = np.array([0, 1, 2])
    assert cells.cheapest(rows, np.zeros(3, dtype=np.int64)).tolist() == [1]  # no draws: D sorts before E
    assert cells.cheapest(rows, np.array([0, 1, 1])).tolist() == [0, 1]
    assert cells.cheapest(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).tolist() == []
    drawn = column_of({"E": 8, "D": 8, "F": 20}, draws=np.array([1.0, 3.0, 0.1, 1.0]))
    assert drawn.cheapest(rows, np.zeros(3, dtype=np.int64)).tolist() == [2]  # 20 x 0.1 < 8 x 1 < 8 x 3


def test_suppress_hides_only_published_cells():
    cells = column_of({"A": 3, "B": 10, "C": 20})
    assert cells.suppress(np.array([0, 1]))  # A is already primary, B becomes secondary
    assert cells.state[:2].tolist() == [HIDDEN_PRIMARY, HIDDEN_SECONDARY]
    assert not cells.suppress(np.array([0, 1]))
