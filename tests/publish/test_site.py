"""The published folder's lock: one run at a time, and no worker or kernel inherits it."""

from __future__ import annotations

import fcntl
import os

import pytest

from pianozona.publish.site import run_lock
from pianozona.publish.workers import release_lock


def test_the_lock_is_not_inherited(tmp_path):
    with run_lock(tmp_path) as lock:
        fd, device, inode = lock
        assert os.get_inheritable(fd) is False
        assert (os.fstat(fd).st_dev, os.fstat(fd).st_ino) == (device, inode)
        child = os.fork()
        if child == 0:  # what a forked worker does first
            release_lock(lock)
            os._exit(0 if _fd_closed(fd) else 1)
        assert os.waitpid(child, 0)[1] == 0
    with open(tmp_path / ".lock") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _fd_closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


# --------------------------------------------------------------------------- spreadsheet, PDF and index
@pytest.mark.kernel
def test_a_run_publishes_each_reports_spreadsheet_and_the_index_shows_figures_and_other_years(tmp_path, notebooks):
    import json

    import nbformat
    from openpyxl import load_workbook

    from pianozona.publish.runner import run_reports
    from tests.publish.conftest import edit_notebook

    cell = ('import pandas as pd\nfrom pianozona.present import display as show\n'
            'show.table(pd.DataFrame({"comune": ["=1+1", "Sommo"], "utenti": [3, 40], "utenti_soppresso": [True, False]}),'
            ' caption="Utenti per comune")\n'
            'if metrics_path:\n    import json\n    json.dump({"in_evidenza": {"Utenti": "n.d."}}, open(metrics_path, "w"))')
    edit_notebook(notebooks / "panoramica.ipynb", lambda nb: nb.cells.append(nbformat.v4.new_code_cell(cell)))
    earlier = tmp_path / "reports" / "pavia" / "2022"
    earlier.mkdir(parents=True)
    (earlier / "index.html").write_text("<!DOCTYPE html><title>2022</title>", encoding="utf-8")
    assert run_reports("pavia", 2023, notebooks_dir=notebooks, out_dir=tmp_path / "reports", progress="none",
                       areas="anziani").exit_code == 0
    out = tmp_path / "reports" / "pavia" / "2023"
    book = load_workbook(out / "panoramica.xlsx")
    assert [c.value for c in book.worksheets[0][2]] == ["'=1+1", "n.d."]
    manifest = {e["nome"]: e for e in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rapporti"]}
    assert manifest["panoramica"]["foglio_di_calcolo"] == "panoramica.xlsx" and manifest["panoramica"]["pdf"] is None
    assert manifest["bilancio"]["foglio_di_calcolo"] is None  # no table shown, no spreadsheet
    assert not (out / "bilancio.xlsx").exists() and not list(out.glob(".in-corso-*"))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="panoramica.xlsx"' in index and 'href="../2022/index.html"' in index
    assert "Utenti: <span class=\"valore\">n.d.</span>" in index
    assert 'href="panoramica.xlsx"' in (out / "panoramica.html").read_text(encoding="utf-8")
    # the Word document of every report, linked from its page and the index; the dictionary beside them
    assert manifest["panoramica"]["docx"] == "panoramica.docx" and (out / "panoramica.docx").is_file()
    assert 'href="panoramica.docx"' in index and 'href="panoramica.docx"' in (out / "panoramica.html").read_text(
        encoding="utf-8")
    assert (out / "dizionario.html").is_file() and 'href="dizionario.html"' in index
    assert "Definizioni" in book.sheetnames


def test_pdf_support_says_how_to_get_chromium_when_it_is_missing(monkeypatch, capsys):
    from pianozona.publish import pdf

    assert pdf.pdf_support(False) is None and capsys.readouterr().err == ""
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    assert pdf.pdf_support(True) is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "apt-get install chromium" in err


@pytest.mark.browser
def test_print_pdf_writes_a_pdf_or_nothing(tmp_path):
    import pytest

    from pianozona.publish import pdf

    page = tmp_path / "pagina.html"
    page.write_text('<!DOCTYPE html><html lang="it"><body><p>Prova</p></body></html>', encoding="utf-8")
    with pytest.raises(pdf.PdfError, match="non prodotto"):
        pdf.print_pdf(page, tmp_path / "rotto.pdf", chromium="/bin/false")
    assert not (tmp_path / "rotto.pdf").exists() and list(tmp_path.iterdir()) == [page]
    if pdf.find_chromium() is None:
        pytest.skip("Chromium non installato: apt-get install chromium")
    assert pdf.print_pdf(page, tmp_path / "pagina.pdf").read_bytes().startswith(b"%PDF-")
