"""Timing of a territory's reports: the shell loop a user writes today against one territory run (a script, not a test).

Run:  .venv/bin/python benchmarks/bench_territory.py [--territorio provincia_pavia] [--jobs N]
                                                   [--aree anziani] [--comuni ""] [--senza-dask] [--senza-docx]

For the territory's districts (bundled example: the province of Pavia in nine illustrative
districts, 186 comuni), one after the other on this machine, every run ``--force`` in a fresh
process into a folder that a first untimed territory run has filled:

(a)  the shell loop: ``pianozona run --distretto <folder>`` once per district, as a user loops
     today (it publishes no comparison: nothing compares the districts);
(b)  ``pianozona run --territorio <codice>``: every district's suite and the comparison, one pool,
     one kernel template, local processes;
(c)  the same with ``--executor dask`` (a LocalCluster of ``--jobs`` workers).

Then the fixed cost that every run repeats: the same three with nothing to do (all up to date).
Prints per mode the jobs, the wall time, core-seconds per job (wall x workers / jobs), and the
ratios (a)/(b) and (a)/(c); goal (a)/(b) >= 3.  Last, a scale model on paper: from the measured
core-seconds per job of each kind and the fixed cost per district, the wall time of Lombardia
(~90 ambiti, ~1,500 comuni) and Italy (~600 ambiti, ~7,900 comuni) on 16 and 64 cores.
``--aree`` and ``--comuni`` narrow every run the same way (``--comuni ""``: no profiles).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pianozona.publish.territory import plan_territory

BIN = Path(sys.executable).parent
GOAL = 3.0
#: the scale model's territories: (name, ambiti, comuni)
SCALES = (("Lombardia", 90, 1500), ("Italia", 600, 7900))
CORES = (16, 64)


def cli(*args: str) -> float:
    """Wall time of one ``pianozona`` command (it must succeed)."""
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "pianozona"), *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"non riuscito: pianozona {' '.join(args)}\n{done.stdout}\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def narrowing(options: argparse.Namespace) -> list[str]:
    extra = (["--aree", options.aree] if options.aree else []) + (["--no-docx"] if options.senza_docx else [])
    return extra + (["--comuni", options.comuni] if options.comuni is not None else [])


def loop(plan, out: Path, options: argparse.Namespace, force: bool) -> float:
    """(a): one ``pianozona run`` per district, each narrowed to its share of the comuni."""
    total = 0.0
    for district in plan.districts:
        codes = [j.parameters["comune"] for j in district.jobs if "comune" in j.parameters]
        extra = (["--aree", options.aree] if options.aree else []) + (["--no-docx"] if options.senza_docx else [])
        if options.comuni is not None:
            extra += ["--comuni", ",".join(codes)]
        total += cli("run", "--distretto", str(district.district.folder), "--out", str(out), "--processi",
                     str(options.jobs), *extra, *(["--force"] if force else []))
    return total


def territory(out: Path, options: argparse.Namespace, force: bool, dask: bool) -> float:
    """(b) or (c): one ``pianozona run --territorio``."""
    return cli("run", "--territorio", options.territorio, "--out", str(out), "--processi", str(options.jobs),
               *narrowing(options), *(["--force"] if force else []), *(["--executor", "dask"] if dask else []))


def durations(plan) -> dict[str, list[float]]:
    """Each job's own time in the last run (the manifests' durata_s), by kind: district report, profile, comparison."""
    kinds: dict[str, list[float]] = {"distretto": [], "scheda": [], "confronto": []}
    for p in plan.plans:
        manifest = json.loads((p.out_dir / "manifest.json").read_text(encoding="utf-8"))
        for entry in manifest["rapporti"]:
            kind = ("confronto" if p is plan.comparison else
                    "scheda" if entry["nome"].startswith("scheda_comune_") else "distretto")
            kinds[kind].append(entry["durata_s"])
    return kinds


def model(per_job: dict[str, float], fixed_per_district: float, measured: int) -> list[str]:
    """Wall time on paper: the jobs' core-seconds and each district's fixed cost spread on the cores; the
    comparison is one job whose time grows with the districts (measured on `measured` of them), so it
    is the floor when it is longer than everything else (an upper bound: its charts are per area, capped at
    40 rows, and do not grow with the districts as its tables do)."""
    lines = []
    for name, ambiti, comuni in SCALES:
        jobs = {"distretto": ambiti * 10, "scheda": comuni}  # 10: the district reports of the suite
        work = sum(per_job[k] * n for k, n in jobs.items()) + fixed_per_district * ambiti
        comparison = per_job["confronto"] * ambiti / measured
        for cores in CORES:
            wall = max(work / cores, comparison)
            lines.append(f"  {name} ({ambiti} ambiti, {comuni} comuni, {sum(jobs.values()) + 1} rapporti), "
                         f"{cores} core: {wall / 60:.1f} min (lavoro {work / 3600:.1f} ore-core; il confronto da "
                         f"solo {comparison / 60:.1f} min)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--territorio", default="provincia_pavia")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--aree", default=None)
    parser.add_argument("--comuni", default=None)
    parser.add_argument("--senza-dask", action="store_true")
    parser.add_argument("--senza-docx", action="store_true", help="senza i documenti Word, in ogni esecuzione")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-territorio-") as tmp:
        out = Path(tmp)
        plan = plan_territory(options.territorio, areas=options.aree, comuni=options.comuni, out_dir=out)
        jobs_loop = sum(len(p.jobs) for p in plan.districts)
        jobs_all = jobs_loop + 1
        first = territory(out, options, force=False, dask=False)
        print(f"{plan.territory.nome}: {len(plan.districts)} distretti, {jobs_all} rapporti; "
              f"primo avvio {first:.1f} s, {options.jobs} processi")
        modes = [("(a) ciclo della shell", jobs_loop, lambda f: loop(plan, out, options, f)),
                 ("(b) territorio, processi locali", jobs_all, lambda f: territory(out, options, f, False))]
        if not options.senza_dask:
            modes.append(("(c) territorio, Dask LocalCluster", jobs_all, lambda f: territory(out, options, f, True)))
        timed, kinds = {}, {}
        for label, jobs, run in modes:
            wall = run(True)
            if label.startswith("(b)"):
                kinds = durations(plan)  # each job's own time in the local territory run
            idle = run(False)
            timed[label] = (wall, idle)
            print(f"{label}: {jobs} rapporti in {wall:.1f} s, {wall * options.jobs / jobs:.2f} s-core per "
                  f"rapporto; senza nulla da fare {idle:.1f} s")
        loop_wall = timed[modes[0][0]][0]
        for label, _, _ in modes[1:]:
            ratio = loop_wall / timed[label][0]
            print(f"(a)/{label[:3]} = {ratio:.2f} (obiettivo >= {GOAL:g}: {'raggiunto' if ratio >= GOAL else 'NO'})")
        per_job = {k: (sum(v) / len(v) if v else 0.0) for k, v in kinds.items()}
        if not kinds["scheda"]:  # --comuni "": no profile timed; a profile is taken to cost a district report
            per_job["scheda"] = per_job["distretto"]
            print("nessuna scheda eseguita: nel modello una scheda costa quanto un rapporto di distretto (stima)")
        busy = sum(sum(v) for v in kinds.values())
        # what the territory run spent outside the jobs (start-up, warm-up, publishing), per district, in core-s
        fixed = max(0.0, timed[modes[1][0]][0] * options.jobs - busy) / len(plan.districts)
        print("tempo proprio medio per rapporto (territorio, processi locali): "
              + ", ".join(f"{k} {v:.2f} s ({len(kinds[k])})" for k, v in per_job.items())
              + f"; fuori dai rapporti {fixed:.2f} s-core per distretto")
        print("modello di scala (sulla carta, stessi tempi per rapporto, lavoro diviso sui core):")
        print("\n".join(model(per_job, fixed, len(plan.districts))))


if __name__ == "__main__":
    main()
