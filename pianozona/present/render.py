"""Executed notebook → one self-contained Italian HTML page (and the index of a run).

The page shows the notebook's narrative and outputs only: code inputs are never
shown, cells tagged ``parameters``, ``injected-parameters``,
``papermill-error-cell-tag``, ``remove-cell``/``remove_cell``/``nascondi`` are
dropped, and so are ``stderr`` streams (warnings are for the author, not for
mayors).  Everything the page needs is inside it: CSS inline, images as
``data:`` URIs, no scripts, no fonts or styles from the network; resources a
notebook points to on the web (remote images, iframes, scripts in HTML
outputs) are removed, links stay links.  Every page carries a
Content-Security-Policy that forbids scripts and any network load.

Escape by construction, last line of defence: markdown produced by code
(``text/markdown`` outputs) is rendered with raw HTML escaped and unsafe link
schemes (``javascript:``, ``vbscript:``, ``data:`` other than images) removed;
the author's markdown cells (trusted, in the repository) may contain HTML.
The whole body, author cells and outputs alike, then goes through an
allow-list sanitiser (nh3): tables, text, headings, lists, links and
``data:`` images survive; scripts, event handlers, frames, forms and styles
(except ``text-align``) do not.  Templates autoescape everything else (title,
district, index rows, the error and traceback of a failure page).

Alt text of charts: taken from the output's metadata, key ``alt`` either at
the top level or under the image MIME type, e.g.
``display(fig, metadata={"alt": "Grafico a barre: utenti per comune, 2023"})``
or ``IPython.display.Image(png, metadata={"alt": "..."})``.  Without it the
page falls back to "Grafico della sezione «<last heading>»" and the runner
logs a warning naming the cell.

The first level-1 heading of the notebook becomes the page title (``<h1>``);
level 2 and 3 headings make the table of contents.  Dates and numbers use
the Italian locale (Babel, via `pianozona.formatting`).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from urllib.parse import urlsplit

import jinja2
import mistune
import nh3
from markupsafe import Markup

from pianozona import formatting

TEMPLATES = Path(__file__).resolve().parent / "templates"
HIDDEN_CELL_TAGS = frozenset({
    "parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell", "remove_cell", "nascondi",
})
RUNNER_CELL_TAGS = frozenset({"injected-parameters", "papermill-error-cell-tag"})
HIDDEN_OUTPUT_TAGS = frozenset({"remove-output", "remove_output", "nascondi-output"})
#: Output metadata ``{"pianozona": {"solo_notebook": True}}`` keeps an output out of the page.
NOTEBOOK_ONLY_KEY = "pianozona"
DEMO_TEXT = ("questo rapporto è costruito su dati illustrativi, generati per mostrare il funzionamento "
             "dello strumento; le cifre non descrivono utenti, servizi o spese reali del distretto.")
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_REMOTE = r"""(?:https?:)?//"""
_REMOTE_ATTR = re.compile(r"""\s(?:src|srcset|poster|data|background)\s*=\s*(["'])\s*""" + _REMOTE + r""".*?\1""",
                          re.I | re.S)
_REMOTE_CSS = re.compile(r"""(?:@import\s+)?url\(\s*(["']?)\s*""" + _REMOTE + r""".*?\1\s*\)""", re.I)
_EMBEDDED_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=]*\Z")

# What a page body may contain after sanitising (nh3, an allow-list): everything else is dropped.
SAFE_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
SAFE_ATTRIBUTES = {
    "*": {"class", "lang", "title"},
    "a": {"href"}, "img": {"src", "alt", "width", "height"}, "ol": {"start"},
    "div": {"tabindex", "role", "aria-label"},
    "th": {"scope", "colspan", "rowspan", "style"}, "td": {"colspan", "rowspan", "style"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
#: Tags removed together with their content (the others lose the tag and keep the text).
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "template",
                                  "svg", "math", "textarea", "select", "applet", "frameset", "noembed"})


@dataclass(frozen=True)
class PageInfo:
    """What a page says about itself besides the notebook content."""

    title: str
    district_name: str
    year: int
    demo: bool = False
    generated_on: dt.date = field(default_factory=dt.date.today)
    index_href: str | None = "index.html"
    previous_report: str | None = None  # href of the last good report, on failure pages
    version: str = ""


@dataclass(frozen=True)
class Rendered:
    """An HTML page and the warnings met while rendering it (Italian, for the log)."""

    html: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexRow:
    """One line of the index: a report, its status and its files."""

    title: str
    status: str  # "riuscito" | "fallito" | "non eseguito"
    href: str | None = None
    updated: dt.datetime | None = None
    duration_s: float | None = None
    links: tuple[tuple[str, str], ...] = ()  # (text, href)
    note: str = ""


# ---------------------------------------------------------------------------
# public API


def render_notebook(nb: Any, page: PageInfo, *, failed: bool = False, error_message: str = "") -> Rendered:
    """The HTML page of an executed notebook (a `nbformat.NotebookNode` or plain dict).

    With ``failed=True`` the page opens with an Italian error banner, shows the
    cells up to the failing one, then the failing cell's code and traceback
    (`error_message` is used when no cell holds an error, e.g. a dead kernel).
    """
    doc = _Document()
    parts = []
    failure = None
    for number, cell in _author_cells(nb):
        if _tags(cell) & HIDDEN_CELL_TAGS:
            continue
        error = _error_output(cell) if failed else None
        parts.append(_cell_html(cell, number, doc))
        if error is not None:
            failure = _failure(cell, number, error)
            break
    if failed and failure is None:
        failure = {"summary": error_message or "l'esecuzione si è interrotta senza un messaggio di errore.",
                   "cell_label": "", "ename": "", "evalue": "", "source": "", "traceback": ""}
    title = doc.title or page.title
    html_text = environment().get_template("report.html.j2").render(
        **_common(page, title), body=Markup(sanitise("\n".join(p for p in parts if p))), toc=doc.toc_tree(),
        failure=failure,
        previous_report=page.previous_report, index_href=page.index_href,
    )
    return Rendered(_neutralise_remote(html_text), tuple(doc.warnings))


def render_index(rows: list[IndexRow], page: PageInfo) -> str:
    """The index of a district/year folder: every report with its status and files."""
    view = [_index_row(row) for row in rows]
    failed = sum(1 for row in rows if row.status == "fallito")
    return environment().get_template("index.html.j2").render(
        **{**_common(page, page.title), "date_label": "Aggiornato il"}, rows=view, failed=failed,
    )


def sanitise(fragment: str) -> str:
    """`fragment` with only the allow-listed tags and attributes; links and images never execute or fetch.

    ``href`` keeps http(s), mailto and relative links; ``src`` keeps only the
    ``data:`` images the page embeds; ``style`` keeps only ``text-align``.
    """
    return nh3.clean(fragment, tags=set(SAFE_TAGS), attributes={k: set(v) for k, v in SAFE_ATTRIBUTES.items()},
                     clean_content_tags=set(DROPPED_WITH_CONTENT), url_schemes={"http", "https", "mailto", "data"},
                     attribute_filter=_safe_attribute, filter_style_properties={"text-align"}, link_rel=None,
                     strip_comments=True)


def _safe_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if _EMBEDDED_IMAGE.match(value) else None
    if attribute == "href":
        return value if urlsplit(value.strip()).scheme.lower() in ("", "http", "https", "mailto") else None
    return value


def status_label(status: str) -> str:
    """Italian label of a report status."""
    return {"riuscito": "Completato", "fallito": "Non riuscito"}.get(status, "Non eseguito")


# ---------------------------------------------------------------------------
# page context


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja environment of every page and fragment: the package templates, autoescape on."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


@lru_cache(maxsize=1)
def _css() -> str:
    return (TEMPLATES / "style.css").read_text(encoding="utf-8")


def _common(page: PageInfo, title: str) -> dict:
    return {
        "css": Markup(_css()), "title": title, "district_name": page.district_name,
        "year": page.year, "page_title": f"{title} · {page.district_name}, {page.year}",
        "demo": page.demo, "demo_text": DEMO_TEXT, "generated_on": formatting.data_lunga(page.generated_on),
        "date_label": "Generato il", "version": page.version,
    }


def _local_href(href: str | None) -> str | None:
    """Only links to files next to the index: no scheme, no host (the template escapes the rest)."""
    if not href:
        return None
    parts = urlsplit(href.strip())
    return href if not parts.scheme and not parts.netloc else None


def _index_row(row: IndexRow) -> dict:
    when = row.updated
    return {
        "title": row.title, "href": _local_href(row.href), "status_label": status_label(row.status),
        "status_class": row.status.replace(" ", "-"),
        "updated": f"{formatting.data_lunga(when.date())}, {when:%H:%M}" if when else "—",
        "duration": f"{formatting.num(row.duration_s, 1)} s" if row.duration_s is not None else "—",
        "links": [{"text": text, "href": _local_href(href)} for text, href in row.links], "note": row.note,
    }


# ---------------------------------------------------------------------------
# cells


def _author_cells(nb: Any) -> Any:
    """Cells numbered as in the author's notebook (papermill's injected cells do not count)."""
    number = 0
    for cell in nb["cells"]:
        if not _tags(cell) & RUNNER_CELL_TAGS:
            number += 1
        yield number, cell


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def _source(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _cell_html(cell: Any, number: int, doc: "_Document") -> str:
    kind = cell.get("cell_type")
    if kind == "markdown":
        return _markdown_cell(cell, doc)
    if kind != "code" or _tags(cell) & HIDDEN_OUTPUT_TAGS:
        return ""
    outputs = [_output_html(out, number, doc) for out in cell.get("outputs", [])]
    outputs = [o for o in outputs if o]
    return f'<div class="output">\n{"".join(outputs)}</div>' if outputs else ""


def _markdown_cell(cell: Any, doc: "_Document") -> str:
    text = _source(cell)
    for name, bundle in (cell.get("attachments") or {}).items():
        for mime, data in bundle.items():
            if mime in _IMAGE_TYPES:
                text = text.replace(f"attachment:{name}", _data_uri(mime, data))
    return doc.markdown(text, trusted=True)


def _output_html(output: Any, number: int, doc: "_Document") -> str:
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


def _image_html(mime: str, data: Any, metadata: dict, number: int, doc: "_Document") -> str:
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


def _neutralise_remote(page: str) -> str:
    """Drop every attribute or CSS url() that would fetch a resource from the network."""
    page = _REMOTE_ATTR.sub("", page)
    return _REMOTE_CSS.sub("none", page)


# ---------------------------------------------------------------------------
# failure


def _error_output(cell: Any) -> dict | None:
    for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
        if output.get("output_type") == "error":
            if output.get("ename") == "SystemExit" and output.get("evalue") in ("", "0"):
                continue
            return output
    return None


def _failure(cell: Any, number: int, error: dict) -> dict:
    count = cell.get("execution_count")
    label = f"cella {number}" + (f" (esecuzione n. {count})" if count else "")
    ename, evalue = error.get("ename", "Errore"), _ANSI.sub("", error.get("evalue", ""))
    return {
        "summary": f"errore {ename} nella {label}" + (f": {evalue}" if evalue else ""),
        "cell_label": label, "ename": ename, "evalue": evalue, "source": _source(cell),
        "traceback": _ANSI.sub("", "\n".join(error.get("traceback", []))),
    }


# ---------------------------------------------------------------------------
# markdown with document-wide heading ids and table of contents


class _Document:
    """Markdown rendering state shared by all the cells of one page."""

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
        base = re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-") or "sezione"
        anchor, n = base, 1
        while anchor in self._anchors:
            n += 1
            anchor = f"{base}-{n}"
        self._anchors.add(anchor)
        return anchor

    def fallback_alt(self) -> str:
        self._images += 1
        last = next((text for level, text, _ in reversed(self.headings)), self.title)
        return f"Grafico della sezione «{last}»" if last else f"Grafico n. {self._images}"

    def toc_tree(self) -> list[dict]:
        tree: list[dict] = []
        for level, text, anchor in self.headings:
            item = {"text": text, "anchor": anchor, "children": []}
            if level == 3 and tree:
                tree[-1]["children"].append(item)
            elif level in (2, 3):
                tree.append(item)
        return tree


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


class _Renderer(mistune.HTMLRenderer):
    """HTML renderer: ids on headings, first h1 taken as page title, embedded images only.

    With ``escape=True`` raw HTML shows as text; links with an unsafe scheme
    lose their target either way (mistune's `safe_url`).
    """

    def __init__(self, doc: _Document, *, escape: bool) -> None:
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
        if _EMBEDDED_IMAGE.match(url):
            return f'<img src="{html.escape(url, quote=True)}" alt="{html.escape(_plain(text), quote=True)}">'
        return f'<span class="immagine-esterna">[immagine non inclusa: {html.escape(_plain(text) or url)}]</span>'
