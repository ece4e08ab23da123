"""The territory comparison at ~90 ambiti (Lombardia): what the page names, draws and tabulates stays readable."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from pianozona.analysis import naming, shortlist, stats
from pianozona.analysis import territory as confronto
from pianozona.data import territory as territori
from pianozona.data.datasets import load_district
from pianozona.present import charts, charts_forest, labels

UNITS = 90


def _scaled(rows: pd.DataFrame, i: int) -> pd.DataFrame:
    """One synthetic district from a real district's protected rows: counts scaled, every ninth far off."""
    out = rows.copy()
    users = np.round(out["utenti"] * (0.5 + i / UNITS) * (2.5 if i % 9 == 0 else 1.0))
    at_risk = out["popolazione_a_rischio"] * (0.5 + ((i * 37) % UNITS) / UNITS)
    value, lower, upper = stats.rate_ci(users.fillna(0), at_risk, multiplier=1000)
    hidden = out["utenti_soppresso"].to_numpy()
    out["utenti"] = users.where(~hidden)
    out["popolazione_a_rischio"] = at_risk
    for column, numbers in (("copertura", value), ("lower", lower), ("upper", upper)):
        out[column] = np.where(hidden, np.nan, numbers)
    out["importo_euro"] = out["importo_euro"] * (0.5 + i / UNITS)
    return out.assign(ambito=f"Ambito sintetico {i:02d}", codice=f"S{i:02d}")


@pytest.fixture(scope="module")
def comparison():
    """A comparison of 90 districts built from three real districts' protected totals (no folders on disk)."""
    config = territori.read_territory("provincia_pavia")
    real = [confronto.district_rows(load_district(folder), 2023, publish=True) for folder in config.folders[:3]]
    rows = pd.concat([_scaled(real[i % 3], i) for i in range(UNITS)], ignore_index=True)
    rows.attrs = dict(real[0].attrs)
    pooled, coverage, spending = confronto.assess(rows)
    names = [f"Ambito sintetico {i:02d}" for i in range(UNITS)]
    info = pd.DataFrame({"ambito": names, "codice": [f"S{i:02d}" for i in range(UNITS)], "comuni": 16,
                         "residenti": [10_000 + 997 * i for i in range(UNITS)]})
    demography = pd.DataFrame({"territorio": [*names, "Novanta ambiti", "Lombardia"],
                               "livello": ["distretto"] * UNITS + ["territorio", "regione"],
                               **{c: np.linspace(1, 2, UNITS + 2) for c in confronto.DEMOGRAPHY_COLUMNS[2:]}})
    return confronto.TerritoryComparison(codice="sintetico", nome="Novanta ambiti", year=2023, population_year=2023,
                                         protected=True, districts=info, coverage=coverage, pooled=pooled,
                                         demography=demography, spending=spending, dimostrativo=True)


def test_the_synthetic_territory_has_many_districts_outside_the_limits(comparison):
    assert len(comparison.districts) == UNITS and len(comparison.coverage) == UNITS * 7
    counts = comparison.coverage.groupby("area")["confronto"].agg(lambda c: int(c.isin(["superiore",
                                                                                        "inferiore"]).sum()))
    assert (counts > naming.FEW).all()  # every area has more outliers than a sentence may name


def test_the_summary_names_a_few_districts_and_counts_the_rest(comparison):
    text = confronto.summary(comparison)
    starts = [text.index(f"{label}: ") for label in comparison.pooled["etichetta"]]
    sentences = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)])]  # the text of each area
    assert len(sentences) == 7 and all("ogni 1.000 residenti a rischio" in s for s in sentences)
    for sentence in sentences:
        named = set(re.findall(r"Ambito sintetico \d\d", sentence))
        assert len(named) <= 2 * naming.FEW, sentence  # at most a few per list (above, below)
        assert re.search(r"e altri \d+ ambiti", sentence), sentence
    assert len(set(re.findall(r"Ambito sintetico \d\d", text))) < UNITS // 3


@pytest.mark.parametrize("area", ["anziani", "minori", "disabili"])
def test_funnel_names_at_most_eight_districts_and_forest_shows_at_most_forty(comparison, area):
    rows, ref = confronto.funnel_table(comparison, area), confronto.reference(comparison, area)
    ax = charts.funnel_plot(rows, x="utenti", n="popolazione_a_rischio", label="ambito", statistic="rate",
                            multiplier=1000, mean=ref["copertura"], mean_label="valore del territorio")
    named = [t.get_text() for t in ax.texts if t.get_gid() == "funnel_label"]
    assert 0 < len(named) <= labels.MAX_POINT_LABELS
    assert f"nominate le {labels.MAX_POINT_LABELS} più lontane" in charts.describe(ax)
    plt.close(ax.figure)
    ax = charts.forest_plot(rows, value="copertura", lower="lower", upper="upper", label="ambito",
                            comparator=ref["copertura"], comparator_label="Territorio")
    assert len(ax.get_yticklabels()) <= charts_forest.MAX_ROWS
    assert [t for t in ax.texts if t.get_gid() == "forest_subset"]  # the chart says it is cut
    assert f"su {UNITS}" in charts.describe(ax) and ax.figure.get_size_inches()[1] < 18
    plt.close(ax.figure)


def test_the_coverage_table_of_an_area_shows_the_extremes_and_the_farthest_outliers(comparison):
    rows, ref = confronto.funnel_table(comparison, "anziani"), confronto.reference(comparison, "anziani")
    cut = shortlist.shortlist(rows, value="copertura", verdict="confronto", reference=ref["copertura"])
    assert len(cut.rows) <= shortlist.MAX_ROWS < len(rows)
    ordered = rows.dropna(subset=["copertura"]).sort_values("copertura")["ambito"]
    shown = set(cut.rows["ambito"])
    assert set(ordered[:shortlist.EXTREMES]) | set(ordered[-shortlist.EXTREMES:]) <= shown
    outliers = rows[rows["confronto"].isin(["superiore", "inferiore"])]
    assert set(outliers["ambito"]) <= shown or len(cut.rows) == shortlist.MAX_ROWS
    assert cut.rows["copertura"].is_monotonic_decreasing and cut.rows.attrs == rows.attrs
    assert f"su {UNITS}" in cut.note and "foglio di calcolo" in cut.note


def test_spending_districts_and_demography_tables_are_cut_but_keep_the_territory(comparison):
    spend = confronto.spending_table(comparison, "anziani")
    cut = shortlist.shortlist(spend, value="spesa_per_residente")
    assert len(cut.rows) == shortlist.MAX_ROWS and cut.note.startswith(f"Sono mostrati 40 ambiti su {UNITS}")
    people = shortlist.shortlist(comparison.districts, value="residenti")
    assert len(people.rows) == shortlist.MAX_ROWS and people.rows["residenti"].max() == comparison.districts[
        "residenti"].max()
    demography = comparison.demography
    cut = shortlist.shortlist(demography, value="indice_vecchiaia", keep=demography["livello"] != "distretto")
    assert cut.rows["territorio"].tolist()[-2:] == ["Novanta ambiti", "Lombardia"]
    assert len(cut.rows) == shortlist.MAX_ROWS + 2 and f"su {UNITS}" in cut.note
