"""One job in a worker: retries of a kernel start that lost a port race."""

from __future__ import annotations

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
    assert execution.execute_job(task) == {"ok": True, "message": ""} and len(calls) == 3

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


def table_task(tmp_path, *, pdf=None) -> dict:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from pianozona.present.render import PageInfo

    nb = new_notebook(cells=[new_code_cell('district: str = "pavia"', metadata={"tags": ["parameters"]}),
                             new_markdown_cell("# Prova delle tabelle"), new_code_cell(TABLE_CELL)])
    nbformat.write(nb, tmp_path / "tabelle.ipynb")
    (tmp_path / "work").mkdir()
    return {"name": "tabelle", "work": str(tmp_path / "work"), "notebook": str(tmp_path / "tabelle.ipynb"),
            "parameters": {}, "page": PageInfo("Tabelle", "Distretto di prova", 2023), "metrics": False,
            "timeout": 120, "pdf": pdf}


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
    assert [s.title for s in book.worksheets] == ["Utenti e spesa per comune", "Serie", "Note"]
    first = book.worksheets[0]
    assert [c.value for c in first[1]] == ["comune", "utenti", "spesa"]
    assert [c.value for c in first[2]] == ["'" + HOSTILE, "< 5", 1234.57]
    assert [c.value for c in first[3]] == ["Sommo", 40, 8]
    assert [c.value for c in book.worksheets[1][3]] == [2023, 2.3]  # rounded half up, as the page shows "2,3"
    page = (work / "tabelle.html").read_text(encoding="utf-8")
    assert '<a href="tabelle.xlsx">tabelle (Excel)</a>' in page and "tabelle.pdf" not in page


def test_a_job_prints_its_page_to_pdf_when_asked(tmp_path, monkeypatch):
    from pianozona.publish import pdf

    chromium = pdf.find_chromium()
    if chromium is None:
        import pytest

        pytest.skip("Chromium non installato: apt-get install chromium")
    result = execution.execute_job(table_task(tmp_path, pdf=chromium))
    work = tmp_path / "work"
    assert result["ok"] and result["warnings"] == [], result
    assert (work / "tabelle.pdf").read_bytes().startswith(b"%PDF-")
    assert 'href="tabelle.pdf"' in (work / "tabelle.html").read_text(encoding="utf-8")


def test_a_pdf_chromium_cannot_print_is_a_warning_and_the_page_loses_its_link(tmp_path):
    result = execution.execute_job(table_task(tmp_path, pdf="/bin/false"))
    work = tmp_path / "work"
    assert result["ok"] and any("PDF di tabelle.html non prodotto" in w for w in result["warnings"])
    assert not (work / "tabelle.pdf").exists()
    page = (work / "tabelle.html").read_text(encoding="utf-8")
    assert "tabelle.pdf" not in page and 'href="tabelle.xlsx"' in page
