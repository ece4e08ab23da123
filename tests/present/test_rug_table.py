"""Tests of pianozona.present.rug_table: the verdict table, escaped, protected, accessible, recorded."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import openpyxl
import pandas as pd
import pytest
from markupsafe import escape
from nbformat.v4 import new_code_cell, new_notebook, new_output

from pianozona import privacy
from pianozona.errors import ParameterError
from pianozona.present import rug_table, spreadsheet
from pianozona.present.render import PageInfo, render_notebook
from pianozona.present.safe_html import TEMPLATES, sanitise

HOSTILE = "<b>x</b>"
RAW_HIDDEN = 3.14159  # a raw value left in a hidden row: it must never reach the page or the spreadsheet


def overview() -> pd.DataFrame:
    """Three comuni × two indicators, long; two hidden cells, one pair absent."""
    return pd.DataFrame({
        "comune": [HOSTILE, HOSTILE, "Pavia", "Pavia", "Mezzana Rabattone", "Mezzana Rabattone"],
        "indicatore": ["Copertura anziani", "Indice di vecchiaia", "Copertura anziani", "Indice di vecchiaia",
                       "Copertura anziani", "Copertura minori"],
        "valore": [12.345, 210.0, 30.04, 190.55, RAW_HIDDEN, np.nan],
        "verdetto": ["superiore", "simile", "inferiore", "non valutato", "non confrontabile", "non confrontabile"],
        "soppressione": ["", None, np.nan, False, True, True],
        "decimali": [1, 0, 1, 2, 5, 1],
    })


class Parsed(HTMLParser):
    """Cells of the first table (tag, attributes, text) and every class used."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[tuple[str, dict, str]] = []
        self.classes: set[str] = set()
        self.tags: list[str] = []
        self._open: list | None = None
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.classes |= set((attrs.get("class") or "").split())
        if tag in ("th", "td"):
            self._open = [tag, attrs, ""]

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._open:
            self.cells.append(tuple(self._open))
            self._open = None

    def handle_data(self, data):
        if self._open:
            self._open[2] += data


@pytest.fixture
def shown(monkeypatch):
    """The HTML fragments verdict_table displays."""
    outputs: list[str] = []
    monkeypatch.setattr(rug_table, "display", lambda obj, **kw: outputs.append(obj.data))
    return outputs


def draw(shown, frame=None, **options) -> Parsed:
    rug_table.verdict_table(overview() if frame is None else frame, caption="Quadro dei comuni", **options)
    assert len(shown) == 1
    return Parsed(shown[-1])


def test_units_are_row_headers_and_indicators_column_headers_in_first_appearance(shown):
    page = draw(shown)
    cols = [text for tag, attrs, text in page.cells if tag == "th" and attrs.get("scope") == "col"]
    rows = [text for tag, attrs, text in page.cells if tag == "th" and attrs.get("scope") == "row"]
    assert cols == ["Comune", "Copertura anziani", "Indice di vecchiaia", "Copertura minori"]
    assert rows == [HOSTILE, "Pavia", "Mezzana Rabattone"]
    assert "b" not in page.tags  # the comune named <b>x</b> shows literally
    assert "&lt;b&gt;x&lt;/b&gt;" in shown[0]


def test_each_cell_has_the_italian_value_the_verdict_symbol_and_word_and_its_class(shown):
    page = draw(shown)
    data = [(attrs["class"], text) for tag, attrs, text in page.cells if tag == "td"]
    assert data[:2] == [("pz-verdetto-superiore", "12,3 ▲ superiore"), ("pz-verdetto-simile", "210 ● simile")]
    assert data[3:5] == [("pz-verdetto-inferiore", "30,0 ▼ inferiore"), ("pz-verdetto-non-valutato",
                                                                          "190,55 □ non valutato")]
    assert data[2] == ("pz-verdetto-assente", rug_table.ABSENT)  # <b>x</b> has no Copertura minori
    assert 'class="pz-verdetto-sr"> superiore</span>' in shown[0]  # the word, for screen readers


def test_hidden_values_show_their_marker_without_colour_or_verdict_and_the_legend_explains(shown):
    page = draw(shown)
    mezzana = [(attrs["class"], text) for tag, attrs, text in page.cells if tag == "td"][6:]
    assert mezzana == [("pz-verdetto-nascosto", privacy.MARKER), ("pz-verdetto-assente", rug_table.ABSENT),
                       ("pz-verdetto-nascosto", privacy.MARKER)]
    assert "3,14159" not in shown[0] and "3,1" not in shown[0]
    assert str(escape(privacy.suppression_legend())) in shown[0]
    legend = shown[0].split("</table>")[1]
    assert "▲ superiore" in legend and "□ non valutato" in legend and "«–»: dato non disponibile" in legend
    assert "non confrontabile" not in legend  # only the verdicts the table shows


def test_a_hidden_cell_may_hold_its_marker_as_text(shown):
    frame = overview().astype({"valore": object})
    frame.loc[4, "valore"] = privacy.MARKER  # as privacy.format_suppressed writes it
    page = draw(shown, frame)
    assert ("pz-verdetto-nascosto", privacy.MARKER) in [(a["class"], t) for tag, a, t in page.cells if tag == "td"]


def test_no_suppression_legend_without_hidden_values(shown):
    frame = overview().iloc[:4]
    draw(shown, frame)
    assert "riservatezza" not in shown[0] and "dato non disponibile" not in shown[0]


def test_recorded_for_the_spreadsheet_as_shown_never_the_hidden_value(shown, tmp_path, monkeypatch):
    record = tmp_path / "tabelle.jsonl"
    monkeypatch.setenv(spreadsheet.TABLES_ENV_VAR, str(record))
    draw(shown)
    [table] = spreadsheet.read_tables(record)
    assert table["caption"] == "Quadro dei comuni"
    assert table["columns"][:3] == ["Comune", "Copertura anziani", "Copertura anziani (verdetto)"]
    first, _, last = table["rows"]
    assert first[:3] == [HOSTILE, {"n": 12.3, "d": 1, "t": "12,3", "y": False}, "superiore"]
    assert last == ["Mezzana Rabattone", "n.d.", "", rug_table.ABSENT, "", "n.d.", ""]
    assert "3.14159" not in record.read_text(encoding="utf-8")
    assert "riservatezza" in table["legend"] and "▲ superiore" in table["legend"]
    assert "«–»: dato non disponibile" in table["legend"]
    book = openpyxl.load_workbook(spreadsheet.write_workbook([table], tmp_path / "quadro.xlsx"))
    values = [[c.value for c in r] for r in book.worksheets[0].iter_rows()]
    assert [12.3, "superiore"] in [r[1:3] for r in values] and ["n.d.", None] in [r[1:3] for r in values]


@pytest.mark.parametrize(("indicators", "wide"), [(rug_table.WIDE_COLUMNS, False), (rug_table.WIDE_COLUMNS + 1, True)])
def test_wide_tables_print_landscape(shown, indicators, wide):
    frame = pd.DataFrame({"comune": "Pavia", "indicatore": [f"Indicatore {i}" for i in range(indicators)],
                          "valore": 1.0, "verdetto": "simile", "soppressione": "", "decimali": 1})
    assert ("pz-quadro-largo" in draw(shown, frame).classes) is wide
    css = (TEMPLATES / "style.css").read_text(encoding="utf-8")
    assert re.search(r"\.tabella:has\(> \.pz-table-larga, > \.pz-quadro-largo\)\s*{\s*page:\s*orizzontale", css)


def test_the_sanitiser_keeps_scope_and_classes(shown):
    draw(shown)
    assert sanitise(shown[0]) == shown[0]
    cell = new_code_cell("x")
    cell.outputs = [new_output("display_data", data={"text/html": shown[0], "text/plain": ""})]
    page = render_notebook(new_notebook(cells=[cell]), PageInfo("Quadro", "Distretto", 2023)).html
    published = Parsed(page[page.index("<main"):page.index("</main>")])
    assert {"pz-quadro", "pz-verdetto-superiore", "pz-verdetto-nascosto", "pz-verdetto-sr"} <= published.classes
    assert sum(1 for tag, attrs, _ in published.cells if attrs.get("scope") == "row") == 3
    assert "b" not in published.tags
    # the symbol is silent for screen readers, which read the word beside it
    assert '<span class="pz-verdetto-segno" aria-hidden="true">▲</span>' in page


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_every_verdict_colour_has_contrast_and_prints():
    css = (TEMPLATES / "style.css").read_text(encoding="utf-8")
    for verdict in [*rug_table.VERDICTS, "nascosto", "assente"]:
        name = rug_table.css_class(verdict).removeprefix("pz-verdetto-")
        rule = re.search(r"\.pz-verdetto-" + name + r"\b[^{]*{([^}]*)}", css)
        assert rule, f"nessuna regola per {verdict}"
        background = re.search(r"background:\s*(#[0-9a-f]{6})", rule[1])[1]
        text = re.search(r"(?<!-)color:\s*(#[0-9a-f]{6})", rule[1])[1]
        light, dark = sorted((_luminance(background), _luminance(text)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, verdict
    assert re.search(r"\.pz-quadro td[^{]*{[^}]*print-color-adjust:\s*exact", css)
    tints = {re.search(r"\.pz-verdetto-" + v + r"\s*{\s*background:\s*(#\w+)", css)[1]
             for v in ("superiore", "inferiore", "simile")}
    assert len(tints) == 3


def test_a_missing_column_is_named_with_the_columns_there_are(shown):
    with pytest.raises(ParameterError, match=re.escape("parametro 'row' non valido: 'Comune'. colonne disponibili: "
                                                       "comune, indicatore")):
        draw(shown, row="Comune")


@pytest.mark.parametrize(("change", "message"), [
    ("duplicate", r"riga 7 di data \(Pavia × Copertura anziani\): la coppia compare due volte"),
    ("verdict", r"riga 2 di data \(<b>x</b> × Indice di vecchiaia\), colonna 'verdetto': valori ammessi 'superiore'"),
    ("suppression", r"riga 2 di data .*colonna 'soppressione': valori ammessi True \(nascosto\)"),
    ("leak", r"riga 5 di data .*valore nascosto con verdetto 'superiore'.*usare 'non confrontabile'"),
    ("decimals", r"riga 1 di data .*colonna 'decimali': indicare i decimali come intero"),
    ("text", r"parametro 'value' non valido: '12,3'. riga 4 di data .*colonna 'valore': serve un numero"),
])
def test_wrong_input_is_refused_naming_row_column_and_fix(shown, change, message):
    frame = overview()
    if change == "duplicate":
        frame = pd.concat([frame, frame.iloc[[2]]], ignore_index=True)
    elif change == "verdict":
        frame.loc[1, "verdetto"] = "migliore"
    elif change == "suppression":
        frame.loc[1, "soppressione"] = "si"
    elif change == "leak":
        frame.loc[4, "verdetto"] = "superiore"
    elif change == "text":
        frame["valore"] = frame["valore"].astype(object)
        frame.loc[3, "valore"] = "12,3"
    else:
        frame["decimali"] = frame["decimali"].astype(float)
        frame.loc[0, "decimali"] = 1.5
    with pytest.raises(ParameterError, match=message):
        draw(shown, frame)
    assert not shown  # nothing displayed before the error
