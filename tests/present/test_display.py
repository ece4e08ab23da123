"""display: what a notebook shows is plain text, escaped by construction, on its way to a published page."""

from __future__ import annotations

import json
import math
from html.parser import HTMLParser
from types import SimpleNamespace

import mistune
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.display import HTML, Markdown
from nbformat.v4 import new_code_cell, new_notebook, new_output

from pianozona.present import display as show
from pianozona.errors import DataError, ParameterError
from pianozona.present.render import PageInfo, render_notebook

#: Values an office's spreadsheet may hold by mistake or malice; each must show literally.
HOSTILE = ("<img src=x onerror=alert(1)>", "<script>alert(1)</script>", '"><svg onload=alert(1)>',
           "[clic](javascript:alert(1))", "*md*", "&amp;")
ACTIVE_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "form", "input", "style", "link", "meta", "base"}


class Markup(HTMLParser):
    """Tags, attributes and visible text of an HTML fragment."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.chunks: list[str] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def inert(self) -> list[str]:
        """What could run or load: active tags, images not embedded, on* handlers, javascript:/data: links."""
        found = []
        for tag, attrs in self.tags:
            if tag == "img":
                if not attrs.get("src", "data:image/").startswith("data:image/"):
                    found.append(f"img[src={attrs['src']}]")
            elif tag in ACTIVE_TAGS:
                found.append(tag)
            found += [f"{tag}[{name}]" for name in attrs if name.lower().startswith("on")]
            found += [f"{tag}[href={v}]" for n, v in attrs.items() if n == "href" and ":" in v.split("/")[0]
                      and not v.startswith(("http:", "https:", "mailto:"))]
        return found


def main_of(page: str) -> str:
    """The content of the page's <main> (what the notebook put there)."""
    start = page.index(">", page.index("<main")) + 1
    return page[start:page.index("</main>")]


@pytest.fixture
def shown(monkeypatch):
    """What display functions send to IPython, as notebook outputs (metadata kept)."""
    outputs = []

    def capture(obj, metadata=None, raw=False):
        if isinstance(obj, dict):
            data = obj
        elif isinstance(obj, HTML):
            data = {"text/html": obj.data, "text/plain": ""}
        elif isinstance(obj, Markdown):
            data = {"text/markdown": obj.data, "text/plain": ""}
        else:  # pragma: no cover - a new kind of output must be added here
            raise AssertionError(f"output inatteso: {obj!r}")
        outputs.append(new_output("display_data", data=data, metadata=metadata or {}))

    monkeypatch.setattr(show, "display", capture)
    return outputs


def published(outputs) -> Markup:
    """The body of the page the renderer publishes from these outputs (notebook-only ones included)."""
    cell = new_code_cell("x")
    cell.outputs = [{**o, "metadata": {}} for o in outputs]
    page = render_notebook(new_notebook(cells=[cell]), PageInfo("Titolo", "Distretto", 2023)).html
    return Markup(main_of(page))


def test_table_escapes_cells_caption_and_headers(shown):
    frame = pd.DataFrame({"comune": list(HOSTILE), "utenti": range(10, 10 + len(HOSTILE))})
    labels = {"comune": '"><svg onload=alert(1)>', "utenti": "<b>Utenti</b>"}
    show.table(frame, caption="<script>alert(1)</script> *Tabella*", labels=labels)
    raw = Markup(shown[0]["data"]["text/html"])
    assert raw.inert() == []
    for value in HOSTILE:
        assert value in raw.text
    assert "<script>alert(1)</script> *Tabella*" in raw.text and "<b>Utenti</b>" in raw.text
    page = published(shown)
    assert page.inert() == [] and all(value in page.text for value in HOSTILE)


def test_table_keeps_caption_headers_alignment_and_italian_numbers(shown):
    frame = pd.DataFrame({"comune": ["Pavia", "Sommo"], "anno": [2023, 2023], "spesa": [1234.56, 7.0]})
    show.table(frame, caption="Spesa", labels={"spesa": "Spesa (euro)"}, decimals={"spesa": 1})
    table = shown[0]["data"]["text/html"]
    tags = Markup(table).tags
    assert ("table", {"class": "pz-table"}) in tags and "<caption>Spesa</caption>" in table
    assert [a for t, a in tags if t == "th"] == [{"scope": "col", "class": "testo"}, {"scope": "col"}, {"scope": "col"}]
    assert '<td class="testo">Pavia</td><td>2023</td><td>1.234,6</td>' in table
    assert len(shown) == 1  # no legend without suppressed counts


def test_suppression_marker_is_escaped_and_the_legend_shown(shown):
    frame = pd.DataFrame({"comune": ["A", "B"], "utenti": [3, 40], "utenti_soppresso": [True, False]})
    show.table(frame, caption="Utenti")
    table = shown[0]["data"]["text/html"]
    assert "<td>n.d.</td>" in table and "<td>40</td>" in table and "soppresso" not in table
    legend = published(shown[1:])
    assert [t for t, _ in legend.tags] == ["div", "p", "em"]
    assert "«n.d.»: valore non pubblicato" in legend.text and legend.inert() == []


@pytest.mark.parametrize("value", HOSTILE)
def test_text_functions_show_plain_text_literally(shown, value):
    show.heading(f"Titolo {value}", f"Distretto {value}")
    show.paragraph(f"Nel comune {value} la copertura cresce.")
    show.key_figures({f"Comuni {value}": value})
    page = published(shown)
    assert page.inert() == []
    for expected in (f"Distretto {value}", f"Nel comune {value} la copertura cresce.", f"Comuni {value}: {value}"):
        assert expected in page.text
    assert ("a", {"href": "javascript:alert(1)"}) not in page.tags
    markdown = shown[0]["data"]["text/markdown"]
    assert markdown.startswith("# ") and mistune.html(markdown) == f"<h1>Titolo {_html(value)}</h1>\n"


def test_key_figures_own_only_their_bold_names(shown):
    show.key_figures({"Residenti": "1.234", "*Quota*": "12,5"})
    page = published(shown)
    assert [t for t, _ in page.tags] == ["div", "ul", "li", "strong", "li", "strong"]
    assert "Residenti: 1.234" in page.text and "*Quota*: 12,5" in page.text
    assert shown[0]["data"]["text/plain"] == "Residenti: 1.234\n*Quota*: 12,5"


def test_sources_escape_every_fonte(shown):
    district = SimpleNamespace(
        fonti_popolazione=pd.DataFrame({"anno": [2023], "fonte": ["<script>alert(1)</script>"]}),
        utenti=pd.DataFrame({"fonte": ["<img src=x onerror=alert(1)>", None]}),
        spesa=pd.DataFrame({"fonte": ["*md* &amp;"]}))
    show.sources(district)
    page = published(shown)
    assert page.inert() == []
    assert "ISTAT (2023)" in page.text and "script" not in page.text  # the population's source is ISTAT
    assert "<img src=x onerror=alert(1)>" in page.text and "*md* &amp;" in page.text
    assert ("hr", {}) in page.tags and ("em", {}) in page.tags


def test_demo_banner_is_notebook_only(shown):
    show.demo_banner(SimpleNamespace(dimostrativo=True))
    show.demo_banner(SimpleNamespace(dimostrativo=False))
    assert len(shown) == 1 and shown[0]["metadata"] == show.NOTEBOOK_ONLY


@pytest.mark.parametrize("text", ["1. primo", "- voce", "+ voce", "===", "    rientrato", "# titolo", "> citazione",
                                  "a | b", "~~barrato~~", "`codice`", "https://example.org", "a\\*b"])
def test_block_and_inline_syntax_stays_text(text):
    assert _rendered_text(show.escape_markdown(text)) == text.strip()


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters="\x7f"), max_size=40))
def test_any_single_line_renders_to_itself(text):
    assert _rendered_text(show.escape_markdown(text)) == text.strip()


def _html(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _rendered_text(markdown: str) -> str:
    page = Markup(mistune.create_markdown(escape=True, plugins=["table", "strikethrough", "url"])(markdown))
    assert [t for t, _ in page.tags] in ([], ["p"])
    return page.text.strip()


# --------------------------------------------------------------------------- metrics


def test_metrics_are_strict_json_with_null_for_missing(tmp_path):
    target = show.write_metrics(tmp_path / "out" / "cifre.json",
                                {"utenti": np.int64(12), "copertura": np.float64("nan"), "media": pd.NA,
                                 "serie": [1.5, float("nan")], "area": "anziani"})
    text = target.read_text(encoding="utf-8")
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"costante non JSON: {c}")) == {
        "utenti": 12, "copertura": None, "media": None, "serie": [1.5, None], "area": "anziani"}


@pytest.mark.parametrize("value", [math.inf, -np.inf])
def test_metrics_refuse_infinity_naming_the_key(tmp_path, value):
    with pytest.raises(DataError) as caught:
        show.write_metrics(tmp_path / "cifre.json", {"spesa": {"variazione_pct": value}})
    message = str(caught.value)
    assert "spesa.variazione_pct" in message and "inf" in message and "cifre.json" in message
    assert "divisione per zero" in message
    assert not (tmp_path / "cifre.json").exists()


def test_metrics_without_a_path_write_nothing(tmp_path):
    assert show.write_metrics("", {"a": 1}) is None


def test_a_wide_table_is_marked_to_print_on_a_landscape_page(shown):
    show.table(pd.DataFrame({f"c{i}": [i] for i in range(show.WIDE_COLUMNS)}), caption="Stretta")
    show.table(pd.DataFrame({f"c{i}": [i] for i in range(show.WIDE_COLUMNS + 1)}), caption="Larga")
    narrow, wide = (Markup(o["data"]["text/html"]).tags[0] for o in shown)
    assert narrow == ("table", {"class": "pz-table"}) and wide == ("table", {"class": "pz-table pz-table-larga"})


def test_section_headings_are_escaped_and_levelled(monkeypatch):
    shown = []
    monkeypatch.setattr(show, "display", lambda obj, **kw: shown.append(obj))
    show.section("Il punto di partenza: <img src=x onerror=alert(1)> *2009*")
    text = shown[0].data
    assert text.startswith("## ") and "\\<img" in text and "\\*2009\\*" in text  # literal, not markup
    show.section("Dettaglio", level=3)
    assert shown[1].data == "### Dettaglio"
    with pytest.raises(ParameterError):
        show.section("Titolo", level=1)


def test_a_cut_table_shows_its_rows_and_records_every_row_of_full(tmp_path, monkeypatch):
    from pianozona.present import spreadsheet

    record, shown = tmp_path / "tabelle.jsonl", []
    monkeypatch.setenv(spreadsheet.TABLES_ENV_VAR, str(record))
    monkeypatch.setattr(show, "display", lambda obj, **kw: shown.append(obj))
    full = pd.DataFrame({"ambito": [f"Ambito {i}" for i in range(50)], "valore": [i / 3 for i in range(50)]})
    show.table(full.head(3), caption="Ambiti", decimals={"valore": 2}, full=full)
    assert shown[0].data.count("<tr>") == 4  # the header and the three rows shown
    (line,) = record.read_text(encoding="utf-8").splitlines()
    recorded = json.loads(line)
    assert len(recorded["rows"]) == 50 and recorded["rows"][49][0] == "Ambito 49"
    assert recorded["rows"][1][1]["t"] == "0,33"  # formatted as the shown rows
