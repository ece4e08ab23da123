"""Tests of pianozona.present.style: the house look (theme, Italian tick labels, literal text)."""

from __future__ import annotations

import matplotlib as mpl
import pytest
from matplotlib.colors import to_hex

from pianozona.errors import ParameterError
from pianozona.present import style

# A warning (numpy, pandas, matplotlib) is a failure.
pytestmark = pytest.mark.filterwarnings("error")



def test_set_theme_is_idempotent_and_sets_the_house_style():
    with mpl.rc_context():
        style.set_theme()
        first = dict(mpl.rcParams)
        style.set_theme()
        assert dict(mpl.rcParams) == first
        assert mpl.rcParams["axes.facecolor"] == "white"
        assert mpl.rcParams["axes.titleweight"] == "bold"
        assert to_hex(mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]) == style.PALETTE[0]


def test_italian_formatter():
    assert style.italian_formatter(1)(1234.5) == "1.234,5"
    assert style.italian_formatter(0)(12000) == "12.000"
    assert style.italian_formatter(2)(-0.001) == "0,00"  # no "-0,00"
    assert style.italian_formatter(0, grouping=False)(2020.0) == "2020"
    auto = style.italian_formatter()
    auto.set_locs([0.0, 0.25, 0.5])
    assert [auto(v) for v in (0.0, 0.25, 0.5)] == ["0,00", "0,25", "0,50"]
    auto.set_locs([0.0, 5000.0, 10000.0])
    assert auto(10000.0) == "10.000"
    with pytest.raises(ParameterError):
        style.italian_formatter(-1)


def test_literal_escapes_every_dollar_and_nothing_else():
    assert style.literal("Pieve $x$ Porto") == r"Pieve \$x\$ Porto"
    assert style.literal(2023) == "2023" and style.literal("50% {0} %s") == "50% {0} %s"


def test_chart_number_picks_decimals_by_size():
    assert [style.chart_number(v) for v in (1234.5, 12.34, 1.234, 0.1234)] == ["1.235", "12,3", "1,23", "0,123"]
    assert style.chart_number(2023, 0, grouping=False) == "2023"


def test_house_rc_draws_a_new_figure_in_the_house_look_without_global_changes():
    with mpl.rc_context({"axes.facecolor": "#ffeeee"}):
        rc = style.house_rc()
        assert rc["axes.facecolor"] == "white" and rc["axes.titleweight"] == "bold"
        assert mpl.rcParams["axes.facecolor"] == "#ffeeee"
