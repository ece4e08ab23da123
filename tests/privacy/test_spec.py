"""The checks of protect's arguments and the recognition of total rows (pianozona.privacy.spec)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pianozona.errors import ParameterError
from pianozona.privacy import protect
from pianozona.privacy.spec import build_spec
from tests.privacy.tables import DISTRICT, KEYS, hidden_comuni, one_area, protect_long


@pytest.mark.parametrize(
    "kwargs, name, words",
    [
        ({"counts": "utenti_totali"}, "counts", "utenti_totali"),
        ({"counts": "utenti", "threshold": 0}, "threshold", "soglia"),
        ({"counts": "utenti", "threshold": 2.5}, "threshold", "soglia"),
        ({"counts": "utenti", "derived": {"tasso": "accessi"}}, "derived", "accessi"),
        ({"counts": "utenti", "derived": {"tassi": "utenti"}}, "derived", "tassi"),
        ({"counts": "utenti", "groups": ["comune"]}, "keys", "keys"),
        ({"counts": "utenti", "keys": ["anno", "area"], "groups": ["comune"]}, "groups", "comune"),
        ({"counts": "utenti", "keys": ["anno", "area"], "groups": ["area"]}, "keys", "stesse chiavi"),
    ],
)
def test_bad_arguments(kwargs, name, words):
    df = one_area({"A": 3, "B": 30}, total=None)
    df["tasso"] = 1.0
    with pytest.raises(ParameterError) as info:
        protect(df, **kwargs)
    assert info.value.name == name
    assert words in str(info.value)


@pytest.mark.parametrize("bad, words", [(-2, "negativi"), (2.5, "interi"), ("tre", "numerici")])
def test_bad_counts(bad, words):
    df = pd.DataFrame({"comune": list("ABC"), "utenti": [5, 7, 9]}).astype({"utenti": object})
    df.loc[1, "utenti"] = bad
    with pytest.raises(ParameterError) as info:
        protect(df, counts="utenti")  # checked in exploration too
    assert info.value.name == "utenti"
    assert words in str(info.value) and "riga 2" in str(info.value)


def test_unrecognised_total_label_is_refused():
    df = one_area({"A": 3, "B": 10, "C": 20})
    df["comune"] = df["comune"].replace({DISTRICT: "Totale distretto sociale"})
    with pytest.raises(ParameterError, match="total_label") as info:
        protect(df, counts="utenti", keys=KEYS, groups="comune")
    assert info.value.value == "Totale distretto sociale"
    out = protect_long(df, total_label="Totale distretto sociale")
    assert "A" in hidden_comuni(out) and len(hidden_comuni(out)) == 2  # the total is recognised and kept
    assert out.loc[out["comune"] == "Totale distretto sociale", "utenti"].item() == 33


def test_undeclared_total_row_is_refused():
    df = one_area({"A": 3, "B": 10, "C": 20})
    with pytest.raises(ParameterError, match="Totale distretto"):
        protect(df, counts="utenti", publish=True)
    with pytest.raises(ParameterError, match="groups"):
        protect(df, counts="utenti", keys=KEYS, publish=True)


def test_total_rows_marked_by_a_flag_column():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    df["comune"] = df["comune"].replace({DISTRICT: "Distretto di Pavia"})
    df["riga_totale"] = df["comune"] == "Distretto di Pavia"
    out = protect_long(df, keys=KEYS + ["riga_totale"], total_mask="riga_totale")
    assert "A" in hidden_comuni(out) and len(hidden_comuni(out)) == 2
    assert out.loc[out["riga_totale"], "utenti"].item() == 40
    label = protect_long(df.drop(columns="riga_totale"), total_label="Distretto di Pavia")
    assert hidden_comuni(label) == hidden_comuni(out)  # a mask column is not part of a cell's identity


def test_build_spec_gives_the_checked_request():
    df = one_area({"A": 3, "B": 10})
    df["riga_totale"] = df["comune"] == DISTRICT
    df["tasso"] = 1.0
    df["utenti"] = df["utenti"].astype("Int64")
    df.loc[1, "utenti"] = pd.NA
    spec = build_spec(df, counts="utenti", derived={"tasso": "utenti"}, keys=KEYS + ["riga_totale"],
                      groups="comune", total_label=None, total_mask="riga_totale", threshold=np.int64(3))
    assert spec.counts == ["utenti"] and spec.derived == {"tasso": ["utenti"]}
    assert spec.keys == KEYS and spec.groups == ["comune"]  # a mask column is not a key
    assert spec.total_masks["comune"].tolist() == [False, False, True]
    np.testing.assert_array_equal(spec.values["utenti"], [3.0, np.nan, 13.0])
    assert spec.threshold == 3 and type(spec.threshold) is int
