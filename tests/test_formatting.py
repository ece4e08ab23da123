import datetime as dt

import numpy as np
import pandas as pd

from pianozona.formatting import data_lunga, del_pct, euro, num, pct, table


def test_italian_numbers_and_missing():
    assert num(1234.56) == "1.234,6"
    assert num(1234.56, 0) == "1.235"
    assert num(np.nan) == "n.d." and num(None) == "n.d." and num(np.inf) == "n.d."
    assert pct(12.345) == "12,3%" and euro(1234.5) == "1.235 €"


def test_articled_percentages():
    assert [del_pct(v) for v in (0.5, 1.2, 8, 11, 18, 80, 2.3)] == [
        "dello 0,5%", "dell'1,2%", "dell'8,0%", "dell'11,0%", "del 18,0%", "dell'80,0%", "del 2,3%"]


def test_long_date_in_italian():
    assert data_lunga(dt.date(2026, 11, 26)) == "26 novembre 2026"


def test_table_formats_numeric_columns_only():
    out = table(pd.DataFrame({"comune": ["Pavia"], "utenti": [1234], "tasso": [3.14159]}), {"tasso": 2})
    assert out.iloc[0].tolist() == ["Pavia", "1.234", "3,14"]
