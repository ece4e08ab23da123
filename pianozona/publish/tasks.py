"""What the runner gives an executor and gets back: typed tasks and outcomes, the executors' protocol and registry.

The runner (`pianozona.publish.runner`) plans, checks and publishes; an *executor* only runs
`Task`s and yields one `Outcome` for each, in any order, as they finish.  Every executor keeps
the same promises, so the runner's guarantees (order of the results, one failed job never stops
the others, Ctrl-C, each folder published as its jobs finish) hold whichever runs the jobs, and
are tested with a fake executor, without kernels:

- ``run(tasks)`` yields exactly one `Outcome` per task (by `Task.key`); a job that fails, dies
  or outlives its limit is an outcome with a `Reason`, never an exception;
- an executor that loses its means to run (a Dask scheduler gone) raises `ExecutorLost`: the
  runner fails the jobs still waiting, one line each;
- ``stop()`` (always called, also after Ctrl-C) stops what it started: processes, kernels, clusters.

Executors are found by name in a small registry (`EXECUTORS`, `register_executor`): ``locale``
(`pianozona.publish.workers.LocalPool`) and ``dask`` (`pianozona.publish.executor_dask.DaskPool`,
with the optional ``pianozona[dask]``).
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pianozona.errors import ExecutionError, ParameterError


class Reason(enum.Enum):
    """Why a job did not succeed; the reader sees the outcome's Italian message, not these names."""

    ERROR = "errore"  # the notebook raised, or its page could not be made
    EARLY_EXIT = "uscita anticipata"  # sys.exit, exit(), a cell left unexecuted
    TIMEOUT = "tempo massimo"
    MEMORY = "memoria"
    DEAD_KERNEL = "kernel interrotto"  # the kernel died (os._exit, a crash) or never started
    DISK = "disco"  # full disk, read-only folder
    LOST = "processo perso"  # the worker running it died, or the executor lost its workers
    STALE = "dati cambiati"  # its kernel read an input that changed after the run was planned (not published)


class Status(enum.StrEnum):
    """A job's state in a run and in the manifest (``stato``)."""

    DONE = "riuscito"
    FAILED = "fallito"
    UNCHANGED = "invariato"  # up to date: not run


@dataclass(frozen=True)
class Limits:
    """Each job's limits: seconds from its kernel's start, resident memory of its kernel (MB)."""

    timeout_s: float
    memory_mb: int | None


@dataclass(frozen=True)
class Task:
    """One job as an executor runs it: its notebook and parameters, where its files go, its page's facts.

    `key` names it in the run (``<district>/<name>`` when several folders share the run); `name` is
    the stem of its files in `work`, the run's temporary folder inside its output folder.
    """

    key: str
    name: str
    notebook: Path
    parameters: dict
    work: Path
    page: Any  # pianozona.present.render.PageInfo (imported only where pages are rendered)
    metrics: bool = False  # the notebook declares metrics_path: read its key figures
    pdf: str | None = None  # the Chromium that prints the page to PDF, when asked
    docx: bool = False  # the page also as a Word document
    areas: tuple = ()  # (code, label, population at risk) of the district's areas, for the spreadsheet's definitions


@dataclass(frozen=True)
class Outcome:
    """How a task went: `reason` is None when it succeeded; `message` is the Italian line a reader sees."""

    key: str
    reason: Reason | None = None
    message: str = ""
    duration_s: float = 0.0
    warnings: tuple[str, ...] = ()
    metrics: dict | None = None
    result_hash: str | None = None  # digest of what the executed notebook shows (`execution.result_hash`)
    reads: tuple[dict, ...] = ()  # what its kernel loaded (`pianozona.data.inputs.read_notes`): the runner compares

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass
class JobResult:
    """A planned job's result in the run: its status and, when it ran, its outcome's facts."""

    job: Any  # pianozona.publish.planning.Job
    status: Status
    duration_s: float = 0.0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    metrics: dict | None = None
    result_hash: str | None = None
    reason: Reason | None = None

    @classmethod
    def of(cls, job: Any, outcome: Outcome) -> JobResult:
        return cls(job, Status.DONE if outcome.ok else Status.FAILED, outcome.duration_s, outcome.message,
                   list(outcome.warnings), outcome.metrics, outcome.result_hash, outcome.reason)


@dataclass(frozen=True)
class ExecutorSetup:
    """What an executor is started with: how many jobs at once, the run's folders, limits and kernel template.

    `preload` None: ordinary kernels (no template); else the modules the template imports, and
    `warm` the district work it does once (`pianozona.publish.warm.warm_specs`).
    """

    size: int
    work: Path  # the run's own temporary folder: logs, the template's files
    cwd: Path  # the notebooks' folder: the template's working directory
    limits: Limits
    preload: tuple[str, ...] | None = None
    warm: tuple[dict, ...] = ()
    scheduler: str | None = None


class Executor(Protocol):
    """Runs tasks, yields their outcomes as they finish, stops what it started (see the module docstring)."""

    def run(self, tasks: Sequence[Task]) -> Iterator[Outcome]: ...

    def stop(self) -> None: ...


class ExecutorLost(ExecutionError):
    """The executor can no longer run jobs (its scheduler or every worker gone): the message is one Italian line."""


SCHEDULER = re.compile(r"^(tcp|tls)://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$")
#: executor name -> "module:factory" (imported on first use) or the factory itself
EXECUTORS: dict[str, str | Callable[[ExecutorSetup], Executor]] = {
    "locale": "pianozona.publish.workers:LocalPool",
    "dask": "pianozona.publish.executor_dask:DaskPool",
}


def register_executor(name: str, factory: str | Callable[[ExecutorSetup], Executor]) -> None:
    """Make `factory(setup)` available as ``executor=name`` (tests register a fake one)."""
    EXECUTORS[name] = factory


def executor_factory(name: str) -> Callable[[ExecutorSetup], Executor]:
    """The factory registered as `name` (checked by `check_executor` first)."""
    factory = EXECUTORS[name]
    if isinstance(factory, str):
        module, attribute = factory.split(":")
        factory = getattr(importlib.import_module(module), attribute)
    return factory


def check_executor(executor: str | None, scheduler: str | None) -> str:
    """The executor's name; ParameterError for an unknown one, a scheduler without Dask, Dask not installed."""
    name = (executor or "locale").strip().lower()
    if name not in EXECUTORS:
        raise ParameterError("executor", executor, f"valori ammessi: {', '.join(EXECUTORS)}")
    if scheduler is not None and name != "dask":
        raise ParameterError("scheduler", scheduler, "l'indirizzo dello scheduler vale solo con --executor dask")
    if scheduler is not None and not SCHEDULER.match(scheduler.strip()):
        raise ParameterError("scheduler", scheduler, "indicare l'indirizzo come tcp://host:porta, per esempio "
                             "tcp://127.0.0.1:8786")
    if name == "dask" and importlib.util.find_spec("distributed") is None:
        raise ParameterError("executor", executor, "l'esecutore Dask è un'estensione facoltativa: pip install "
                             "'pianozona[dask]'")
    return name


def schedule(jobs: Sequence[Any], workers: int, waits: Callable[[Any], bool],
             cost: Callable[[Any], float]) -> list[Any]:
    """The order to queue `jobs` in: longest first (`cost`: the seconds it took last time, 0 when unknown),
    so that no long job is left to run alone at the end; a job that `waits` for the whole warm-up (a
    territory's comparison) goes as late as it can while the jobs queued after it still keep the other
    `workers` busy for as long as it runs (last when the costs are unknown)."""
    ordered = sorted(jobs, key=lambda job: -cost(job))
    queue = [job for job in ordered if not waits(job)]
    for job in (job for job in ordered if waits(job)):
        behind, at = 0.0, len(queue)
        while at > 0 and behind < cost(job) * (workers - 1):
            at -= 1
            behind += cost(queue[at])
        queue.insert(at, job)
    return queue
