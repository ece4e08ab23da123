import pytest

import pianozona
from pianozona.analysis.budget import funds_by_source, metrics, spending_by_area


def test_funds_by_source_totals():
    district = pianozona.load_district("pavia")
    funds = funds_by_source(district)
    assert funds.index[0] == "Fondo Nazionale Politiche Sociali" and funds.index[-1] == "Totale"
    assert funds.loc["Totale", 2023] == pytest.approx(district.spesa.query("anno == 2023")["importo_euro"].sum())


def test_spending_by_area_and_change():
    district = pianozona.load_district("pavia")
    table = spending_by_area(district, 2023)
    assert list(table.index) == list(pianozona.AREE)
    now = district.spesa.query("anno == 2023 and area == 'anziani'")["importo_euro"].sum()
    before = district.spesa.query("anno == 2022 and area == 'anziani'")["importo_euro"].sum()
    assert table.loc["anziani", "variazione_pct"] == pytest.approx((now / before - 1) * 100)
    m = metrics(district, 2023)
    assert m["spesa_per_residente"] == pytest.approx(m["spesa_totale_euro"] / 102_860)
