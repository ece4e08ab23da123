"""Tests of pianozona.publish.pdf through a run: ``--pdf`` prints every page, and asks again only when missing."""

from __future__ import annotations

import json

import pytest

from pianozona.publish import pdf
from pianozona.publish.runner import run_reports
from tests.publish.conftest import FIXTURES


def test_without_chromium_one_line_says_how_to_get_it(monkeypatch, capsys):
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    assert pdf.pdf_support(True) is None
    assert "apt-get install chromium" in capsys.readouterr().err
    assert pdf.pdf_support(False) is None  # not asked: nothing said, nothing looked for


@pytest.mark.browser
@pytest.mark.kernel
def test_a_run_with_pdf_prints_each_page_and_reruns_only_reports_without_one(tmp_path):
    if pdf.find_chromium() is None:
        pytest.skip("Chromium non installato (apt-get install chromium)")
    first = run_reports("pavia", areas="anziani", notebooks_dir=FIXTURES, out_dir=tmp_path, progress="none")
    assert first.exit_code == 0 and not list(first.plan.out_dir.glob("*.pdf"))
    printed = run_reports("pavia", areas="anziani", notebooks_dir=FIXTURES, out_dir=tmp_path, progress="none",
                          pdf=True)
    assert [r.status for r in printed.results] == ["riuscito"] * len(printed.results)  # asked now: none had one
    entries = json.loads((printed.plan.out_dir / "manifest.json").read_text(encoding="utf-8"))["rapporti"]
    for entry in entries:
        assert (printed.plan.out_dir / entry["pdf"]).read_bytes().startswith(b"%PDF-")
    again = run_reports("pavia", areas="anziani", notebooks_dir=FIXTURES, out_dir=tmp_path, progress="none", pdf=True)
    assert {r.status for r in again.results} == {"invariato"}
