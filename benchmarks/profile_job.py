"""Where one job's time goes, in a kernel forked by the template as a run starts it (a script, not a test).

Run:  .venv/bin/python benchmarks/profile_job.py [--district pavia] [--job bisogni_area_anziani] [--top 25]
      [--no-warm] [--extra scheda_comune:comune=018110]

Starts the kernel template as ``pianozona run`` does (the plan's notebooks'
imports preloaded, the run's warm-up unless ``--no-warm``), then executes the
job's notebook twice through papermill in forked kernels, the second time
under cProfile (started in a first cell, dumped in a last one).  Prints the
template's start-up (imports and warm-up), the wall time of each execution,
and the functions with the most cumulative time inside the kernel.
``--extra NOTEBOOK:name=value,...`` adds a job the suite does not list yet
(its notebook with the district, the year and these parameters) and profiles it.
"""

from __future__ import annotations

import argparse
import pstats
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from pianozona.privacy import PUBLISH_ENV_VAR
from pianozona.publish import kernels
from pianozona.publish.planning import Job
from pianozona.publish.planning import DEFAULT_NOTEBOOKS, plan_run
from pianozona.publish.template import KernelTemplate, preload_modules
from pianozona.publish.warm import warm_specs

START = "import cProfile as _cp\n_profile = _cp.Profile()\n_profile.enable()"
STOP = "_profile.disable()\n_profile.dump_stats({path!r})"


def _execute(notebook: Path, parameters: dict, out: Path, profile: Path | None = None) -> float:
    import papermill

    source = nbformat.read(notebook, as_version=4)
    if profile is not None:
        source.cells.insert(0, nbformat.v4.new_code_cell(START))
        source.cells.append(nbformat.v4.new_code_cell(STOP.format(path=str(profile))))
    copy = out.with_suffix(".in.ipynb")
    nbformat.write(source, copy)
    start = time.perf_counter()
    papermill.execute_notebook(str(copy), str(out), parameters=parameters, kernel_name="python3",
                               progress_bar=False, cwd=str(notebook.parent), start_timeout=120,
                               kernel_manager_class=kernels.kernel_manager())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--district", default="pavia")
    parser.add_argument("--notebooks", default=str(DEFAULT_NOTEBOOKS))
    parser.add_argument("--job", default="bisogni_area_anziani")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-warm", action="store_true")
    parser.add_argument("--extra", default=None, help="NOTEBOOK:nome=valore,... a job not yet in the suite")
    args = parser.parse_args()
    import os

    os.environ[PUBLISH_ENV_VAR] = "1"
    with tempfile.TemporaryDirectory(prefix="profile-job-") as tmp:
        work = Path(tmp)
        plan = plan_run(args.district, notebooks_dir=args.notebooks, out_dir=work / "reports")
        jobs = list(plan.jobs)
        if args.extra:
            stem, _, pairs = args.extra.partition(":")
            extra = dict(pair.split("=", 1) for pair in pairs.split(",") if pair)
            jobs.append(Job(stem, stem, plan.notebooks_dir / f"{stem}.ipynb",
                            {"district": plan.jobs[0].parameters["district"], "year": plan.year, **extra}))
            args.job = stem
        job = next((j for j in jobs if j.name == args.job), None)
        if job is None:
            sys.exit(f"lavoro {args.job!r} non nel piano: {', '.join(j.name for j in plan.jobs)}")
        start = time.perf_counter()
        modules = preload_modules(j.notebook for j in jobs)
        template = KernelTemplate(modules, work, plan.notebooks_dir, [] if args.no_warm else warm_specs(jobs))
        kernels.TemplateClient.address, kernels.TemplateClient.log = template.address, str(work / "kernel.log")
        try:
            first = _execute(job.notebook, dict(job.parameters), work / "primo.ipynb")
            print(f"modello pronto + primo lavoro: {time.perf_counter() - start:6.2f} s (lavoro {first:.2f} s)")
            second = _execute(job.notebook, dict(job.parameters), work / "secondo.ipynb")
            print(f"secondo lavoro (kernel dal modello):  {second:6.2f} s")
            profiled = _execute(job.notebook, dict(job.parameters), work / "profilo.ipynb", work / "kernel.prof")
            print(f"lavoro con cProfile:                  {profiled:6.2f} s")
        finally:
            template.stop()
        print((work / "modello.log").read_text(encoding="utf-8")[-2000:])
        stats = pstats.Stats(str(work / "kernel.prof"))
        stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
