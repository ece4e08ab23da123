import csv
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import pianozona
from pianozona import privacy
from pianozona.analysis import verification
from pianozona.analysis.verification import expected_value, history, objectives_table, status


@pytest.fixture(scope="module")
def pavia():
    return pianozona.load_district("pavia")


def _with_value(district, code, year, value):
    misure = district.misure.copy()
    row = misure.index[(misure["codice_obiettivo"] == code) & (misure["anno"] == year)][0]
    misure.loc[row, "valore"] = value
    return replace(district, misure=misure)


def test_verification_offers_the_path_and_status_of_progress():
    assert expected_value(100, 200, 2019, 2023, 2021) == pytest.approx(150)
    assert status([160], [100], [200], [2019], [2023], 2021, ["alto_meglio"])[0] == "in linea"


def test_objectives_table_on_pavia(pavia):
    table = objectives_table(pavia, 2023).set_index("codice")
    assert len(table) == 14
    measured = pavia.misure.query("codice_obiettivo == 'ANZ-02' and anno == 2023")["valore"].iloc[0]
    assert table.loc["ANZ-02", "valore"] == measured
    assert set(table["stato"]) <= {"raggiunto", "in linea", "non raggiunto", "non misurato"}


def test_objectives_table_gives_progress_from_the_figures(pavia):
    table = objectives_table(pavia, 2021).set_index("codice")
    anz = pavia.obiettivi.set_index("codice").loc["ANZ-01"]
    value = pavia.misure.query("codice_obiettivo == 'ANZ-01' and anno == 2021")["valore"].iloc[0]
    share = (value - anz["valore_base"]) / (anz["target"] - anz["valore_base"]) * 100
    time = (2021 - anz["anno_base"]) / (anz["anno_target"] - anz["anno_base"])
    expected = anz["valore_base"] + (anz["target"] - anz["valore_base"]) * time
    assert table.loc["ANZ-01", "percorso_pct"] == pytest.approx(share)
    assert table.loc["ANZ-01", "percorso_atteso_pct"] == pytest.approx(time * 100)
    assert table.loc["ANZ-01", "atteso"] == pytest.approx(expected)
    assert table.loc["ANZ-01", "scarto"] == pytest.approx(value - expected)
    # ANZ-02 falls from 38 (2019) to a target of 20 (2023): in 2021 the path expects 29
    assert table.loc["ANZ-02", "atteso"] == pytest.approx(29)
    assert table.loc["ANZ-02", "percorso_pct"] == pytest.approx((33 - 38) / (20 - 38) * 100)


def test_year_before_a_baseline_is_not_started(pavia):
    table = objectives_table(pavia, 2011).set_index("codice")
    assert table.loc["ANZ-02", "stato"] == "non avviato"  # baseline 2019
    assert np.isnan(table.loc["ANZ-02", ["atteso", "scarto", "percorso_pct"]].astype(float)).all()


@pytest.mark.parametrize("column", ["valore", "valore_base"])
def test_hidden_value_or_base_hides_every_number_derived_from_it(pavia, column):
    # SMT-01 counts persone: base 60 (2019), target 80 (2023)
    if column == "valore":
        district = _with_value(pavia, "SMT-01", 2023, 3)
    else:
        obiettivi = pavia.obiettivi.copy()
        obiettivi.loc[obiettivi["codice"] == "SMT-01", "valore_base"] = 2
        district = replace(pavia, obiettivi=obiettivi)
    shared = objectives_table(district, 2023, publish=True)
    row = shared.set_index("codice").loc["SMT-01"]
    assert np.isnan(row[column]) and row[column + privacy.FLAG_SUFFIX] and row["stato"] == "non pubblicato"
    for derived in ("atteso", "scarto", "percorso_pct", "variazione_da_base_pct"):
        assert np.isnan(row[derived]), derived
    explored = objectives_table(district, 2023).set_index("codice").loc["SMT-01"]
    assert np.isfinite(explored[["atteso", "scarto", "percorso_pct"]].astype(float)).all()
    shown = privacy.format_suppressed(verification.progress_view(shared)).set_index("codice").loc["SMT-01"]
    assert shown[column] == privacy.MARKER
    assert {shown["atteso"], shown["scarto"], shown["percorso_pct"]} == {privacy.MARKER}
    assert not shared.set_index("codice").loc[["ANZ-01", "DIS-02"], "percorso_pct"].isna().any()


def test_metrics_count_every_status(pavia):
    got = verification.metrics(objectives_table(pavia, 2011), 2011)
    assert got["obiettivi"] == 14 and got["non_avviato"] == 3  # ANZ-02, DIP-01, SMT-01 start in 2019
    assert sum(got[s.replace(" ", "_")] for s in verification.STATUSES) == 14


def test_history_computes_variations_from_the_figures(pavia):
    hist = history(pavia)
    buoni = hist[hist["codice_obiettivo"] == "ANZ-01"].set_index("anno")
    assert buoni.loc[2009, "valore"] == 621 and buoni.loc[2011, "valore"] == 362
    # the plan's prose says -58%; the figures say (362/621 - 1) = -41.7%
    assert buoni.loc[2011, "variazione_pct"] == pytest.approx((362 / 621 - 1) * 100)
    assert np.isnan(buoni.loc[2009, "variazione_pct"])


def test_history_follows_the_data_of_pavia(pavia):
    assert verification.history_sources(pavia) == ["piano di zona 2012-2014"]
    hist = history(pavia)
    assert len(hist) == 12 and set(hist["fonte"]) == {"piano di zona 2012-2014"}
    assert (hist["anno"] <= 2011).all()  # the monitoring years (2019 on) are not history
    assert verification.history_title(hist) == "Il punto di partenza: 2009–2011"
    assert "Fonte: piano di zona 2012-2014." in verification.history_note(hist)


def _drop_measures_before_baselines(folder):
    bases = {r["codice"]: int(r["anno_base"]) for r in csv.DictReader(
        (folder / "obiettivi.csv").open(encoding="utf-8"), delimiter=";")}
    lines = (folder / "misure.csv").read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:]
                         if int(line.split(";")[1]) >= bases[line.split(";")[0]]]
    (folder / "misure.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return len(lines) - len(kept)


def test_no_history_without_measures_before_the_baselines(pavia_copy):
    assert _drop_measures_before_baselines(pavia_copy) == 1  # ANZ-01 in 2009
    district = pianozona.load_district(pavia_copy)
    assert verification.history_sources(district) == []
    hist = history(district)
    assert hist.empty and list(hist.columns) == list(history(pianozona.load_district("pavia")).columns)


def test_history_years_and_sources_come_from_the_rows(pavia):
    misure = pavia.misure.copy()
    misure = misure[misure["fonte"] != "piano di zona 2012-2014"]
    extra = misure[misure["codice_obiettivo"] == "SMT-01"].head(1).assign(anno=2016, valore=51.0,
                                                                         fonte="<b>relazione</b> 2017")
    district = replace(pavia, misure=pd.concat([misure, extra], ignore_index=True))
    hist = history(district)
    assert verification.history_sources(district) == ["<b>relazione</b> 2017"]
    assert list(hist["anno"]) == [2016]  # the 2019 baseline row is 'dimostrativo', another source
    assert verification.history_title(hist) == "Il punto di partenza: 2016"
    assert "<b>relazione</b> 2017" in verification.history_note(hist)  # plain text: display escapes it


def test_history_hides_small_counts_and_their_variations(pavia):
    district = _with_value(pavia, "ANZ-01", 2009, 4)
    hist = history(district, publish=True).set_index(["codice_obiettivo", "anno"])
    assert np.isnan(hist.loc[("ANZ-01", 2009), "valore"]) and hist.loc[("ANZ-01", 2009), "valore_soppresso"]
    assert np.isnan(hist.loc[("ANZ-01", 2011), "variazione_pct"])
