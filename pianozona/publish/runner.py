"""Run the notebook suite of a district and year; publish HTML reports, an index and a manifest.

    >>> from pianozona.publish.runner import run_reports
    >>> result = run_reports("pavia", 2023)          # reports/pavia/2023/
    >>> result.exit_code                             # 0 ok, 1 a report failed

What a run does
---------------
1. **Plan** (`plan_run`): the suite (`planning.SUITE`) for the district, the
   year (default the latest with data) and the areas, checked first.
2. **Skip what is up to date**: a report is rerun only when its notebook,
   an input its notebook reads (`planning.SuiteEntry.inputs`), what every
   page shows of the district, its parameters or the pianozona package
   changed, when it failed last time, or with ``force=True``.  A report
   whose kernel read an input that changed while the run went on (a file
   saved meanwhile) is not published, and the next run redoes it.
3. **Check the notebooks** of the jobs that will run (`check_notebook`):
   every injected parameter must be declared in the notebook's
   ``parameters`` cell with a compatible type.  Nothing starts a kernel
   before all checks pass; a bad value raises `ParameterError`.
4. **Execute** with papermill in worker processes (default: one per core),
   each job in its own new kernel, with ``PIANOZONA_PUBBLICAZIONE=1`` so that
   `pianozona.privacy` suppresses small numbers, and the HTML page rendered
   in the worker.  To keep kernel start-up cheap, a *template process* has
   already imported ipykernel and the modules the suite's notebooks import
   (their ``import`` statements, less `NO_PRELOAD`), and every kernel is a
   fresh fork of it: a new process with an empty namespace in which no
   notebook code has run, its own random seed, the notebook's folder as
   working directory.  ``preload=False`` (CLI ``--no-preload``) starts
   ordinary kernels instead.  A job succeeds only when every code cell ran to
   the end in a kernel still alive: ``sys.exit()``, ``raise SystemExit``,
   ``exit()``/``quit()``, ``os._exit`` or a dying kernel fail it.  Limits:
   ``timeout`` seconds per job (default 600; CLI ``--tempo-massimo``), then
   the kernel is killed and the job fails with "superato il tempo massimo
   di N s"; ``memory_mb`` of address space per kernel (default 4096; CLI
   ``--memoria``), beyond which the job fails with "memoria esaurita".  The
   other jobs go on.  Workers, the template and every kernel die with the
   runner, even after ``kill -9`` (Linux), so the next run is never blocked.
5. **Publish** into ``<out>/<district>/<year>/`` atomically: every file is
   written in a temporary folder there and moved in place only when the job
   succeeded; ``index.html`` and ``manifest.json`` are rewritten after each job.  A failed job publishes
   ``<job>.errore.html`` (its reason in words) and leaves the last good
   ``<job>.html`` in place.  Ctrl-C stops the workers and their kernels and
   removes the temporary folder: nothing half written is ever in place.
   A full disk or a read-only folder ends the run with one `ExecutionError`
   line (exit 1), the published files left as they were; an up-to-date
   run on a read-only folder succeeds (it has nothing to write).

Conventions for notebook authors
--------------------------------
* **Parameters**: the first code cell is tagged ``parameters`` and declares
  one parameter per line in papermill's form ``name: type = default  # aiuto``::

      district: str = "pavia"  # codice del distretto
      year: int = 2023  # anno di riferimento
      area: str = "anziani"  # codice dell'area (solo bisogni_area)
      metrics_path: str = ""  # file JSON delle cifre chiave (lo indica il runner)

  The runner injects ``district`` (a code or a folder path, to pass to
  `pianozona.load_district`), ``year`` (int), ``area`` (str, bisogni_area
  only) and, when declared, ``metrics_path``.
* **Key figures**: when ``metrics_path`` is not empty, write there a small
  JSON object of the report's key figures (plain numbers and strings)::

      if metrics_path:
          Path(metrics_path).write_text(json.dumps({"utenti_totali": 1234}), encoding="utf-8")

  The runner publishes it as ``<job>.metrics.json`` and copies it into the
  manifest (``cifre_chiave``).
* **Chart alt text**: display every chart with its description,
  ``display(fig, metadata={"alt": "Grafico a barre: utenti per comune, 2023"})``
  then ``plt.close(fig)``; see `pianozona.present.render` for the fallback.
* **Hidden cells**: inputs are never shown; a cell tagged ``remove-cell``
  (or ``nascondi``) is dropped entirely, ``remove-output`` drops its
  outputs.  ``stderr`` (warnings) never reaches the report.
* **Page structure**: the first level-1 heading becomes the page title
  (else the job's title); level-2 and level-3 headings make the table of
  contents.  The page header already shows the district, the year, the
  generation date and, for ``dimostrativo`` data, the banner "Dati
  dimostrativi: ...": a notebook need not repeat them.
* The notebook runs with the kernel ``python3`` of the Python that runs
  pianozona, with the notebook's folder as working directory.

Outputs
-------
``<job>.html`` (report), ``<job>.xlsx`` and ``<job>.pdf`` (when made),
``<job>.metrics.json`` (key figures, when written), ``index.html`` and
``manifest.json``: district, year, ``esito`` ("riuscito" / "con errori"),
pianozona version, source hash and git commit, the *names* of the data
files (never their hashes: see `pianozona.publish.keys`), and per report
(``rapporti``) its parameters, ``stato``, ``durata_s``, ``hash_notebook``, ``hash_risultato``,
``chiave`` (the incremental key, an HMAC with a local secret), ``errore``,
``avvisi``, ``cifre_chiave`` and ``ultimo_successo``; ``<out>/<district>/index.html``
lists the published years.  Nothing else: the executed notebooks, the
lock, the district facts and the failures' details are in the folder's
private folder (`planning.private_folder`).  `RunResult.exit_code`: 0
all good, 1 a report failed.

Layout: this module holds `run_reports` and the run itself (signals,
progress); a run reads in the order of the modules of `pianozona.publish`
(listed in its docstring); `pianozona.files` holds the file helpers every
layer shares.
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

from pianozona.errors import ExecutionError
from pianozona.formatting import num, plural
from pianozona.publish.console import Progress
from pianozona.publish.executor_dask import DaskPool, check_executor
from pianozona.files import TEMP_PREFIX, read_json, remove_temporaries, remove_tree
from pianozona.publish.keys import package_fingerprint
from pianozona.publish.parameters import check_notebook
from pianozona.publish.pdf import pdf_printer, pdf_support
from pianozona.publish.optional import note_lines
from pianozona.publish.planning import (
    DEFAULT_OUT, METRICS_PARAMETER, Job, Plan, check_jobs, check_memory, check_timeout, is_up_to_date, job_key,
    manifest_entries, plan_run,
)
from pianozona.publish.stale import stale_inputs, stale_message
from pianozona.publish.site import (
    MANIFEST, MANIFEST_FORMAT, JobResult, deferred_interrupts, git_commit, in_main_thread, is_read_only,
    last_good_html, publish_job, publish_summary, remove_no_longer_published, run_lock, write_error_message,
)
from pianozona.publish.template import KernelTemplate, preload_modules
from pianozona.publish.warm import warm_specs
from pianozona.publish.workers import Pool, WorkerConfig


@dataclass
class RunResult:
    plan: Plan
    results: list[JobResult]
    duration_s: float = 0.0

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "fallito"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def summary(self) -> str:
        """One Italian line: where the reports are and how the jobs went."""
        count = {s: sum(r.status == s for r in self.results) for s in ("riuscito", "fallito", "invariato")}
        text = (f"Rapporti in {self.plan.out_dir}: {plural(count['riuscito'], 'aggiornato', 'aggiornati')}, "
                f"{plural(count['invariato'], 'invariato', 'invariati')}, "
                f"{plural(count['fallito'], 'non riuscito', 'non riusciti')} ({num(self.duration_s, 1)} s).")
        for r in self.failed:
            text += f"\n  NON RIUSCITO {r.job.name}: {r.message}"
        return text


# ---------------------------------------------------------------------------
# the run


def run_reports(district: str | os.PathLike = "pavia", year: int | str | None = None, *,
                areas: Sequence[str] | str | None = None, comuni: Sequence[str] | str | None = None,
                notebooks_dir: str | os.PathLike | None = None,
                out_dir: str | os.PathLike = DEFAULT_OUT, jobs: int | str | None = None, force: bool = False,
                progress: str = "auto", preload: bool = True, timeout: float | None = None,
                memory_mb: int | None = None, pdf: bool | None = None, executor: str = "locale",
                scheduler: str | None = None, docx: bool = True) -> RunResult:
    """Plan, execute and publish the suite; see the module docstring.

    `areas` and `comuni` narrow the per-area reports and the comuni's profiles
    (None: all).  `progress` is "auto" (a bar on a terminal, log lines otherwise), "bar",
    "log" or "none".  `timeout`: seconds per job (default
    `DEFAULT_TIMEOUT_S`); `memory_mb`: memory limit of each kernel (default
    `DEFAULT_MEMORY_MB`).  `pdf=True` also prints each page to ``<job>.pdf``
    with headless Chromium; without Chromium one line says how to get it and
    the run goes on; ``pdf=None`` (default) keeps what the folder has, ``False`` prints
    none (`pianozona.publish.pdf.pdf_printer`).  `docx` (on by default) also writes each page as an editable
    Word document ``<job>.docx`` (`pianozona.present.word`).  ``executor="dask"`` runs the jobs on Dask distributed
    (`pianozona.publish.executor_dask`): on the cluster of `scheduler`
    (``tcp://host:port``), or on a LocalCluster of `jobs` workers.  Raises `DataError`/`ParameterError` before any
    kernel starts, `ExecutionError` when another run holds the output
    folder or the folder cannot be written (full disk, read-only), and
    re-raises `KeyboardInterrupt` after cleaning up.  Job failures do not
    raise: see `RunResult.failed` and `RunResult.exit_code`.
    """
    start = time.perf_counter()
    options = run_options(jobs, timeout, memory_mb, progress, executor, scheduler)
    plan = plan_run(district, year, areas=areas, comuni=comuni, notebooks_dir=notebooks_dir, out_dir=out_dir)
    options = dataclasses.replace(options, force=force, preload=preload, chromium=pdf_support(pdf is True), pdf=pdf,
                                  docx=docx)
    results = run_plans([plan], options, plan.out_dir)[0]
    return RunResult(plan, results, time.perf_counter() - start)


@dataclass(frozen=True)
class RunOptions:
    """The checked options of a run (see `run_reports`)."""

    workers: int
    limits: dict  # timeout_s, memory_mb, executor: (name, scheduler)
    mode: str  # of the progress report
    force: bool = False
    preload: bool = True
    chromium: str | None = None  # Chromium's path when PDFs are asked for and can be printed
    pdf: bool | None = None  # asked (True), refused (False), or as the folder already has (None)
    docx: bool = False  # each page also as a Word document (run_reports: on by default)


def run_options(jobs, timeout, memory_mb, progress, executor, scheduler) -> RunOptions:
    """The run's options checked (`ParameterError` for a bad value), before anything is planned."""
    workers = check_jobs(jobs)
    limits = {"timeout_s": check_timeout(timeout), "memory_mb": check_memory(memory_mb)}
    mode = Progress.mode_for(progress)
    limits["executor"] = (check_executor(executor, scheduler), scheduler)
    return RunOptions(workers, limits, mode)


def run_plans(plans: Sequence[Plan], options: RunOptions, where: Path) -> list[list[JobResult]]:
    """Run checked plans in one pool with one kernel template; each plan's results in its jobs' order.

    Every plan publishes into its own folder, under its own lock, in the order given (a territory's
    plan last: its index reads its districts' manifests).  `where` names the reports' folder in the
    one-line error of a full disk or a read-only folder (`ExecutionError`).
    """
    try:
        per_plan = _run(list(plans), options)
    except OSError as exc:  # full disk, read-only folder: the published files are as they were
        raise ExecutionError(write_error_message(exc, where)) from exc
    for plan, results in zip(plans, per_plan):
        order = {job.name: i for i, job in enumerate(plan.jobs)}
        results.sort(key=lambda r: order[r.job.name])
    return per_plan


@dataclass
class _Batch:
    """One output folder's share of a run: its plan and manifest, the jobs to run, their results."""

    plan: Plan
    manifest: dict
    keys: dict
    todo: list[Job]
    results: list[JobResult]
    lock: tuple[int, int, int] | None
    prefix: str = ""  # of its tasks' names, when several folders share the run's pool
    work: Path | None = None  # its temporary folder, inside its output folder
    chromium: str | None = None  # the Chromium its jobs print PDFs with (None: no PDF)
    notices: tuple[str, ...] = ()  # for the log before the jobs start (data warnings, PDFs)


def _run(plans: list[Plan], o: RunOptions) -> list[list[JobResult]]:
    commit = git_commit()  # once per run
    with ExitStack() as stack:
        batches = [_open(stack, plan, o, commit, several=len(plans) > 1) for plan in plans]
        stack.enter_context(_signals_as_interrupt())
        report = Progress(o.mode, sum(len(b.todo) for b in batches), sum(len(b.results) for b in batches),
                          notices=note_lines([b.plan for b in batches]) + [n for b in batches for n in b.notices])
        try:
            if any(b.todo for b in batches):
                config = WorkerConfig("", None, os.getpid(), locks=tuple(b.lock for b in batches if b.lock),
                                      timeout_s=o.limits["timeout_s"], memory_mb=o.limits["memory_mb"])
                _execute([b for b in batches if b.todo], o, report, config)
            info = {"processi": o.workers, "forzata": o.force, "esecutore": o.limits["executor"][0]}
            for batch in batches:
                _record_run(batch.plan, batch.manifest, info, wrote=bool(batch.todo))
        finally:
            report.close()
    return [b.results for b in batches]


def _open(stack: ExitStack, plan: Plan, o: RunOptions, commit: str | None, several: bool) -> _Batch:
    """Lock a plan's folder, clean what an interrupted run left there, read its manifest, choose the jobs to run."""
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    lock = stack.enter_context(run_lock(plan.out_dir))
    remove_temporaries(plan.out_dir)
    remove_no_longer_published(plan.out_dir)
    manifest = _upgraded(read_json(plan.out_dir / MANIFEST))
    manifest["pianozona"] = {**package_fingerprint(), "commit_git": commit}
    keys = {job.name: job_key(job, plan) for job in plan.jobs}
    chromium, pdf_notice = pdf_printer(o.pdf, o.chromium, manifest)
    entries = manifest_entries(manifest)
    todo = [j for j in plan.jobs if o.force or not is_up_to_date(j, keys[j.name], manifest, plan.out_dir)
            or (o.pdf and chromium and not entries.get(j.name, {}).get("pdf"))  # PDF asked, none yet
            or (o.docx and not entries.get(j.name, {}).get("docx"))]  # Word asked, none yet
    results = [JobResult(j, "invariato") for j in plan.jobs if j not in todo]
    where = f"{plan.district.nome}: " if several else ""
    notices = [f"avviso sui dati: {w}" for w in plan.district.warnings] + ([pdf_notice] if pdf_notice and todo else [])
    return _Batch(plan, manifest, keys, todo, results, lock, f"{plan.district.codice}/" if several else "", None,
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


def _execute(batches: list[_Batch], o: RunOptions, report: Progress, config: WorkerConfig) -> None:
    jobs = [job for b in batches for job in b.todo]
    dask = o.limits["executor"][0] == "dask"  # DaskPool starts its templates itself (publish.executor_dask)
    modules = preload_modules(job.notebook for job in jobs) if o.preload else ()
    pool = template = None
    try:
        for batch in batches:
            batch.work = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=batch.plan.out_dir))
        work, cwd = batches[0].work, batches[0].plan.notebooks_dir  # the run's own files: template, logs
        if o.preload and not dask:
            template = KernelTemplate(modules, work, cwd, warm_specs(jobs))
        declared = {}
        for job in jobs:  # every check before the first kernel starts
            if job.notebook not in declared:
                declared[job.notebook] = check_notebook(job)
        order = sorted(((b, j) for b in batches for j in b.todo),
                       key=lambda bj: -manifest_entries(bj[0].manifest).get(bj[1].name, {}).get("durata_s", 0))
        tasks = [_task(b, j, declared[j.notebook], b.chromium, o.docx) for b, j in order]
        config = dataclasses.replace(config, work=str(work), template=template.address if template else None)
        size = min(o.workers, len(jobs))
        pool = (DaskPool(size, config, o.limits["executor"][1], preload=modules if o.preload else None,
                         warm=warm_specs(jobs), cwd=cwd) if dask else Pool(size, config))
        report.start()
        owner = {b.prefix + j.name: (b, j) for b, j in order}
        for outcome in pool.run(tasks):
            batch, job = owner[outcome["name"]]
            result = _result(job, outcome, stale_inputs(job, batch.plan, outcome.get("letture") or []))
            with deferred_interrupts():
                publish_job(batch.plan, job, result, batch.keys[job.name], batch.work, batch.manifest)
            batch.results.append(result)
            report.done(result, batch.plan.district.nome if batch.prefix else "")
    finally:
        if pool is not None:
            pool.stop()
        if template is not None:
            template.stop(graceful=pool is not None)
        for batch in batches:
            if batch.work is not None:
                remove_tree(batch.work)


def _task(batch: _Batch, job: Job, metrics: bool, chromium: str | None = None, docx: bool = False) -> dict:
    from pianozona.present.render import PageInfo

    plan, work = batch.plan, batch.work
    previous = last_good_html(manifest_entries(batch.manifest).get(job.name, {}), plan.out_dir)
    parameters = dict(job.parameters)
    if metrics:
        parameters[METRICS_PARAMETER] = str(work / f"{job.name}.metrics.json")
    page = PageInfo(job.title, plan.district.nome, plan.year, plan.district.dimostrativo,
                    previous_report=previous, version=package_fingerprint()["versione"] or "",
                    ente=plan.district.ente or "")
    return {"name": batch.prefix + job.name, "stem": job.name, "notebook": str(job.notebook),
            "parameters": parameters, "page": page, "work": str(work), "metrics": metrics, "pdf": chromium,
            "docx": docx, "aree": plan.district.aree}


def _result(job: Job, outcome: dict, stale: list[str]) -> JobResult:
    """A job's result; one whose kernel read inputs changed since the run planned is not published."""
    if stale:  # the likely cause of an error as well: said first
        return JobResult(job, "fallito", outcome.get("duration", 0.0),
                         stale_message(stale, "" if outcome["ok"] else outcome.get("message", "")))
    return JobResult(job, "riuscito" if outcome["ok"] else "fallito", outcome.get("duration", 0.0),
                     outcome.get("message", ""), list(outcome.get("warnings", [])), outcome.get("metrics"),
                     outcome.get("result_hash"))


@contextmanager
def _signals_as_interrupt() -> Iterator[None]:
    """SIGTERM (cron timeout, CI cancel) cleans up like Ctrl-C."""
    if not in_main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
