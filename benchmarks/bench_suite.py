"""Timing of the report suite: the runner against what a user would script by hand (a script, not a test).

Run:  .venv/bin/python benchmarks/bench_suite.py [--notebooks DIR] [--district pavia] [--year 2023] [--jobs N]

All three run the same jobs (the runner's plan: panoramica, bisogni_area x 7
areas, verifica_annuale, bilancio) with the same parameters and
``PIANOZONA_PUBBLICAZIONE=1``, one after the other on this machine:

(a)  ``pianozona run --force`` in a fresh process, into a reports folder that a
     first untimed run has filled (as a scheduled rerun finds it; that first
     run is reported too, as "primo avvio");
(b)  a sequential shell loop: for each job the ``papermill`` command line,
     then ``jupyter nbconvert --to html --no-input`` on its output;
(c)  a floor: the notebooks' code cells (parameters injected) executed with
     ``exec`` in one Python process, fresh namespace per job, no kernel,
     no HTML.

Prints the times, (b)/(a) and (a)/(c).  Goals: (b)/(a) >= 4, (a)/(c) <= 3.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pianozona.publish.runner import DEFAULT_NOTEBOOKS, METRICS_PARAMETER, check_notebook, plan_run

BIN = Path(sys.executable).parent
GOAL_LOOP, GOAL_FLOOR = 4.0, 3.0

FLOOR_SCRIPT = r'''
import json, sys
jobs = json.loads(sys.argv[1])
for job in jobs:
    cells = json.load(open(job["notebook"], encoding="utf-8"))["cells"]
    code = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        code.append("\n".join(l for l in source.splitlines() if not l.lstrip().startswith(("%", "!"))))
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            code.append("\n".join(f"{k} = {v!r}" for k, v in job["parameters"].items()))
    namespace = {"__name__": "__main__"}
    exec(compile("\n".join(code), job["notebook"], "exec"), namespace)
'''


def timed(label: str, command: list[str], env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{label}: comando non riuscito ({proc.returncode}):\n{proc.stderr[-2000:]}")
    print(f"{label:<58} {elapsed:7.1f} s", flush=True)
    return elapsed


def job_list(args: argparse.Namespace, work: Path) -> list[dict]:
    plan = plan_run(args.district, args.year, notebooks_dir=args.notebooks, out_dir=work / "piano")
    jobs = []
    for job in plan.jobs:
        parameters = dict(job.parameters)
        if check_notebook(job):
            parameters[METRICS_PARAMETER] = str(work / "ciclo" / f"{job.name}.metrics.json")
        jobs.append({"name": job.name, "notebook": str(job.notebook), "parameters": parameters})
    return jobs


def loop_script(jobs: list[dict], folder: Path) -> str:
    lines = ["set -e"]
    for job in jobs:
        out = folder / f"{job['name']}.ipynb"
        params = " ".join(f"-p {k} {shlex.quote(str(v))}" for k, v in job["parameters"].items())
        lines.append(f"{shlex.quote(str(BIN / 'papermill'))} {shlex.quote(job['notebook'])} "
                     f"{shlex.quote(str(out))} {params} --cwd {shlex.quote(str(Path(job['notebook']).parent))}")
        lines.append(f"{shlex.quote(str(BIN / 'jupyter'))} nbconvert --to html --no-input {shlex.quote(str(out))}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default=str(DEFAULT_NOTEBOOKS))
    parser.add_argument("--district", default="pavia")
    parser.add_argument("--year", default=None)
    parser.add_argument("--jobs", default=str(len(os.sched_getaffinity(0))))
    args = parser.parse_args()
    env = {**os.environ, "PIANOZONA_PUBBLICAZIONE": "1"}
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        work = Path(tmp)
        (work / "ciclo").mkdir()
        jobs = job_list(args, work)
        print(f"{len(jobs)} rapporti da {args.notebooks}, {args.jobs} processi, {os.cpu_count()} core\n")
        run = [sys.executable, "-m", "pianozona.cli", "run", "--district", args.district, "--notebooks",
               args.notebooks, "--out", str(work / "reports"), "--jobs", args.jobs]
        if args.year:
            run += ["--year", str(args.year)]
        first = timed("(a0) pianozona run, primo avvio (cartella vuota)", run, env)
        runner = timed("(a)  pianozona run --force", run + ["--force"], env)
        script = work / "ciclo.sh"
        script.write_text(loop_script(jobs, work / "ciclo"), encoding="utf-8")
        loop = timed("(b)  ciclo: papermill + jupyter nbconvert, in sequenza", ["bash", str(script)], env)
        floor = timed("(c)  minimo: codice dei notebook in un solo processo", [sys.executable, "-c", FLOOR_SCRIPT,
                      json.dumps(jobs)], {**env, "MPLBACKEND": "Agg"})
    print()
    print(f"(b)/(a) = {loop / runner:5.1f}   obiettivo >= {GOAL_LOOP:.0f}   "
          f"[{'ok' if loop / runner >= GOAL_LOOP else 'NON RAGGIUNTO'}]")
    print(f"(a)/(c) = {runner / floor:5.1f}   obiettivo <= {GOAL_FLOOR:.0f}   "
          f"[{'ok' if runner / floor <= GOAL_FLOOR else 'NON RAGGIUNTO'}]")
    print(f"(primo avvio (a0): {first:.1f} s, comprende la lettura e validazione dei dati del distretto)")


if __name__ == "__main__":
    main()
