"""One job in a worker: retries of a kernel start that lost a port race, tables and PDF, the result hash."""

from __future__ import annotations

import re

import pytest

from pianozona.publish import execution


def test_a_kernel_that_loses_a_port_race_is_started_again(monkeypatch, tmp_path):
    """jupyter_client's free-port race ('Address already in use') is retried; other failures are final."""
    import nbformat

    calls = []

    def fake(task, output, outcomes):
        calls.append(task["name"])
        return outcomes.pop(0)

    def rendered(task, nb, error, duration):
        return {"ok": not error, "message": error}

    monkeypatch.setattr(execution, "_render_job", rendered)
    race = (None, "RuntimeError: Kernel died; ZMQError: Address already in use", True)
    good = (nbformat.v4.new_notebook(), "", False)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "x.ipynb")
    (tmp_path / "work").mkdir()  # the run's temporary folder, where the executed notebook is written
    task = {"name": "job", "work": str(tmp_path / "work"), "notebook": str(tmp_path / "x.ipynb")}

    outcomes = [race, race, good]
    monkeypatch.setattr(execution, "_papermill", lambda t, o: fake(t, o, outcomes))
    assert execution.execute_job(task) == {"ok": True, "message": "", "result_hash": execution.result_hash(good[0]),
                                           "letture": []}
    assert len(calls) == 3

    calls.clear()
    failure = (nbformat.v4.new_notebook(), "ValueError: boom", False)
    outcomes = [failure, good]
    assert execution.execute_job(task)["message"] == "ValueError: boom" and len(calls) == 1

    calls.clear()
    outcomes = [race, race, race, good]
    assert not execution.execute_job(task)["ok"] and len(calls) == execution.START_ATTEMPTS


# --------------------------------------------------------------------------- outputs to hand on: xlsx and PDF
HOSTILE = '=HYPERLINK("http://x.example","clic") <b>x</b>'
TABLE_CELL = f'''import pandas as pd
from pianozona.present import display as show
show.table(pd.DataFrame({{"comune": [{HOSTILE!r}, "Sommo"], "utenti": [3, 40], "utenti_soppresso": [True, False],
                         "spesa": [1234.567, 8.0]}}), caption="Utenti e spesa per comune", decimals={{"spesa": 2}})
show.table(pd.DataFrame({{"anno": [2022, 2023], "valore": [1.5, 2.25]}}), caption="Serie")'''


def table_task(tmp_path, *, pdf=None, docx=False) -> dict:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from pianozona.present.render import PageInfo

    nb = new_notebook(cells=[new_code_cell('district: str = "pavia"', metadata={"tags": ["parameters"]}),
                             new_markdown_cell("# Prova delle tabelle"), new_code_cell(TABLE_CELL)])
    nbformat.write(nb, tmp_path / "tabelle.ipynb")
    (tmp_path / "work").mkdir()
    return {"name": "tabelle", "work": str(tmp_path / "work"), "notebook": str(tmp_path / "tabelle.ipynb"),
            "parameters": {}, "page": PageInfo("Tabelle", "Distretto di prova", 2023), "metrics": False,
            "timeout": 120, "pdf": pdf, "docx": docx}


@pytest.mark.kernel
def test_a_job_leaves_its_tables_as_a_spreadsheet_linked_from_its_page(tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from pianozona.present.spreadsheet import TABLES_ENV_VAR

    monkeypatch.delenv(TABLES_ENV_VAR, raising=False)
    monkeypatch.setenv("PIANOZONA_PUBBLICAZIONE", "1")
    task = table_task(tmp_path)
    result = execution.execute_job(task)
    work = tmp_path / "work"
    assert result["ok"], result["message"]
    assert TABLES_ENV_VAR not in __import__("os").environ  # the worker's environment is left as it was
    assert not (work / "tabelle.tabelle.jsonl").exists()
    book = load_workbook(work / "tabelle.xlsx")
    assert [s.title for s in book.worksheets] == ["Utenti e spesa per comune", "Serie", "Note", "Definizioni"]
    first = book.worksheets[0]
    assert [c.value for c in first[1]] == ["comune", "utenti", "spesa"]
    assert [c.value for c in first[2]] == ["'" + HOSTILE, "n.d.", 1234.57]
    assert [c.value for c in first[3]] == ["Sommo", 40, 8]
    assert [c.value for c in book.worksheets[1][3]] == [2023, 2.3]  # rounded half up, as the page shows "2,3"
    page = (work / "tabelle.html").read_text(encoding="utf-8")
    assert '<a href="tabelle.xlsx">tabelle (Excel)</a>' in page and "tabelle.pdf" not in page


@pytest.mark.browser
@pytest.mark.kernel
def test_a_job_prints_its_page_to_pdf_when_asked(tmp_path, monkeypatch):
    from pianozona.publish import pdf

    chromium = pdf.find_chromium()
    if chromium is None:
        import pytest

        pytest.skip("Chromium non installato: apt-get install chromium")
    result = execution.execute_job(table_task(tmp_path, pdf=chromium))
    work = tmp_path / "work"
    assert result["ok"] and not [w for w in result["warnings"] if "PDF" in w], result
    assert (work / "tabelle.pdf").read_bytes().startswith(b"%PDF-")
    assert 'href="tabelle.pdf"' in (work / "tabelle.html").read_text(encoding="utf-8")


@pytest.mark.kernel
def test_a_pdf_chromium_cannot_print_is_a_warning_and_the_page_loses_its_link(tmp_path):
    result = execution.execute_job(table_task(tmp_path, pdf="/bin/false"))
    work = tmp_path / "work"
    assert result["ok"] and any("PDF di tabelle.html non prodotto" in w for w in result["warnings"])
    assert not (work / "tabelle.pdf").exists()
    page = (work / "tabelle.html").read_text(encoding="utf-8")
    assert "tabelle.pdf" not in page and 'href="tabelle.xlsx"' in page


@pytest.mark.kernel
def test_a_job_writes_its_page_as_a_word_document_linked_from_the_page(tmp_path, monkeypatch):
    from docx import Document

    monkeypatch.setenv("PIANOZONA_PUBBLICAZIONE", "1")
    result = execution.execute_job(table_task(tmp_path, docx=True))
    work = tmp_path / "work"
    assert result["ok"], result["message"]
    document = Document(work / "tabelle.docx")
    assert document.paragraphs[0].text.startswith("Distretto di prova") and len(document.tables) == 2
    assert [c.text for c in document.tables[0].rows[1].cells] == [HOSTILE, "n.d.", "1.234,57"]
    assert '<a href="tabelle.docx">documento Word</a>' in (work / "tabelle.html").read_text(encoding="utf-8")
    # the drift check: a number column the dictionary of definitions does not define is a warning of the job
    assert any("colonna «spesa»: indicatore non definito nel dizionario" in w for w in result["warnings"])


@pytest.mark.kernel
def test_a_word_document_that_cannot_be_made_is_a_warning_and_the_page_loses_its_link(tmp_path, monkeypatch):
    from pianozona.present import word

    def broken(page, target):
        raise word.WordError("documento Word di tabelle.html non prodotto: prova")

    monkeypatch.setattr(word, "page_to_docx", broken)
    result = execution.execute_job(table_task(tmp_path, docx=True))
    work = tmp_path / "work"
    assert result["ok"] and any("documento Word non prodotto" in w for w in result["warnings"])
    page = (work / "tabelle.html").read_text(encoding="utf-8")
    assert not (work / "tabelle.docx").exists() and "tabelle.docx" not in page and 'href="tabelle.xlsx"' in page


# --------------------------------------------------------------------------- the result hash
def shown_notebook(*outputs_per_cell, **metadata):
    """A notebook whose code cells have these outputs (and a markdown cell, which does not count)."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [new_markdown_cell("# Titolo")]
    for count, outputs in enumerate(outputs_per_cell, start=1):
        cells.append(new_code_cell("x", outputs=list(outputs), execution_count=count))
    return new_notebook(cells=cells, metadata=metadata)


def stdout(text):
    from nbformat.v4 import new_output

    return new_output("stream", name="stdout", text=text)


def shown(mime, value, **metadata):
    from nbformat.v4 import new_output

    return new_output("display_data", data={mime: value, "text/plain": "<IPython.core.display.Image object>"},
                      metadata=metadata)


PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def test_the_result_hash_ignores_counts_times_metadata_stderr_and_how_streams_and_images_were_split():
    from nbformat.v4 import new_output

    base = shown_notebook([stdout("Utenti: 12\n")], [shown("image/png", PNG, alt="Grafico")],
                          [shown("text/html", "<table></table>")])
    same = shown_notebook([stdout("Uten"), new_output("stream", name="stderr", text="UserWarning: CRS\n"),
                           stdout("ti: 12\n")],
                          [shown("image/png", PNG[:40] + "\n" + PNG[40:] + "\n", alt="Grafico")],
                          [shown("text/html", ["<table>", "</table>"])],
                          papermill={"start_time": "2026-01-01T00:00:00", "duration": 3.2},
                          kernelspec={"name": "python3", "display_name": "Python 3"})
    for count, cell in enumerate(same.cells[1:], start=7):
        cell.execution_count = count
        cell.metadata["papermill"] = {"duration": count * 0.1, "status": "completed"}
        cell.metadata["execution"] = {"iopub.execute_input": f"2026-01-0{count - 6}T10:00:00Z"}
    digest = execution.result_hash(base)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)  # a SHA-256 in lower-case hex, as the manifest stores it
    assert digest != execution.result_hash(shown_notebook([], [], []))  # the outputs are what is hashed
    assert execution.result_hash(same) == digest


def test_the_result_hash_changes_with_what_a_cell_shows():
    from nbformat.v4 import new_output

    def digest(*cells):
        return execution.result_hash(shown_notebook(*cells))

    text, image = [stdout("Utenti: 12\n")], [shown("image/png", PNG, alt="Grafico")]
    reference = digest(text, image)
    other_image = PNG[:-8] + "AAAAAAA="
    changed = [digest([stdout("Utenti: 13\n")], image),                               # a number
               digest(text, [shown("image/png", other_image, alt="Grafico")]),        # a pixel
               digest(text, [shown("image/png", PNG, alt="Grafico delle spese")]),    # the alt text
               digest(text + image, []),                                             # an output in another cell
               digest(image, text),                                                  # the order
               digest(text, image, [new_output("error", ename="ValueError", evalue="spesa negativa",
                                               traceback=[])]),                      # an error
               digest(text, [shown("text/markdown", "**Utenti**")])]                 # markdown for an image
    assert reference not in changed and len(set(changed)) == len(changed)


def hashed_run(tmp_path, name, cells) -> dict:
    """Execute a notebook of these code cells as a job, in its own temporary folder: its outcome."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from pianozona.present.render import PageInfo

    folder = tmp_path / name
    (folder / "work").mkdir(parents=True)
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), folder / "grafico.ipynb")
    return execution.execute_job({"name": "grafico", "work": str(folder / "work"),
                                  "notebook": str(folder / "grafico.ipynb"), "parameters": {},
                                  "page": PageInfo("Grafico", "Distretto di prova", 2023), "metrics": False,
                                  "timeout": 120, "pdf": None})


CHART_CELLS = ["import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
               "from pianozona.present import display as show",
               "fig, ax = plt.subplots()\nax.bar(['Sommo', 'Pavia'], [3, {utenti}])\nax.set_title('Utenti')\n"
               "show.figure(ax, alt='Grafico a barre: utenti per comune')",
               "print('Utenti a Pavia:', {utenti})\nfig"]


@pytest.mark.kernel
def test_the_same_job_run_twice_has_the_same_result_hash_and_a_changed_output_changes_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PIANOZONA_PUBBLICAZIONE", "1")
    cells = [c.format(utenti=40) for c in CHART_CELLS]
    first, second = hashed_run(tmp_path, "prima", cells), hashed_run(tmp_path, "seconda", cells)
    assert first["ok"] and second["ok"], (first["message"], second["message"])
    assert first["result_hash"] == second["result_hash"]
    changed = hashed_run(tmp_path, "cambiata", [c.format(utenti=41) for c in CHART_CELLS])
    assert changed["ok"] and changed["result_hash"] != first["result_hash"]


@pytest.mark.kernel
def test_a_failed_job_that_ran_has_a_result_hash_and_one_that_never_ran_has_none(tmp_path, monkeypatch):
    failed = hashed_run(tmp_path, "errore", ["print('prima')", "raise ValueError('spesa negativa')"])
    assert not failed["ok"] and len(failed["result_hash"]) == 64

    monkeypatch.setattr(execution, "_papermill", lambda task, output: (None, "RuntimeError: kernel morto", False))
    never = hashed_run(tmp_path, "mai", ["print('prima')"])
    assert not never["ok"] and "result_hash" not in never


@pytest.mark.kernel
def test_a_missing_word_package_is_a_warning_not_a_dead_worker(tmp_path, monkeypatch):
    """Seen on an install made before python-docx joined: the import failed in the worker and took it down."""
    from pianozona.present import word

    def missing(page, target):
        raise ModuleNotFoundError("No module named 'lxml'", name="lxml")

    monkeypatch.setattr(word, "page_to_docx", missing)
    result = execution.execute_job(table_task(tmp_path, docx=True))
    assert result["ok"] and "documento Word non prodotto: manca il pacchetto Python lxml" in result["warnings"]
    assert "tabelle.docx" not in (tmp_path / "work" / "tabelle.html").read_text(encoding="utf-8")
