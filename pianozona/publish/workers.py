"""Worker processes of a run: started, fed the jobs one at a time, and stopped at once when needed.

`pianozona.publish.planning` plans the run and `pianozona.publish.site`
publishes it; here `Pool` starts the workers (forked, or spawned when the
main process has several threads) and feeds them the jobs; each worker
(`_worker_main`) runs one job at a time with
`pianozona.publish.execution.execute_job` and reports its outcome.  A worker
dies with the runner (`pianozona.publish.processes`), does not hold the run
lock (`release_lock`), and one stuck past its job's time limit, or dead, fails
its job without stopping the others.
"""

from __future__ import annotations

import os
import queue
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pianozona.privacy import PUBLISH_ENV_VAR
from pianozona.publish.execution import execute_job, log_tail
from pianozona.publish.kernels import CurrentKernel, TemplateClient
from pianozona.publish.planning import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S
from pianozona.publish.processes import die_with_parent

TIMEOUT_GRACE_S = 30  # the main process kills a worker that overruns its job's limit by this much


@dataclass(frozen=True)
class WorkerConfig:
    """What every worker of a run gets: folders, the template's socket, the limits, the lock to let go."""

    work: str
    template: str | None  # socket of the kernel template; None: ordinary kernels
    parent: int
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int | None = DEFAULT_MEMORY_MB
    locks: tuple[tuple[int, int, int], ...] = ()  # (fd, device, inode) of the run's locks: not for the workers


class Pool:
    """Worker processes fed by a queue; they can be killed at once (Ctrl-C) and a dead one fails its job.

    Workers are forked from this process when it has a single thread (they
    inherit papermill already imported), spawned otherwise (e.g. inside Jupyter).
    """

    def __init__(self, size: int, config: WorkerConfig) -> None:
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
        """Queue the tasks and yield each outcome as it comes, a dead worker's job as a failure."""
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
                       f"inaspettatamente (codice {proc.exitcode}); {log_tail(self.work / f'processo-{proc.pid}.log')}"}
        if remaining and not any(p.is_alive() for p in self.procs):
            for name in sorted(remaining):
                yield {"name": name, "ok": False, "message": "nessun processo di esecuzione disponibile"}
            remaining.clear()

    def stop(self) -> None:
        """Kill the workers still alive (the template then kills their kernels) and close the queues."""
        for proc in self.procs:
            if proc.is_alive():
                proc.kill()  # the template then kills the kernels this worker asked for
        for proc in self.procs:
            proc.join(timeout=5)
        for q in (self.tasks, self.events):
            q.close()
            q.cancel_join_thread()


def _worker_main(config: WorkerConfig, tasks: Any, events: Any) -> None:
    """A worker: set up its process, then run the queued jobs until told to stop or the runner is gone."""
    die_with_parent(config.parent)  # kill -9 of the runner takes the workers with it
    for lock in config.locks:
        release_lock(lock)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides what Ctrl-C does
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    log = process_log(config)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    prepare_process(config, config.template, log)
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
        events.put(("done", os.getpid(), run_task(task, config)))


def process_log(config: WorkerConfig) -> Path:
    """The log of this process's jobs and kernels, in the run's temporary folder."""
    return Path(config.work) / f"processo-{os.getpid()}.log"


def prepare_process(config: WorkerConfig, template: str | None, log: Path) -> dict:
    """Make this process ready to run jobs (publication mode, the template's socket, the memory limit).

    Used by the local workers and by each Dask worker (`pianozona.publish.dask_worker`); returns
    what it replaced, for `restore_process`.
    """
    previous = {"env": {k: os.environ.get(k) for k in (PUBLISH_ENV_VAR, "PYDEVD_DISABLE_FILE_VALIDATION")},
                "template": (TemplateClient.address, TemplateClient.log, TemplateClient.stream),
                "memory_mb": CurrentKernel.memory_mb}
    os.environ[PUBLISH_ENV_VAR] = "1"
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    TemplateClient.address, TemplateClient.log, TemplateClient.stream = template, str(log), None
    CurrentKernel.memory_mb = config.memory_mb
    import papermill  # noqa: F401  (once per worker, not once per job)

    from pianozona.present import render  # noqa: F401  (imported for its side: loaded once per worker)

    return previous


def restore_process(previous: dict) -> None:
    """Undo `prepare_process` (a Dask worker outlives the run); the template connection is closed."""
    for key, value in previous["env"].items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    if TemplateClient.stream is not None:
        TemplateClient.stream.close()
    TemplateClient.address, TemplateClient.log, TemplateClient.stream = previous["template"]
    CurrentKernel.memory_mb = previous["memory_mb"]


def run_task(task: dict, config: WorkerConfig) -> dict:
    """Run one planned task with the run's limits: its outcome (`pianozona.publish.execution.execute_job`).

    A task's ``name`` identifies it in the run; its files are named after ``stem`` when it has one
    (a territory run has a ``panoramica`` in every district: see `pianozona.publish.runner`).
    """
    outcome = execute_job({**task, "name": task.get("stem", task["name"]), "timeout": config.timeout_s,
                           "memory_mb": config.memory_mb})
    return {**outcome, "name": task["name"]}


def release_lock(lock: tuple[int, int, int] | None) -> None:
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
