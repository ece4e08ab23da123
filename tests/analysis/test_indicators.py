"""Indicators against values computed by hand from the formulas in shared/reference/indicators.md."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pianozona
from pianozona.errors import ParameterError
from pianozona.analysis.indicators import copertura, demografici, spesa_pro_capite


def _toy() -> pd.DataFrame:
    """Two comuni, one year: residents placed in known ages so every band is easy to count."""
    rows = []
    def add(code, eta, sesso, n):
        rows.append({"anno": 2023, "codice_comune": code, "eta": eta, "sesso": sesso, "residenti": n})
    # comune A: 0-4: 10 (M), 10: 20 (F), 17: 5 (M), 18: 15 (F), 30: 40 (F), 45: 30 (M), 62: 10 (M),
    #           70: 25 (F), 80: 12 (M), 90: 3 (F)
    for eta, sesso, n in [(2, "M", 10), (10, "F", 20), (17, "M", 5), (18, "F", 15), (30, "F", 40),
                          (45, "M", 30), (62, "M", 10), (70, "F", 25), (80, "M", 12), (90, "F", 3)]:
        add("000001", eta, sesso, n)
    # comune B: nobody under 15 (a zero denominator for the ageing index)
    for eta, sesso, n in [(40, "F", 10), (70, "M", 5)]:
        add("000002", eta, sesso, n)
    return pd.DataFrame(rows)


def test_demografici_by_hand():
    out = demografici(_toy(), by="codice_comune").set_index("codice_comune")
    a = out.loc["000001"]
    p0_14, p15_64, p65, tot = 30, 15 + 40 + 30 + 10 + 5, 25 + 12 + 3, 170  # age 17 is 15-64
    assert a.popolazione == tot
    assert a.indice_vecchiaia == pytest.approx(p65 / p0_14 * 100)
    assert a.indice_dipendenza_strutturale == pytest.approx((p0_14 + p65) / p15_64 * 100)
    assert a.indice_dipendenza_anziani == pytest.approx(p65 / p15_64 * 100)
    assert a.indice_dipendenza_giovanile == pytest.approx(p0_14 / p15_64 * 100)
    assert a.indice_ricambio == pytest.approx(10 / (5 + 15) * 100)
    assert a.indice_struttura == pytest.approx((30 + 10) / (5 + 15 + 40) * 100)
    assert a.carico_figli == pytest.approx(10 / (15 + 40) * 100)  # F15-49: 18 F and 30 F
    assert a.quota_65 == pytest.approx(40 / 170 * 100)
    assert a.quota_75 == pytest.approx(15 / 170 * 100)
    assert a.quota_85 == pytest.approx(3 / 170 * 100)
    assert a.quota_minori == pytest.approx(35 / 170 * 100)


def test_zero_denominator_gives_nan_not_inf():
    out = demografici(_toy(), by="codice_comune").set_index("codice_comune")
    assert np.isnan(out.loc["000002", "indice_vecchiaia"])
    assert out.loc["000002", "quota_65"] == pytest.approx(5 / 15 * 100)


def test_any_grouping_column_and_year_is_kept():
    toy = _toy().assign(territorio="Tutto")
    out = demografici(toy, by="territorio")
    assert list(out.columns[:2]) == ["anno", "territorio"]
    assert out.loc[0, "popolazione"] == 185
    with pytest.raises(ParameterError):
        demografici(toy, by="provincia")


def test_incidenza_stranieri():
    toy = _toy()
    foreign = toy[toy["codice_comune"] == "000001"].assign(residenti=lambda d: d["residenti"] // 5)
    out = demografici(toy, by="codice_comune", stranieri=foreign).set_index("codice_comune")
    assert out.loc["000001", "incidenza_stranieri"] == pytest.approx(foreign["residenti"].sum() / 170 * 100)
    assert np.isnan(out.loc["000002", "incidenza_stranieri"])


def test_real_pavia_indicators_match_direct_computation():
    district = pianozona.load_district("pavia")
    pop = district.popolazione
    out = demografici(pop, by="codice_comune").set_index(["anno", "codice_comune"])
    pv = pop[(pop["anno"] == 2023) & (pop["codice_comune"] == "018110")]
    p65 = pv.loc[pv["eta"] >= 65, "residenti"].sum()
    p0_14 = pv.loc[pv["eta"] <= 14, "residenti"].sum()
    assert out.loc[(2023, "018110"), "popolazione"] == 70_636
    assert out.loc[(2023, "018110"), "indice_vecchiaia"] == pytest.approx(p65 / p0_14 * 100)
    # comparators: province and region are real aggregates of the same data
    comp = demografici(district.confronti, by="territorio").set_index(["anno", "territorio"])
    assert comp.loc[(2023, "Distretto Sociale di Pavia"), "popolazione"] == 102_860
    assert comp.loc[(2023, "Lombardia"), "popolazione"] > comp.loc[(2023, "Provincia di Pavia"),
                                                                   "popolazione"] > 102_860


def test_copertura_per_comune_and_district():
    district = pianozona.load_district("pavia")
    per_comune = copertura(district, "anziani", anni=[2023])
    assert len(per_comune) == 12
    pavia = per_comune.set_index("codice_comune").loc["018110"]
    users = district.utenti.query("anno == 2023 and area == 'anziani' and codice_comune == '018110'")["utenti"].sum()
    pop = district.popolazione.query("anno == 2023 and codice_comune == '018110' and eta >= 65")["residenti"].sum()
    assert pavia.utenti == users
    assert pavia.copertura == pytest.approx(users / pop * 1000)
    whole = copertura(district, "anziani", anni=[2023], livello="distretto").iloc[0]
    assert whole.utenti == per_comune["utenti"].sum()
    at_risk = per_comune["popolazione_a_rischio"].sum()
    assert whole.copertura == pytest.approx(per_comune["utenti"].sum() / at_risk * 1000)


def test_copertura_uses_nearest_population_year_and_says_so():
    district = pianozona.load_district("pavia")
    cov = copertura(district, "minori", anni=[2020])
    assert set(cov["anno_popolazione"]) == {2022}


def test_copertura_unknown_area():
    district = pianozona.load_district("pavia")
    with pytest.raises(ParameterError, match="aree valide"):
        copertura(district, "giovani")


def test_spesa_per_residente_e_per_utente():
    district = pianozona.load_district("pavia")
    out = spesa_pro_capite(district, anni=[2023]).set_index("area")
    spent = district.spesa.query("anno == 2023 and area == 'minori'")["importo_euro"].sum()
    users = district.utenti.query("anno == 2023 and area == 'minori'")["utenti"].sum()
    assert out.loc["minori", "spesa_per_residente"] == pytest.approx(spent / 102_860)
    assert out.loc["minori", "spesa_per_utente"] == pytest.approx(spent / users)
