"""Notebook → HTML: no code, no network, Italian, accessible, and honest about failures."""

from __future__ import annotations

import base64
import datetime as dt
import re
from html import unescape

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pianozona.present.render import IndexRow, PageInfo, render_failure, render_index, render_notebook, render_years

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082")).decode()
PAGE = PageInfo("Titolo di riserva", "Distretto Sociale di Pavia", 2023, generated_on=dt.date(2026, 11, 26),
                version="0.1.0")


def image(alt: str | None = None, nested: bool = False, **extra) -> dict:
    metadata = {}
    if alt is not None:
        metadata = {"image/png": {"alt": alt, **extra}} if nested else {"alt": alt}
    return new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure size 400x250>"},
                      metadata=metadata)


def notebook(*cells) -> dict:
    return new_notebook(cells=list(cells))


def params(source: str = 'district: str = "pavia"', tag: str = "parameters", output: str = "") -> dict:
    cell = new_code_cell(source, metadata={"tags": [tag]})
    if output:
        cell.outputs = [new_output("stream", name="stdout", text=output)]
    return cell


def code(source: str, *outputs, tags=()) -> dict:
    cell = new_code_cell(source, metadata={"tags": list(tags)} if tags else {})
    cell.outputs = list(outputs)
    return cell


def stdout(text: str) -> dict:
    return new_output("stream", name="stdout", text=text)


def render(*cells, page: PageInfo = PAGE, **kwargs):
    return render_notebook(notebook(*cells), page, **kwargs)


def test_code_and_parameter_cells_never_reach_the_page():
    html = render(
        params(output="SEGRETO-PARAMETRI"),
        params('district = "pavia"', tag="injected-parameters", output="SEGRETO-INIETTATI"),
        new_markdown_cell("# Panoramica"),
        code("totale = calcola_totale()\nprint(totale)", stdout("Totale: 1.234")),
    ).html
    assert "Totale: 1.234" in html
    assert "calcola_totale" not in html and "SEGRETO" not in html and 'district' not in html


def test_page_is_italian_self_contained_and_printable():
    html = render(new_markdown_cell("# Bilancio\n\nTesto."), page=PageInfo(
        "x", "Distretto Sociale di Pavia", 2023, generated_on=dt.date(2026, 11, 26))).html
    assert html.startswith("<!DOCTYPE html>") and '<html lang="it">' in html
    assert "<title>Bilancio · Distretto Sociale di Pavia, 2023</title>" in html
    assert "26 novembre 2026" in html
    assert "@media print" in html
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_first_heading_is_the_title_and_the_others_make_the_table_of_contents():
    rendered = render(new_markdown_cell("# Bisogni dell'area\n\nIntro.\n\n## Dati\n\n### Dettaglio"),
                      new_markdown_cell("## Dati\n\n## Àree e comuni"))
    html = rendered.html
    assert re.search(r"<h1>Bisogni dell(&#39;|')area</h1>", html)
    assert html.count("<h1") == 1
    for anchor in ("dati", "dettaglio", "dati-2", "aree-e-comuni"):
        assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
    nav = html[html.index("<nav"):html.index("</nav>")]
    assert nav.index("#dati") < nav.index("#dettaglio") < nav.index("#dati-2")
    assert "<ol><li><a href=\"#dettaglio\">" in nav.replace("\n", "")  # level 3 nested under its level 2


def test_without_a_heading_the_job_title_is_used():
    assert "<h1>Titolo di riserva</h1>" in render(code("print(1)", stdout("1"))).html


@pytest.mark.parametrize("nested", [False, True])
def test_images_are_embedded_with_the_alt_text_of_their_metadata(nested):
    rendered = render(code("display(fig)", image("Grafico a barre: utenti per comune, 2023", nested, width=400)))
    assert f'src="data:image/png;base64,{PNG}"' in rendered.html
    assert 'alt="Grafico a barre: utenti per comune, 2023"' in rendered.html
    assert ('width="400"' in rendered.html) is nested
    assert rendered.warnings == ()


def test_an_image_without_alt_gets_a_fallback_and_a_warning():
    rendered = render(new_markdown_cell("## Spesa per area"), code("plt.show()", image()))
    assert 'alt="Grafico della sezione «Spesa per area»"' in rendered.html
    assert len(rendered.warnings) == 1 and "cella 2" in rendered.warnings[0] and "alt" in rendered.warnings[0]


def test_demo_banner_only_for_demo_data():
    cell = new_markdown_cell("# Bilancio")
    with_demo = render(cell, page=PageInfo("x", "Pavia", 2023, demo=True)).html
    assert "Dati dimostrativi:" in with_demo and 'class="banner banner-dimostrativo"' in with_demo
    assert "Dati dimostrativi" not in render(cell).html


def test_stderr_is_dropped_stdout_kept_without_terminal_colours():
    html = render(code("x", stdout("\x1b[1mUtenti\x1b[0m: 12"),
                       new_output("stream", name="stderr", text="FutureWarning: roba interna"))).html
    assert "Utenti: 12" in html and "\x1b" not in html
    assert "FutureWarning" not in html


def test_hidden_cells_and_outputs():
    html = render(
        new_markdown_cell("Nota interna", metadata={"tags": ["nascondi"]}),
        code("x", stdout("tolto-1"), tags=["remove-cell"]),
        code("x", stdout("tolto-2"), tags=["remove-output"]),
        code("x", stdout("resta")),
    ).html
    assert "resta" in html
    assert "Nota interna" not in html and "tolto" not in html


def test_nothing_on_the_page_can_fetch_from_the_network():
    html = render(
        new_markdown_cell("![logo](https://example.org/logo.png) e [un link](https://example.org/)\n\n"
                          '<img src="//cdn.example.org/x.png" alt="x">'),
        code("x", new_output("display_data", data={
            "text/html": '<div style="background:url(https://e.org/a.png)"><script src="https://cdn.e.org/x.js">'
                         '</script><iframe src="https://e.org"></iframe><p>tabella</p></div>',
            "text/plain": "x"})),
    ).html
    assert "tabella" in html
    assert '<a href="https://example.org/">un link</a>' in html  # a link only loads when clicked
    assert "[immagine non inclusa: logo]" in html
    assert "<script" not in html and "<iframe" not in html
    assert not re.search(r"""(src|srcset)\s*=\s*["']?(https?:)?//""", html)
    assert "url(https" not in html


def test_rich_outputs_tables_markdown_and_attachments():
    cell = new_markdown_cell("![schema](attachment:schema.png)")
    cell.attachments = {"schema.png": {"image/png": PNG}}
    html = render(
        code("df", new_output("execute_result", data={
            "text/html": "<table><thead><tr><th>comune</th></tr></thead><tbody><tr><td>Pavia</td></tr></tbody></table>",
            "text/plain": "df"}, execution_count=1)),
        code("Markdown(...)", new_output("display_data", data={"text/markdown": "## Cifre del 2023\n\n**1.234** utenti",
                                                               "text/plain": "x"})),
        cell,
    ).html
    assert '<div class="tabella" tabindex="0" role="region" aria-label="Tabella 1"><table>' in html
    assert "<td>Pavia</td>" in html
    assert 'id="cifre-del-2023"' in html and 'href="#cifre-del-2023"' in html
    assert "<strong>1.234</strong> utenti" in html
    assert f'src="data:image/png;base64,{PNG}" alt="schema"' in html


def test_failure_page_says_why_in_words_and_shows_nothing_of_the_run():
    page = PageInfo("Bilancio", "Pavia", 2023, previous_report="bilancio.html")
    html = render_failure(page, "errore durante l'esecuzione del notebook")
    text = unescape(html)
    assert 'role="alert"' in html
    assert "Rapporto non aggiornato:</strong> errore durante l'esecuzione del notebook." in text
    assert 'href="bilancio.html"' in html and "ultima versione riuscita" in html
    assert "registro dell'esecuzione" in text
    assert "<pre" not in html and "traceback" not in text.lower() and "<code" not in html
    html = render_failure(PageInfo("Bilancio", "Pavia", 2023), "l'esecuzione si è interrotta")
    assert "Non esiste ancora una versione riuscita" in html


def test_page_of_years_lists_each_year_without_a_year_of_its_own():
    rows = [IndexRow("Rapporti 2024", "riuscito", "2024/index.html", dt.datetime(2026, 1, 5, 9, 0),
                     figures=(("Rapporti pubblicati", "15"), ("Non riusciti", "0"))),
            IndexRow("Rapporti 2023", "fallito", "2023/index.html", None,
                     figures=(("Rapporti pubblicati", "14"), ("Non riusciti", "1")))]
    html = render_years(rows, PageInfo("Rapporti pubblicati", "Distretto di Carpi", None, index_href=None))
    parsed = markup(html)
    links = [a["href"] for t, a in parsed.tags if t == "a" and "href" in a]
    assert links[-2:] == ["2024/index.html", "2023/index.html"]
    assert "Distretto di Carpi</p>" in html and "anno None" not in html and "· anno" not in html
    assert "<title>Rapporti pubblicati · Distretto di Carpi</title>" in html
    assert "Non riusciti: <span class=\"valore\">1</span>" in html


def test_index_lists_every_report_with_status_links_and_italian_numbers():
    rows = [
        IndexRow("Panoramica del distretto", "riuscito", "panoramica.html", dt.datetime(2026, 11, 26, 9, 5), 1.25,
                 (("notebook eseguito", "panoramica.ipynb"),)),
        IndexRow("Bilancio", "fallito", "bilancio.html", dt.datetime(2026, 11, 26, 9, 6), 0.5,
                 (("pagina dell'errore", "bilancio.errore.html"),), "Errore: ValueError."),
    ]
    html = render_index(rows, PageInfo("Rapporti 2023", "Distretto Sociale di Pavia", 2023, demo=True,
                                       index_href=None, generated_on=dt.date(2026, 11, 26)))
    assert '<html lang="it">' in html and "Dati dimostrativi:" in html
    assert '<a href="panoramica.html">Panoramica del distretto</a>' in html
    assert "Completato" in html and "Non riuscito" in html and "1 rapporto non è stato completato" in html
    assert "1,2 s" in html or "1,3 s" in html
    assert "26 novembre 2026, 09:05" in html
    assert 'href="bilancio.errore.html"' in html and 'href="manifest.json"' in html
    assert '<th scope="col">Stato</th>' in html and "<caption>" in html


def test_index_lists_each_group_under_its_heading_in_order():
    when = dt.datetime(2026, 11, 26, 9, 5)
    rows = [IndexRow("Panoramica del distretto", "riuscito", "panoramica.html", when, 1.0,
                     group="Rapporti del distretto"),
            IndexRow("Scheda del comune: Pavia", "riuscito", "scheda_comune_018110.html", when, 1.0,
                     group="Schede dei comuni"),
            IndexRow("Bilancio", "riuscito", "bilancio.html", when, 1.0, group="Rapporti del distretto")]
    from bs4 import BeautifulSoup

    page = BeautifulSoup(render_index(rows, PageInfo("Rapporti 2023", "Distretto X", 2023, index_href=None)),
                         "html.parser").main
    assert [h.text for h in page.find_all("h2")] == ["Rapporti del distretto", "Schede dei comuni"]
    tables = page.find_all("table")
    assert [[a.text for a in t.find_all("a")] for t in tables] == [
        ["Panoramica del distretto", "Bilancio"], ["Scheda del comune: Pavia"]]
    assert tables[1].caption.text == "Schede dei comuni · Distretto X, anno 2023"  # never "distretto di Distretto X"


# --------------------------------------------------------------------------- escape by construction

HOSTILE = ("<img src=x onerror=alert(1)>", "<script>alert(1)</script>", '"><svg onload=alert(1)>', "*md*", "&amp;")
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")


def markup(page: str):
    from .test_display import Markup

    return Markup(page)


def body_of(page: str):
    from .test_display import main_of

    return markup(main_of(page))


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_made_by_code_shows_raw_html_as_text(value):
    html = render(code("x", new_output("display_data", data={"text/markdown": f"## Comune {value}\n\nTesto {value}",
                                                            "text/plain": "x"}))).html
    body = body_of(html)
    assert body.inert() == []
    assert f"Comune {value}" in body.text or value == "*md*"  # *md* is markdown made by code: emphasis is fine
    assert "<script" not in html and "onerror=" not in html.replace("onerror=alert(1)&gt;", "")
    nav = markup(html[html.index("<nav"):html.index("</nav>")])
    assert nav.inert() == [] and any(t == "a" for t, _ in nav.tags)


def test_unsafe_links_lose_their_target_in_every_markdown():
    links = "[a](javascript:alert(1)) [b](vbscript:msgbox(1)) [c](data:text/html,<script>alert(1)</script>) " \
            "[d](JaVaScRiPt:alert(1)) [ok](https://example.org/) ![x](data:text/html;base64,PHNjcmlwdD4=)"
    html = render(new_markdown_cell(links),
                  code("x", new_output("display_data", data={"text/markdown": links, "text/plain": "x"}))).html
    body = body_of(html)
    assert body.inert() == []
    hrefs = [a.get("href") for t, a in body.tags if t == "a"]
    assert hrefs.count("https://example.org/") == 2
    assert not [h for h in hrefs if h and h.lower().startswith(("javascript", "vbscript", "data"))]


def test_html_outputs_keep_tables_and_lose_everything_active():
    fragment = ('<style>td{background:url(https://e.org/t.png)}</style>'
                '<table class="pz-table"><caption>Utenti <b onclick="alert(1)">2023</b></caption>'
                '<thead><tr><th scope="col" colspan="2" style="text-align:left; position:fixed">Comune</th>'
                '</tr></thead>'
                '<tbody><tr><td class="testo" onmouseover="alert(1)">Pavia<script>alert(1)</script></td>'
                '<td rowspan="1">&lt; 5</td></tr></tbody></table>'
                '<form action="https://e.org"><input name="q"></form><svg onload="alert(1)"><circle r="1"/></svg>'
                '<a href="javascript:alert(1)">j</a><img src="x" onerror="alert(1)">'
                '<iframe srcdoc="<script>"></iframe>')
    html = render(code("df", new_output("display_data", data={"text/html": fragment, "text/plain": "df"}))).html
    body = body_of(html)
    assert body.inert() == []
    assert '<th scope="col" colspan="2" style="text-align:left">Comune</th>' in html
    assert '<td class="testo">Pavia</td><td rowspan="1">&lt; 5</td>' in html
    assert '<table class="pz-table"><caption>Utenti <b>2023</b></caption>' in html
    body_html = html[html.index("<main"):]
    assert "alert" not in body.text and "position" not in body_html and "url(" not in body_html


def test_author_markdown_keeps_its_html_but_not_scripts_or_handlers():
    html = render(new_markdown_cell('# Titolo\n\n<div class="nota" onclick="alert(1)"><b>Nota</b> dell\'ufficio'
                                    '</div>\n\n'
                                    '<script>alert(1)</script><img src="https://e.org/x.png" alt="remota">')).html
    body = body_of(html)
    assert body.inert() == []
    assert '<div class="nota"><b>Nota</b> dell' in html
    assert ("img", {"alt": "remota"}) in body.tags  # the remote source is gone, nothing is fetched


def test_page_info_and_index_rows_are_escaped():
    hostile = "<img src=x onerror=alert(1)>"
    page = PageInfo(f"Titolo {hostile}", f"Distretto {hostile}", 2023, generated_on=dt.date(2026, 11, 26))
    report = render(code("print(1)", stdout(hostile)), page=page).html
    rows = [IndexRow(f"Rapporto {hostile}", "fallito", "javascript:alert(1)", None, None,
                     (("<script>alert(1)</script>", "data:text/html,x"), ("notebook", "bilancio.ipynb")),
                     f"Errore: {hostile}")]
    index = render_index(rows, page)
    for html in (report, index):
        parsed = markup(html)
        assert markup(html[html.index("<body"):]).inert() == [] and "<script" not in html
        assert "<title>Titolo &lt;img src=x onerror=alert(1)&gt; · Distretto &lt;img" in html
        assert f"Distretto {hostile}" in parsed.text and f"Titolo {hostile}" in parsed.text
    assert hostile in body_of(report).text
    parsed = markup(index)
    assert f"Rapporto {hostile}" in parsed.text and f"Errore: {hostile}" in parsed.text
    assert [a["href"] for t, a in parsed.tags if t == "a" and "href" in a][-2:] == ["bilancio.ipynb", "manifest.json"]


def test_failure_page_escapes_its_reason():
    hostile = '"><svg onload=alert(1)>'
    html = render_failure(PAGE, f"errore {hostile}")
    assert markup(html[html.index("<body"):]).inert() == [] and "<svg" not in html
    assert f"errore {hostile}" in markup(html).text


def test_every_page_carries_the_content_security_policy():
    pages = [render(new_markdown_cell("# Titolo")).html,
             render_failure(PAGE, "errore"),
             render_index([IndexRow("Bilancio", "riuscito", "bilancio.html")], PAGE)]
    for html in pages:
        metas = [a for t, a in markup(html).tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert metas == [{"http-equiv": "Content-Security-Policy", "content": CSP}]
        assert html.index("Content-Security-Policy") < html.index("<style>")  # before anything it governs


def test_index_shows_headline_figures_downloads_other_years_and_details_on_one_line():
    rows = [IndexRow("Bilancio", "riuscito", "bilancio.html", dt.datetime(2026, 11, 26, 9, 6), 2.5,
                     (("notebook eseguito", "bilancio.ipynb"),), figures=(("Spesa totale (euro)", "1.234.568"),),
                     downloads=(("tabelle (Excel)", "bilancio.xlsx"), ("PDF da stampare", "javascript:alert(1)")))]
    html = render_index(rows, PageInfo("Rapporti 2023", "Pavia", 2023), other_years=((2024, "../2024/index.html"),
                                                                                        (2022, "../2022/index.html"),
                                                                                        (2021, "https://x.example")))
    parsed = markup(html)
    assert "Spesa totale (euro): 1.234.568" in parsed.text
    assert '<a href="bilancio.xlsx">tabelle (Excel)</a>' in html and "javascript" not in html
    hrefs = [a["href"] for t, a in parsed.tags if t == "a" and "href" in a]
    assert hrefs.index("../2022/index.html") < hrefs.index("../2024/index.html") and "https://x.example" not in hrefs
    details = html[html.index('<p class="dettagli">'):]
    assert details.index("2,5 s") < details.index('href="bilancio.ipynb"') < details.index("</p>")


def test_report_page_links_its_downloads_and_hides_them_in_print():
    page = PageInfo("Bilancio", "Pavia", 2023, downloads=(("tabelle (Excel)", "bilancio.xlsx"),
                                                          ("PDF", "https://x.example/a.pdf")))
    html = render(code("print(1)", stdout("x")), page=page).html
    assert '<p class="scarica">Da scaricare: <a href="bilancio.xlsx">tabelle (Excel)</a></p>' in html
    assert "x.example" not in html
    print_css = html[html.index("@media print"):]
    assert ".scarica" in print_css and "thead { display: table-header-group; }" in print_css
    assert "@page orizzontale { size: A4 landscape" in print_css
    assert ".tabella:has(> .pz-table-larga, > .pz-quadro-largo) { page: orizzontale; }" in print_css
    assert ".navigazione" in print_css  # "Elenco di tutti i rapporti" is not printed


# --------------------------------------------------------------------------- the dictionary of definitions
def test_the_dictionary_page_defines_every_indicator_offline_and_escaped():
    from pianozona.analysis import definitions, glossary
    from pianozona.present.render import render_dictionary

    hostile = PageInfo("Dizionario degli indicatori", "<script>alert(1)</script> Pavia", 2023,
                       generated_on=dt.date(2026, 12, 7))
    areas = [("anziani", "<b>Anziani</b>", "residenti di 75 anni e oltre")]
    html = render_dictionary(glossary.build(areas), hostile)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Pavia" in html
    assert "&lt;b&gt;Anziani&lt;/b&gt;" in html and "residenti di 75 anni e oltre" in html
    assert 'lang="it"' in html and "Content-Security-Policy" in html and "http" not in html.split("</head>")[1]
    for item in definitions.INDICATORI.values():
        assert f'id="indicatore-{item.codice}"' in html and escape_html(item.nome) in html
    assert "«n.d.»" in html and 'href="index.html"' in html


def test_the_index_links_the_dictionary():
    html = render_index([IndexRow("Panoramica", "riuscito", "panoramica.html")], PAGE,
                        dictionary_href="dizionario.html")
    assert '<a href="dizionario.html">Dizionario degli indicatori</a>' in html
    assert 'href="dizionario.html"' not in render_index([IndexRow("Panoramica", "riuscito", "panoramica.html")], PAGE)


def escape_html(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
