"""Run the notebook suite of a district, or of every district of a territory; publish reports, indexes, manifests.

    >>> from pianozona.publish.runner import RunOptions, run_reports
    >>> result = run_reports("pavia", 2023)                              # reports/pavia/2023/
    >>> result = run_reports("pavia", 2023, RunOptions(jobs=2, pdf=True))
    >>> result = run_reports(territory="provincia_pavia")               # reports/territori/provincia_pavia/<anno>/
    >>> result.exit_code                                                 # 0 ok, 1 a report failed

`run_reports` is the one entry point (``pianozona run`` only parses its options and calls it);
`RunOptions` is every option of a run, checked when it is made (`ParameterError`).

What a run does
---------------
1. **Plan** (`planning.plan_run`; `territory.plan_territory` for a territory's districts and their
   comparison): district, year (default the latest with data), areas and comuni checked first.
2. **Skip what is up to date**: a report is rerun only when its notebook, an input its notebook reads
   (`planning.SuiteEntry.inputs`), what every page shows of the district, its parameters or the
   pianozona package changed, when it failed last time, or with ``force``.  A report whose kernel read
   an input that changed while the run went on (a file saved meanwhile: `pianozona.publish.stale`) is
   not published, and the next run redoes it.
3. **Check the notebooks** (`check_notebook`): every injected parameter declared in the notebook's
   ``parameters`` cell with a compatible type; no kernel starts before all checks pass.
4. **Execute** the jobs on an executor (`pianozona.publish.tasks`: ``locale``, worker processes of this machine,
   or ``dask``), each in its own kernel with ``PIANOZONA_PUBBLICAZIONE=1``, its page rendered where it ran, in
   the order of `tasks.schedule` (the longest first). On Linux every kernel is a fork of a template that has
   imported the suite's modules and loaded and analysed its district once (`pianozona.publish.template`,
   `pianozona.publish.warm`); elsewhere kernels are ordinary processes (`pianozona.publish.processes`). A job
   succeeds only when every code cell ran to the end in a kernel still alive. Limits: ``timeout`` seconds per
   job from its kernel's start, ``memory_mb`` of resident memory per kernel; past either the kernel is stopped
   and the job fails.
5. **Publish** each job into ``<out>/<district>/<year>/`` as it finishes (`pianozona.publish.site`):
   its files move in from a temporary folder with `os.replace`, index and manifest are rewritten
   atomically, then the district's page of years.  A failed job publishes ``<job>.errore.html`` (its
   reason in words) and keeps the last good page.  The executed notebooks, the lock, the district facts
   and the failures' details go to the folder's private folder (`planning.private_folder`).  Ctrl-C
   or SIGTERM stops the executor, its processes and kernels and removes the temporary folders:
   nothing half written is ever in place.  A full disk or a read-only folder ends the run with one
   `ExecutionError` line; an up-to-date run on a read-only folder succeeds.

Before the jobs the log repeats the data's warnings, the optional reports a district cannot have
(`optional`) and what happens to the folder's PDFs (`pdf.pdf_printer`).  Conventions for notebook
authors are in the README, "Writing a notebook for the suite".
"""

from __future__ import annotations

import dataclasses
import errno
import os
import signal
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from pianozona.errors import ExecutionError, ParameterError
from pianozona.formatting import num, plural
from pianozona.publish.console import Progress
from pianozona.files import TEMP_PREFIX, read_json, remove_temporaries, remove_tree
from pianozona.publish.index import INDEX, MANIFEST
from pianozona.publish.keys import package_fingerprint
from pianozona.publish.optional import note_lines
from pianozona.publish.parameters import check_notebook
from pianozona.publish.pdf import pdf_printer, pdf_support
from pianozona.publish.planning import (
    DEFAULT_OUT, METRICS_PARAMETER, Job, Plan, is_up_to_date, job_key, manifest_entries, plan_run,
)
from pianozona.publish.site import (
    MANIFEST_FORMAT, deferred_interrupts, git_commit, in_main_thread, is_read_only, last_good_html, publish_job,
    publish_summary, remove_no_longer_published, run_lock, write_error_message,
)
from pianozona.publish.stale import stale_inputs, stale_message
from pianozona.publish.tasks import (
    ExecutorLost, ExecutorSetup, JobResult, Limits, Outcome, Reason, Status, Task, check_executor, executor_factory,
    schedule,
)
from pianozona.publish.template import preload_modules
from pianozona.publish.warm import warm_specs

DEFAULT_DISTRICT = "pavia"
DEFAULT_TIMEOUT_S = 600  # whole job: a suite notebook takes seconds on a district's data
DEFAULT_MEMORY_MB = 4096  # resident memory of each kernel
MIN_MEMORY_MB = 1024  # the most an ordinary report's kernel needs, with room: measured (README "Limits")


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _number(value, kind, name: str, fix: str, minimum: float):
    try:
        number = kind(str(value).strip())
    except ValueError:
        number = None
    if number is None or not number >= minimum or number == float("inf"):
        raise ParameterError(name, value, fix)
    return number


@dataclass(frozen=True)
class RunOptions:
    """Every option of a run, checked and normalised when it is made (`ParameterError` names a bad one).

    `areas`/`comuni` narrow the per-area reports and the comuni's profiles (None: all; ``comuni=""``:
    none); `jobs`: processes at once (default the usable cores); `timeout`: seconds per job;
    `memory_mb`: resident memory per kernel; `progress`: "auto" (a bar on a terminal, log lines
    otherwise), "bar", "log" or "none"; `preload=False`: ordinary kernels, no template; `pdf`: True
    also prints each page with Chromium, False prints none, None (default) keeps what each folder has
    (`pianozona.publish.pdf.pdf_printer`); `docx`: each page also as a Word document; `executor`: "locale"
    or "dask" (`scheduler`: ``tcp://host:port`` of a Dask cluster, else a local one of `jobs` workers).
    """

    areas: Sequence[str] | str | None = None
    comuni: Sequence[str] | str | None = None
    notebooks_dir: str | os.PathLike | None = None
    out_dir: str | os.PathLike = DEFAULT_OUT
    jobs: int | str | None = None
    force: bool = False
    progress: str = "auto"
    preload: bool = True
    timeout: float | str | None = None
    memory_mb: int | str | None = None
    pdf: bool | None = None
    docx: bool = True
    executor: str = "locale"
    scheduler: str | None = None

    def __post_init__(self) -> None:
        fixed = {
            "jobs": _cores() if self.jobs is None else _number(
                self.jobs, int, "jobs", "indicare un numero intero di processi, almeno 1 (opzione --processi)", 1),
            "timeout": float(DEFAULT_TIMEOUT_S) if self.timeout is None else _number(
                self.timeout, float, "timeout", "indicare i secondi massimi per rapporto, un numero maggiore di 0 "
                f"(opzione --tempo-massimo; predefinito {DEFAULT_TIMEOUT_S})", 1e-9),
            "memory_mb": DEFAULT_MEMORY_MB if self.memory_mb is None else _number(
                self.memory_mb, int, "memoria", f"indicare i MB di memoria residente per kernel, almeno "
                f"{MIN_MEMORY_MB} (opzione --memoria; predefinito {DEFAULT_MEMORY_MB})", MIN_MEMORY_MB),
            "progress": Progress.mode_for(self.progress),
            "executor": check_executor(self.executor, self.scheduler),
            "scheduler": self.scheduler.strip() if self.scheduler else None,
        }
        for name, value in fixed.items():
            object.__setattr__(self, name, value)


@dataclass
class RunResult:
    """How a run went: each plan's results in its jobs' order (a territory: its districts, then the comparison)."""

    plans: tuple[Plan, ...]
    per_plan: list[list[JobResult]]
    duration_s: float = 0.0
    territory: object | None = None  # the `TerritoryPlan` of a territory run

    @property
    def plan(self) -> Plan:
        """The plan of a district run (a territory run's comparison plan)."""
        return self.plans[-1]

    @property
    def results(self) -> list[JobResult]:
        return [r for results in self.per_plan for r in results]

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if r.status == Status.FAILED]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def summary(self) -> str:
        """Italian lines: where the reports are and how the jobs went (a territory: one line per district)."""
        if self.territory is None:
            return f"Rapporti in {self.plan.out_dir}: {_counts(self.results)} ({num(self.duration_s, 1)} s)." + "".join(
                f"\n  NON RIUSCITO {r.job.name}: {r.message}" for r in self.failed)
        lines = [f"Territorio {self.territory.territory.nome}, anno {self.territory.year}: indice in "
                 f"{self.plan.out_dir / INDEX} ({num(self.duration_s, 1)} s)."]
        for plan, results in zip(self.plans, self.per_plan):
            lines.append(f"  {plan.district.nome}: {_counts(results)}")
            lines += [f"    NON RIUSCITO {r.job.name}: {r.message}" for r in results if r.status == Status.FAILED]
        return "\n".join(lines)


def _counts(results: list[JobResult]) -> str:
    count = {s: sum(r.status == s for r in results) for s in Status}
    return (f"{plural(count[Status.DONE], 'aggiornato', 'aggiornati')}, "
            f"{plural(count[Status.UNCHANGED], 'invariato', 'invariati')}, "
            f"{plural(count[Status.FAILED], 'non riuscito', 'non riusciti')}")


# ---------------------------------------------------------------------------
# the run


def run_reports(district: str | os.PathLike | None = None, year: int | str | None = None,
                options: RunOptions | None = None, *, territory: str | os.PathLike | None = None,
                **overrides) -> RunResult:
    """Plan, execute and publish the suite of `district`, or of every district of `territory`; see the module
    docstring.  `overrides` change single options (``run_reports("pavia", jobs=2)``).

    Raises `DataError`/`ParameterError` before any kernel starts, `ExecutionError` when another run
    holds an output folder or a folder cannot be written (full disk, read-only), and re-raises
    `KeyboardInterrupt` after cleaning up.  Job failures do not raise: see `RunResult.exit_code`.
    """
    start = time.perf_counter()
    options = dataclasses.replace(options or RunOptions(), **overrides)
    narrowing = {"areas": options.areas, "comuni": options.comuni, "notebooks_dir": options.notebooks_dir,
                 "out_dir": options.out_dir}
    planned = None
    if territory is not None:
        from pianozona.publish.territory import plan_territory

        if district is not None:
            raise ParameterError("district", str(district), "indicare un distretto oppure un territorio, non entrambi")
        planned = plan_territory(territory, year, **narrowing)
        plans, where = planned.plans, Path(options.out_dir).resolve()
    else:
        plans = [plan_run(DEFAULT_DISTRICT if district is None else district, year, **narrowing)]
        where = plans[0].out_dir
    try:
        per_plan = _run(plans, options)
    except OSError as exc:  # full disk, read-only folder: the published files are as they were
        raise ExecutionError(write_error_message(exc, where)) from exc
    for plan, results in zip(plans, per_plan):
        order = {job.name: i for i, job in enumerate(plan.jobs)}
        results.sort(key=lambda r: order[r.job.name])
    return RunResult(tuple(plans), per_plan, time.perf_counter() - start, planned)


@dataclass
class _Folder:
    """One output folder's share of a run: its plan and manifest, the jobs to run, their results."""

    plan: Plan
    manifest: dict
    keys: dict
    todo: list[Job]
    results: list[JobResult]
    lock: Path | None
    prefix: str = ""  # of its tasks' keys, when several folders share the run
    work: Path | None = None  # its temporary folder, inside its output folder
    chromium: str | None = None  # the Chromium its jobs print PDFs with (None: no PDF)
    notices: tuple[str, ...] = ()  # for the log before the jobs start (data warnings, PDFs)


def _run(plans: list[Plan], o: RunOptions) -> list[list[JobResult]]:
    commit = git_commit()  # once per run
    chromium = pdf_support(o.pdf is True)
    with ExitStack() as stack:
        folders = [_open(stack, plan, o, chromium, commit, several=len(plans) > 1) for plan in plans]
        stack.enter_context(_signals_as_interrupt())
        notices = note_lines([f.plan for f in folders]) + [line for f in folders for line in f.notices]
        report = Progress(o.progress, sum(len(f.todo) for f in folders), sum(len(f.results) for f in folders),
                          notices=notices)
        try:
            if any(f.todo for f in folders):
                _execute([f for f in folders if f.todo], o, report)
            info = {"processi": o.jobs, "forzata": o.force, "esecutore": o.executor}
            for folder in folders:
                _record_run(folder.plan, folder.manifest, info, wrote=bool(folder.todo))
        finally:
            report.close()
    return [f.results for f in folders]


def _open(stack: ExitStack, plan: Plan, o: RunOptions, chromium: str | None, commit: str | None,
          several: bool) -> _Folder:
    """Lock a plan's folder, clean what an interrupted run left there, read its manifest, choose the jobs to run."""
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    lock = stack.enter_context(run_lock(plan.out_dir))
    remove_temporaries(plan.out_dir)
    remove_no_longer_published(plan.out_dir)
    manifest = _upgraded(read_json(plan.out_dir / MANIFEST))
    manifest["pianozona"] = {**package_fingerprint(), "commit_git": commit}
    keys = {job.name: job_key(job, plan) for job in plan.jobs}
    chromium, pdf_notice = pdf_printer(o.pdf, chromium, manifest)
    entries = manifest_entries(manifest)
    todo = [j for j in plan.jobs if o.force or not is_up_to_date(j, keys[j.name], manifest, plan.out_dir)
            or (o.pdf and chromium and not entries.get(j.name, {}).get("pdf"))  # PDF asked, none yet
            or (o.docx and not entries.get(j.name, {}).get("docx"))]  # Word asked, none yet
    results = [JobResult(j, Status.UNCHANGED) for j in plan.jobs if j not in todo]
    where = f"{plan.district.nome}: " if several else ""
    notices = [f"avviso sui dati: {w}" for w in plan.district.warnings] + ([pdf_notice] if pdf_notice and todo else [])
    return _Folder(plan, manifest, keys, todo, results, lock, f"{plan.district.codice}/" if several else "", None,
                   chromium, tuple(where + line for line in notices))


def _upgraded(manifest: dict) -> dict:
    """A manifest of an older format loses its unkeyed incremental keys: every report reruns once."""
    if manifest and manifest.get("formato") != MANIFEST_FORMAT:
        for entry in manifest.get("rapporti", []):
            entry.pop("chiave", None)
            (entry.get("ultimo_successo") or {}).pop("chiave", None)
    return manifest


def _record_run(plan: Plan, manifest: dict, run_info: dict, wrote: bool) -> None:
    """Rewrite index and manifest; when nothing ran, a folder that cannot be written is no failure."""
    try:
        publish_summary(plan, manifest, run_info=run_info)
    except OSError as exc:
        if wrote or not (is_read_only(exc) or exc.errno == errno.ENOSPC):
            raise


def _execute(folders: list[_Folder], o: RunOptions, report: Progress) -> None:
    """Start the executor (its template imports meanwhile), check the notebooks, publish each outcome as it comes."""
    jobs = [job for f in folders for job in f.todo]
    executor, workers = None, min(o.jobs, len(jobs))
    try:
        for folder in folders:
            folder.work = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=folder.plan.out_dir))
        order = schedule([(f, j) for f in folders for j in f.todo], workers,
                         lambda p: "district" not in p[1].parameters,
                         lambda p: manifest_entries(p[0].manifest).get(p[1].name, {}).get("durata_s", 0))
        warm = tuple(warm_specs(job for _, job in order)) if o.preload else ()  # in the order the jobs need them
        setup = ExecutorSetup(workers, folders[0].work, folders[0].plan.notebooks_dir, Limits(o.timeout, o.memory_mb),
                              preload_modules(j.notebook for j in jobs) if o.preload else None, warm, o.scheduler)
        executor = executor_factory(o.executor)(setup)  # its template imports while the notebooks are checked
        declared = {}
        for job in jobs:  # every check before the first kernel starts
            if job.notebook not in declared:
                declared[job.notebook] = check_notebook(job)
        tasks = [_task(f, j, declared[j.notebook], f.chromium, o.docx) for f, j in order]
        owner = {task.key: pair for task, pair in zip(tasks, order)}
        report.start()
        for outcome in _outcomes(executor, tasks):
            folder, job = owner.pop(outcome.key)
            result = _result(job, outcome, stale_inputs(job, folder.plan, list(outcome.reads)))
            with deferred_interrupts():
                publish_job(folder.plan, job, result, folder.keys[job.name], folder.work, folder.manifest)
            folder.results.append(result)
            report.done(result, folder.plan.district.nome if folder.prefix else "")
    finally:
        if executor is not None:
            executor.stop()
        for folder in folders:
            if folder.work is not None:
                remove_tree(folder.work)


def _outcomes(executor, tasks: list[Task]) -> Iterator[Outcome]:
    """Each task's outcome once, whatever the executor does: an unknown or repeated one is ignored, a task the
    executor never answered fails, and an executor that lost its workers fails the tasks still waiting."""
    waiting = {task.key for task in tasks}
    try:
        for outcome in executor.run(tasks):
            if outcome.key in waiting:
                waiting.discard(outcome.key)
                yield outcome
    except ExecutorLost as exc:
        lost = str(exc)
    else:
        lost = "l'esecutore ha finito senza l'esito di questo rapporto"
    for task in tasks:
        if task.key in waiting:
            yield Outcome(task.key, Reason.LOST, lost)


def _result(job: Job, outcome: Outcome, stale: list[str]) -> JobResult:
    """A job's result; one whose kernel read inputs changed since the run planned is not published."""
    if stale:  # the likely cause of an error as well: said first
        return JobResult(job, Status.FAILED, outcome.duration_s, stale_message(stale, outcome.message),
                         reason=Reason.STALE)
    return JobResult.of(job, outcome)


def _task(folder: _Folder, job: Job, metrics: bool, chromium: str | None, docx: bool) -> Task:
    from pianozona.present.render import PageInfo

    plan, work = folder.plan, folder.work
    previous = last_good_html(manifest_entries(folder.manifest).get(job.name, {}), plan.out_dir)
    parameters = dict(job.parameters)
    if metrics:
        parameters[METRICS_PARAMETER] = str(work / f"{job.name}.metrics.json")
    page = PageInfo(job.title, plan.district.nome, plan.year, plan.district.dimostrativo,
                    previous_report=previous, version=package_fingerprint()["versione"] or "",
                    ente=plan.district.ente or "")
    return Task(folder.prefix + job.name, job.name, job.notebook, parameters, work, page, metrics, chromium,
                docx, plan.district.aree)


@contextmanager
def _signals_as_interrupt() -> Iterator[None]:
    """SIGTERM (cron timeout, CI cancel) cleans up like Ctrl-C."""
    if not in_main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
