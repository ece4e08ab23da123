"""Worker processes of a run: they execute the notebooks with papermill and render the pages.

`pianozona.planning` plans the run and `pianozona.publish` publishes it; here `_Pool` starts the
workers (forked, or spawned when the main process has several threads) and
feeds them the jobs; each worker runs one notebook at a time
(`_execute_job`) in a kernel from `pianozona.kernels`, renders its HTML
page with `pianozona.render` (`_render_job`) and reads the key figures the
notebook wrote (`_read_metrics`), all inside the run's temporary folder.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .kernels import START_TIMEOUT_S, _kernel_manager, _TemplateClient
from .privacy import PUBLISH_ENV_VAR

METRICS_PARAMETER = "metrics_path"
KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 1800
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]


# ---------------------------------------------------------------------------
# worker processes


@dataclass(frozen=True)
class _WorkerConfig:
    work: str
    template: str | None  # socket of the kernel template; None: ordinary kernels
    parent: int


class _Pool:
    """Worker processes fed by a queue; they can be killed at once (Ctrl-C) and a dead one fails its job.

    Workers are forked from this process when it has a single thread (they
    inherit papermill already imported), spawned otherwise (e.g. inside Jupyter).
    """

    def __init__(self, size: int, config: _WorkerConfig) -> None:
        import multiprocessing
        import threading

        safe = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if safe else "spawn")
        self.tasks, self.events = context.Queue(), context.Queue()
        self.procs = [context.Process(target=_worker_main, args=(config, self.tasks, self.events), daemon=True)
                      for _ in range(size)]
        self.work = Path(config.work)
        for proc in self.procs:
            proc.start()

    def run(self, tasks: list[dict]) -> Iterator[dict]:
        for task in tasks:
            self.tasks.put(task)
        for _ in self.procs:
            self.tasks.put(None)
        running: dict[int, str] = {}
        remaining = {t["name"] for t in tasks}
        while remaining:
            try:
                kind, pid, payload = self.events.get(timeout=0.5)
            except queue.Empty:
                yield from self._casualties(running, remaining)
                continue
            if kind == "start":
                running[pid] = payload
            else:
                running.pop(pid, None)
                remaining.discard(payload["name"])
                yield payload

    def _casualties(self, running: dict[int, str], remaining: set[str]) -> Iterator[dict]:
        for proc in self.procs:
            if not proc.is_alive() and proc.pid in running:
                name = running.pop(proc.pid)
                remaining.discard(name)
                yield {"name": name, "ok": False, "message": "il processo di esecuzione si è interrotto "
                       f"inaspettatamente (codice {proc.exitcode}); {_tail(self.work / f'processo-{proc.pid}.log')}"}
        if remaining and not any(p.is_alive() for p in self.procs):
            for name in sorted(remaining):
                yield {"name": name, "ok": False, "message": "nessun processo di esecuzione disponibile"}
            remaining.clear()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.is_alive():
                proc.kill()  # the template then kills the kernels this worker asked for
        for proc in self.procs:
            proc.join(timeout=5)
        for q in (self.tasks, self.events):
            q.close()
            q.cancel_join_thread()


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return "nessun dettaglio disponibile"
    return "ultime righe del registro: " + " | ".join(text) if text else "nessun dettaglio disponibile"


def _worker_main(config: _WorkerConfig, tasks: Any, events: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides what Ctrl-C does
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    log = Path(config.work) / f"processo-{os.getpid()}.log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.environ[PUBLISH_ENV_VAR] = "1"
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    _TemplateClient.address, _TemplateClient.log = config.template, str(log)
    import papermill  # noqa: F401  (once per worker, not once per job)

    from . import render  # noqa: F401

    while True:
        try:
            task = tasks.get(timeout=1)
        except queue.Empty:
            if os.getppid() != config.parent:  # the main process is gone
                return
            continue
        if task is None:
            return
        events.put(("start", os.getpid(), task["name"]))
        events.put(("done", os.getpid(), _execute_job(task)))


PORT_RACE = "Address already in use"  # jupyter_client picks free ports before the kernel binds them
START_ATTEMPTS = 3


def _execute_job(task: dict) -> dict:
    """Run one notebook with papermill and render its page, all inside the run's temporary folder.

    A kernel that dies at start because another kernel took one of its ports
    (a known race of jupyter_client when kernels start in parallel) is
    started again, at most `START_ATTEMPTS` times; any other failure is final.
    """
    import nbformat

    output = Path(task["work"]) / f"{task['name']}.ipynb"
    start = time.perf_counter()
    for attempt in range(1, START_ATTEMPTS + 1):
        nb, error, port_race = _papermill(task, output)
        if not port_race or attempt == START_ATTEMPTS:
            break
    duration = time.perf_counter() - start
    if nb is None:
        nb = nbformat.read(output if output.is_file() else Path(task["notebook"]), as_version=4)
    return _render_job(task, nb, error, duration)


def _papermill(task: dict, output: Path) -> tuple[Any, str, bool]:
    """(executed notebook or None, error text, whether the kernel lost a port race)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        nb = papermill.execute_notebook(
            task["notebook"], str(output), parameters=task["parameters"], kernel_name=KERNEL_NAME,
            progress_bar=False, log_output=False, cwd=str(Path(task["notebook"]).parent),
            execution_timeout=CELL_TIMEOUT_S, start_timeout=START_TIMEOUT_S, shutdown_kernel="immediate",
            request_save_on_cell_execute=False, extra_arguments=KERNEL_ARGUMENTS,
            kernel_manager_class=_kernel_manager(),
        )
        return nb, "", False
    except PapermillExecutionError as exc:
        return None, f"{exc.ename}: {exc.evalue}".strip(": "), False
    except Exception as exc:  # dead kernel, timeout, unreadable notebook...
        error = f"{type(exc).__name__}: {exc}; {_tail(Path(_TemplateClient.log))}"
        return None, error, PORT_RACE in error


def _render_job(task: dict, nb: Any, error: str, duration: float) -> dict:
    from .render import render_notebook

    work, name = Path(task["work"]), task["name"]
    warnings: list[str] = []
    try:
        page = render_notebook(nb, task["page"], failed=bool(error), error_message=error)
        (work / f"{name}.html").write_text(page.html, encoding="utf-8")
        warnings += page.warnings
    except Exception as exc:  # a bug in rendering must not hide the job's own outcome
        error = error or f"impaginazione non riuscita: {type(exc).__name__}: {exc}"
    metrics = _read_metrics(work / f"{name}.metrics.json", task["metrics"], warnings) if not error else None
    return {"name": name, "ok": not error, "duration": duration, "message": error, "warnings": warnings,
            "metrics": metrics}


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
