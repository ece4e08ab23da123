"""Tests of pianozona.present.charts_plan: bars of the share of the way, marks, status in words, hidden rows."""

from __future__ import annotations

import html
import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from pianozona.analysis.verification import COLOURS
from pianozona.errors import ParameterError
from pianozona.present import charts_plan, scaffold

pytestmark = pytest.mark.filterwarnings("error")

DOLLAR = r"Indicatore $\frac{1}{0}$"


def objectives() -> pd.DataFrame:
    return pd.DataFrame({
        "indicatore": ["Buoni sociali", DOLLAR, "Lista d'attesa", "Accessi"],
        "percorso_pct": [88.571, np.nan, 130.0, -15.0],
        "percorso_atteso_pct": [50.0, 50.0, 100.0, 50.0],
        "stato": ["in linea", "non pubblicato", "raggiunto", "non raggiunto"],
    })


def by_gid(ax, prefix):
    return [a for a in ax.get_children() if (a.get_gid() or "").startswith(prefix)]


def svg_text(ax) -> str:
    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none"}):
        ax.figure.savefig(buffer, format="svg")
    return html.unescape(buffer.getvalue())


def test_one_bar_per_shown_share_coloured_by_status():
    ax = charts_plan.progress_plot(objectives())
    bars = by_gid(ax, "progress_")
    assert sorted(b.get_width() for b in bars) == pytest.approx([-15.0, 88.571, 130.0])
    for bar in bars:
        state = bar.get_gid().removeprefix("progress_")
        assert to_hex(bar.get_facecolor()) == COLOURS[state]
    plt.close(ax.figure)


def test_expected_marks_and_status_in_words():
    ax = charts_plan.progress_plot(objectives())
    marks = by_gid(ax, "expected")
    assert sorted(float(m.get_xdata()[0]) for m in marks) == [50.0, 50.0, 100.0]  # none for the hidden row
    texts = [t.get_text() for t in by_gid(ax, "bar_text")]
    assert texts == ["88,6% · in linea", "130,0% · raggiunto", "-15,0% · non raggiunto"]
    plt.close(ax.figure)


def test_hidden_value_is_written_not_drawn():
    ax = charts_plan.progress_plot(objectives())
    assert [t.get_text() for t in by_gid(ax, "no_bar")] == ["non pubblicato"]
    hidden_row = 1
    assert not any(abs(b.get_y() + b.get_height() / 2 - hidden_row) < 0.01 for b in by_gid(ax, "progress_"))
    assert "non pubblicato" in scaffold.describe(ax)
    plt.close(ax.figure)


def test_description_lists_every_objective_with_share_expected_and_status():
    ax = charts_plan.progress_plot(objectives())
    text = scaffold.describe(ax)
    assert "per 4 obiettivi (1 raggiunto, 1 in linea, 1 non raggiunto, 1 non pubblicato)" in text
    assert "Buoni sociali: 88,6%, atteso 50,0%, in linea" in text
    assert "Lista d'attesa: 130,0%, atteso 100,0%, raggiunto" in text
    plt.close(ax.figure)


def test_target_equal_to_base_is_explained():
    data = objectives().assign(percorso_pct=[np.nan, np.nan, 130.0, -15.0], stato=["raggiunto", "non misurato",
                                                                                  "raggiunto", "non raggiunto"])
    ax = charts_plan.progress_plot(data)
    assert [t.get_text() for t in by_gid(ax, "no_bar")] == [
        "raggiunto (strada non calcolabile: target uguale alla base)", "non misurato"]
    plt.close(ax.figure)


def test_labels_are_literal_and_axes_follow_the_convention():
    fig, given = plt.subplots()
    with mpl.rc_context({"text.usetex": True}):
        ax = charts_plan.progress_plot(objectives(), ax=given, title="Avanzamento $x$")
        text = svg_text(ax)
    assert ax is given
    assert DOLLAR in text and "Avanzamento $x$" in text
    assert ax.get_xlim()[0] < -15 and ax.get_xlim()[1] > 130
    plt.close(fig)


def test_empty_table_and_wrong_column():
    ax = charts_plan.progress_plot(objectives().iloc[0:0])
    assert scaffold.describe(ax) == "Nessun obiettivo da mostrare."
    plt.close(ax.figure)
    with pytest.raises(ParameterError, match="colonne disponibili"):
        charts_plan.progress_plot(objectives(), share="quota")
