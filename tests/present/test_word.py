"""A published page as a Word document: headings, real tables with the page's markers, charts with their alt text."""

from __future__ import annotations

import base64
import datetime as dt
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from IPython.display import HTML
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pianozona.present import display as show
from pianozona.present.render import PageInfo, render_notebook
from pianozona.present.word import VERDICT_SHADING, page_to_docx

PAGE = PageInfo("Bisogni per area: Anziani", "Distretto <b>di</b> Pavia", 2023, demo=True,
                generated_on=dt.date(2026, 12, 7), downloads=(("tabelle (Excel)", "r.xlsx"),))
HOSTILE = '{ PAGE } =SUM(A1) <w:fldSimple w:instr="DATE"/> \x0b<b>x</b>'


def _png(width: int = 800) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width / 100, 3), dpi=100)
    ax.plot([1, 2, 3])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _table_outputs(frame: pd.DataFrame, caption: str) -> list:
    """What `display.table` shows for `frame`: the table and the legend of its markers, as notebook outputs."""
    shown = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(show, "display", lambda obj, **kw: shown.append(obj))
        show.table(frame, caption=caption, labels={"comune": "Comune", "utenti": "Utenti dei servizi"})
    return [new_output("display_data", data={"text/html" if isinstance(o, HTML) else "text/markdown": o.data})
            for o in shown]


@pytest.fixture
def page(tmp_path) -> Path:
    protected = pd.DataFrame({"comune": ["Sommo", HOSTILE, "Totale distretto"], "utenti": [float("nan"), 40.0, 1234.0],
                              "utenti_soppresso": [True, False, False]})
    png = base64.b64encode(_png()).decode()
    nb = new_notebook(cells=[
        new_code_cell('district: str = "pavia"', metadata={"tags": ["parameters"]}),
        new_markdown_cell("# Analisi dei bisogni: Anziani\n\n## Sintesi\n\nNel 2023 **gli utenti** sono *molti*.\n\n"
                          "- primo punto\n- secondo punto"),
        new_code_cell("", outputs=_table_outputs(protected, "Utenti")),
        new_markdown_cell("### Il grafico"),
        new_code_cell("", outputs=[new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"},
                                              metadata={"alt": "Grafico a imbuto: 12 comuni, 2 sopra i limiti"})]),
    ])
    target = tmp_path / "bisogni_area_anziani.html"
    target.write_text(render_notebook(nb, PAGE).html, encoding="utf-8")
    return target


def test_headings_paragraphs_and_lists_keep_their_structure(page, tmp_path):
    document = Document(page_to_docx(page, tmp_path / "r.docx"))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [("Heading 1", "Analisi dei bisogni: Anziani"), ("Heading 2", "Sintesi"),
                        ("Heading 3", "Il grafico")]
    texts = [p.text for p in document.paragraphs]
    assert "Distretto <b>di</b> Pavia · anno 2023" in texts  # the page header, as text
    assert any(t.startswith("Dati dimostrativi:") for t in texts)  # the demo banner goes with the chapter
    summary = next(p for p in document.paragraphs if p.text.startswith("Nel 2023"))
    assert [(r.text, r.bold, r.italic) for r in summary.runs if r.bold or r.italic] == [("gli utenti", True, None),
                                                                                        ("molti", None, True)]
    assert [p.text for p in document.paragraphs if p.style.name == "List Bullet"] == ["primo punto", "secondo punto"]
    assert not any("Indice" == t or "tabelle (Excel)" in t or "Vai al contenuto" in t for t in texts)


def test_a_table_is_a_word_table_with_the_pages_text_and_markers(page, tmp_path):
    document = Document(page_to_docx(page, tmp_path / "r.docx"))
    [table] = document.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Comune", "Utenti dei servizi"]
    assert rows[1] == ["Sommo", "n.d."] and rows[3] == ["Totale distretto", "1.234"]
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")  # the header row repeats on each page
    assert all(row._tr.trPr.xpath("./w:cantSplit") for row in table.rows)  # and no row breaks across pages
    assert table.cell(3, 1).paragraphs[0].alignment == 2  # numbers right-aligned
    caption = next(p for p in document.paragraphs if p.style.name == "Caption")
    assert caption.text == "Tabella 1. Utenti"
    assert any(p.text.startswith("«n.d.»: valore non pubblicato") for p in document.paragraphs)


def test_values_from_data_stay_literal_text_never_fields(page, tmp_path):
    target = page_to_docx(page, tmp_path / "r.docx")
    xml = zipfile.ZipFile(target).read("word/document.xml").decode("utf-8")
    assert "fldSimple w:instr" not in xml.replace("&lt;w:fldSimple w:instr", "")  # only as escaped text
    assert "<w:instrText" not in xml and "<w:hyperlink" not in xml
    cell = Document(target).tables[0].cell(2, 0).text
    assert cell == '{ PAGE } =SUM(A1) <w:fldSimple w:instr="DATE"/> <b>x</b>'  # the control character dropped


def test_a_chart_is_the_same_png_with_its_alt_text_as_description(page, tmp_path):
    target = page_to_docx(page, tmp_path / "r.docx")
    document = Document(target)
    [shape] = document.inline_shapes
    assert shape._inline.docPr.get("descr") == "Grafico a imbuto: 12 comuni, 2 sopra i limiti"
    assert shape.width <= document.sections[0].page_width - document.sections[0].left_margin * 2
    media = [n for n in zipfile.ZipFile(target).namelist() if n.startswith("word/media/")]
    assert len(media) == 1 and zipfile.ZipFile(target).read(media[0]) == _png()


def test_the_document_is_italian_a4_and_titled(page, tmp_path):
    document = Document(page_to_docx(page, tmp_path / "r.docx"))
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert document.core_properties.language == "it-IT" and document.core_properties.author == ""
    assert document.core_properties.title.startswith("Analisi dei bisogni: Anziani")
    lang = document.styles.element.xpath("./w:docDefaults/w:rPrDefault/w:rPr/w:lang")[0]
    assert set(lang.values()) == {"it-IT"}


def test_a_wide_table_goes_on_a_landscape_page_and_verdicts_keep_their_tint(tmp_path):
    cells = "".join(f'<td class="pz-verdetto-superiore">{i},0 <span class="pz-verdetto-segno" aria-hidden="true">▲'
                    f'</span><span class="pz-verdetto-sr"> superiore</span></td>' for i in range(9))
    html = (f'<html><head><title>Quadro</title></head><body><main><table class="pz-quadro"><caption>Quadro</caption>'
            f'<thead><tr><th>Comune</th>{"<th>Ind.</th>" * 9}</tr></thead><tbody><tr><th scope="row">Sommo</th>'
            f'{cells}</tr></tbody></table><p>Dopo</p></main></body></html>')
    page = tmp_path / "q.html"
    page.write_text(html, encoding="utf-8")
    document = Document(page_to_docx(page, tmp_path / "q.docx"))
    orientations = [s.page_width > s.page_height for s in document.sections]
    assert orientations == [False, True, False]
    cell = document.tables[0].cell(1, 1)
    assert cell.text == "0,0 ▲"  # the symbol stays, the screen-reader word goes (the legend says it)
    assert cell._tc.tcPr.xpath("./w:shd/@w:fill") == [VERDICT_SHADING["pz-verdetto-superiore"]]


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="LibreOffice and poppler-utils are not installed (apt-get install libreoffice-writer-nogui "
                           "poppler-utils; .ci/run installs them)")
def test_libreoffice_opens_the_document_and_draws_its_pages(page, tmp_path):
    """The check a person makes: the .docx opens in an office suite and its first page is not blank."""
    target = page_to_docx(page, tmp_path / "r.docx")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'profilo').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(target)], check=True, timeout=180,
                   capture_output=True)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"),
                    str(tmp_path / "pagina")], check=True, timeout=60)
    from PIL import Image

    [image] = tmp_path.glob("pagina*.png")
    pixels = Image.open(image).convert("L")
    assert pixels.getextrema()[0] < 100  # some dark ink: text, table rules
