import numpy as np
import pandas as pd
import pytest

from pianozona.analysis.progress import (STATUSES, example, expected_share, expected_value, progress, share_of_way,
                                         status)


def test_share_of_the_way_of_the_issue_example():
    # issue 10: 171 against a target of 175 from a base of 140
    assert share_of_way(171, 140, 175) == pytest.approx(31 / 35 * 100)
    assert round(float(share_of_way(171, 140, 175)), 1) == 88.6


def test_share_of_the_way_respects_a_falling_target():
    # lower is better: from 38 down to 20, 27 has covered 11 of 18
    assert share_of_way(27, 38, 20) == pytest.approx(11 / 18 * 100)
    assert share_of_way(45, 38, 20) < 0  # moved away from the target
    assert share_of_way(15, 38, 20) > 100  # beyond it


def test_share_of_the_way_is_undefined_when_target_equals_base():
    assert np.isnan(share_of_way(50, 50, 50))
    assert np.isnan(share_of_way([np.nan], [10], [20])[0])


@pytest.mark.parametrize("year, expected", [(2019, 0.0), (2021, 0.5), (2023, 1.0), (2026, 1.0)])
def test_expected_share_is_the_time_gone(year, expected):
    assert expected_share(2019, 2023, year) == pytest.approx(expected)


def test_expected_share_is_undefined_before_the_baseline_and_complete_for_a_zero_length_path():
    assert np.isnan(expected_share(2019, 2023, 2018))
    assert expected_share(2023, 2023, 2023) == pytest.approx(1.0)


def test_expected_value_is_the_straight_path():
    assert expected_value(100, 200, 2019, 2023, 2021) == pytest.approx(150)
    assert expected_value(100, 200, 2019, 2023, 2030) == pytest.approx(200)  # the target after its year
    assert expected_value(100, 200, 2019, 2023, 2017) == pytest.approx(100)  # the baseline before its year


@pytest.mark.parametrize("value, year, expected", [
    (210, 2021, "raggiunto"),
    (160, 2021, "in linea"),
    (140, 2021, "in ritardo sul percorso"),  # behind the path, but the target year has not come
    (190, 2023, "non raggiunto"),   # target year reached unmet
    (190, 2025, "non raggiunto"),   # and passed
    (np.nan, 2021, "non misurato"),
    (160, 2018, "non avviato"),     # before the baseline year
])
def test_status_higher_is_better(value, year, expected):
    assert status([value], [100], [200], [2019], [2023], year, ["alto_meglio"])[0] == expected


@pytest.mark.parametrize("value, expected", [(20, "raggiunto"), (28, "in linea"), (35, "in ritardo sul percorso")])
def test_status_lower_is_better(value, expected):
    # baseline 40 in 2019, target 20 in 2023: in 2021 the path expects 30
    assert status([value], [40], [20], [2019], [2023], 2021, ["basso_meglio"])[0] == expected
    in_target_year = status([value], [40], [20], [2019], [2023], 2023, ["basso_meglio"])[0]
    assert in_target_year == ("raggiunto" if value <= 20 else "non raggiunto")  # then only the target counts


@pytest.mark.parametrize("value, polarity, expected", [(50, "alto_meglio", "raggiunto"),
                                                       (49, "alto_meglio", "in ritardo sul percorso"),
                                                       (48, "basso_meglio", "raggiunto"),
                                                       (51, "basso_meglio", "in ritardo sul percorso")])
def test_status_when_target_equals_base(value, polarity, expected):
    assert status([value], [50], [50], [2019], [2023], 2021, [polarity])[0] == expected


def test_a_year_before_the_target_is_never_non_raggiunto():
    """Trial F12: ANZ-01 371 against 377 expected in 2023, target 2024: behind the path, not failed."""
    base, target = 350.0, 385.0  # 2021 -> 2024: the path expects 373,3 in 2023 (371 is 0,6% behind)
    assert status([371], [base], [target], [2021], [2024], 2023, ["alto_meglio"])[0] == "in ritardo sul percorso"
    assert status([371], [base], [target], [2021], [2024], 2024, ["alto_meglio"])[0] == "non raggiunto"
    assert status([371], [base], [target], [2021], [2024], 2025, ["alto_meglio"])[0] == "non raggiunto"


def test_status_counts_name_every_status_present():
    from pianozona.analysis.progress import status_counts

    assert status_counts(["in ritardo sul percorso", "raggiunto", "in linea", "in ritardo sul percorso",
                          "non pubblicato"]) == "1 raggiunto, 1 in linea, 2 in ritardo sul percorso, 1 non pubblicato"
    assert status_counts(["non raggiunto", "non raggiunto"]) == "2 non raggiunti"


def _objectives(**columns) -> pd.DataFrame:
    row = {"codice": "X-01", "indicatore": "Prova", "unita": "persone", "valore": 171.0, "valore_base": 140.0,
           "target": 175.0, "anno_base": 2019, "anno_target": 2023, "polarita": "alto_meglio"}
    return pd.DataFrame([{**row, **columns}])


def test_progress_columns_on_the_issue_example():
    out = progress(_objectives(), 2021).iloc[0]
    assert out["percorso_pct"] == pytest.approx(88.571, abs=1e-3)
    assert out["percorso_atteso_pct"] == pytest.approx(50)
    assert out["atteso"] == pytest.approx(157.5)
    assert out["scarto"] == pytest.approx(13.5)
    assert out["stato"] == "in linea"


def test_progress_before_the_baseline_has_no_path():
    out = progress(_objectives(), 2018).iloc[0]
    assert out["stato"] == "non avviato"
    assert np.isnan(out[["atteso", "scarto", "percorso_pct", "percorso_atteso_pct"]].astype(float)).all()


def test_progress_after_the_target_year_expects_the_target():
    out = progress(_objectives(valore=171.0), 2025).iloc[0]
    assert out["atteso"] == 175 and out["percorso_atteso_pct"] == 100 and out["stato"] == "non raggiunto"


def test_example_uses_the_numbers_of_a_shown_objective():
    table = _objectives().join(progress(_objectives(), 2021))
    text = example(table, 2021)
    assert "88,6%" in text and "157,5" in text and "«in linea»" in text and "X-01" in text
    hidden = table.assign(percorso_pct=np.nan)
    assert example(hidden, 2021) == ""


def test_statuses_are_all_named():
    assert set(STATUSES) >= {"raggiunto", "in linea", "non raggiunto", "non avviato", "non misurato", "non pubblicato"}
