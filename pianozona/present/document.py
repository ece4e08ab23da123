"""The markdown of one page: escaped unless the author's, heading ids, title, table of contents, counters, warnings.

A `Document` is shared by all the cells of a page: the first level-1 heading
becomes the page title, level 2 and 3 headings get unique ids and make the
table of contents (`Document.toc_tree`). Markdown produced by code
(``text/markdown`` outputs) is rendered with raw HTML escaped; the author's
markdown cells (trusted, in the repository) may contain HTML. Either way links
with an unsafe scheme (``javascript:``, ``vbscript:``, ``data:``) lose their
target and only embedded images are kept; the sanitiser of
`pianozona.present.safe_html` runs on the result.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

import mistune

from pianozona.present.safe_html import EMBEDDED_IMAGE


class Document:
    """Markdown rendering state shared by all the cells of one page.

    `title` is the first level-1 heading, `headings` the others in order, `tables`
    counts the tables shown (their region names), `warnings` are for the log (Italian).
    """

    def __init__(self) -> None:
        self.title: str | None = None
        self.headings: list[tuple[int, str, str]] = []  # (level, text, anchor)
        self.warnings: list[str] = []
        self._anchors: set[str] = set()
        self._images = 0
        self.tables = 0
        plugins = ["table", "strikethrough", "url"]
        self._trusted = mistune.create_markdown(renderer=_Renderer(self, escape=False), plugins=plugins)
        self._untrusted = mistune.create_markdown(renderer=_Renderer(self, escape=True), plugins=plugins)

    def markdown(self, text: str, *, trusted: bool = False) -> str:
        """HTML of `text`; raw HTML in it is escaped unless it is the author's own (`trusted`)."""
        return (self._trusted if trusted else self._untrusted)(text)

    def anchor(self, text: str) -> str:
        """A heading id from `text` (ASCII, lower case, dashes), unique within the page."""
        base = re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-") or "sezione"
        anchor, n = base, 1
        while anchor in self._anchors:
            n += 1
            anchor = f"{base}-{n}"
        self._anchors.add(anchor)
        return anchor

    def fallback_alt(self) -> str:
        """Alt text of an image without one: the section it is in, else its number."""
        self._images += 1
        last = next((text for level, text, _ in reversed(self.headings)), self.title)
        return f"Grafico della sezione «{last}»" if last else f"Grafico n. {self._images}"

    def toc_tree(self) -> list[dict]:
        """The table of contents: level-2 headings, each with its level-3 ``children``."""
        tree: list[dict] = []
        for level, text, anchor in self.headings:
            item = {"text": text, "anchor": anchor, "children": []}
            if level == 3 and tree:
                tree[-1]["children"].append(item)
            elif level in (2, 3):
                tree.append(item)
        return tree


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


class _Renderer(mistune.HTMLRenderer):
    """HTML renderer: ids on headings, first h1 taken as page title, embedded images only.

    With ``escape=True`` raw HTML shows as text; links with an unsafe scheme
    lose their target either way (mistune's `safe_url`).
    """

    def __init__(self, doc: Document, *, escape: bool) -> None:
        super().__init__(escape=escape)
        self.doc = doc

    def heading(self, text: str, level: int, **attrs: Any) -> str:
        plain = _plain(text)
        if level == 1 and self.doc.title is None:
            self.doc.title = plain
            return ""
        anchor = self.doc.anchor(plain)
        self.doc.headings.append((level, plain, anchor))
        return f'<h{level} id="{anchor}">{text}</h{level}>\n'

    def image(self, text: str, url: str, title: str | None = None) -> str:
        if EMBEDDED_IMAGE.match(url):
            return f'<img src="{html.escape(url, quote=True)}" alt="{html.escape(_plain(text), quote=True)}">'
        return f'<span class="immagine-esterna">[immagine non inclusa: {html.escape(_plain(text) or url)}]</span>'
