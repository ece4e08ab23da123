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
    # a scheduled run (PDF not said) after a data change: the rerun report keeps its PDF, printed again
    (tmp_path / "pavia" / "2023" / "bilancio.html").unlink()  # bilancio must run again
    scheduled = run_reports("pavia", areas="anziani", notebooks_dir=FIXTURES, out_dir=tmp_path, progress="none")
    assert [r.job.name for r in scheduled.results if r.status == "riuscito"] == ["bilancio"]
    assert (scheduled.plan.out_dir / "bilancio.pdf").read_bytes().startswith(b"%PDF-")


def test_what_a_run_does_with_the_folders_pdfs(monkeypatch):
    with_pdfs = {"rapporti": [{"nome": "bilancio", "pdf": "bilancio.pdf"}, {"nome": "panoramica", "pdf": None}]}
    without = {"rapporti": [{"nome": "bilancio", "pdf": None}]}
    monkeypatch.setattr(pdf, "find_chromium", lambda: "/usr/bin/chromium")
    assert pdf.pdf_printer(True, "/c", without) == ("/c", "")  # asked: as asked
    assert pdf.pdf_printer(None, None, without) == (None, "")  # not said, the folder has none: none
    chromium, line = pdf.pdf_printer(None, None, with_pdfs)  # not said, the folder has some: kept
    assert chromium == "/usr/bin/chromium" and "come nell'esecuzione precedente" in line
    assert pdf.pdf_printer(False, None, with_pdfs)[1].startswith("PDF tolti dai rapporti rieseguiti")
    assert pdf.pdf_printer(False, None, without) == (None, "")
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    assert pdf.pdf_printer(None, None, with_pdfs) == (None, pdf.MISSING_KEPT)


def test_log_lines_carry_date_and_time_and_the_notices(capsys):
    import re

    from pianozona.publish.console import Progress

    report = Progress("log", 2, 1, notices=["avviso sui dati: AVVISO istat: anno 2024 senza popolazione"])
    report.close()
    lines = capsys.readouterr().err.splitlines()
    stamp = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} "
    assert [re.sub(stamp, "", line) for line in lines] == [
        "2 rapporti da eseguire, 1 invariato (nessuna modifica)",
        "avviso sui dati: AVVISO istat: anno 2024 senza popolazione", "esecuzione conclusa"]
    assert all(re.match(stamp, line) for line in lines)


def test_a_pdf_gets_no_link_to_a_file_of_this_machine():
    """A relative link would become a file:// address of the run's folder inside the PDF."""
    page = ('<p class="scarica">Da scaricare: <a href="bilancio.xlsx">tabelle</a> · <a class="x" href="../2022/'
            'index.html">2022</a> <a href="#spesa">Spesa</a> <a href="https://www.istat.it/">ISTAT</a></p>')
    assert pdf.without_local_links(page) == (
        '<p class="scarica">Da scaricare: <a>tabelle</a> · <a class="x">2022</a> <a href="#spesa">Spesa</a> '
        '<a href="https://www.istat.it/">ISTAT</a></p>')
