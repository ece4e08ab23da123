"""shortlist: a long table's page rows are its extremes and farthest outliers, at most 40, and a note says so."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pianozona.analysis import shortlist as sl


def _units(n: int, outlier_every: int = 3) -> pd.DataFrame:
    value = 100 + np.arange(n) % 7 + np.where(np.arange(n) % outlier_every == 0, 20 + np.arange(n) / 10, 0)
    rows = pd.DataFrame({"ambito": [f"A{i:03d}" for i in range(n)], "copertura": value, "lower": value - 5,
                         "upper": value + 5})
    rows["confronto"] = np.where(rows["lower"] > 100, "superiore", np.where(rows["upper"] < 100, "inferiore", "simile"))
    return rows


def test_up_to_forty_units_every_row_is_shown_and_nothing_said():
    rows = _units(sl.MAX_ROWS)
    cut = sl.shortlist(rows, value="copertura", verdict="confronto", reference=100.0)
    assert cut.rows is rows and cut.note == ""


def test_more_outliers_than_room_keeps_the_farthest_and_says_how_many_of_how_many():
    rows = _units(300)  # over 100 outliers: more than 40 rows can hold
    rows.attrs = {"privacy": {"mode": "pubblicazione"}}
    cut = sl.shortlist(rows, value="copertura", verdict="confronto", reference=100.0, unit="comuni")
    assert len(cut.rows) == sl.MAX_ROWS and cut.rows.attrs == rows.attrs
    outliers = rows[rows["confronto"] == "superiore"].sort_values("copertura")
    shown = set(cut.rows["ambito"])
    assert set(outliers["ambito"].iloc[-20:]) <= shown and outliers["ambito"].iloc[0] not in shown
    assert cut.note.startswith("Sono mostrati 40 comuni su 300: i 5 con il valore più alto, i 5 con il più basso e i ")
    every = int((rows["confronto"] != "simile").sum())
    drawn = int((cut.rows["confronto"] != "simile").sum())
    assert f"e i {drawn} più distanti dei {every} che si discostano" in cut.note
    assert cut.note.endswith("foglio di calcolo del report.")


def test_unpublished_values_are_never_picked_and_kept_rows_always_shown():
    rows = _units(60).assign(livello="distretto")
    rows.loc[[0, 1], "copertura"] = np.nan  # not published
    total = pd.DataFrame({"ambito": ["Territorio"], "copertura": [101.0], "livello": ["territorio"]})
    rows = pd.concat([rows, total], ignore_index=True)
    cut = sl.shortlist(rows, value="copertura", keep=rows["livello"] == "territorio")
    assert "A000" not in set(cut.rows["ambito"]) and cut.rows["ambito"].iloc[-1] == "Territorio"
    assert len(cut.rows) == sl.MAX_ROWS + 1
    assert cut.note == ("Sono mostrati 40 ambiti su 60: i 20 con il valore più alto e i 20 con il più basso. "
                        "La tabella completa è nel foglio di calcolo del report.")
