"""Executed notebook → one self-contained Italian HTML page (and the index of a run).

The page shows the notebook's narrative and outputs only: code inputs are never
shown, and the cells and outputs `pianozona.present.cells` hides are dropped.
Everything the page needs is inside it: CSS inline, images as ``data:`` URIs,
no scripts, no fonts or styles from the network; resources a notebook points
to on the web (remote images, iframes, scripts in HTML outputs) are removed,
links stay links.  Every page carries a Content-Security-Policy that forbids
scripts and any network load.

Escape by construction: the markdown of the page (`pianozona.present.document`)
escapes raw HTML made by code; the whole body then goes through the allow-list
sanitiser of `pianozona.present.safe_html`, and the templates autoescape
everything else (title, district, index rows, the reason of a failure page).

The first level-1 heading of the notebook becomes the page title (``<h1>``);
level 2 and 3 headings make the table of contents.  Dates and numbers use
the Italian locale (Babel, via `pianozona.formatting`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from pianozona import formatting
from pianozona.analysis.glossary import AREA_HEADERS
from pianozona.present.cells import HIDDEN_CELL_TAGS, author_cells, cell_html, cell_tags
from pianozona.present.document import Document
from pianozona.present.safe_html import environment, neutralise_remote, sanitise, stylesheet

DEMO_TEXT = ("questo rapporto è costruito su dati illustrativi, generati per mostrare il funzionamento "
             "dello strumento; le cifre non descrivono utenti, servizi o spese reali del distretto.")


@dataclass(frozen=True)
class PageInfo:
    """What a page says about itself besides the notebook content."""

    title: str
    district_name: str
    year: int | None  # None on a page about every year (the district's page of years)
    demo: bool = False
    generated_on: dt.date = field(default_factory=dt.date.today)
    index_href: str | None = "index.html"
    previous_report: str | None = None  # href of the last good report, on failure pages
    version: str = ""
    downloads: tuple[tuple[str, str], ...] = ()  # (text, href): the report's spreadsheet and PDF
    ente: str = ""  # the ente capofila of distretto.yml, shown beside the district's name


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
    links: tuple[tuple[str, str], ...] = ()  # (text, href): technical files, on the details line
    note: str = ""
    figures: tuple[tuple[str, str], ...] = ()  # (label, shown value): the report's headline figures
    downloads: tuple[tuple[str, str], ...] = ()  # (text, href): spreadsheet and PDF
    group: str = ""  # the heading it is listed under ("" with no heading)


# ---------------------------------------------------------------------------
# public API


def render_notebook(nb: Any, page: PageInfo) -> Rendered:
    """The HTML page of an executed notebook (a `nbformat.NotebookNode` or plain dict)."""
    doc = Document()
    parts = [cell_html(cell, number, doc) for number, cell in author_cells(nb)
             if not cell_tags(cell) & HIDDEN_CELL_TAGS]
    title = doc.title or page.title
    html_text = environment().get_template("report.html.j2").render(
        **_common(page, title), body=Markup(sanitise("\n".join(p for p in parts if p))), toc=doc.toc_tree(),
        failure=None, previous_report=page.previous_report, index_href=page.index_href,
        downloads=[{"text": text, "href": _local_href(href)} for text, href in page.downloads if _local_href(href)],
    )
    return Rendered(neutralise_remote(html_text), tuple(doc.warnings))


def render_failure(page: PageInfo, reason: str) -> str:
    """The published page of a report that did not run: why, in a few words, and the last good version.

    Nothing of the failed execution is shown (no output, no code, no path, no traceback): the
    operator has the details in the run's log and in the private folder.
    """
    html_text = environment().get_template("report.html.j2").render(
        **_common(page, page.title), body=Markup(""), toc=[], failure={"summary": reason},
        previous_report=page.previous_report, index_href=page.index_href, downloads=[])
    return neutralise_remote(html_text)


def render_index(rows: list[IndexRow], page: PageInfo, *, other_years: tuple[tuple[int, str], ...] = (),
                 dictionary_href: str | None = None) -> str:
    """The index of a district/year folder: every report with its status, headline figures and files.

    Rows are listed under their `IndexRow.group` heading, one table per group in
    order of first appearance.  `other_years` are (year, href) of the indexes of
    the same district's other published years; `dictionary_href` the dictionary of
    definitions beside the index.
    """
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(_index_row(row))
    failed = sum(1 for row in rows if row.status == "fallito")
    years = [{"year": year, "href": _local_href(href)} for year, href in sorted(other_years) if _local_href(href)]
    return environment().get_template("index.html.j2").render(
        **{**_common(page, page.title), "date_label": "Aggiornato il"},
        groups=[{"title": title, "rows": view} for title, view in groups.items()], failed=failed, other_years=years,
        dictionary_href=_local_href(dictionary_href),
    )


def render_years(rows: list[IndexRow], page: PageInfo) -> str:
    """The page of a district's published years (``<out>/<district>/index.html``): one row per year's index."""
    return environment().get_template("years.html.j2").render(
        **{**_common(page, page.title), "date_label": "Aggiornato il"}, rows=[_index_row(row) for row in rows])


def render_dictionary(glossary: Any, page: PageInfo) -> str:
    """The dictionary of definitions of a district/year folder (`pianozona.analysis.glossary.Glossary`), one page.

    Every text of `glossary` is plain text, escaped by the template; the page links back to the index.
    """
    sections = [{"title": title, "anchor": f"gruppo-{number}",
                 "items": [{"code": code, "name": name, "fields": shown} for code, name, shown in items]}
                for number, (title, items) in enumerate(glossary.sections, start=1)]
    return environment().get_template("dictionary.html.j2").render(
        **_common(page, page.title), intro=glossary.intro, sections=sections, areas=glossary.areas,
        area_headers=AREA_HEADERS, intervals=glossary.intervals, comparisons=glossary.comparisons, rule=glossary.rule,
        markers=glossary.markers, index_href=page.index_href)


def status_label(status: str) -> str:
    """Italian label of a report status."""
    return {"riuscito": "Completato", "fallito": "Non riuscito"}.get(status, "Non eseguito")


def _common(page: PageInfo, title: str) -> dict:
    return {
        "css": Markup(stylesheet()), "title": title, "district_name": page.district_name, "ente": page.ente,
        "year": page.year,
        "page_title": f"{title} · {page.district_name}" + (f", {page.year}" if page.year is not None else ""),
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
        "figures": [{"label": label, "value": value} for label, value in row.figures],
        "downloads": [{"text": text, "href": _local_href(href)} for text, href in row.downloads],
    }
