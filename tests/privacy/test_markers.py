"""Markers and display text (pianozona.privacy.markers): "< 5", "n.d.", Italian numbers, the legend."""

from __future__ import annotations

import pandas as pd

from pianozona.privacy import format_suppressed, protect, suppression_legend
from tests.privacy.tables import KEYS, one_area, protect_long


def test_custom_threshold_changes_range_and_marker():
    df = pd.DataFrame({"comune": list("ABCD"), "utenti": [0, 9, 10, 1]})
    out = protect(df, counts="utenti", threshold=9, publish=True)
    assert out["utenti_soppresso"].tolist() == [False, True, False, True]
    shown = format_suppressed(out)
    assert shown["utenti"].tolist() == ["0", "< 10", "10", "< 10"]
    one = protect(df, counts="utenti", threshold=1, publish=True)
    assert one["utenti_soppresso"].tolist() == [False, False, False, True]


def test_format_suppressed_markers_and_legend():
    df = one_area({"A": 3, "B": 1234, "C": 0, "D": 7})
    df["tasso"] = [1.5, 12.25, 0.0, 2.0, 8.0]
    out = protect_long(df, derived={"tasso": "utenti"})
    shown = format_suppressed(out)
    assert shown["utenti"].tolist() == ["< 5", "1.234", "0", "n.d.", "1.244"]
    assert shown["tasso"].tolist() == ["n.d.", "12,2", "0,0", "n.d.", "8,0"]
    assert "utenti_soppresso" not in shown.columns and "utenti_soppressione" not in shown.columns
    assert "«< 5»" in suppression_legend() and "n.d." in suppression_legend()
    raw_view = format_suppressed(protect(df, counts="utenti", keys=KEYS, groups="comune"))  # exploration
    assert raw_view["utenti"].tolist()[0] == "3"
