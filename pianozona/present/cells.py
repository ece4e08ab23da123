"""One notebook cell to HTML: hidden cells and outputs, streams, images with alt text, tables.

Cells tagged as in `HIDDEN_CELL_TAGS` are dropped, and so are ``stderr``
streams (warnings are for the author, not for mayors), outputs of cells tagged
as in `HIDDEN_OUTPUT_TAGS` and outputs whose metadata holds
``{"pianozona": {"solo_notebook": True}}``. Images become ``data:`` URIs.

Alt text of charts: taken from the output's metadata, key ``alt`` either at
the top level or under the image MIME type, e.g.
``display(fig, metadata={"alt": "Grafico a barre: utenti per comune, 2023"})``
or ``IPython.display.Image(png, metadata={"alt": "..."})``.  Without it the
page falls back to "Grafico della sezione «<last heading>»" and a warning
names the cell (`Document.warnings`).
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any

from pianozona.present.document import Document

HIDDEN_CELL_TAGS = frozenset({
    "parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell", "remove_cell", "nascondi",
})
RUNNER_CELL_TAGS = frozenset({"injected-parameters", "papermill-error-cell-tag"})
HIDDEN_OUTPUT_TAGS = frozenset({"remove-output", "remove_output", "nascondi-output"})
#: Output metadata ``{"pianozona": {"solo_notebook": True}}`` keeps an output out of the page.
NOTEBOOK_ONLY_KEY = "pianozona"
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def author_cells(nb: Any) -> Any:
    """Cells numbered as in the author's notebook (papermill's injected cells do not count)."""
    number = 0
    for cell in nb["cells"]:
        if not cell_tags(cell) & RUNNER_CELL_TAGS:
            number += 1
        yield number, cell


def cell_tags(cell: Any) -> set[str]:
    """The tags of a cell (empty when it has none)."""
    return set(cell.get("metadata", {}).get("tags", []) or [])


def _source(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def cell_html(cell: Any, number: int, doc: Document) -> str:
    """HTML of a cell: a markdown cell's text, a code cell's visible outputs (never its code); "" if none."""
    kind = cell.get("cell_type")
    if kind == "markdown":
        return _markdown_cell(cell, doc)
    if kind != "code" or cell_tags(cell) & HIDDEN_OUTPUT_TAGS:
        return ""
    outputs = [_output_html(out, number, doc) for out in cell.get("outputs", [])]
    outputs = [o for o in outputs if o]
    return f'<div class="output">\n{"".join(outputs)}</div>' if outputs else ""


def _markdown_cell(cell: Any, doc: Document) -> str:
    text = _source(cell)
    for name, bundle in (cell.get("attachments") or {}).items():
        for mime, data in bundle.items():
            if mime in _IMAGE_TYPES:
                text = text.replace(f"attachment:{name}", _data_uri(mime, data))
    return doc.markdown(text, trusted=True)


def _output_html(output: Any, number: int, doc: Document) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("name") == "stderr":
            return ""
        return f'<pre class="testo">{html.escape(_ANSI.sub("", _text(output.get("text", ""))))}</pre>\n'
    if kind not in ("display_data", "execute_result"):
        return ""  # errors are shown by the failure section
    data, metadata = output.get("data", {}), output.get("metadata", {})
    if (metadata.get(NOTEBOOK_ONLY_KEY) or {}).get("solo_notebook"):
        return ""  # e.g. the demo banner and the date line: the page header already says them
    for mime in _IMAGE_TYPES:
        if mime in data:
            return _image_html(mime, data[mime], metadata, number, doc)
    if "text/html" in data:
        fragment = _text(data["text/html"])  # sanitised with the whole body
        if "<table" not in fragment:
            return f"<div>{fragment}</div>\n"
        # a wide table scrolls sideways: the keyboard must reach it too (tabindex), with a name for the region
        doc.tables += 1
        label = f"Tabella {doc.tables}"
        return f'<div class="tabella" tabindex="0" role="region" aria-label="{label}">{_tables(fragment)}</div>\n'
    if "text/markdown" in data:
        return doc.markdown(_text(data["text/markdown"]))
    for mime in ("text/latex", "text/plain"):
        if mime in data:
            return f'<pre class="testo">{html.escape(_ANSI.sub("", _text(data[mime])))}</pre>\n'
    return ""


def _image_html(mime: str, data: Any, metadata: dict, number: int, doc: Document) -> str:
    own = metadata.get(mime, {}) if isinstance(metadata.get(mime), dict) else {}
    alt = own.get("alt") or metadata.get("alt")
    if not alt:
        alt = doc.fallback_alt()
        doc.warnings.append(f"cella {number}: immagine senza testo alternativo; usare "
                            f"display(fig, metadata={{'alt': '...'}}); testo usato: {alt}")
    size = "".join(f' {key}="{int(own[key])}"' for key in ("width", "height") if str(own.get(key, "")).isdigit())
    src = _data_uri(mime, data)
    return f'<figure><img src="{src}" alt="{html.escape(str(alt), quote=True)}"{size}></figure>\n'


def _data_uri(mime: str, data: Any) -> str:
    text = _text(data)
    if mime == "image/svg+xml":
        payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    else:
        payload = re.sub(r"\s+", "", text)
    return f"data:{mime};base64,{payload}"


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _tables(fragment: str) -> str:
    """pandas leaves the corner header cells empty: make them plain cells (an empty <th> names nothing)."""
    return re.sub(r"<th>\s*</th>", "<td></td>", fragment)

