"""The local executor: worker processes on this machine, fed the tasks one at a time, stopped at once when needed.

`LocalPool` (executor ``locale``, see `pianozona.publish.tasks`) starts, on the fast path
(`pianozona.publish.processes.fast_path`), the run's kernel template and forks its workers from the
runner (they inherit papermill already imported); on the portable path, or inside a process with
several threads (JupyterLab), it spawns them and their kernels are ordinary.  Each worker
(`_worker_main`) runs one task at a time with `pianozona.publish.execution.execute_job` and sends
its `Outcome` back through a queue.  A worker dies with the runner, holds none of the run's locks
(filelock closes the copy a fork inherits), and one stuck past its job's time limit, or dead,
fails its job without stopping the others.  `prepare_process`/`restore_process` set up a process to run
jobs (also a Dask worker's).
"""

from __future__ import annotations

import os
import queue
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pianozona.privacy import PUBLISH_ENV_VAR
from pianozona.publish.processes import can_fork_workers, die_with_parent, fast_path
from pianozona.publish.tasks import ExecutorSetup, Limits, Outcome, Reason, Task

TIMEOUT_GRACE_S = 30  # the runner kills a worker that overruns its job's limit by this much
START_GRACE_S = 330  # ... and its kernel's start (waiting for the template's imports and warm-up) by this much
POLL_S = 0.5


@dataclass(frozen=True)
class WorkerConfig:
    """What every worker of a run gets: the run's folder, the template's socket, the limits."""

    work: Path
    template: str | None  # socket of the kernel template; None: ordinary kernels
    parent: int
    limits: Limits


class LocalPool:
    """Worker processes fed by a queue; they can be killed at once (Ctrl-C) and a dead one fails its job."""

    def __init__(self, setup: ExecutorSetup) -> None:
        import multiprocessing

        from pianozona.publish.template import KernelTemplate

        self.template = None
        self.procs: list[Any] = []
        self.work, self.limit = setup.work, setup.limits.timeout_s + TIMEOUT_GRACE_S
        forked = can_fork_workers()  # decided before any thread starts
        context = multiprocessing.get_context("fork" if forked else "spawn")
        self.tasks, self.events = context.Queue(), context.Queue()
        try:
            if setup.preload is not None and fast_path():
                self.template = KernelTemplate(setup.preload, setup.work, setup.cwd, list(setup.warm))
            config = WorkerConfig(setup.work, self.template.address if self.template else None, os.getpid(),
                                  setup.limits)
            for _ in range(setup.size):
                self.procs.append(context.Process(target=_worker_main, args=(config, self.tasks, self.events),
                                                  daemon=True))
                self.procs[-1].start()
        except BaseException:  # Ctrl-C while starting: nothing left behind
            self.stop()
            raise

    def run(self, tasks: Sequence[Task]) -> Iterator[Outcome]:
        """Queue the tasks and yield each outcome as it comes, a dead worker's job as a failure."""
        for task in tasks:
            self.tasks.put(task)
        for _ in self.procs:
            self.tasks.put(None)
        running: dict[int, str] = {}
        started: dict[int, float] = {}
        remaining = {t.key for t in tasks}
        while remaining:
            try:
                kind, pid, payload = self.events.get(timeout=POLL_S)
            except queue.Empty:
                self._kill_overrunning(started)
                yield from self._casualties(running, remaining)
                continue
            if kind == "start":
                running[pid], started[pid] = payload, time.monotonic()
            else:
                running.pop(pid, None)
                remaining.discard(payload.key)
                yield payload

    def _kill_overrunning(self, started: dict[int, float]) -> None:
        """Defence in depth: a worker stuck past its job's limit (the kernel is killed before) goes too."""
        for proc in self.procs:
            since = started.get(proc.pid)
            if since is not None and proc.is_alive() and time.monotonic() - since > self.limit + START_GRACE_S:
                proc.kill()
                started.pop(proc.pid)

    def _casualties(self, running: dict[int, str], remaining: set[str]) -> Iterator[Outcome]:
        from pianozona.publish.execution import log_tail

        for proc in self.procs:
            if not proc.is_alive() and proc.pid in running:
                key = running.pop(proc.pid)
                remaining.discard(key)
                yield Outcome(key, Reason.LOST, "il processo di esecuzione si è interrotto inaspettatamente (codice "
                              f"{proc.exitcode}); {log_tail(self.work / f'processo-{proc.pid}.log')}")
        if remaining and not any(p.is_alive() for p in self.procs):
            for key in sorted(remaining):
                yield Outcome(key, Reason.LOST, "nessun processo di esecuzione disponibile")
            remaining.clear()

    def stop(self) -> None:
        """Kill the workers still alive, then the template (it kills the kernels it forked); close the queues."""
        for proc in self.procs:
            if proc.is_alive():
                proc.kill()
        for proc in self.procs:
            if proc.pid is not None:
                proc.join(timeout=5)
        for q in (self.tasks, self.events):
            q.close()
            q.cancel_join_thread()
        if self.template is not None:
            self.template.stop()
            self.template = None


def _worker_main(config: WorkerConfig, tasks: Any, events: Any) -> None:
    """A worker: set up its process, then run the queued tasks until told to stop or the runner is gone."""
    die_with_parent(config.parent)  # kill -9 of the runner takes the workers with it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner decides what Ctrl-C does
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    log = process_log(config.work)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    prepare_process(config.template, log)
    while True:
        try:
            task = tasks.get(timeout=1)
        except queue.Empty:
            if os.getppid() != config.parent:  # the runner is gone
                return
            continue
        if task is None:
            return
        events.put(("start", os.getpid(), task.key))
        events.put(("done", os.getpid(), run_task(task, config.limits)))


def process_log(work: Path) -> Path:
    """The log of this process's jobs and kernels, in the run's temporary folder."""
    return work / f"processo-{os.getpid()}.log"


def prepare_process(template: str | None, log: Path) -> dict:
    """Make this process ready to run jobs (publication mode, its kernels' template and log); what it replaced,
    for `restore_process` (a Dask worker outlives the run)."""
    from pianozona.publish.kernels import use_template

    previous = {"env": {k: os.environ.get(k) for k in (PUBLISH_ENV_VAR, "PYDEVD_DISABLE_FILE_VALIDATION")},
                "template": use_template(template, str(log))}
    os.environ[PUBLISH_ENV_VAR] = "1"
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    import papermill  # noqa: F401  (once per worker, not once per job)

    from pianozona.present import render  # noqa: F401  (imported for its side: loaded once per worker)

    return previous


def restore_process(previous: dict) -> None:
    """Undo `prepare_process`; the template connection is closed."""
    from pianozona.publish.kernels import close_template, use_template

    for key, value in previous["env"].items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    close_template()
    use_template(*previous["template"][:2])


def run_task(task: Task, limits: Limits) -> Outcome:
    """Run one task with the run's limits (`pianozona.publish.execution.execute_job`); never raises."""
    from pianozona.publish.execution import execute_job

    try:
        return execute_job(task, limits)
    except Exception as exc:  # a bug here fails this job, not the worker
        return Outcome(task.key, Reason.ERROR, f"esecuzione non riuscita: {type(exc).__name__}: {exc}")

