"""Tests of pianozona.present.charts_forest: a long forest plot shows its outliers and extremes and says so."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from pianozona.present import charts, charts_forest

pytestmark = pytest.mark.filterwarnings("error")


def _rates(n: int, seed: int = 5) -> pd.DataFrame:
    """n comuni around 100 with intervals of ±8; every tenth far off (its interval excludes 100)."""
    rng = np.random.default_rng(seed)
    value = 100 + rng.normal(0, 2, n) + np.where(np.arange(n) % 10 == 0, rng.choice([-30, 30], n), 0)
    return pd.DataFrame({"comune": [f"Comune {i:04d}" for i in range(n)], "tasso": value,
                         "inf": value - 8, "sup": value + 8})


def _drawn(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def test_forest_of_up_to_forty_units_draws_them_all():
    rates = _rates(charts_forest.MAX_ROWS)
    ax = charts.forest_plot(rates, value="tasso", lower="inf", upper="sup", label="comune", comparator=100)
    assert sorted(_drawn(ax)) == sorted(rates["comune"])
    assert not [a for a in ax.texts if a.get_gid() == "forest_subset"] and "Mostrate" not in charts.describe(ax)
    plt.close(ax.figure)


def test_forest_of_many_units_shows_outliers_and_extremes_and_says_so():
    rates = _rates(186)
    ax = charts.forest_plot(rates, value="tasso", lower="inf", upper="sup", label="comune", comparator=100,
                            polarity="alto_meglio")
    drawn = _drawn(ax)
    ordered = rates.sort_values("tasso")["comune"].tolist()
    extremes = ordered[:charts_forest.EXTREMES] + ordered[-charts_forest.EXTREMES:]
    outliers = rates.loc[(rates["inf"] > 100) | (rates["sup"] < 100), "comune"]
    assert len(outliers) == 19 and len(drawn) == len(set(extremes) | set(outliers)) <= charts_forest.MAX_ROWS
    assert set(extremes) <= set(drawn) and set(outliers) <= set(drawn)
    assert drawn == [c for c in ordered if c in drawn]  # still sorted by value
    text = charts.describe(ax)
    assert f"Mostrate {len(drawn)} unità su 186" in text and "tutte le 19 con l'intervallo" in text
    assert "La tabella completa è nel foglio di calcolo del report." in text
    better, worse = int((rates["inf"] > 100).sum()), int((rates["sup"] < 100).sum())  # counted over all 186
    assert "186 unità ordinate per valore" in text
    assert f"Rispetto al riferimento: {better} migliori, {186 - better - worse} simili, {worse} peggiori." in text
    subtitle = [a.get_text() for a in ax.texts if a.get_gid() == "forest_subset"]
    assert subtitle and subtitle[0].startswith(f"Mostrate {len(drawn)} unità su 186")
    assert ax.figure.get_size_inches()[1] < 18  # not five screens long
    plt.close(ax.figure)


def test_forest_of_1500_units_keeps_the_cap_and_the_farthest_outliers():
    rates = _rates(1500)
    ax = charts.forest_plot(rates, value="tasso", lower="inf", upper="sup", label="comune", comparator=100)
    drawn = _drawn(ax)
    assert len(drawn) == charts_forest.MAX_ROWS
    text = charts.describe(ax)
    assert "Mostrate 40 unità su 1.500" in text and "più distanti delle 150 con l'intervallo" in text


def test_shown_rows_without_comparator_are_the_extremes():
    v = np.arange(100.0)
    ranks, every, shown = charts_forest.shown_rows(v, v - 1, v + 1, None)
    half = charts_forest.MAX_ROWS // 2
    assert ranks.tolist() == list(range(half)) + list(range(100 - half, 100)) and every == shown == 0
