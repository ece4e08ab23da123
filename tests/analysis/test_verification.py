import numpy as np
import pytest

import pianozona
from pianozona.analysis.verification import expected_value, history, objectives_table, status


def test_expected_value_is_the_straight_path():
    assert expected_value(100, 200, 2019, 2023, 2021) == pytest.approx(150)
    assert expected_value(100, 200, 2019, 2023, 2030) == pytest.approx(200)  # clipped at the target


@pytest.mark.parametrize("value, polarity, year, expected", [
    (210, "alto_meglio", 2021, "raggiunto"),
    (160, "alto_meglio", 2021, "in linea"),
    (140, "alto_meglio", 2021, "non raggiunto"),
    (190, "alto_meglio", 2023, "non raggiunto"),   # target year passed unmet
    (np.nan, "alto_meglio", 2021, "non misurato"),
])
def test_status_higher_is_better(value, polarity, year, expected):
    assert status([value], [100], [200], [2019], [2023], year, [polarity])[0] == expected


@pytest.mark.parametrize("value, expected", [(20, "raggiunto"), (28, "in linea"), (35, "non raggiunto")])
def test_status_lower_is_better(value, expected):
    # baseline 40 in 2019, target 20 in 2023: in 2021 the path expects 30
    assert status([value], [40], [20], [2019], [2023], 2021, ["basso_meglio"])[0] == expected


def test_objectives_table_on_pavia():
    district = pianozona.load_district("pavia")
    table = objectives_table(district, 2023).set_index("codice")
    assert len(table) == 14
    measured = district.misure.query("codice_obiettivo == 'ANZ-02' and anno == 2023")["valore"].iloc[0]
    assert table.loc["ANZ-02", "valore"] == measured
    assert set(table["stato"]) <= {"raggiunto", "in linea", "non raggiunto", "non misurato"}


def test_history_computes_variations_from_the_figures():
    hist = history(pianozona.load_district("pavia"))
    buoni = hist[hist["codice_obiettivo"] == "ANZ-01"].set_index("anno")
    assert buoni.loc[2009, "valore"] == 621 and buoni.loc[2011, "valore"] == 362
    # the plan's prose says -58%; the figures say (362/621 - 1) = -41.7%
    assert buoni.loc[2011, "variazione_pct"] == pytest.approx((362 / 621 - 1) * 100)
    assert np.isnan(buoni.loc[2009, "variazione_pct"])
