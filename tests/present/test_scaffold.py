"""Tests of pianozona.present.scaffold: table check, Axes, finish and text alternative of every chart."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from pianozona.errors import ParameterError
from pianozona.present import scaffold

# A warning (numpy, pandas, matplotlib) is a failure.
pytestmark = pytest.mark.filterwarnings("error")



def test_describe_needs_a_chart_of_this_module():
    fig, ax = plt.subplots()
    with pytest.raises(ParameterError, match="pianozona.present.charts"):
        scaffold.describe(ax)
    with pytest.raises(ParameterError):
        scaffold.describe("grafico")


def test_checked_table_names_the_missing_column_and_the_available_ones():
    df = pd.DataFrame({"comune": ["A"], "utenti": [3]}, index=[7])
    assert list(scaffold.checked_table(df, x="utenti", label=None).index) == [0]
    with pytest.raises(ParameterError, match="colonne disponibili: comune, utenti"):
        scaffold.checked_table(df, n="popolazione")
    with pytest.raises(ParameterError, match="DataFrame"):
        scaffold.checked_table([1, 2], x="utenti")


def test_column_numbers_reads_missing_as_nan_and_refuses_text():
    df = pd.DataFrame({"u": pd.array([1, None], dtype="Int64"), "t": ["tre", "4"]})
    assert np.isnan(scaffold.column_numbers(df, "u", "x")[1])
    with pytest.raises(ParameterError, match="la colonna 't' deve contenere numeri"):
        scaffold.column_numbers(df, "t", "x")


def test_not_shown_sentence():
    assert scaffold.not_shown([], "unità non mostrata", "unità non mostrate") == ""
    assert scaffold.not_shown(["A", "B"], "unità non mostrata", "unità non mostrate") == (
        " 2 unità non mostrate perché il dato manca o non è pubblicabile (A, B).")
    assert scaffold.not_shown([""], "unità non mostrata", "x").startswith(" 1 unità non mostrata perché")


def test_finish_writes_the_source_line_and_registers_the_description():
    with scaffold.axes_for(None, (4, 3)) as ax:
        scaffold.finish(ax, title="T $1$", xlabel="x", ylabel="y", source="ISTAT", description=" Una  frase. ")
    source = [a for a in ax.get_children() if a.get_gid() == "source"]
    assert [t.get_text() for t in source] == ["Fonte: ISTAT"] and ax.get_title(loc="left") == r"T \$1\$"
    assert scaffold.describe(ax) == "Una frase." and scaffold.describe(ax.figure) == "Una frase."
    with pytest.raises(ParameterError, match="Axes di matplotlib"):
        with scaffold.axes_for("asse", (4, 3)):
            pass
