"""One job in a worker: execute its notebook with papermill, judge whether it ran to the end, render its page.

`execute_job(task, limits)` runs the `Task`'s notebook in a kernel of `pianozona.publish.kernels`
(`_papermill`), renders its HTML page with `pianozona.present.render` (`_render_job`) and reads
the key figures the notebook wrote (`_read_metrics`), all inside the run's temporary folder, and
returns its `Outcome`.  The kernel records every table the notebook shows (`TABLES_ENV_VAR` points
it to `tables_record`); a successful job turns them into ``<job>.xlsx``
(`pianozona.present.spreadsheet`), when the task asks writes its page as ``<job>.docx`` (`Task.docx`,
`pianozona.present.word`) and prints it to ``<job>.pdf`` (`Task.pdf`, `pianozona.publish.pdf`); the page
links them.

When a job counts as done: papermill returns normally from a notebook that stopped early
(``sys.exit(0)``/``raise SystemExit``: the cell is marked failed and the rest left pending;
``exit()``/``quit()``: the kernel only asks the front end to close it).  So a job succeeds only
when every code cell has papermill's status ``completed`` without an error output, no cell asked
to exit, and the kernel was alive when the notebook ended (`_stopped_early`); anything else is a
failed job (its `Reason`), and the last good page stays published.

Limits (`_Watch`, a thread of the worker): time from the kernel's start, resident memory of the kernel
and what it started (`processes.resident_mb`, every `WATCH_S`); past either the kernel is killed and the
job fails with an Italian message, the others go on.  A job's files are written whole (`files.write_atomic`).
A job's outcome carries ``result_hash``: a digest of what its code cells showed, the same whichever executor
ran it, so two runs' manifests can be compared.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pianozona.data.inputs import READS_ENV_VAR, read_notes
from pianozona.present.spreadsheet import TABLES_ENV_VAR, read_tables, write_workbook
from pianozona.files import write_atomic
from pianozona.publish.kernels import START_TIMEOUT_S, CurrentKernel, KernelManager, kernel_for, kernel_log
from pianozona.publish.planning import METRICS_PARAMETER
from pianozona.publish.processes import resident_mb
from pianozona.publish.tasks import Limits, Outcome, Reason, Task

KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 1800
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]
PORT_RACE = "Address already in use"  # jupyter_client picks free ports before the kernel binds them
START_ATTEMPTS = 3
WATCH_S = 0.1


def execute_job(task: Task, limits: Limits) -> Outcome:
    """Run one notebook with papermill and render its page, all inside the run's temporary folder.

    A kernel that dies at start because another kernel took one of its ports
    (a known race of jupyter_client when kernels start in parallel) is
    started again, at most `START_ATTEMPTS` times; any other failure is final.
    """
    import nbformat

    output = task.work / f"{task.name}.papermill.ipynb"  # papermill's own file: it may be cut short by a full disk
    start = time.perf_counter()
    for attempt in range(1, START_ATTEMPTS + 1):
        tables_record(task).unlink(missing_ok=True)  # a retried start records its tables anew
        reads_record(task).unlink(missing_ok=True)
        with _recording(tables_record(task), reads_record(task)):
            nb, error, reason = _papermill(task, output, limits)
        if PORT_RACE not in error or attempt == START_ATTEMPTS:
            break
    duration = time.perf_counter() - start
    if nb is None:
        nb = _read_notebook(output)
    produced = nb is not None  # else the planner's notebook, unexecuted, is what the failure page shows
    if nb is None:
        nb = nbformat.read(task.notebook, as_version=4)
    try:
        write_atomic(task.work / f"{task.name}.ipynb", nbformat.writes(nb))
    except OSError as exc:
        error, reason = (error, reason) if error else (_disk_error(exc), Reason.DISK)
    output.unlink(missing_ok=True)
    outcome = _render_job(task, nb, error, reason, duration)
    reads = tuple(read_notes(reads_record(task)))  # what the notebook loaded: the runner compares
    reads_record(task).unlink(missing_ok=True)
    return dataclasses.replace(outcome, reads=reads, result_hash=result_hash(nb) if produced else None)


def result_hash(nb: Any) -> str:
    """The sha256 (hex) of what an executed notebook's code cells show, in order: stable across runs and executors.

    Each code cell counts with its outputs: ``stdout`` text (consecutive chunks joined: how the
    kernel split a stream depends on timing), every MIME bundle of a display or result (text,
    HTML, markdown, images: base64 without line breaks) with the output's metadata (the charts'
    alt text), and errors by name and message.  Left out: execution counts, cell and
    notebook metadata (papermill's times and status, the kernel), ``transient`` data, the
    ``stderr`` stream (the page drops it; it carries warnings that a process shows once, so
    their presence depends on what the kernel's process ran before) and tracebacks (they
    number cells by execution count).
    """
    shown = [_cell_outputs(cell.get("outputs", [])) for cell in nb.cells if cell.get("cell_type") == "code"]
    text = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cell_outputs(outputs: list) -> list[dict]:
    """A code cell's outputs as `result_hash` counts them."""
    shown: list[dict] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") != "stdout":
                continue
            if shown and shown[-1]["kind"] == "stdout":
                shown[-1]["text"] += _text(output.get("text", ""))
            else:
                shown.append({"kind": "stdout", "text": _text(output.get("text", ""))})
        elif kind in ("display_data", "execute_result", "update_display_data"):
            data = {mime: _bundle_value(mime, value) for mime, value in (output.get("data") or {}).items()}
            shown.append({"kind": "display", "data": data, "metadata": output.get("metadata") or {}})
        elif kind == "error":
            shown.append({"kind": "error", "ename": output.get("ename"), "evalue": output.get("evalue")})
    return shown


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _bundle_value(mime: str, value: Any) -> Any:
    """A MIME bundle's value: text joined; base64 images without the line breaks nbformat may add."""
    if isinstance(value, (list, str)):
        text = _text(value)
        return "".join(text.split()) if mime.startswith("image/") and not mime.endswith("+xml") else text
    return value  # JSON data (application/json, widgets): compared as they are, keys sorted


def tables_record(task: Task) -> Path:
    """The file where the job's kernel records the tables it shows (`pianozona.present.spreadsheet`)."""
    return task.work / f"{task.name}.tabelle.jsonl"


def reads_record(task: Task) -> Path:
    """The file where the job's kernel notes the inputs of the districts it loads (`pianozona.data.inputs`)."""
    return task.work / f"{task.name}.letture.jsonl"


@contextmanager
def _recording(tables: Path, reads: Path) -> Iterator[None]:
    """Set `TABLES_ENV_VAR` and `READS_ENV_VAR` for the kernels this worker starts meanwhile (one job at a time)."""
    previous = {name: os.environ.get(name) for name in (TABLES_ENV_VAR, READS_ENV_VAR)}
    os.environ.update({TABLES_ENV_VAR: str(tables), READS_ENV_VAR: str(reads)})
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _read_notebook(path: Path) -> Any:
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # missing, or cut short (full disk): not worth showing
        return None


class _Watch:
    """The job's limits, watched from a thread: its kernel is killed past the time or the memory limit."""

    def __init__(self, limits: Limits) -> None:
        self.limits, self.broken = limits, None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True, name="pianozona-limiti")

    def __enter__(self) -> _Watch:
        CurrentKernel.reset()
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.done.set()
        self.thread.join()

    def _watch(self) -> None:
        while not self.done.wait(WATCH_S):
            pid, started = CurrentKernel.pid, CurrentKernel.started_at
            if pid is None or started is None:
                continue
            if time.monotonic() - started > self.limits.timeout_s:
                self.broken = Reason.TIMEOUT
            elif self.limits.memory_mb and resident_mb(pid) > self.limits.memory_mb:
                self.broken = Reason.MEMORY
            if self.broken is not None:
                CurrentKernel.kill()  # papermill sees the kernel die
                return


def _papermill(task: Task, output: Path, limits: Limits) -> tuple[Any, str, Reason | None]:
    """(executed notebook or None, error text, its reason) of one execution of the task's notebook."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    asked_exit: list[int] = []
    reason: Reason | None = None
    kernel_for(task.parameters)
    with _Watch(limits) as watch:
        try:
            nb = papermill.execute_notebook(
                str(task.notebook), str(output), parameters=task.parameters, kernel_name=KERNEL_NAME,
                progress_bar=False, log_output=False, cwd=str(task.notebook.parent),
                execution_timeout=min(CELL_TIMEOUT_S, int(limits.timeout_s) + 5), start_timeout=START_TIMEOUT_S,
                shutdown_kernel="immediate", request_save_on_cell_execute=False, extra_arguments=KERNEL_ARGUMENTS,
                kernel_manager_class=KernelManager, on_cell_executed=_exit_watcher(asked_exit),
            )
            error, reason = _stopped_early(nb, asked_exit, CurrentKernel.alive_at_end)
        except PapermillExecutionError as exc:
            nb, error = None, f"{exc.ename}: {exc.evalue}".strip(": ")
            reason = Reason.MEMORY if exc.ename == "MemoryError" else Reason.ERROR
        except OSError as exc:  # full disk or read-only folder while papermill writes its file
            nb, error, reason = None, _disk_error(exc), Reason.DISK
        except Exception as exc:  # dead kernel, a kernel that never started, an unreadable notebook...
            what = f"{type(exc).__name__}: {exc}"
            if type(exc).__name__ == "DeadKernelError":
                what = ("il kernel si è interrotto prima della fine del notebook (os._exit, un arresto del processo: "
                        f"{what})")
            nb, error, reason = None, f"{what}; {log_tail(kernel_log())}", Reason.DEAD_KERNEL
    if watch.broken is Reason.TIMEOUT and (nb is None or error):
        timeout = f"superato il tempo massimo di {_seconds(limits.timeout_s)} s: il kernel è stato fermato"
        return nb, timeout, Reason.TIMEOUT
    if watch.broken is Reason.MEMORY or reason is Reason.MEMORY:
        return nb, (f"memoria esaurita (limite {limits.memory_mb} MB): il kernel è stato fermato; ridurre i dati "
                    "caricati o alzare il limite con --memoria"), Reason.MEMORY
    return nb, error, reason


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _exit_watcher(asked: list[int]) -> Any:
    """An nbclient ``on_cell_executed`` hook noting the cells that called ``exit()``/``quit()``."""

    def hook(cell: Any, cell_index: int, execute_reply: dict) -> None:
        payload = (execute_reply or {}).get("content", {}).get("payload") or []
        if any(item.get("source") == "ask_exit" for item in payload):
            asked.append(cell_index)

    return hook


def _stopped_early(nb: Any, asked_exit: list[int], alive_at_end: bool | None) -> tuple[str, Reason | None]:
    """Why a notebook papermill ran "without error" did not run to its end ('' and None when it did)."""
    number = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue  # numbered as the planner sees the notebook: without the cell papermill adds
        number += 1
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            error = errors[0]
            return (f"il notebook si è fermato alla cella di codice {number} ({error.get('ename')}: "
                    f"{error.get('evalue')}".rstrip(": ") + "): un rapporto deve eseguire tutte le celle; "
                    "togliere sys.exit/raise SystemExit dal notebook"), Reason.EARLY_EXIT
        if cell.get("metadata", {}).get("papermill", {}).get("status") != "completed":
            return (f"la cella di codice {number} non è stata eseguita: il notebook si è fermato prima della "
                    "fine"), Reason.EARLY_EXIT
        if index in asked_exit:
            return (f"la cella di codice {number} chiama exit() o quit(): un rapporto deve eseguire tutte le "
                    "celle; togliere la chiamata dal notebook"), Reason.EARLY_EXIT
    if alive_at_end is False:
        return "il kernel si è interrotto prima della fine del notebook", Reason.DEAD_KERNEL
    return "", None


def _disk_error(exc: OSError) -> str:
    import errno

    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"disco pieno{where}: liberare spazio nella cartella dei rapporti e rilanciare"
    return f"scrittura non riuscita{where}: {exc.strerror or exc}"


def _render_job(task: Task, nb: Any, error: str, reason: Reason | None, duration: float) -> Outcome:
    """A successful job's page, spreadsheet, Word document and PDF (when asked), in the temporary folder.

    The page links the spreadsheet, the Word document and the PDF it will have; a document that could
    not be made (a PDF Chromium could not print) leaves a warning and a page rendered again without its
    link.  A failed job gets no page here: the runner publishes its failure page (`pianozona.publish.site`).
    """
    warnings: list[str] = []
    if error:
        tables_record(task).unlink(missing_ok=True)
        return Outcome(task.key, reason or Reason.ERROR, error, duration)
    downloads = _spreadsheet(task, warnings)
    chromium = task.pdf
    extra = ([("documento Word", f"{task.name}.docx")] if task.docx else []) + (
        [("PDF da stampare", f"{task.name}.pdf")] if chromium else [])
    try:
        error = _write_page(task, nb, error, downloads + extra, warnings)
        made = {"documento Word": not error and task.docx and _docx(task, warnings),
                "PDF da stampare": not error and chromium and _pdf(task, chromium, warnings)}
        if not error and not all(made[text] for text, _ in extra):  # link only what was made
            error = _write_page(task, nb, error, downloads + [d for d in extra if made[d[0]]], [])
    except OSError as exc:
        error, reason = _disk_error(exc), Reason.DISK
    if error and reason is None:
        reason = Reason.ERROR  # the page could not be made
    metrics = _read_metrics(task.work / f"{task.name}.metrics.json", task.metrics, warnings) if not error else None
    return Outcome(task.key, reason, error, duration, tuple(warnings), metrics)


def _write_page(task: Task, nb: Any, error: str, downloads: list[tuple[str, str]], warnings: list[str]) -> str:
    """Render and write the job's page with these download links; the job's error ('' when none)."""
    from pianozona.present.render import render_notebook

    page_info = dataclasses.replace(task.page, downloads=tuple(downloads))
    try:
        page = render_notebook(nb, page_info)
    except Exception as exc:  # a bug in rendering must not hide the job's own outcome
        return error or f"impaginazione non riuscita: {type(exc).__name__}: {exc}"
    write_atomic(task.work / f"{task.name}.html", page.html)
    warnings += page.warnings
    return error


def _spreadsheet(task: Task, warnings: list[str]) -> list[tuple[str, str]]:
    """Write ``<job>.xlsx`` from the tables the notebook showed; its download link ([] when it showed none)."""
    from pianozona.analysis.definitions import undefined

    record = tables_record(task)
    try:
        tables = read_tables(record)
        if not tables:
            return []
        write_workbook(tables, task.work / f"{task.name}.xlsx", title=task.page.title, areas=task.areas or None)
        warnings += undefined(tables)  # a shown number the dictionary of definitions does not define
    except (OSError, ValueError) as exc:
        warnings.append(f"foglio di calcolo delle tabelle non prodotto: {exc}")
        return []
    finally:
        record.unlink(missing_ok=True)
    return [("tabelle (Excel)", f"{task.name}.xlsx")]


def _docx(task: Task, warnings: list[str]) -> bool:
    """Write the job's page as ``<job>.docx`` (`pianozona.present.word`); False (and a warning) when it could not."""
    try:
        from pianozona.present.word import WordError, page_to_docx

        page_to_docx(task.work / f"{task.name}.html", task.work / f"{task.name}.docx")
    except ImportError as exc:  # an install without python-docx/lxml: the page is published all the same
        warnings.append(f"documento Word non prodotto: manca il pacchetto Python {exc.name or exc}")
        return False
    except (WordError, OSError, ValueError) as exc:
        warnings.append(f"documento Word non prodotto: {exc}")
        return False
    return True


def _pdf(task: Task, chromium: str, warnings: list[str]) -> bool:
    """Print the job's page to ``<job>.pdf`` with Chromium; False (and a warning) when it could not."""
    from pianozona.publish.pdf import PdfError, print_pdf

    try:
        print_pdf(task.work / f"{task.name}.html", task.work / f"{task.name}.pdf", chromium=chromium)
    except (PdfError, OSError) as exc:
        warnings.append(str(exc))
        return False
    return True


def _read_metrics(path: Path, declared: bool, warnings: list[str]) -> dict | None:
    if not declared:
        return None
    if not path.is_file():
        warnings.append(f"il notebook dichiara '{METRICS_PARAMETER}' ma non ha scritto le cifre chiave")
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        path.unlink()
        warnings.append(f"cifre chiave non in formato JSON ({exc}): file ignorato")
        return None
    return value


def log_tail(path: Path, lines: int = 3) -> str:
    """The last lines of a log, in one Italian sentence for a failed job's message."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return "nessun dettaglio disponibile"
    return "ultime righe del registro: " + " | ".join(text) if text else "nessun dettaglio disponibile"
