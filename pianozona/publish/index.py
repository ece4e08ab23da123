"""The indexes of the published folders: a year's ``index.html``, the page of a district's years, their links.

`index_html` renders the index of one ``<out>/<district>/<year>/`` folder from its manifest entries:
every report with its status, headline figures and downloads, and the links to the district's other
published years.  `publish_years` (at the end of every run) writes ``<out>/<district>/index.html``, the
district's page listing every published year, and renders again the index of each other year from
its own ``manifest.json``, so that every year links every other one (a year published before the
newest one learns of it).  A territory's folder (``<out>/territori/<codice>/``) gets the same.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from pianozona.files import read_json, write_atomic
from pianozona.publish.keys import package_fingerprint
from pianozona.publish.planning import GROUP_DISTRICT, GROUP_MEMBERS

MANIFEST, INDEX = "manifest.json", "index.html"
DOWNLOADS = (("foglio_di_calcolo", "tabelle (Excel)"), ("docx", "documento Word"), ("pdf", "PDF da stampare"))
DICTIONARY = "dizionario.html"  # the dictionary of definitions (`pianozona.analysis.glossary.DICTIONARY_FILE`)
GROUP_YEARS = "Anni pubblicati"


@dataclass(frozen=True)
class Folder:
    """What an index says about its folder: where it is, the year, the district, its territory's districts."""

    out_dir: Path
    year: int
    name: str
    demo: bool
    members: tuple[Path, ...] = ()  # a territory's districts' report folders, linked from its index
    group: str = ""  # the heading of reports without one
    ente: str = ""  # the district's ente capofila, shown beside its name


def index_html(folder: Folder, entries: list[dict]) -> str:
    """The index of one year's folder: its reports (`entries` of the manifest, in order) and its districts."""
    from pianozona.present.render import PageInfo, render_index

    rows = [_index_row(e, folder.group) for e in entries] + [_member_row(m, folder.out_dir) for m in folder.members]
    page = PageInfo(f"Rapporti {folder.year}", folder.name, folder.year, folder.demo, index_href=None,
                    version=package_fingerprint()["versione"] or "", ente=folder.ente)
    dictionary = DICTIONARY if (folder.out_dir / DICTIONARY).is_file() else None
    return render_index(rows, page, other_years=other_years(folder.out_dir), dictionary_href=dictionary)


def _index_row(e: dict, group: str):
    """One report of the index: its page, headline figures and downloads (of the last good version if it failed)."""
    from pianozona.present.headlines import headline_figures
    from pianozona.present.render import IndexRow

    last, note, shown = e.get("ultimo_successo"), "", e
    links = [("cifre chiave (JSON)", e.get("cifre_chiave_file"))]
    href = e.get("html")
    if e["stato"] == "fallito":
        links = [("pagina dell'errore", e.get("html"))]
        note = (f"Errore: {e.get('errore')}. " if e.get("errore") else "")
        note += (f"Il titolo porta all'ultima versione riuscita ({_when(last.get('aggiornato_il'))})." if last
                 else "Nessuna versione riuscita.")
        href, shown = (last["html"], last) if last else (e.get("html"), {})
    downloads = tuple((text, shown.get(key)) for key, text in DOWNLOADS if shown.get(key))
    figures = headline_figures(e.get("notebook", ""), e.get("cifre_chiave")) if e["stato"] != "fallito" else ()
    return IndexRow(e["titolo"], e["stato"], href, dt.datetime.fromisoformat(e["aggiornato_il"]), e.get("durata_s"),
                    tuple((text, target) for text, target in links if target), note, figures, downloads,
                    e.get("gruppo") or group)


def _member_row(folder: Path, out: Path):
    """A territory index's line for one district: its index, how its last run went, how many reports it has."""
    from pianozona.present.render import IndexRow

    manifest = read_json(folder / MANIFEST)
    entries = manifest.get("rapporti", [])
    failed = sum(e.get("stato") == "fallito" for e in entries)
    name = (manifest.get("distretto") or {}).get("nome") or folder.parent.name
    if not manifest:
        return IndexRow(name, "non eseguito", None, note="Nessun rapporto pubblicato.", group=GROUP_MEMBERS)
    figures = (("Rapporti pubblicati", str(len(entries) - failed)), ("Non riusciti", str(failed)))
    note = (f"{failed} {'rapporto non riuscito' if failed == 1 else 'rapporti non riusciti'}: vedere l'indice "
            "del distretto." if failed else "")
    return IndexRow(name, "fallito" if failed else "riuscito", os.path.relpath(folder / INDEX, out),
                    _updated(manifest), None, (("manifest.json", os.path.relpath(folder / MANIFEST, out)),), note,
                    figures, (), GROUP_MEMBERS)


def published_years(district_dir: Path) -> list[Path]:
    """The year folders of a district (or territory) folder that have a published index, oldest first."""
    try:
        found = [p for p in district_dir.iterdir() if p.name.isdigit() and (p / INDEX).is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: int(p.name))


def other_years(out: Path) -> tuple[tuple[int, str], ...]:
    """(year, relative href) of the district's other published years: sibling ``<year>/`` folders with an index."""
    return tuple((int(p.name), f"../{p.name}/{INDEX}") for p in published_years(out.parent) if p.name != out.name)


def publish_years(out: Path, name: str, demo: bool, busy) -> None:
    """Write the district's page of years (``out/../index.html``) and the index of every other year again.

    `busy(folder)` is a context manager that holds the lock of another year's folder, or raises
    `pianozona.errors.ExecutionError` when a run holds it (that run rewrites its index itself).  Another
    year's folder that cannot be written keeps its index as it was.
    """
    from pianozona.errors import ExecutionError

    years = published_years(out.parent)
    for year in years:
        if year.name == out.name:
            continue
        manifest = read_json(year / MANIFEST)
        if manifest.get("rapporti") is None:
            continue
        try:
            with busy(year):
                write_atomic(year / INDEX, index_html(_folder_of(year, manifest), manifest["rapporti"]))
        except (ExecutionError, OSError):
            continue
    write_atomic(out.parent / INDEX, years_html(out.parent, name, demo, years))


def _folder_of(year: Path, manifest: dict) -> Folder:
    """The `Folder` of a published year, as its manifest describes it."""
    district = manifest.get("distretto") or {}
    members = tuple((year / rel).parent.resolve() for rel in manifest.get("indici_distretti") or ())
    return Folder(year, int(year.name), district.get("nome") or year.parent.name, bool(district.get("dimostrativo")),
                  members, GROUP_DISTRICT, district.get("ente") or "")


def years_html(district_dir: Path, name: str, demo: bool, years: list[Path]) -> str:
    """The page of a district's published years: each year's index, how its last run went, its reports."""
    from pianozona.present.render import IndexRow, PageInfo, render_years

    rows = []
    for year in reversed(years):
        manifest = read_json(year / MANIFEST)
        entries = manifest.get("rapporti", [])
        failed = sum(e.get("stato") == "fallito" for e in entries)
        figures = (("Rapporti pubblicati", str(len(entries) - failed)), ("Non riusciti", str(failed)))
        rows.append(IndexRow(f"Rapporti {year.name}", "fallito" if failed else "riuscito", f"{year.name}/{INDEX}",
                             _updated(manifest), None, (), "", figures, (), GROUP_YEARS))
    page = PageInfo("Rapporti pubblicati", name, None, demo, index_href=None,
                    version=package_fingerprint()["versione"] or "")
    return render_years(rows, page)


def _updated(manifest: dict) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(manifest.get("aggiornato_il")))
    except ValueError:
        return None


def _when(iso: str | None) -> str:
    from pianozona.formatting import data_lunga

    if not iso:
        return "data sconosciuta"
    moment = dt.datetime.fromisoformat(iso)
    return f"{data_lunga(moment.date())}, {moment:%H:%M}"
