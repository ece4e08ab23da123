import datetime as dt

import numpy as np
import pandas as pd

from pianozona.formatting import Summary, data_lunga, del_pct, euro, num, pct, span, table


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


def test_a_summary_escapes_every_piece_and_reads_the_same_as_text():
    summary = Summary("Profilo di <b>X</b>", (("Comune", "A & <i>B</i>"), ("Residenti", "1.234")), ("nota <script>",))
    page = summary.html()
    assert "<b>" not in page and "<i>" not in page and "<script>" not in page
    assert "Profilo di &lt;b&gt;X&lt;/b&gt;" in page and "A &amp; &lt;i&gt;B&lt;/i&gt;" in page
    assert page.count("<tr>") == 2 and "&lt;script&gt;" in page
    assert summary.text() == "Profilo di <b>X</b>\n  Comune: A & <i>B</i>\n  Residenti: 1.234\nnota <script>"


def test_span_of_years():
    assert span([2023, 2019, 2021]) == "2019–2023" and span([2022.0]) == "2022" and span([]) == "nessuno"
