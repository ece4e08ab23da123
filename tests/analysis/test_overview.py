import pytest

import pianozona
from pianozona.analysis import overview


@pytest.fixture(scope="module")
def pavia():
    return pianozona.load_district("pavia")


def test_pyramid_shares_sum_to_100(pavia):
    district = overview.pyramid(pavia, 2023)
    region = overview.pyramid(pavia, 2023, "Lombardia")
    assert district["quota"].sum() == pytest.approx(100) and region["quota"].sum() == pytest.approx(100)
    assert district["classe"].iloc[-1] == "95+" and district["residenti"].sum() == 102_860


def test_indicators_with_comparators_order(pavia):
    table = overview.indicators_with_comparators(pavia, 2023)
    assert list(table["livello"].iloc[-3:]) == ["distretto", "provincia", "regione"]
    assert (table["livello"] == "comune").sum() == 12


def test_changes_between_years(pavia):
    table = overview.changes(pavia).set_index("territorio")
    assert table.loc["Pavia", "variazione_popolazione_pct"] == pytest.approx((70_636 / 70_380 - 1) * 100)


def test_geometries_of_the_twelve_comuni(pavia):
    geo = overview.geometries(pavia)
    assert sorted(geo["codice_comune"]) == sorted(pavia.comuni["codice_comune"])
    assert geo.crs.to_epsg() == 4326
