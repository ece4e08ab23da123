"""The mayors' overview: every comune x indicator from the same protected tables as the area reports."""

import numpy as np
import pytest

import pianozona
from pianozona.analysis import needs, overview, profile, rug
from pianozona.formatting import num


@pytest.fixture(scope="module")
def pavia():
    return pianozona.load_district("pavia")


@pytest.fixture(scope="module")
def quadro(pavia):
    return rug.overview(pavia, 2023, publish=True)


def test_one_row_per_comune_and_indicator(pavia, quadro):
    assert list(quadro.columns) == rug.COLUMNS
    indicators = len(rug.DEMOGRAPHY) + len(pavia.aree)
    assert len(quadro) == (len(pavia.comuni) + 1) * indicators
    assert list(dict.fromkeys(quadro["comune"])) == [*pavia.comuni["comune"], needs.TOTAL_LABEL]
    assert not quadro.duplicated(["comune", "indicatore"]).any()
    assert set(quadro["verdetto"]) <= set(rug.VERDICTS)
    assert set(quadro["soppressione"]) <= {True, False}


def test_coverage_cells_are_the_area_reports_cells(pavia, quadro):
    for area in pavia.aree:
        shared = needs.shareable_coverage(needs.analyse(pavia, area, 2023, publish=True)).set_index("comune")
        cells = quadro[quadro["codice_indicatore"] == f"copertura_{area}"].set_index("comune")
        hidden = shared["utenti_soppresso"]
        assert cells.loc[hidden[hidden].index, "valore"].isna().all()
        assert cells.loc[hidden[hidden].index, "soppressione"].all()
        assert not cells.loc[hidden[~hidden].index, "soppressione"].any()
        published = hidden[~hidden].index
        np.testing.assert_allclose(cells.loc[published, "valore"], shared.loc[published, "copertura"])
        comuni = shared.index.drop(needs.TOTAL_LABEL)
        assert (cells.loc[comuni, "verdetto"] == shared.loc[comuni, "confronto"]).all()
        assert cells.loc[needs.TOTAL_LABEL, "verdetto"] == profile.NOT_ASSESSED


def test_mezzana_rabattone_has_hidden_cells_marked(quadro):
    mine = quadro[quadro["comune"] == "Mezzana Rabattone"].set_index("codice_indicatore")
    for area in ["disabili", "poverta", "dipendenze", "salute_mentale"]:
        cell = mine.loc[f"copertura_{area}"]
        assert np.isnan(cell["valore"]) and cell["soppressione"]
        assert cell["verdetto"] == needs.NOT_COMPARABLE


def test_demographic_cells_are_the_istat_indicators_and_not_compared(pavia, quadro):
    istat = overview.indicators_with_comparators(pavia, 2023).set_index("territorio")
    demo = quadro[quadro["codice_indicatore"].isin(rug.DEMOGRAPHY)]
    assert (demo["verdetto"] == profile.NOT_ASSESSED).all() and not demo["soppressione"].any()
    row = demo[(demo["comune"] == "Sommo") & (demo["codice_indicatore"] == "indice_vecchiaia")].iloc[0]
    assert row["valore"] == pytest.approx(istat.loc["Sommo", "indice_vecchiaia"])
    total = demo[(demo["comune"] == needs.TOTAL_LABEL) & (demo["codice_indicatore"] == "popolazione")].iloc[0]
    assert total["valore"] == 102860 and total["decimali"] == 0


def test_overview_and_profiles_agree(pavia, quadro):
    mine = profile.comune_profile(pavia, 2023, "Sommo", publish=True)
    cells = quadro[quadro["comune"] == "Sommo"].set_index("codice_indicatore")
    for row in mine.areas.itertuples():
        cell = cells.loc[f"copertura_{row.area}"]
        assert cell["valore"] == pytest.approx(row.copertura, nan_ok=True)
        assert cell["verdetto"] == row.confronto


def test_summary_counts_the_verdicts_and_the_hidden_cells(quadro):
    text = rug.summary(quadro)
    coverage = quadro[quadro["codice_indicatore"].str.startswith("copertura_")
                      & (quadro["comune"] != needs.TOTAL_LABEL)]
    above, below = (coverage["verdetto"] == "superiore").sum(), (coverage["verdetto"] == "inferiore").sum()
    hidden = coverage["soppressione"].sum()
    assert f"({len(coverage)} confronti): {above} " in text and f", {below} " in text
    assert f"{hidden} valori non sono pubblicati per tutelare la riservatezza" in text
    for value in coverage.loc[coverage["verdetto"] != "simile", "valore"].dropna():
        assert num(value, 1) not in text  # counts, never values


def test_summary_in_exploration_says_nothing_is_hidden(pavia):
    raw = rug.overview(pavia, 2023, publish=False)
    assert not raw["soppressione"].any() and not raw["valore"].isna().any()
    assert "non sono pubblicati" not in rug.summary(raw)


def test_metrics_and_key_figures(quadro):
    m = rug.metrics(quadro, 2023)
    coverage = quadro[quadro["codice_indicatore"].str.startswith("copertura_")
                      & (quadro["comune"] != needs.TOTAL_LABEL)]
    assert m == {"anno": 2023, "comuni": 12, "confronti": len(coverage),
                 "superiori": int((coverage["verdetto"] == "superiore").sum()),
                 "inferiori": int((coverage["verdetto"] == "inferiore").sum()),
                 "non_pubblicati": int(coverage["valore"].isna().sum())}
    assert rug.key_figures(quadro, 2023)["Valori non pubblicati (riservatezza)"] == str(m["non_pubblicati"])


def test_the_overview_is_two_groups_each_narrow_enough_for_a_laptop(quadro):
    """Issue 20: twelve indicators in one table needed a sideways scroll; the areas and demography apart do not."""
    (cov_title, cov_caption, coverage), (demo_title, _, demography) = rug.groups(quadro)
    assert cov_title == "Copertura dei servizi per area" and demo_title == "Indicatori demografici"
    assert cov_caption.startswith("Copertura dei servizi per area: utenti dei servizi per 1.000 residenti")
    assert list(dict.fromkeys(coverage["indicatore"])) == [a.etichetta for a in pianozona.AREE.values()]
    assert demography["indicatore"].nunique() == len(rug.DEMOGRAPHY) == 5
    assert len(coverage) + len(demography) == len(quadro)


def test_a_denominator_of_all_residents_is_said_under_the_coverage(pavia):
    assert rug.population_notes(pavia) == [
        "Immigrazione: copertura calcolata su tutti i residenti (mancano i dati ISTAT sui residenti stranieri)."]
