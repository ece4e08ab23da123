"""Marker and display text (pianozona.privacy.markers): one "n.d." for every hidden value, Italian numbers."""

from __future__ import annotations

import pandas as pd

from pianozona.privacy import MARKER, format_suppressed, protect, suppression_legend
from tests.privacy.tables import KEYS, one_area, protect_long


def test_custom_threshold_changes_what_is_hidden_not_the_marker():
    df = pd.DataFrame({"comune": list("ABCD"), "utenti": [0, 9, 10, 1]})
    out = protect(df, counts="utenti", threshold=9, publish=True)
    assert out["utenti_soppresso"].tolist() == [False, True, False, True]
    assert format_suppressed(out)["utenti"].tolist() == ["0", "n.d.", "10", "n.d."]
    one = protect(df, counts="utenti", threshold=1, publish=True)
    assert one["utenti_soppresso"].tolist() == [False, False, False, True]
    assert "da 1 a 9" in suppression_legend(9)


def test_format_suppressed_one_marker_and_legend():
    df = one_area({"A": 3, "B": 1234, "C": 0, "D": 7})
    df["tasso"] = [1.5, 12.25, 0.0, 2.0, 8.0]
    out = protect_long(df, derived={"tasso": "utenti"})
    shown = format_suppressed(out)
    hidden = out["utenti_soppresso"].to_numpy()
    assert hidden[0] and hidden.sum() == 2  # the small count and one complement
    assert (shown.loc[hidden, "utenti"] == MARKER).all() and (shown.loc[hidden, "tasso"] == MARKER).all()
    assert shown.loc[~hidden, "utenti"].isin(["1.234", "0", "7", "1.244"]).all()
    assert "< 5" not in set(shown["utenti"])  # a small count and a complement look the same
    assert list(shown.columns) == ["anno", "comune", "area", "utenti", "tasso"]
    legend = suppression_legend()
    assert "«n.d.»" in legend and "da 1 a 4" in legend and "< 5" not in legend
    raw_view = format_suppressed(protect(df, counts="utenti", keys=KEYS, groups="comune"))  # exploration
    assert raw_view["utenti"].tolist()[0] == "3"
