"""Timing of the report suite: the runner against what a user would script by hand (a script, not a test).

Run:  .venv/bin/python benchmarks/bench_suite.py [--notebooks DIR] [--district pavia] [--year 2023] [--jobs N]
                                                [--senza-docx]
      .venv/bin/python benchmarks/bench_suite.py --comuni 60 [--provincia 018] [--ciclo-campione]

``--comuni N`` times a generated district instead: ``pianozona nuovo-distretto
--dimostrativo`` with the first N comuni (by ISTAT code) of a province, in a
temporary folder (illustrative tables, not real data).  ``--ciclo-campione``
runs loop (b) on one job per notebook only and estimates the whole loop as
each sample's time times its notebook's number of jobs (printed as a
"stima"): the full loop of a 60-comuni district takes about 20 minutes.

All three run the same jobs (the runner's plan: panoramica, bisogni_area x 7
areas, verifica_annuale, bilancio, the overview and one profile per comune,
as far as the suite has them) with the same parameters and
``PIANOZONA_PUBBLICAZIONE=1``, one after the other on this machine:

(a)  ``pianozona run --force`` in a fresh process, into a reports folder that a
     first untimed run has filled (as a scheduled rerun finds it; that first
     run is reported too, as "primo avvio");
(b)  a sequential shell loop: for each job the ``papermill`` command line,
     then ``jupyter nbconvert --to html --no-input`` on its output;
(c)  a floor: the notebooks' code cells (parameters injected) executed with
     ``exec`` in one Python process, fresh namespace per job, no kernel,
     no HTML.  It uses the same library, so the same in-process memory:
     the district is read once and each area analysed once
     (`pianozona.data.cache`), as
     the runner's kernel template does once per run; it includes the imports
     (once), every chart drawn and every table built, but no kernel, no
     papermill, no page rendering, on one core.

Prints the jobs, the times, (b)/(a) and (a)/(c).  Goals: (b)/(a) >= 8, (a)/(c) <= 1.
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

from pianozona.publish.parameters import check_notebook
from pianozona.publish.planning import DEFAULT_NOTEBOOKS, METRICS_PARAMETER, plan_run

BIN = Path(sys.executable).parent
GOAL_LOOP, GOAL_FLOOR = 8.0, 1.0

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


def generated_district(work: Path, comuni: int, provincia: str) -> Path:
    """A district of the first `comuni` comuni of `provincia`, made by ``pianozona nuovo-distretto --dimostrativo``."""
    from pianozona.data.comuni import list_comuni

    codes = sorted(list_comuni(provincia=provincia)["codice_comune"])[:comuni]
    if len(codes) < comuni:
        sys.exit(f"la provincia {provincia} ha solo {len(codes)} comuni")
    root = work / "distretti"
    command = [sys.executable, "-m", "pianozona.cli", "nuovo-distretto", "prova", "--comuni", ",".join(codes),
               "--nome", f"Distretto di prova ({comuni} comuni)", "--cartella", str(root), "--dimostrativo"]
    made = subprocess.run(command, capture_output=True, text=True)
    if made.returncode != 0:
        sys.exit(f"nuovo-distretto non riuscito:\n{made.stdout}{made.stderr}")
    return root / "prova"


def job_summary(jobs: list[dict], reports: Path) -> str:
    """How many jobs of each notebook, and the sum of their durations in the runner's manifest."""
    counts: dict[str, int] = {}
    for job in jobs:
        stem = Path(job["notebook"]).stem
        counts[stem] = counts.get(stem, 0) + 1
    manifests = list(reports.glob("*/*/manifest.json"))
    total = sum(e.get("durata_s") or 0 for e in json.loads(manifests[0].read_text())["rapporti"]) if manifests else 0
    return (", ".join(f"{stem} x{n}" for stem, n in counts.items())
            + f"; somma delle durate dei lavori in (a): {total:.1f} s, {total / max(len(jobs), 1):.2f} s per lavoro")


def timed_loop(jobs: list[dict], work: Path, env: dict, sample: bool) -> float:
    """Loop (b) on every job, or on one job per notebook scaled by that notebook's number of jobs."""
    if not sample:
        script = work / "ciclo.sh"
        script.write_text(loop_script(jobs, work / "ciclo"), encoding="utf-8")
        return timed("(b)  ciclo: papermill + jupyter nbconvert, in sequenza", ["bash", str(script)], env)
    total = 0.0
    for stem in dict.fromkeys(Path(job["notebook"]).stem for job in jobs):
        same = [job for job in jobs if Path(job["notebook"]).stem == stem]
        script = work / f"ciclo_{stem}.sh"
        script.write_text(loop_script(same[:1], work / "ciclo"), encoding="utf-8")
        total += len(same) * timed(f"(b)  campione: {stem} (x{len(same)})", ["bash", str(script)], env)
    print(f"{'(b)  stima del ciclo completo':<58} {total:7.1f} s", flush=True)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default=str(DEFAULT_NOTEBOOKS))
    parser.add_argument("--district", default="pavia")
    parser.add_argument("--year", default=None)
    parser.add_argument("--jobs", default=str(len(os.sched_getaffinity(0))))
    parser.add_argument("--comuni", type=int, default=None, help="distretto generato di N comuni (dimostrativo)")
    parser.add_argument("--provincia", default="018", help="provincia dei comuni di --comuni (predefinita: Pavia)")
    parser.add_argument("--senza-docx", action="store_true",
                        help="(a) senza i documenti Word (come le versioni che non li scrivevano)")
    parser.add_argument("--ciclo-campione", action="store_true",
                        help="(b) su un lavoro per notebook, stimato per tutti i lavori")
    args = parser.parse_args()
    env = {**os.environ, "PIANOZONA_PUBBLICAZIONE": "1"}
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        work = Path(tmp)
        (work / "ciclo").mkdir()
        if args.comuni:
            args.district = str(generated_district(work, args.comuni, args.provincia))
            print(f"distretto generato: {args.comuni} comuni della provincia {args.provincia} (dimostrativo)")
        jobs = job_list(args, work)
        print(f"{len(jobs)} rapporti da {args.notebooks}, {args.jobs} processi, {os.cpu_count()} core\n")
        run = [sys.executable, "-m", "pianozona.cli", "run", "--district", args.district, "--notebooks",
               args.notebooks, "--out", str(work / "reports"), "--jobs", args.jobs]
        if args.year:
            run += ["--year", str(args.year)]
        if args.senza_docx:
            run += ["--no-docx"]
        first = timed("(a0) pianozona run, primo avvio (cartella vuota)", run, env)
        runner = timed("(a)  pianozona run --force", run + ["--force"], env)
        summary = job_summary(jobs, work / "reports")
        loop = timed_loop(jobs, work, env, args.ciclo_campione)
        floor = timed("(c)  minimo: codice dei notebook in un solo processo", [sys.executable, "-c", FLOOR_SCRIPT,
                      json.dumps(jobs)], {**env, "MPLBACKEND": "Agg"})
    print()
    print(f"lavori: {summary}")
    print(f"(b)/(a) = {loop / runner:5.1f}   obiettivo >= {GOAL_LOOP:.0f}   "
          f"[{'ok' if loop / runner >= GOAL_LOOP else 'NON RAGGIUNTO'}]")
    print(f"(a)/(c) = {runner / floor:5.2f}   obiettivo <= {GOAL_FLOOR:.0f}   "
          f"[{'ok' if runner / floor <= GOAL_FLOOR else 'NON RAGGIUNTO'}]")
    print(f"(primo avvio (a0): {first:.1f} s, comprende la lettura e validazione dei dati del distretto)")


if __name__ == "__main__":
    main()
