"""End to end on the real Pavia data: the dictionary published and linked, every spreadsheet defines what it shows,
every shown indicator is in the dictionary, and an area report's Word chapter is the protected page.

Runs the suite (narrowed to one area and one comune): run it under the heavy lock,
``flock /tmp/pianozona-heavy.lock .venv/bin/python -m pytest tests/test_definitions_and_word.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.kernel, pytest.mark.suite]
AREA, COMUNE = "salute_mentale", "018091"  # the area and the comune (Mezzana Rabattone) with hidden counts


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    from pianozona.publish.runner import run_reports

    out = tmp_path_factory.mktemp("capitolo")
    result = run_reports("pavia", 2023, areas=AREA, comuni=COMUNE, out_dir=out, progress="none", timeout=300)
    assert result.exit_code == 0, result.summary()
    return out / "pavia" / "2023"


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_the_dictionary_is_published_listed_and_linked_from_every_area_report_profile_and_the_overview(published):
    page = (published / "dizionario.html").read_text(encoding="utf-8")
    assert "<h1>Dizionario degli indicatori</h1>" in page and "Residenti di 18 anni e oltre".lower() in page.lower()
    assert manifest(published)["dizionario"] == "dizionario.html"
    assert 'href="dizionario.html"' in (published / "index.html").read_text(encoding="utf-8")
    for name in (f"bisogni_area_{AREA}.html", f"scheda_comune_{COMUNE}.html", "quadro_sindaci.html"):
        page = (published / name).read_text(encoding="utf-8")
        assert 'href="dizionario.html">dizionario degli indicatori</a>' in page


def test_no_report_shows_an_indicator_the_dictionary_does_not_define(published):
    """The drift check: every number column of every table shown maps to the dictionary under its name."""
    warnings = [w for e in manifest(published)["rapporti"] for w in e["avvisi"] if "dizionario" in w]
    assert warnings == []
    from openpyxl import load_workbook

    books = sorted(published.glob("*.xlsx"))
    assert len(books) == 7 and "livelli_essenziali.xlsx" in {b.name for b in books}  # Pavia has a personale table
    for book in books:
        sheet = load_workbook(book)["Definizioni"]
        assert sheet["A1"].value == "Indicatore" and sheet["A2"].value, book.name  # at least one indicator defined


def test_the_word_chapter_of_an_area_report_is_the_protected_page(published):
    from docx import Document

    from pianozona import load_district
    from pianozona.analysis import needs
    from pianozona.formatting import num

    entry = next(e for e in manifest(published)["rapporti"] if e["nome"] == f"bisogni_area_{AREA}")
    assert entry["docx"] == f"bisogni_area_{AREA}.docx"
    assert f'href="bisogni_area_{AREA}.docx"' in (published / "index.html").read_text(encoding="utf-8")
    document = Document(published / entry["docx"])
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "Analisi dei bisogni: Salute mentale"
    assert {"Come leggere questo documento", "Sintesi", "Utenti e copertura per comune"} <= set(headings)
    page = (published / f"bisogni_area_{AREA}.html").read_text(encoding="utf-8")
    assert len(document.inline_shapes) == len(re.findall(r"<img ", page))
    assert all(shape._inline.docPr.get("descr") for shape in document.inline_shapes)
    coverage = next(t for t in document.tables if t.cell(0, 0).text == "Comune" and t.cell(0, 1).text.startswith(
        "Utenti") and "Copertura per 1.000" in [c.text for c in t.rows[0].cells])
    hidden = {row.cells[0].text: [c.text for c in row.cells] for row in coverage.rows[1:]
              if row.cells[1].text == "n.d."}
    assert hidden, "the area with small counts hides some"
    raw = needs.analyse(load_district("pavia"), AREA, 2023, publish=False).coverage.set_index("comune")
    for comune, cells in hidden.items():
        users, rate = int(raw.loc[comune, "utenti"]), float(raw.loc[comune, "copertura"])
        assert users >= 1  # a small count or a complement: the same marker
        assert str(users) not in cells[1:] and num(rate, 1) not in cells, comune  # neither the count nor its rate
        assert cells[3:6] == ["n.d."] * 3


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="LibreOffice and poppler-utils are not installed (apt-get install libreoffice-writer-nogui "
                           "poppler-utils; .ci/run installs them)")
def test_libreoffice_opens_the_area_chapter_on_a4_pages(published, tmp_path):
    target = published / f"bisogni_area_{AREA}.docx"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'profilo').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(target)], check=True, timeout=180,
                   capture_output=True)
    info = subprocess.run(["pdfinfo", str(tmp_path / target.with_suffix(".pdf").name)], check=True, timeout=60,
                          capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 3 and re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
