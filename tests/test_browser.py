"""The published reports in a real browser (headless Chromium), offline: images, links, console, accessibility.

Needs the Debian package ``chromium`` (``apt-get install -y chromium``) and the
Python packages ``playwright`` and ``axe-playwright-python`` (axe-core is
bundled, nothing is downloaded).  Skips with the reason when they are missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from pianozona.publish.runner import run_reports

CHROMIUM = Path("/usr/bin/chromium")
FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = ["index.html", "bisogni_area_minori.html", "panoramica.html", "bilancio.errore.html"]
BROWSER_TIMEOUT_MS = 60_000  # Chromium's start, and every navigation or evaluation on a page

playwright_api = pytest.importorskip("playwright.sync_api", reason="manca playwright: pip install playwright")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                 reason="manca axe-playwright-python: pip install axe-playwright-python")
pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium non installato: apt-get install -y chromium"),
              pytest.mark.browser, pytest.mark.kernel]  # every page comes from a publishing run


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """The suite on the fixture notebooks, then a rerun where bilancio fails (so the index shows both states)."""
    root = tmp_path_factory.mktemp("browser")
    notebooks = Path(shutil.copytree(FIXTURES, root / "notebooks"))
    assert run_reports("pavia", notebooks_dir=notebooks, out_dir=root / "reports", progress="none").exit_code == 0
    shutil.copy(FIXTURES / "errore.ipynb", notebooks / "bilancio.ipynb")
    assert run_reports("pavia", notebooks_dir=notebooks, out_dir=root / "reports", progress="none").exit_code == 1
    return root / "reports" / "pavia" / "2023"


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, timeout=BROWSER_TIMEOUT_MS)
        yield instance
        instance.close()


class OfflinePage:
    """A page whose every non-file request is aborted and recorded, with console errors collected."""

    def __init__(self, browser, path: Path) -> None:
        self.page = browser.new_page()
        self.page.set_default_timeout(BROWSER_TIMEOUT_MS)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(path.as_uri(), wait_until="load")

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file://", "data:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def open_page(browser):
    pages = []

    def opener(path: Path) -> OfflinePage:
        pages.append(OfflinePage(browser, path))
        return pages[-1]

    yield opener
    for page in pages:
        page.close()


#: pages that are tables only: the index and the mayors' overview (a table coloured by verdict, no chart)
TABLE_PAGES = ("index.html", "quadro_sindaci.html", "bilancio.errore.html", "dizionario.html")  # no chart


def assert_offline_page(view: OfflinePage, name: str) -> None:
    """Italian page, every image rendered with a text alternative (charts on every report page)."""
    page = view.page
    assert page.evaluate("document.documentElement.lang") == "it"
    images = page.evaluate("[...document.images].map(i => [i.complete && i.naturalWidth > 0, i.alt])")
    if name not in TABLE_PAGES:
        assert images, "nessun grafico nella pagina"
    assert all(ok for ok, _ in images), "immagine non visualizzata"
    assert all(alt.strip() for _, alt in images), "immagine senza testo alternativo"


@pytest.mark.parametrize("name", PAGES)
def test_page_works_offline(reports, open_page, name):
    view = open_page(reports / name)
    assert_offline_page(view, name)
    assert view.requests == [], f"richieste verso l'esterno: {view.requests}"
    assert view.errors == [], f"errori nella console: {view.errors}"


def test_every_link_of_the_index_resolves(reports, open_page):
    view = open_page(reports / "index.html")
    hrefs = view.page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    targets = {Path(unquote(urlparse(h).path)) for h in hrefs if h.startswith("file://")}
    assert len(hrefs) == len([h for h in hrefs if h.startswith("file://")]), "collegamento non locale"
    assert reports / "bisogni_area_minori.html" in targets and reports / "manifest.json" in targets
    assert reports / "bilancio.errore.html" in targets and reports / "bilancio.html" in targets
    missing = [str(t) for t in targets if not t.is_file()]
    assert missing == []


def test_table_of_contents_anchors_exist(reports, open_page):
    page = open_page(reports / "bisogni_area_minori.html").page
    anchors = page.evaluate("[...document.querySelectorAll('nav a[href^=\"#\"]')].map(a => a.hash.slice(1))")
    assert anchors and all(page.evaluate(f"!!document.getElementById({a!r})") for a in anchors)


@pytest.mark.parametrize("name", PAGES)
def test_accessibility_audit_finds_nothing_serious(reports, open_page, name):
    page = open_page(reports / name).page
    results = axe_module.Axe().run(page)
    serious = [(v["id"], v["impact"], v["help"], len(v["nodes"])) for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []
    assert results.response["testEngine"]["name"] == "axe-core"


# --------------------------------------------------------------------------- the real suite, end to end
REAL_PAGES = ["index.html", "panoramica.html", "bisogni_area_anziani.html", "bisogni_area_salute_mentale.html",
              "verifica_annuale.html", "bilancio.html", "quadro_sindaci.html", "scheda_comune_018091.html",
              "scheda_comune_018110.html", "dizionario.html"]


@pytest.fixture(scope="module")
def real_reports(tmp_path_factory) -> Path:
    """The bundled Pavia suite with the project's own notebooks, as `make report` publishes it."""
    out = tmp_path_factory.mktemp("suite")
    assert run_reports("pavia", out_dir=out, progress="none").exit_code == 0
    return out / "pavia" / "2023"


@pytest.mark.suite
@pytest.mark.parametrize("name", REAL_PAGES)
def test_real_report_offline_and_accessible(real_reports, open_page, name):
    view = open_page(real_reports / name)
    page = view.page
    assert_offline_page(view, name)
    if name not in ("index.html", "dizionario.html"):  # the dictionary defines, it shows no data
        assert "Dati dimostrativi" in page.inner_text("body")
    assert view.requests == [] and view.errors == []
    results = axe_module.Axe().run(page)
    serious = [(v["id"], v["impact"]) for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []


@pytest.mark.suite
def test_real_index_links_every_report(real_reports, open_page):
    view = open_page(real_reports / "index.html")
    hrefs = view.page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    targets = {Path(unquote(urlparse(h).path)) for h in hrefs}
    reports = {p for p in real_reports.glob("*.html") if p.name != "index.html"}
    # district reports (LEPS too), overview, 12 profiles, the dictionary
    assert len(reports) == 11 + 1 + 12 + 1 and reports <= targets
    assert all(t.is_file() for t in targets)


@pytest.mark.suite
def test_small_counts_are_hidden_in_the_shared_page(real_reports, open_page):
    """Counts 1-4 never reach a page: the salute mentale table shows 'n.d.' instead."""
    page = open_page(real_reports / "bisogni_area_salute_mentale.html").page
    cells = page.evaluate("[...document.querySelectorAll('table')].flatMap(t => [...t.rows].slice(1)"
                          ".map(r => r.cells[1] ? r.cells[1].innerText.trim() : ''))")
    assert "n.d." in cells and "< 5" not in cells
    assert not any(c in ("1", "2", "3", "4") for c in cells)


@pytest.mark.suite
def test_the_smallest_comune_reads_what_is_shown_and_what_is_not(real_reports, open_page):
    """Mezzana Rabattone (463 residents): its hidden areas say why, and no count from 1 to 4 is on the page."""
    page = open_page(real_reports / "scheda_comune_018091.html").page
    text = page.inner_text("body")
    assert "Valori non pubblicati" in text and "per tutelare la riservatezza" in text
    users = page.evaluate("[...document.querySelectorAll('table')].filter(t => t.caption && t.caption.innerText"
                          ".startsWith('Popolazione a rischio, utenti')).flatMap(t => [...t.rows].slice(1)"
                          ".map(r => r.cells[2].innerText.trim()))")
    assert len(users) == 7 and "n.d." in users and not any(c in ("1", "2", "3", "4") for c in users)
    alt = page.evaluate("[...document.images].map(i => i.alt).join(' ')")
    assert "non pubblicato" in alt  # the spine chart's text alternative says it too
    index = open_page(real_reports / "index.html").page
    assert index.evaluate("[...document.querySelectorAll('h2')].map(h => h.innerText)") == [
        "Rapporti del distretto", "Schede dei comuni"]


# --------------------------------------------------------------------------- hostile office data, end to end
#: One spreadsheet cell that would run in every reader's browser if anything reached a page unescaped.
HOSTILE = ('<img src=x onerror=alert(1)><script>alert(2)</script>"><svg onload=alert(3)>*md* &amp; '
           "[x](javascript:alert(4))")
HOSTILE_COLUMNS = {"obiettivi.csv": ("codice", "indicatore", "unita", "obiettivo", "fonte"),
                   "misure.csv": ("codice_obiettivo", "nota"),  # its fonte selects the plan's history: kept
                   "utenti.csv": ("servizio", "fonte"), "spesa.csv": ("fonte",), "servizi.csv": ("servizio", "fonte")}
SOMMO = "018151"
HOSTILE_PAGES = ["index.html", "panoramica.html", "bisogni_area_salute_mentale.html", "verifica_annuale.html",
                 "bilancio.html", "quadro_sindaci.html", f"scheda_comune_{SOMMO}.html"]


def hostile_copy(root: Path, *, comune: bool) -> Path:
    """data/pavia with HOSTILE appended to every free-text value (codes changed alike in both tables)."""
    import json

    import pandas as pd

    folder = Path(shutil.copytree(Path(__file__).parent.parent / "data" / "pavia", root / "pavia"))
    for name, columns in HOSTILE_COLUMNS.items():
        frame = pd.read_csv(folder / name, sep=";", dtype=str, keep_default_na=False)
        for column in columns:
            frame[column] = [f"{v} {HOSTILE}" if v else v for v in frame[column]]
        frame.to_csv(folder / name, sep=";", index=False)
    config = folder / "distretto.yml"
    text = config.read_text(encoding="utf-8").replace(
        "nome: Distretto Sociale di Pavia", f"nome: {json.dumps('Distretto Sociale di Pavia ' + HOSTILE)}")
    if comune:
        text = text.replace("nome: Sommo}", f"nome: {json.dumps('Sommo ' + HOSTILE)}}}")
    config.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory) -> tuple[Path, bool]:
    """The real notebooks on hostile data (one area and one profile, to stay quick); a comune name only if
    validation accepts it."""
    from pianozona.errors import DataError

    root = tmp_path_factory.mktemp("ostile")
    for comune in (True, False):
        folder = hostile_copy(root / f"comune_{comune}", comune=comune)
        try:
            result = run_reports(folder, 2023, areas=["salute_mentale"], comuni=[SOMMO], out_dir=root / "reports",
                                 progress="none")
        except DataError as error:  # e.g. comune names checked against ISTAT: the rest must still go through
            assert comune and "Sommo" in str(error), error
            continue
        assert result.exit_code == 0, [(r.job.name, r.status) for r in result.results]
        return root / "reports" / "pavia" / "2023", comune
    raise AssertionError("nessuna esecuzione")


@pytest.mark.parametrize("name", HOSTILE_PAGES)
def test_hostile_office_data_shows_as_text_and_never_runs(hostile_reports, open_page, name):
    folder, with_comune = hostile_reports
    dialogs: list[str] = []
    view = open_page(folder / name)
    view.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page = view.page
    page.reload(wait_until="load")  # the listener is in place before any script could run
    active = page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(e => [
        ...(['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'FORM'].includes(e.tagName)
            || e.namespaceURI === 'http://www.w3.org/2000/svg' ? [e.tagName] : []),
        ...[...e.attributes].filter(a => a.name.startsWith('on')).map(a => e.tagName + '[' + a.name + ']'),
        ...(e.tagName === 'IMG' && !e.src.startsWith('data:image/') ? ['IMG ' + e.src] : []),
        ...(e.tagName === 'A' && /^(javascript|data|vbscript):/i.test(e.getAttribute('href') || '')
            ? ['A ' + e.href] : [])])""")
    assert dialogs == [] and active == []
    text = page.inner_text("body")
    assert f"Distretto Sociale di Pavia {HOSTILE}" in text
    expected = {"panoramica.html": ["Sommo"] if with_comune else [],
                "bisogni_area_salute_mentale.html": ["Sommo"] if with_comune else [],
                "quadro_sindaci.html": ["Sommo"] if with_comune else [],
                f"scheda_comune_{SOMMO}.html": ["Sommo"] if with_comune else [],
                "verifica_annuale.html": ["ANZ-01", "Fruitori di buoni sociali", "persone",
                                          "fruitori di buoni sociali nel 2009"]}.get(name, [])
    for start in expected:
        assert f"{start} {HOSTILE}" in text, start
    if name != "index.html":
        assert f"dimostrativo {HOSTILE}" in text  # the closing note lists every fonte
    assert view.requests == [] and view.errors == []
    assert page.evaluate("getComputedStyle(document.querySelector('header')).borderBottomWidth") == "3px"  # CSS on


# --------------------------------------------------------------------------- print: nothing cut off on the right
MM = 96 / 25.4  # CSS pixels per millimetre


@pytest.mark.suite
@pytest.mark.parametrize(("selector", "printable_mm"), [(".pz-table:not(.pz-table-larga)", 210 - 24),
                                                        (".pz-table-larga", 297 - 20)])
def test_printed_tables_fit_their_page(real_reports, open_page, selector, printable_mm):
    """In print media every table fits the printable width of its page (portrait, or landscape when wide)."""
    widths = []
    for name in REAL_PAGES[1:]:
        page = open_page(real_reports / name).page
        page.emulate_media(media="print")
        page.set_viewport_size({"width": int(printable_mm * MM), "height": 800})
        widths += page.evaluate(f"[...document.querySelectorAll('{selector}')].map(t => t.scrollWidth)")
    assert widths, f"nessuna tabella {selector}"
    assert max(widths) <= int(printable_mm * MM)


@pytest.mark.suite
def test_real_index_shows_headline_figures_and_links_each_spreadsheet(real_reports, open_page):
    page = open_page(real_reports / "index.html").page
    figures = page.evaluate("[...document.querySelectorAll('ul.cifre')].map(u => u.innerText)")
    assert len(figures) == 24 and all(f.strip() for f in figures)
    assert "Residenti" in figures[0]
    spreadsheets = page.evaluate("[...document.querySelectorAll('a[href$=\".xlsx\"]')].map(a => a.href)")
    assert spreadsheets and all(Path(unquote(urlparse(h).path)).is_file() for h in spreadsheets)


@pytest.mark.suite
def test_a_report_prints_to_pdf_with_chromium(real_reports, tmp_path):
    from pianozona.publish.pdf import print_pdf

    pdf = print_pdf(real_reports / "panoramica.html", tmp_path / "panoramica.pdf", chromium=str(CHROMIUM))
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 10_000


# --------------------------------------------------------------------------- a territory: comparison and its index
TERRITORY_PAGES = ["index.html", "confronto_ambiti.html"]


@pytest.fixture(scope="module")
def territory_reports(tmp_path_factory) -> Path:
    """Two small districts of the bundled example, one named as an attacker would, run as a territory."""
    from tests.publish.test_territory import small_territory

    root = tmp_path_factory.mktemp("territorio")
    territory = small_territory(root / "dati", hostile=True)
    result = run_reports(territory=territory, areas="anziani", comuni="Vigevano", out_dir=root / "reports",
                         progress="none")
    assert result.exit_code == 0, result.summary()
    return result.territory.comparison.out_dir


@pytest.mark.parametrize("name", TERRITORY_PAGES)
def test_the_territory_pages_are_offline_accessible_and_show_a_hostile_name_as_text(territory_reports, open_page,
                                                                                    name):
    from tests.publish.test_territory import HOSTILE

    dialogs: list[str] = []
    view = open_page(territory_reports / name)
    view.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page = view.page
    page.reload(wait_until="load")
    assert_offline_page(view, "index.html" if name == "index.html" else name)
    assert view.requests == [] and view.errors == [] and dialogs == []
    assert page.evaluate("document.querySelectorAll('script, iframe, object, embed').length") == 0
    assert HOSTILE in page.inner_text("body")
    results = axe_module.Axe().run(page)
    serious = [(v["id"], v["impact"]) for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []


def test_the_territory_index_leads_to_every_district_index_and_back_to_their_reports(territory_reports, open_page):
    view = open_page(territory_reports / "index.html")
    hrefs = view.page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    targets = {Path(unquote(urlparse(h).path)) for h in hrefs}
    assert all(t.is_file() for t in targets), [str(t) for t in targets if not t.is_file()]
    year = territory_reports.name
    districts = {t for t in targets
                 if t.name == "index.html" and t.parent.name == year and t.parent != territory_reports}
    assert {t.parent.parent.name for t in districts} == {"ambito-vigevano", "ambito-garlasco"}
    view.page.click("text=Ambito di Vigevano (illustrativo)")  # the district's own index, in the browser
    view.page.wait_for_load_state("load")
    assert "scheda_comune_018177.html" in view.page.evaluate(
        "[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')).join(' ')")
