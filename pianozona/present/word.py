"""A published page as an editable Word document (``.docx``): the chapter an office pastes into its Piano.

`page_to_docx` reads the page a report run has just written (`pianozona.present.render`: the
executed notebook's outputs, already protected and sanitised) and writes the same document in
Word: the title and headings as Word's built-in heading styles (Word in Italian shows them as
"Titolo 1", "Titolo 2", so an office's own template restyles them when it pastes), the narrative
as paragraphs with their bold and italics, lists as lists, every table as a real Word table
(header row repeated on each page, numbers right-aligned, the page's Italian text: "1.234,5",
"n.d."), every chart as the same PNG with its text alternative as the picture's
description (``descr``, what Word shows as "Testo alternativo").  Page A4, language Italian
(it-IT) for spelling and hyphenation.  What only a browser needs is left out: the contents box,
the skip link, the download line, the footer's link.

The document comes from the page, never from data: whatever the page does not show, the
document cannot show.

Escape by construction, Word side: every text goes into the document through `_add_text`, as the
text of a run (python-docx writes it as XML character data): a value from the office's files that
looks like a Word field (``{ PAGE }``, ``=SUM``) or markup stays literal text, and characters XML
cannot hold are dropped.  No field codes, no hyperlinks (a link keeps its text), nothing embedded
but the page's own PNG images.
"""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

from pianozona.files import atomic_path

__all__ = ["DOCX_SUFFIX", "WordError", "page_to_docx"]

DOCX_SUFFIX = ".docx"
LANGUAGE = "it-IT"
PAGE_MM, MARGIN_MM = (210, 297), 20
TEXT_WIDTH_MM = PAGE_MM[0] - 2 * MARGIN_MM
LANDSCAPE_TEXT_WIDTH_MM = PAGE_MM[1] - 2 * MARGIN_MM
WIDE_COLUMNS = 7  # as present.display.WIDE_COLUMNS: a wider table gets a smaller font
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACES = re.compile(r"\s+")
# what a browser needs only; the verdict's word read by screen readers (the symbol beside it and the legend say it)
_SKIPPED_CLASSES = {"salta", "scarica", "indice", "pz-verdetto-sr"}
#: the tint of a verdict cell of the overview, as the page's stylesheet gives it (a supplement to the symbol)
VERDICT_SHADING = {"pz-verdetto-superiore": "A9CCE3", "pz-verdetto-inferiore": "F4B183",
                   "pz-verdetto-simile": "FBF1B5", "pz-verdetto-non-valutato": "E8E8E8"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}
_IMAGE = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)\Z")


class WordError(RuntimeError):
    """The page could not be turned into a Word document (its Italian message says why)."""


def page_to_docx(page: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Write the HTML page `page` (a published report) as the Word document `target`, whole or not at all."""
    import lxml.html

    page, target = Path(page), Path(target)
    try:
        tree = lxml.html.fromstring(page.read_text(encoding="utf-8"))  # pages are UTF-8, whatever they declare
    except (OSError, ValueError) as exc:
        raise WordError(f"documento Word di {page.name} non prodotto: pagina illeggibile ({exc})") from None
    document = _new_document(tree)
    writer = _Writer(document)
    for part in tree.xpath("//header | //main"):
        writer.block(part)
    with atomic_path(target) as tmp:  # whole or not at all, its temporary cleaned like every other
        document.save(tmp)
    return target


def _new_document(tree):
    """An empty A4 document in Italian, titled as the page."""
    from docx import Document
    from docx.shared import Mm

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    _set_language(document)
    title = tree.findtext(".//title") or ""
    props = document.core_properties
    props.title, props.language, props.author, props.last_modified_by = _clean(title), LANGUAGE, "", ""
    props.comments = props.keywords = props.subject = ""
    return document


def _set_language(document) -> None:
    """Italian as the language of every style (spelling, hyphenation, the decimal comma of Word's fields)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    defaults = document.styles.element.find(qn("w:docDefaults"))
    r_pr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attribute), LANGUAGE)


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", str(text))


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _skipped(element) -> bool:
    return bool(_classes(element) & _SKIPPED_CLASSES) or element.tag in ("nav", "style", "script", "footer")


class _Writer:
    """Walks the page's blocks in order and writes them into `document`."""

    def __init__(self, document) -> None:
        self.document = document
        self.tables = 0

    def block(self, element) -> None:
        """Write a block element (and, for a container, its children)."""
        if not isinstance(element.tag, str) or _skipped(element):
            return
        tag = element.tag
        if tag in _HEADINGS:
            self._paragraph(element, style=f"Heading {_HEADINGS[tag]}")
        elif tag == "p":
            self._paragraph(element)
        elif tag in ("ul", "ol"):
            for item in element.iterchildren("li"):
                self._paragraph(item, style="List Bullet" if tag == "ul" else "List Number")
        elif tag == "table":
            self._table(element)
        elif tag == "img":
            self._image(element)
        elif tag == "blockquote":
            for child in element:
                self._paragraph(child, style="Quote") if child.tag == "p" else self.block(child)
        elif tag == "pre":
            self._paragraph(element, style="No Spacing", keep_lines=True)
        elif tag == "dl":
            for child in element.iterchildren("dt", "dd"):
                paragraph = self._paragraph(child)
                if child.tag == "dt":
                    for run in paragraph.runs:
                        run.bold = True
        elif tag == "hr":
            return
        else:  # header, main, section, div, figure, details: their children in order
            self._text_then_children(element)

    def _text_then_children(self, element) -> None:
        """A container's own loose text (rare) as a paragraph, then its blocks."""
        if (element.text or "").strip():
            self._add_text(self.document.add_paragraph(), element.text)
        for child in element:
            self.block(child)
            if (child.tail or "").strip():
                self._add_text(self.document.add_paragraph(), child.tail)

    def _paragraph(self, element, *, style: str | None = None, keep_lines: bool = False):
        paragraph = self.document.add_paragraph(style=style)
        self.inline(paragraph, element, keep_lines=keep_lines)
        return paragraph

    def inline(self, paragraph, element, *, bold: bool = False, italic: bool = False, code: bool = False,
               keep_lines: bool = False) -> None:
        """The text of `element` and its inline children as runs of `paragraph` (bold, italic, code kept)."""
        self._add_text(paragraph, element.text, bold, italic, code, keep_lines)
        for child in element:
            if isinstance(child.tag, str) and not _skipped(child):
                if child.tag == "br":
                    paragraph.add_run().add_break()
                elif child.tag == "img":
                    self._image(child, paragraph)
                elif child.tag in ("ul", "ol", "table", "p", "div"):  # a block inside a list item or a cell
                    self._add_text(paragraph, " " + child.text_content(), bold, italic, code, keep_lines)
                else:
                    self.inline(paragraph, child, bold=bold or child.tag in ("strong", "b", "th"),
                                italic=italic or child.tag in ("em", "i", "cite"),
                                code=code or child.tag in ("code", "kbd"), keep_lines=keep_lines)
            self._add_text(paragraph, child.tail, bold, italic, code, keep_lines)

    @staticmethod
    def _add_text(paragraph, text: str | None, bold: bool = False, italic: bool = False, code: bool = False,
                  keep_lines: bool = False) -> None:
        """The one way text enters the document: a run's literal text, never a field or markup."""
        if not text:
            return
        value = _clean(text) if keep_lines else _SPACES.sub(" ", _clean(text))
        if not paragraph.runs:
            value = value.lstrip()
        if not value:
            return
        run = paragraph.add_run(value)
        run.bold, run.italic = bold or None, italic or None
        if code:
            run.font.name = "Consolas"

    def _table(self, element) -> None:
        """A Word table: the caption above it, the header row repeated on every page, numbers right-aligned."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        rows = [row for row in element.iter("tr")]
        if not rows:
            return
        width = max(sum(int(c.get("colspan") or 1) for c in row if c.tag in ("th", "td")) for row in rows)
        wide = width > WIDE_COLUMNS
        if wide:  # as on the printed page: a landscape page of its own
            self._orientation(landscape=True)
        caption = element.find("caption")
        self.tables += 1
        label = self.document.add_paragraph(style="Caption")
        self._add_text(label, f"Tabella {self.tables}. ", bold=True)
        if caption is not None:
            self.inline(label, caption)
        label.paragraph_format.keep_with_next = True
        table = self.document.add_table(rows=len(rows), cols=width)
        table.style, table.alignment, table.autofit = "Table Grid", WD_TABLE_ALIGNMENT.CENTER, False
        size = Pt(7.5 if wide else 9)
        widths = _column_widths(rows, width, LANDSCAPE_TEXT_WIDTH_MM if wide else TEXT_WIDTH_MM)
        for column, value in zip(table.columns, widths):
            column.width = value
        for row, made in zip(rows, table.rows):  # row by row: table.cell(r, c) walks the whole table each time
            header = row.getparent().tag == "thead"
            _row_property(made, "w:cantSplit")  # a row stays on one page, as on the printed page
            if header:
                _row_property(made, "w:tblHeader")
            cells, made_cells = [c for c in row if c.tag in ("th", "td")], made.cells
            for c, source in enumerate(cells[:width]):
                cell = made_cells[c]
                cell.width = widths[c]
                _shade(cell, source)
                paragraph = cell.paragraphs[0]
                self.inline(paragraph, source, bold=source.tag == "th" and header)
                numeric = source.tag == "td" and "testo" not in _classes(source)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if numeric and not header else None
                for run in paragraph.runs:
                    run.font.size = size
        self.document.add_paragraph()
        if wide:
            self._orientation(landscape=False)

    def _orientation(self, *, landscape: bool) -> None:
        """Start a new page in landscape (for a wide table) or back in portrait."""
        from docx.enum.section import WD_ORIENT, WD_SECTION
        from docx.shared import Mm

        section = self.document.add_section(WD_SECTION.NEW_PAGE)
        long_side, short_side = Mm(PAGE_MM[1]), Mm(PAGE_MM[0])
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (long_side, short_side) if landscape else (short_side, long_side)

    def _image(self, element, paragraph=None) -> None:
        """The page's embedded PNG, at most the text's width, its alt text as the picture's description."""
        from docx.shared import Mm

        found = _IMAGE.match((element.get("src") or "").strip())
        if not found:
            return
        data = base64.b64decode(found.group(1))
        run = (paragraph or self.document.add_paragraph()).add_run()
        width = _image_width_mm(data)
        shape = run.add_picture(io.BytesIO(data), width=Mm(min(width, TEXT_WIDTH_MM)) if width else Mm(TEXT_WIDTH_MM))
        alt = _SPACES.sub(" ", _clean(element.get("alt") or "")).strip()
        shape._inline.docPr.set("descr", alt)
        shape._inline.docPr.set("title", "")


def _shade(cell, source) -> None:
    """The page's tint of a verdict cell (the overview), as the cell's shading."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fill = next((VERDICT_SHADING[c] for c in _classes(source) if c in VERDICT_SHADING), None)
    if fill:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), fill)
        cell._tc.get_or_add_tcPr().append(shading)


def _column_widths(rows: list, width: int, text_mm: float) -> list:
    """Column widths sharing the text's width by the longest word and text of each column (Word and LibreOffice
    otherwise give every column the same width, and a long name wraps letter by letter)."""
    from docx.shared import Mm

    longest = [4.0] * width
    for row in rows:
        for c, cell in enumerate(x for x in row if x.tag in ("th", "td")):
            if c < width:
                text = _SPACES.sub(" ", cell.text_content()).strip()
                word = max((len(w) for w in text.split()), default=0)
                longest[c] = max(longest[c], word + 1.0, min(len(text), 28) * 0.6)
    total = sum(longest)
    return [Mm(text_mm * value / total) for value in longest]


def _row_property(row, name: str) -> None:
    """Switch on a row property: ``w:tblHeader`` (repeated at the top of each page), ``w:cantSplit`` (one page)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement(name)
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _image_width_mm(png: bytes) -> float | None:
    """A PNG's width in mm at its own resolution (96 dpi when it says none); None when unreadable."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return None
    width = int.from_bytes(png[16:20], "big")
    dpi = 96.0
    at = png.find(b"pHYs")
    if 0 < at < 200:
        per_metre, unit = int.from_bytes(png[at + 4:at + 8], "big"), png[at + 12]
        if unit == 1 and per_metre > 0:
            dpi = per_metre * 0.0254
    return width / dpi * 25.4
