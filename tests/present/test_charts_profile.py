"""Tests of pianozona.present.charts_profile: the spine chart of a comune's profile."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from pianozona.errors import ParameterError
from pianozona.present import charts_profile, scaffold
from pianozona.present.charts_profile import HIDDEN_TEXT, VERDICT_STYLE
from pianozona.present.rug_table import VERDICTS

pytestmark = pytest.mark.filterwarnings("error")

DOLLAR = r"Spesa $\frac{1}{0}$ per residente"


def profile() -> pd.DataFrame:
    """Six indicators of a small comune: one hidden, one without comparator, one whose range is a point."""
    return pd.DataFrame({
        "indicatore": ["Indice di vecchiaia", "Copertura anziani", "Copertura minori", DOLLAR,
                       "Copertura disabili", "Residenti"],
        "valore": [7.0, np.nan, 12.3, 72.5, 4.0, 463.0],
        "comparatore": [10.0, 30.0, 15.0, np.nan, 4.0, 5000.0],
        "minimo": [4.0, 10.0, 5.0, 20.0, 4.0, 400.0],
        "q1": [6.0, 20.0, 10.0, 40.0, 4.0, 800.0],
        "q3": [11.0, 40.0, 18.0, 70.0, 4.0, 6000.0],
        "massimo": [13.0, 60.0, 25.0, 90.0, 4.0, 70000.0],
        "verdetto": ["inferiore", "non confrontabile", "simile", "non valutato", "simile", "superiore"],
        "riferimento": ["provincia", "distretto", "distretto", "distretto", "distretto", "provincia"],
    })


def by_gid(ax, gid):
    return [a for a in ax.get_children() if (a.get_gid() or "") == gid]


def texts(ax, gid) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


def points(ax) -> dict[str, np.ndarray]:
    """The markers drawn, by verdict: their (x, row) positions."""
    return {v: c.get_offsets() for v in VERDICTS for c in by_gid(ax, f"spine_{v.replace(' ', '_')}")}


def test_a_marker_for_each_shown_value_coloured_and_shaped_by_its_verdict():
    ax = charts_profile.spine_plot(profile())
    drawn = points(ax)
    rows = sorted(int(r) for offsets in drawn.values() for _, r in offsets)
    assert rows == [0, 2, 3, 4, 5]  # row 1 is hidden: no marker
    for verdict, offsets in drawn.items():
        collection = by_gid(ax, f"spine_{verdict.replace(' ', '_')}")[0]
        assert to_hex(collection.get_facecolor()[0]) == VERDICT_STYLE[verdict][0]
        assert len(offsets) == (profile()["verdetto"] == verdict).sum()
    assert len({shape for _, shape in VERDICT_STYLE.values()}) == len(VERDICTS)  # shapes, not colour alone
    assert set(VERDICT_STYLE) == set(VERDICTS)


def test_rows_are_scaled_on_the_comparator_and_the_farthest_extreme():
    ax = charts_profile.spine_plot(profile())
    x = {int(r): v for offsets in points(ax).values() for v, r in offsets}
    assert x[0] == pytest.approx(-0.5)  # (7 - 10) / max(|4 - 10|, |13 - 10|)
    ranges = by_gid(ax, "spine_range")
    assert ranges[0].get_x() == pytest.approx(-1.0) and ranges[0].get_width() == pytest.approx(1.5)
    quartiles = by_gid(ax, "spine_quartiles")
    assert quartiles[0].get_x() == pytest.approx(-4 / 6) and quartiles[0].get_width() == pytest.approx(5 / 6)
    assert all(-1 - 1e-9 <= v <= 1 + 1e-9 for v in x.values())


def test_a_range_of_one_point_and_a_missing_comparator_do_not_divide_by_zero():
    ax = charts_profile.spine_plot(profile())  # filterwarnings=error: a division by zero would fail here
    x = {int(r): v for offsets in points(ax).values() for v, r in offsets}
    assert x[4] == 0.0  # min == max == comparator == value
    assert x[3] == pytest.approx(0.5)  # no comparator: centre 55, the middle of 20-90: (72,5 - 55) / 35
    segments = by_gid(ax, "spine_centre")[0].get_segments()
    assert sorted(round(float(s[0][1] + 0.42)) for s in segments) == [0, 1, 2, 4, 5]  # row 3 has no centre


def test_single_point_row_alone():
    one = profile().iloc[[4]].assign(comparatore=np.nan)
    ax = charts_profile.spine_plot(one)
    assert [tuple(p) for p in points(ax)["simile"]] == [(0.0, 0.0)]


def test_hidden_row_says_non_pubblicato_and_the_verdict_is_written_on_every_row():
    ax = charts_profile.spine_plot(profile())
    values = texts(ax, "spine_value")
    assert values[1] == HIDDEN_TEXT
    assert values[0] == "7,00" and values[5] == "463,0"
    assert texts(ax, "spine_verdict") == list(profile()["verdetto"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    drawn = [v for v in VERDICTS if v != "non confrontabile"]  # its only row is hidden: no marker to explain
    assert [f"Comune: {v}" for v in drawn] == [t for t in legend if t.startswith("Comune:")]


def test_decimals_column_writes_values_as_the_table_does():
    ax = charts_profile.spine_plot(profile().assign(decimali=[1, 1, 2, 1, 1, 0]), decimals="decimali")
    assert texts(ax, "spine_value") == ["7,0", HIDDEN_TEXT, "12,30", "72,5", "4,0", "463"]


def test_description_says_each_verdict_and_what_is_not_published():
    ax = charts_profile.spine_plot(profile())
    text = scaffold.describe(ax)
    assert text.startswith("Grafico a spina di 6 indicatori")
    assert "Copertura anziani: non pubblicato, distretto 30,0" in text
    assert "verdetto non confrontabile" in text and "1 valore non pubblicato" in text
    for name, verdict in zip(profile()["indicatore"], profile()["verdetto"]):
        assert name in text
        part = text.split(f"{name}: ", 1)[1].split(";")[0:2]
        assert f"verdetto {verdict}" in part[1]
    hidden_part = text.split("Copertura anziani: ", 1)[1].split(";")[0]
    assert "valore del comune" not in hidden_part


def test_ranges_over_different_comuni_are_named_on_each_row():
    ax = charts_profile.spine_plot(profile())
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["Indice di vecchiaia", "Copertura anziani"]
    assert texts(ax, "spine_reference") == ["tra i comuni (provincia)"] + ["tra i comuni (distretto)"] * 4 + [
        "tra i comuni (provincia)"]
    same = charts_profile.spine_plot(profile().assign(riferimento="comuni del distretto"))
    assert texts(same, "spine_reference") == []
    assert "Dal minimo al massimo dei comuni del distretto" in [t.get_text() for t in same.get_legend().get_texts()]
    assert "Copertura minori: valore del comune 12,3, distretto 15,0, comuni del distretto da 5,00 a 25,0" in \
        scaffold.describe(same)


def test_text_from_data_is_literal():
    ax = charts_profile.spine_plot(profile())
    ax.figure.canvas.draw()  # a mathtext parse would fail on \frac{1}{0}
    label = ax.get_yticklabels()[3]
    assert label.get_text().startswith(r"Spesa \$\frac{1}{0}\$") and not label.get_usetex()


def test_seaborn_convention_given_axes_and_height_growing_with_rows():
    fig, given = plt.subplots()
    assert charts_profile.spine_plot(profile(), ax=given) is given
    small = charts_profile.spine_plot(profile().iloc[:2])
    large = charts_profile.spine_plot(pd.concat([profile()] * 4, ignore_index=True))
    assert large.figure.get_figheight() > small.figure.get_figheight()
    with pytest.raises(TypeError):
        charts_profile.spine_plot(profile(), "indicatore")  # options are keyword-only


def test_missing_column_names_it_and_the_fix():
    with pytest.raises(ParameterError, match="parametro 'q1' non valido: 'primo_quartile'.*colonne disponibili"):
        charts_profile.spine_plot(profile(), q1="primo_quartile")


def test_unknown_verdict_and_a_verdict_on_a_hidden_value_are_refused():
    with pytest.raises(ParameterError, match="riga 1 .*valori ammessi 'superiore'"):
        charts_profile.spine_plot(profile().assign(verdetto=["migliore"] + list(profile()["verdetto"][1:])))
    leaking = profile()
    leaking.loc[1, "verdetto"] = "superiore"
    with pytest.raises(ParameterError, match="riga 2 .*Copertura anziani.*non pubblicato"):
        charts_profile.spine_plot(leaking)


def test_empty_table_says_so():
    ax = charts_profile.spine_plot(profile().iloc[:0])
    assert by_gid(ax, "empty") and scaffold.describe(ax) == "Grafico a spina senza indicatori da mostrare."
