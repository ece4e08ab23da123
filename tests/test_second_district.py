"""A second, real district, built by ``pianozona nuovo-distretto``, published by the whole suite.

The Ambito di Treviglio (province of Bergamo, 18 comuni) from its comuni's names, with
illustrative office tables: it must validate, publish every report, and no page may show
anything of Pavia's (its name, its 2009-2011 history, its 2012-2014 plan).
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from pianozona.cli import main
from pianozona.publish.runner import run_reports

TREVIGLIO = ("Arcene, Arzago d'Adda, Brignano Gera d'Adda, Calvenzano, Canonica d'Adda, Caravaggio, "
             "Casirate d'Adda, Castel Rozzone, Fara Gera d'Adda, Fornovo San Giovanni, Lurano, "
             "Misano di Gera d'Adda, Mozzanica, Pagazzano, Pognano, Pontirolo Nuovo, Spirano, Treviglio")
PAVIA_ONLY = re.compile(r"pavia|pavese|2009|2012\s*[-–]\s*2014", re.IGNORECASE)
pytestmark = [pytest.mark.kernel, pytest.mark.suite]


EMBEDDED = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")


def readable(page) -> str:
    """A page's text, its tags' attributes (alt texts, titles) included, without embedded images' bytes."""
    return EMBEDDED.sub("", page.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("distretti")
    made = CliRunner().invoke(main, ["nuovo-distretto", "treviglio", "--comuni", TREVIGLIO, "--nome",
                                     "Ambito di Treviglio", "--cartella", str(root), "--dimostrativo"])
    assert made.exit_code == 0, made.output
    checked = CliRunner().invoke(main, ["validate", str(root / "treviglio")])
    assert checked.exit_code == 0, checked.output
    out = tmp_path_factory.mktemp("rapporti")
    result = run_reports(root / "treviglio", out_dir=out, progress="none")
    return result, result.plan.out_dir


def test_every_report_of_the_suite_is_published(published):
    result, folder = published
    assert result.exit_code == 0, [(r.job.name, r.message) for r in result.failed]
    comuni = len(TREVIGLIO.split(","))
    assert len(result.results) == 10 + 1 + comuni == 29  # district reports, the mayors' overview, a profile each
    assert (folder / "index.html").is_file()
    assert len(list(folder.glob("*.html"))) == 31  # the reports, the index and the dictionary of definitions
    assert len(list(folder.glob("scheda_comune_016*.html"))) == comuni  # ISTAT codes of the province of Bergamo


def test_no_page_shows_anything_of_pavia(published):
    _, folder = published
    pages = sorted(folder.glob("*.html"))
    leaks = {page.name: sorted({m.group(0) for m in PAVIA_ONLY.finditer(readable(page))}) for page in pages}
    assert not {name: found for name, found in leaks.items() if found}
    assert "Treviglio" in (folder / "index.html").read_text(encoding="utf-8")


def test_the_pages_say_the_data_are_illustrative(published):
    _, folder = published
    for page in sorted(folder.glob("*.html")):
        assert "dimostrativ" in page.read_text(encoding="utf-8").lower(), page.name


def test_services_change_and_progress_appear(published):
    _, folder = published
    area = readable(folder / "bisogni_area_anziani.html")
    assert "Servizi dell&#39;area" in area or "Servizi dell'area" in area
    assert "Variazione rispetto all" in area and "Utenti del servizio" in area
    assert "Avanzamento verso i target" in readable(folder / "verifica_annuale.html")
    assert "Servizi presenti nei comuni" in readable(folder / "panoramica.html")
