"""The published folder: what is published and what stays private, the failure page, the lock, the years."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest
from filelock import FileLock, Timeout

from pianozona.errors import ExecutionError
from pianozona.publish import site
from pianozona.publish.planning import plan_run, private_folder
from pianozona.publish.site import lock_path, publish_job, run_lock
from pianozona.publish.tasks import JobResult
from tests.publish.conftest import FIXTURES


def _holds(path) -> bool:
    """Whether this process has a descriptor open on `path` (Linux: /proc/self/fd)."""
    wanted = os.stat(path)
    for name in os.listdir("/proc/self/fd"):
        try:
            info = os.fstat(int(name))
        except OSError:
            continue
        if (info.st_dev, info.st_ino) == (wanted.st_dev, wanted.st_ino):
            return True
    return False


def test_one_run_at_a_time_and_the_lock_goes_with_its_holder(tmp_path):
    with run_lock(tmp_path) as path:
        with pytest.raises(Timeout):
            FileLock(path).acquire(timeout=0)
        with pytest.raises(ExecutionError, match="un'altra esecuzione"):
            with run_lock(tmp_path):
                pass
    assert not list(tmp_path.iterdir())  # the lock is private: nothing in the published folder
    assert path == lock_path(tmp_path) and path.is_relative_to(private_folder(tmp_path))
    FileLock(path).acquire(timeout=0).lock.release()  # free again


@pytest.mark.skipif(not (hasattr(os, "fork") and os.path.isdir("/proc/self/fd")), reason="serve fork e /proc")
def test_the_lock_is_not_inherited_by_a_forked_worker_or_a_started_process(tmp_path):
    with run_lock(tmp_path) as path:
        assert _holds(path)
        child = os.fork()
        if child == 0:  # a forked worker: filelock closes its copy
            os._exit(1 if _holds(path) else 0)
        assert os.waitpid(child, 0)[1] == 0
        code = ("import os, sys\nw = os.stat(sys.argv[1])\nfds = os.listdir('/proc/self/fd')\n"
                "print(any((lambda s: (s.st_dev, s.st_ino) == (w.st_dev, w.st_ino))(os.stat('/proc/self/fd/' + f))"
                " for f in fds if os.path.exists('/proc/self/fd/' + f)))")
        assert subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                              timeout=60).stdout.strip() == "False"  # a template or a kernel


# --------------------------------------------------------------------------- spreadsheet, PDF and index
@pytest.mark.kernel
def test_a_run_publishes_each_reports_spreadsheet_and_the_index_shows_figures_and_other_years(tmp_path, notebooks):
    import json

    import nbformat
    from openpyxl import load_workbook

    from pianozona.publish.runner import run_reports
    from tests.publish.conftest import edit_notebook

    cell = ('import pandas as pd\nfrom pianozona.present import display as show\n'
            'show.table(pd.DataFrame({"comune": ["=1+1", "Sommo"], "utenti": [3, 40],'
            ' "utenti_soppresso": [True, False]}), caption="Utenti per comune")\n'
            'if metrics_path:\n    import json\n'
            '    json.dump({"in_evidenza": {"Utenti": "n.d."}}, open(metrics_path, "w"))')
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
    years = (tmp_path / "reports" / "pavia" / "index.html").read_text(encoding="utf-8")
    assert 'href="2023/index.html"' in years and 'href="2022/index.html"' in years
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


# --------------------------------------------------------------------------- what is published, what stays private
def _job(tmp_path, name="bilancio"):
    plan = plan_run("pavia", areas="anziani", comuni="", notebooks_dir=FIXTURES, out_dir=tmp_path / "reports")
    plan.out_dir.mkdir(parents=True)
    work = plan.out_dir / ".in-corso-prova"
    work.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), work / f"{name}.ipynb")
    return plan, {j.name: j for j in plan.jobs}[name], work


def test_a_success_publishes_its_page_and_keeps_its_notebook_private(tmp_path):
    plan, job, work = _job(tmp_path)
    (work / "bilancio.html").write_text("pagina", encoding="utf-8")
    (work / "bilancio.xlsx").write_bytes(b"PK")
    manifest: dict = {}
    publish_job(plan, job, JobResult(job, "riuscito", 1.0, warnings=[f"foglio: '{work}/x.xlsx'"]), "k", work,
                manifest)
    assert sorted(p.name for p in plan.out_dir.iterdir() if p != work) == [
        "bilancio.html", "bilancio.xlsx", "dizionario.html", "index.html", "manifest.json"]
    assert site.private_notebook(plan.out_dir, "bilancio").is_file()
    entry = manifest["rapporti"][0]
    assert "notebook_eseguito" not in entry and entry["parametri"] == {"district": "pavia", "year": 2023}
    assert entry["avvisi"] == ["foglio: 'x.xlsx'"] and manifest["formato"] == site.MANIFEST_FORMAT


def test_a_failure_publishes_its_reason_in_words_and_keeps_the_details_private(tmp_path):
    plan, job, work = _job(tmp_path)
    message = (f"DataError: file non leggibile {plan.district.folder}/spesa_vecchia.csv\n"
               "Traceback (most recent call last):"
               f'\n  File "{work}/x.py", line 3')
    manifest: dict = {}
    publish_job(plan, job, JobResult(job, "fallito", 1.0, message), "k", work, manifest)
    page = (plan.out_dir / "bilancio.errore.html").read_text(encoding="utf-8")
    published = page + (plan.out_dir / "manifest.json").read_text(encoding="utf-8") + (
        plan.out_dir / "index.html").read_text(encoding="utf-8")
    assert "i dati del distretto hanno errori" in page
    assert "Traceback" not in published and str(tmp_path) not in published and "spesa_vecchia" not in published
    assert manifest["rapporti"][0]["errore"] == "i dati del distretto hanno errori"
    assert not list(plan.out_dir.glob("*.ipynb"))
    private = private_folder(plan.out_dir)
    assert (private / site.NOTEBOOKS / "bilancio.errore.ipynb").is_file()
    assert json.loads((private / site.FAILURES).read_text(encoding="utf-8"))["bilancio"]["messaggio"] == message
    (work / "bilancio.html").write_text("pagina", encoding="utf-8")
    publish_job(plan, job, JobResult(job, "riuscito", 1.0), "k", work, manifest)  # fixed: the details go
    assert json.loads((private / site.FAILURES).read_text(encoding="utf-8")) == {}
    assert not (plan.out_dir / "bilancio.errore.html").exists()


def test_reasons_name_no_path():
    assert site.public_reason("superato il tempo massimo di 600 s: il kernel è stato fermato") == (
        "l'esecuzione ha superato il tempo massimo")
    assert site.public_reason("ValueError: /home/ufficio/dati/x.csv") == site.REASON_OTHER
    assert site.public_reason("i dati sono cambiati durante l'esecuzione (utenti): ...") == (
        "i dati sono cambiati durante l'esecuzione")
    assert site.public_text("vedi '/srv/pz/reports/.in-corso-1/a.pdf' e C:\\Dati\\b.csv, http://x/y") == (
        "vedi 'a.pdf' e b.csv, http://x/y")


def test_what_earlier_versions_published_and_is_private_now_goes(tmp_path):
    out = tmp_path / "pavia" / "2023"
    out.mkdir(parents=True)
    for name in ("bilancio.ipynb", "bilancio.errore.ipynb", ".lock", "bilancio.html"):
        (out / name).write_text("x", encoding="utf-8")
    (out.parent / ".distretto.json").write_text("{}", encoding="utf-8")
    site.remove_no_longer_published(out)
    assert [p.name for p in out.iterdir()] == ["bilancio.html"] and not (out.parent / ".distretto.json").exists()


def test_every_year_links_the_others_and_the_district_lists_them(tmp_path):
    plans = {year: plan_run("pavia", year, areas="anziani", comuni="", notebooks_dir=FIXTURES,
                            out_dir=tmp_path / "reports") for year in (2021, 2023)}
    for year, plan in plans.items():
        plan.out_dir.mkdir(parents=True)
        site.publish_summary(plan, {}, {"processi": 1})
    first = (plans[2021].out_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="../2023/index.html"' in first  # written again when 2023 was published
    assert 'href="../2021/index.html"' in (plans[2023].out_dir / "index.html").read_text(encoding="utf-8")
    page = (tmp_path / "reports" / "pavia" / "index.html").read_text(encoding="utf-8")
    assert page.index('href="2023/index.html"') < page.index('href="2021/index.html"')
    with run_lock(plans[2021].out_dir):  # a run holds 2021: its index is left to that run
        (plans[2021].out_dir / "index.html").write_text("in corso", encoding="utf-8")
        site.publish_summary(plans[2023], {}, {"processi": 1})
        assert (plans[2021].out_dir / "index.html").read_text(encoding="utf-8") == "in corso"
