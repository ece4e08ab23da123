"""Tests of pianozona.present.safe_html: the allow-list sanitiser, no network loads, the autoescaping templates."""

from __future__ import annotations

from pianozona.present.safe_html import EMBEDDED_IMAGE, TEMPLATES, environment, neutralise_remote, sanitise, stylesheet

PNG_URI = "data:image/png;base64,iVBORw0KGgo="


def test_sanitise_keeps_tables_text_and_embedded_images():
    fragment = (f'<table><tr><th scope="col">Comune</th><td style="text-align: right">12</td></tr></table>'
                f'<p><strong>Nota</strong></p><img src="{PNG_URI}" alt="Grafico">')
    clean = sanitise(fragment)
    assert '<th scope="col">Comune</th>' in clean and 'style="text-align:right"' in clean
    assert "<strong>Nota</strong>" in clean and f'src="{PNG_URI}"' in clean


def test_sanitise_drops_scripts_handlers_frames_and_remote_sources():
    fragment = ('<script>alert(1)</script><p onclick="x()" style="color: red">testo</p>'
                '<iframe src="https://example.org"></iframe><img src="https://example.org/a.png" alt="a">'
                '<a href="javascript:alert(1)">link</a><a href="https://www.istat.it">istat</a><!-- nota -->')
    clean = sanitise(fragment)
    for gone in ("script", "alert", "onclick", "color", "iframe", "example.org", "javascript", "nota"):
        assert gone not in clean, gone
    assert "<p>testo</p>" in clean and '<a href="https://www.istat.it">istat</a>' in clean


def test_only_base64_data_images_count_as_embedded():
    assert EMBEDDED_IMAGE.match(PNG_URI)
    assert not EMBEDDED_IMAGE.match("data:text/html;base64,PHA+")
    assert not EMBEDDED_IMAGE.match("https://example.org/a.png")


def test_neutralise_remote_drops_network_attributes_and_css_urls():
    page = ('<img src="//cdn.example.org/a.png" alt="a"><video poster=\'https://x.org/p.jpg\'></video>'
            '<style>@import url("https://fonts.example.org/f.css"); p { background: url(http://x.org/b.png) }</style>'
            f'<img src="{PNG_URI}">')
    safe = neutralise_remote(page)
    assert "example.org" not in safe and "x.org" not in safe
    assert f'src="{PNG_URI}"' in safe


def test_environment_autoescapes_and_finds_the_package_templates():
    env = environment()
    assert env is environment()  # one environment for every page and fragment
    assert env.from_string("{{ x }}").render(x="<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert {"base.html.j2", "report.html.j2", "index.html.j2", "table.html.j2"} <= set(env.list_templates())
    assert (TEMPLATES / "style.css").is_file() and stylesheet() == (TEMPLATES / "style.css").read_text("utf-8")


def test_the_base_template_carries_the_content_security_policy():
    source = (TEMPLATES / "base.html.j2").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in source and "default-src 'none'" in source
