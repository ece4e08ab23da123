"""Worker processes of a run: they execute the notebooks with papermill and render the pages.

`pianozona.publish.planning` plans the run and `pianozona.publish.site` publishes it; here `_Pool` starts the
workers (forked, or spawned when the main process has several threads) and
feeds them the jobs; each worker runs one notebook at a time
(`_execute_job`) in a kernel from `pianozona.publish.kernels`, renders its HTML
page with `pianozona.present.render` (`_render_job`) and reads the key figures the
notebook wrote (`_read_metrics`), all inside the run's temporary folder.

When a job counts as done: papermill returns normally from a notebook that
stopped early (``sys.exit(0)``/``raise SystemExit``: the cell is marked
failed and the rest left pending; ``exit()``/``quit()``: the kernel only
asks the front end to close it).  So a job succeeds only when every code
cell has papermill's status ``completed`` without an error output, no cell
asked to exit, and the kernel was alive when the notebook ended
(`_stopped_early`); anything else is a failed job, and the last good page
stays published.

Limits: a whole-job time limit (``timeout``, default `DEFAULT_TIMEOUT_S`,
counted from the start of the job's kernel: waiting for the template's
imports does not count) kills the job's kernel when it expires, and each kernel has a memory limit
(``memory_mb``, default `DEFAULT_MEMORY_MB`, see `pianozona.publish.kernels`);
both fail the job with an Italian message and let the other jobs go on.
Every file a job leaves in the temporary folder under its final name is
complete (`planning.write_atomic`): a full disk fails the job, it never yields a
half-written page.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pianozona.publish.kernels import START_TIMEOUT_S, CurrentKernel, _die_with_parent, _kernel_manager, _TemplateClient
from pianozona.privacy import PUBLISH_ENV_VAR

METRICS_PARAMETER = "metrics_path"
KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 1800
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]
DEFAULT_TIMEOUT_S = 600  # whole job: a suite notebook takes seconds on a district's data
DEFAULT_MEMORY_MB = 4096  # address space of each kernel
TIMEOUT_GRACE_S = 30  # the main process kills a worker that overruns its job's limit by this much


# ---------------------------------------------------------------------------
# worker processes


@dataclass(frozen=True)
class _WorkerConfig:
    work: str
    template: str | None  # socket of the kernel template; None: ordinary kernels
    parent: int
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int | None = DEFAULT_MEMORY_MB
    lock: tuple[int, int, int] | None = None  # (fd, device, inode) of the run lock: not for the workers


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
        self.work, self.limit = Path(config.work), config.timeout_s + TIMEOUT_GRACE_S
        for proc in self.procs:
            proc.start()

    def run(self, tasks: list[dict]) -> Iterator[dict]:
        for task in tasks:
            self.tasks.put(task)
        for _ in self.procs:
            self.tasks.put(None)
        running: dict[int, str] = {}
        started: dict[int, float] = {}
        remaining = {t["name"] for t in tasks}
        while remaining:
            try:
                kind, pid, payload = self.events.get(timeout=0.5)
            except queue.Empty:
                self._kill_overrunning(started)
                yield from self._casualties(running, remaining)
                continue
            if kind == "start":
                running[pid], started[pid] = payload, time.monotonic()
            else:
                running.pop(pid, None)
                remaining.discard(payload["name"])
                yield payload

    def _kill_overrunning(self, started: dict[int, float]) -> None:
        """Defence in depth: a worker stuck past its job's limit (the kernel is killed before) goes too."""
        for proc in self.procs:
            if proc.pid in started and proc.is_alive() and time.monotonic() - started[proc.pid] > self.limit:
                proc.kill()
                started.pop(proc.pid)

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
    _die_with_parent(config.parent)  # kill -9 of the runner takes the workers with it
    _release_lock(config.lock)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides what Ctrl-C does
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    log = Path(config.work) / f"processo-{os.getpid()}.log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.environ[PUBLISH_ENV_VAR] = "1"
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    _TemplateClient.address, _TemplateClient.log = config.template, str(log)
    CurrentKernel.memory_mb = config.memory_mb
    import papermill  # noqa: F401  (once per worker, not once per job)

    from pianozona.present import render  # noqa: F401

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
        events.put(("done", os.getpid(), _execute_job({**task, "timeout": config.timeout_s,
                                                        "memory_mb": config.memory_mb})))


def _release_lock(lock: tuple[int, int, int] | None) -> None:
    """A forked worker shares the run lock's open file: close it, so that only the runner holds the lock."""
    if lock is None:
        return
    fd, device, inode = lock
    try:
        info = os.fstat(fd)
    except OSError:
        return  # not inherited (spawned worker)
    if (info.st_dev, info.st_ino) == (device, inode):
        os.close(fd)


PORT_RACE = "Address already in use"  # jupyter_client picks free ports before the kernel binds them
START_ATTEMPTS = 3


def _execute_job(task: dict) -> dict:
    """Run one notebook with papermill and render its page, all inside the run's temporary folder.

    A kernel that dies at start because another kernel took one of its ports
    (a known race of jupyter_client when kernels start in parallel) is
    started again, at most `START_ATTEMPTS` times; any other failure is final.
    """
    import nbformat

    work, name = Path(task["work"]), task["name"]
    output = work / f"{name}.papermill.ipynb"  # papermill's own file: it may be cut short by a full disk
    start = time.perf_counter()
    for attempt in range(1, START_ATTEMPTS + 1):
        nb, error, port_race = _papermill(task, output)
        if not port_race or attempt == START_ATTEMPTS:
            break
    duration = time.perf_counter() - start
    if nb is None:
        nb = _read_notebook(output) or nbformat.read(Path(task["notebook"]), as_version=4)
    try:
        _write(work / f"{name}.ipynb", nbformat.writes(nb))
    except OSError as exc:
        error = error or _disk_error(exc)
    output.unlink(missing_ok=True)
    return _render_job(task, nb, error, duration)


def _read_notebook(path: Path) -> Any:
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # missing, or cut short (full disk): not worth showing
        return None


def _papermill(task: dict, output: Path) -> tuple[Any, str, bool]:
    """(executed notebook or None, error text, whether the kernel lost a port race)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    limit = float(task.get("timeout") or DEFAULT_TIMEOUT_S)
    asked_exit: list[int] = []
    expired = threading.Event()

    def time_is_up() -> None:  # the job's time limit: its kernel is killed, papermill sees it die
        expired.set()
        CurrentKernel.kill()

    timer = threading.Timer(limit, time_is_up)
    timer.daemon = True
    CurrentKernel.reset(on_start=timer.start)  # the clock runs from the kernel's start (which has its own limit)
    try:
        nb = papermill.execute_notebook(
            task["notebook"], str(output), parameters=task["parameters"], kernel_name=KERNEL_NAME,
            progress_bar=False, log_output=False, cwd=str(Path(task["notebook"]).parent),
            execution_timeout=min(CELL_TIMEOUT_S, int(limit) + 5), start_timeout=START_TIMEOUT_S,
            shutdown_kernel="immediate", request_save_on_cell_execute=False, extra_arguments=KERNEL_ARGUMENTS,
            kernel_manager_class=_kernel_manager(), on_cell_executed=_exit_watcher(asked_exit),
        )
        error = _stopped_early(nb, asked_exit, CurrentKernel.alive_at_end)
    except PapermillExecutionError as exc:
        nb, error = None, f"{exc.ename}: {exc.evalue}".strip(": ")
    except OSError as exc:  # full disk or read-only folder while papermill writes its file
        nb, error = None, _disk_error(exc)
    except Exception as exc:  # dead kernel, timeout, unreadable notebook...
        nb, error = None, f"{type(exc).__name__}: {exc}; {_tail(Path(_TemplateClient.log))}"
    finally:
        timer.cancel()
    if expired.is_set() and not _finished_in_time(nb, error):
        return nb, f"superato il tempo massimo di {_seconds(limit)} s: il kernel è stato fermato", False
    return nb, _memory_message(error, task.get("memory_mb")), PORT_RACE in error


def _finished_in_time(nb: Any, error: str) -> bool:
    return nb is not None and not error


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _exit_watcher(asked: list[int]) -> Any:
    """An nbclient ``on_cell_executed`` hook noting the cells that called ``exit()``/``quit()``."""

    def hook(cell: Any, cell_index: int, execute_reply: dict) -> None:
        payload = (execute_reply or {}).get("content", {}).get("payload") or []
        if any(item.get("source") == "ask_exit" for item in payload):
            asked.append(cell_index)

    return hook


def _stopped_early(nb: Any, asked_exit: list[int], alive_at_end: bool | None) -> str:
    """Why a notebook papermill ran "without error" did not run to its end ('' when it did)."""
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
                    "togliere sys.exit/raise SystemExit dal notebook")
        if cell.get("metadata", {}).get("papermill", {}).get("status") != "completed":
            return (f"la cella di codice {number} non è stata eseguita: il notebook si è fermato prima della "
                    "fine")
        if index in asked_exit:
            return (f"la cella di codice {number} chiama exit() o quit(): un rapporto deve eseguire tutte le "
                    "celle; togliere la chiamata dal notebook")
    if alive_at_end is False:
        return "il kernel si è interrotto prima della fine del notebook"
    return ""


def _memory_message(error: str, memory_mb: int | None) -> str:
    if error.startswith("MemoryError"):
        return f"memoria esaurita (limite {memory_mb} MB): ridurre i dati caricati o alzare il limite con --memoria"
    if error.startswith("DeadKernelError") and memory_mb:
        return (f"il kernel si è interrotto (memoria esaurita? limite {memory_mb} MB; oppure os._exit o un "
                f"arresto del processo nel notebook); {error}")
    return error


def _disk_error(exc: OSError) -> str:
    import errno

    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"disco pieno{where}: liberare spazio nella cartella dei rapporti e rilanciare"
    return f"scrittura non riuscita{where}: {exc.strerror or exc}"


def _write(path: Path, text: str) -> None:
    """Write whole or not at all; planning imports this module, so its writer is imported when used."""
    from pianozona.publish.planning import write_atomic

    write_atomic(path, text)


def _render_job(task: dict, nb: Any, error: str, duration: float) -> dict:
    from pianozona.present.render import render_notebook

    work, name = Path(task["work"]), task["name"]
    warnings: list[str] = []
    try:
        page = render_notebook(nb, task["page"], failed=bool(error), error_message=error)
        _write(work / f"{name}.html", page.html)
        warnings += page.warnings
    except OSError as exc:
        error = error or _disk_error(exc)
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
