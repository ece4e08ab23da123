import pandas as pd
import pytest

import pianozona
from pianozona.analysis import needs, stats
from pianozona.errors import ParameterError


@pytest.fixture(scope="module")
def pavia():
    return pianozona.load_district("pavia")


def test_coverage_intervals_and_comparison(pavia):
    result = needs.analyse(pavia, "anziani", 2023)
    cov = result.coverage.set_index("codice_comune")
    row = cov.loc["018091"]  # Mezzana Rabattone, a small comune
    est = stats.rate_ci(row["utenti"], row["popolazione_a_rischio"], multiplier=1000)
    assert (row["copertura"], row["lower"], row["upper"]) == pytest.approx(tuple(est))
    d = result.district
    superior = cov[cov["lower"] > d["copertura"]].index
    assert set(cov.loc[superior, "confronto"]) <= {"superiore"}
    assert set(cov.loc[cov["upper"] < d["copertura"], "confronto"]) <= {"inferiore"}


def test_trend_uses_the_five_years_up_to_the_year(pavia):
    result = needs.analyse(pavia, "immigrazione", 2023)
    assert list(result.trend_table["anno"]) == [2019, 2020, 2021, 2022, 2023]
    t = result.trend_table
    expected = stats.recent_trend(t["copertura"].to_numpy(), t["lower"].to_numpy(), t["upper"].to_numpy())
    assert result.trend.verdict == expected.verdict


def test_synthesis_is_written_from_the_results(pavia):
    result = needs.analyse(pavia, "minori", 2023)
    text = needs.synthesis(result, "Minori e famiglia")
    assert "Nel 2023" in text and f"{int(result.district['utenti']):,}".replace(",", ".") in text
    for name in result.coverage.loc[result.coverage["confronto"] != "simile", "comune"]:
        assert name in text
    m = needs.metrics(result)
    assert m["utenti"] == int(result.district["utenti"])
    assert m["comuni_superiori"] + m["comuni_inferiori"] == int((result.coverage["confronto"] != "simile").sum())


def test_disability_says_how_population_is_estimated(pavia):
    assert "stima" in needs.analyse(pavia, "disabili", 2023).population_note
    note = needs.analyse(pavia, "immigrazione", 2023).population_note
    assert note.startswith("tutti i residenti") and "import-istat" not in note  # what it is, not how to fix it


def test_unknown_area_and_year(pavia):
    with pytest.raises(ParameterError, match="aree valide"):
        needs.analyse(pavia, "giovani", 2023)
    with pytest.raises(ParameterError, match="2019"):
        needs.analyse(pavia, "anziani", 2030)


def test_short_series_uses_the_change_since_the_previous_year(pavia):
    short = needs.analyse(pavia, "anziani", 2021)  # 2019-2021: three years, no five-year trend
    assert short.short_series and str(short.trend.verdict).startswith("non calcolabile")
    district = short.change.set_index("comune").loc[needs.TOTAL_LABEL]
    assert district["anno_precedente"] == 2020
    assert needs.metrics(short)["variazione_anno_precedente"] == district["verdetto"]
    assert needs.key_figures(short)["Variazione sull'anno precedente"] == district["verdetto"]
    text = needs.synthesis(short, "Anziani")
    assert "Tra il 2020 e il 2021 la copertura del distretto" in text and "tendenza" not in text
    long = needs.analyse(pavia, "anziani", 2023)
    assert not long.short_series and "Tendenza recente" in needs.key_figures(long)
    assert "Negli ultimi cinque anni" in needs.synthesis(long, "Anziani")


def test_synthesis_names_a_few_comuni_of_a_large_district(pavia):
    import dataclasses

    result = needs.analyse(pavia, "minori", 2023)
    many = pd.concat([result.coverage] * 16, ignore_index=True)  # 192 rows, as in a district of ~190 comuni
    many["comune"] = [f"Comune {i:03d}" for i in range(len(many))]
    many["confronto"] = "superiore"
    text = needs.synthesis(dataclasses.replace(result, coverage=many), "Minori e famiglia")
    assert "superiore a quella del distretto a Comune 000, Comune 001, Comune 002 e altri 189 comuni." in text
    assert "Comune 003" not in text
