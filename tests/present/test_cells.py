"""Tests of pianozona.present.cells: what of a notebook cell reaches the page."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from pianozona.present.cells import author_cells, cell_html, cell_tags
from pianozona.present.document import Document


def test_author_cells_are_numbered_without_papermill_cells():
    cells = [new_code_cell("a = 1", metadata={"tags": ["injected-parameters"]}), new_code_cell("b = 2"),
             new_markdown_cell("testo")]
    assert [number for number, _ in author_cells({"cells": cells})] == [0, 1, 2]
    assert cell_tags(cells[0]) == {"injected-parameters"} and cell_tags(cells[1]) == set()


def test_code_cells_show_outputs_never_code_nor_stderr():
    cell = new_code_cell("print('ciao')")
    cell.outputs = [new_output("stream", name="stdout", text="\x1b[31mciao\x1b[0m <b>"),
                    new_output("stream", name="stderr", text="avviso per l'autore")]
    html = cell_html(cell, 1, Document())
    assert html == '<div class="output">\n<pre class="testo">ciao &lt;b&gt;</pre>\n</div>'
    cell.metadata["tags"] = ["nascondi-output"]
    assert cell_html(cell, 1, Document()) == ""


def test_an_image_without_alt_gets_the_fallback_and_a_warning():
    cell = new_code_cell("fig")
    cell.outputs = [new_output("display_data", data={"image/png": "iVBORw0KGgo="})]
    doc = Document()
    html = cell_html(cell, 4, doc)
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html and 'alt="Grafico n. 1"' in html
    assert doc.warnings and doc.warnings[0].startswith("cella 4:")


def test_tables_become_keyboard_reachable_regions():
    cell = new_code_cell("df")
    cell.outputs = [new_output("execute_result", data={"text/html": "<table><tr><th></th><th>A</th></tr></table>"})]
    doc = Document()
    html = cell_html(cell, 1, doc)
    assert 'tabindex="0" role="region" aria-label="Tabella 1"' in html and "<td></td><th>A</th>" in html
