"""Tests of pianozona.present.charts_national: a strip chart that reads at 100 ambiti, staff against the ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pianozona.analysis import leps
from pianozona.errors import ParameterError
from pianozona.present import charts_national, scaffold

pytestmark = pytest.mark.filterwarnings("error")


def by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def ambiti(n: int = 100, years=("2020", "2021")) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    rows = [{"anno": y, "nome": f"Ambito {i}", "valore": float(rng.normal(100, 20)), "evidenza": i == 7}
            for y in years for i in range(n)]
    rows[0]["valore"] = np.nan  # one ambito without the figure
    refs = pd.DataFrame({"anno": list(years) * 2, "nome": ["Lombardia"] * len(years) + ["Italia"] * len(years),
                         "valore": [101.0] * len(years) + [97.0] * len(years)})
    return pd.DataFrame(rows), refs


def test_strip_plot_draws_every_ambito_names_one_and_marks_the_references():
    data, refs = ambiti()
    ax = charts_national.strip_plot(data, references=refs, title="Anziani: spesa per abitante", xlabel="Euro",
                                    source="Fonte: ISTAT")
    units = by_gid(ax, "strip_units")
    assert len(units) == 2 and sum(len(u.get_offsets()) for u in units) == 99 + 98  # NaN not drawn
    assert len(by_gid(ax, "strip_highlight")) == 2 and len(by_gid(ax, "strip_reference")) == 4
    offsets = units[0].get_offsets()[:, 1]
    assert offsets.min() >= -0.3 and offsets.max() <= 0.3 and len(set(np.round(offsets, 3))) > 50  # spread, not piled
    own = data[data["evidenza"] & (data["anno"] == "2021")]["valore"].iloc[0]
    values = data[(data["anno"] == "2021")]["valore"]
    rank = int((values > own).sum()) + 1
    text = scaffold.describe(ax)
    assert f"Ambito 7 {charts_national.chart_number(own, 0)} euro, {rank}° su 100" in text
    assert "Lombardia 101; Italia 97" in text and "1 ambito non mostrato" in text
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2020", "2021"]
    again = charts_national.strip_plot(data, references=refs, title="x", xlabel="x", source=None)
    assert np.array_equal(by_gid(again, "strip_units")[0].get_offsets(), units[0].get_offsets())  # no random jitter


def test_strip_plot_checks_its_columns_and_survives_no_data():
    with pytest.raises(ParameterError):
        charts_national.strip_plot(pd.DataFrame({"a": [1]}), title="t", xlabel="x", source=None)
    empty = pd.DataFrame({"anno": ["2021"], "nome": ["A"], "valore": [np.nan], "evidenza": [True]})
    ax = charts_national.strip_plot(empty, title="Vuoto", xlabel="x", source=None)
    assert "Nessun dato" in scaffold.describe(ax)


def test_staff_plot_bars_fixed_term_on_top_and_the_three_ratios():
    rows = [{"anno": year, "fte_indeterminato": fte, "fte_determinato": fixed,
             **leps.contribution(65_000, fte)} for year, fte, fixed in ((2022, 9.0, 2.0), (2023, 12.5, 0.0))]
    ax = charts_national.staff_plot(pd.DataFrame(rows), title="Assistenti sociali", source="Fonte: ufficio")
    bars = [p for p in ax.patches if p.get_gid() == "staff_permanent"]
    assert [round(b.get_height(), 1) for b in bars] == [9.0, 12.5]
    fixed = [p for p in ax.patches if p.get_gid() == "staff_fixed"]
    assert fixed[0].get_y() == 9.0 and fixed[0].get_height() == 2.0
    assert [line.get_ydata()[0] for line in by_gid(ax, "soglia_5000")] == [13.0, 13.0]
    text = scaffold.describe(ax)
    assert "2022: 9,0 FTE a tempo indeterminato e 2,0 a tempo determinato; ne servono 10,0 per 1:6.500, 13,0" in text
    assert "2023: 12,5 FTE a tempo indeterminato; ne servono" in text
