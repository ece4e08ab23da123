"""Tests of pianozona.present.document: a page's markdown, heading ids, title and table of contents."""

from __future__ import annotations

from pianozona.present.document import Document


def test_first_h1_is_the_title_and_headings_get_unique_ascii_ids():
    doc = Document()
    html = doc.markdown("# Rapporto\n\n## Età e società\n\n### Età e società\n\n## Spesa", trusted=True)
    assert doc.title == "Rapporto" and "<h1" not in html
    assert '<h2 id="eta-e-societa">' in html and '<h3 id="eta-e-societa-2">' in html
    assert doc.toc_tree() == [
        {"text": "Età e società", "anchor": "eta-e-societa",
         "children": [{"text": "Età e società", "anchor": "eta-e-societa-2", "children": []}]},
        {"text": "Spesa", "anchor": "spesa", "children": []},
    ]


def test_markdown_from_code_escapes_html_the_authors_keeps_it():
    doc = Document()
    assert "&lt;b&gt;" in doc.markdown("<b>x</b>") and "<b>" not in doc.markdown("<b>x</b>")
    assert "<b>x</b>" in doc.markdown("<b>x</b>", trusted=True)


def test_unsafe_links_and_remote_images_are_not_kept():
    doc = Document()
    html = doc.markdown("[a](javascript:alert(1)) ![logo](https://example.org/l.png)")
    assert "javascript:" not in html and "example.org/l.png\"" not in html
    assert "immagine non inclusa: logo" in html


def test_fallback_alt_names_the_last_section_or_counts():
    doc = Document()
    assert doc.fallback_alt() == "Grafico n. 1"
    doc.markdown("## Anziani soli")
    assert doc.fallback_alt() == "Grafico della sezione «Anziani soli»"
