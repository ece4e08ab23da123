"""The two executors side by side: local process pool against a Dask LocalCluster (a script, not a test).

Run:  .venv/bin/python benchmarks/bench_executors.py [--notebooks DIR] [--district pavia] [--year 2023]
      [--jobs N] [--areas a,b] [--comuni c,d] [--ripetizioni 1]

Both run the same plan (the Pavia suite by default) with ``--force`` into their
own reports folder, one after the other on this machine, each in a fresh
process (``pianozona run``: a real start-up, a cluster started and closed by
the Dask one), after a first untimed run that fills each folder.  For each it
prints the wall time, the jobs' own time (the sum of the manifest's
``durata_s``: kernel start and execution, what the job would cost anywhere)
and the per-job overhead: (wall x processes - jobs' own time) / jobs, i.e.
what each job costs beyond its own execution (start-up of workers and
templates, scheduling, rendering, publishing, idle processes at the end),
and the ratio Dask / local.
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

BIN = Path(sys.executable).parent


def timed_run(executor: str, args: argparse.Namespace, out: Path) -> float:
    """Wall time of one forced ``pianozona run`` with this executor (exit code checked)."""
    command = [str(BIN / "pianozona"), "run", "--district", args.district, "--out", str(out), "--processi", args.jobs,
               "--executor", executor, "--forza"]
    for option, value in (("--notebooks", args.notebooks), ("--anno", args.year), ("--aree", args.areas),
                          ("--comuni", args.comuni)):
        if value:
            command += [option, value]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{executor}: codice {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def job_times(out: Path) -> list[float]:
    """Each report's own duration, from the manifest of the run's folder."""
    manifest = next(out.rglob("manifest.json"))
    return [e["durata_s"] for e in json.loads(manifest.read_text(encoding="utf-8"))["rapporti"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default=None)
    parser.add_argument("--district", default="pavia")
    parser.add_argument("--year", default=None)
    parser.add_argument("--jobs", default=str(len(os.sched_getaffinity(0))))
    parser.add_argument("--areas", default=None)
    parser.add_argument("--comuni", default=None)
    parser.add_argument("--ripetizioni", type=int, default=1, help="corse cronometrate per esecutore (la migliore)")
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-esecutori-") as work:
        for executor in ("locale", "dask"):
            out = Path(work) / executor
            timed_run(executor, args, out)  # untimed: fills the folder (district facts cached, as in a rerun)
            wall = min(timed_run(executor, args, out) for _ in range(args.ripetizioni))
            own = job_times(out)
            overhead = (wall * int(args.jobs) - sum(own)) / len(own)
            rows[executor] = wall
            print(f"{executor:<7} {len(own)} rapporti, {args.jobs} processi: {wall:6.1f} s in tutto, "
                  f"{sum(own):6.1f} s dei rapporti, costo aggiunto per rapporto {overhead:5.2f} s", flush=True)
    print(f"dask / locale: {rows['dask'] / rows['locale']:.2f}")


if __name__ == "__main__":
    main()
