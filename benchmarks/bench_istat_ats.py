"""Memory and time of reading ISTAT's survey per ambito, national size (a script, not a test).

Run:  .venv/bin/python benchmarks/bench_istat_ats.py [--ambiti-per-regione 30] [--anni 3] [--servizi 10]

Writes a GENERATED export in the real layout with labels (every region with its
ambiti, Italy, seven areas, `--servizi` services, `--anni` years: about 400,000
rows and 50 MB with the defaults) and measures, each in a fresh process, the
peak resident memory beyond the process's baseline (imports done) and the time of:

- ``scan``: every row checked in chunks, a summary kept (what ``import-istat`` does);
- ``read``: one region's rows kept (what the comparison report does);
- ``pandas``: the whole file in one ``pd.read_csv``, the naive way, for scale.

It prints each as a ratio to the file's size: the chunked reads should stay
near a constant (one chunk) whatever the file's size, the naive read grows with it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pianozona.data.ats_codes import REGIONI  # noqa: E402

AREAS = ("FAM", "DIS", "ELD", "IMMNOM", "POV", "ADD", "MULBEN")
PROBE = """
import resource, sys, time
sys.path.insert(0, {root!r})
import pandas as pd
from pianozona.data import istat_ats
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
mode, path = {mode!r}, {path!r}
if mode == "scan":
    istat_ats.scan(path)
elif mode == "read":
    istat_ats.read([path], data_types=["EXPTPOP", "EXPMUN", "USSSPM", "PERUSTPOP"],
                   territories=lambda s: (s == "IT") | (s == "ITC4") | s.str.startswith("T03"))
else:
    pd.read_csv(path, dtype=str, keep_default_na=False)
elapsed = time.perf_counter() - start
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024, elapsed)
"""


def write_national(path: Path, per_region: int, years: int, services: int) -> int:
    """A generated national export with labels; returns the number of data rows."""
    rows = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write("FREQ,REF_AREA,Territorio,DATA_TYPE,Indicatore,CATEG_OF_BENEFICIARIES,Area di utenza,"
                  "CATEGORY_OF_SERVICE,Servizio o intervento,TIME_PERIOD,Osservazione\n")
        territories = [("IT", "Italia")] + [(nuts[0], name) for name, nuts in REGIONI.values()]
        territories += [(f"T{code}{i:03d}", f"Ambito {code}{i:03d}")
                        for code in REGIONI for i in range(1, per_region + 1)]
        for code, name in territories:
            for year in range(2021, 2021 + years):
                for area in AREAS:
                    out.write(f"A,{code},{name},EXPTPOP,Spesa per abitante,{area},Area,ALL,Tutte le voci,{year},120\n")
                    out.write(f"A,{code},{name},EXPMUN,Spesa dei comuni (euro),{area},Area,ALL,Tutte le voci,{year},"
                              "3438320\n")
                    for s in range(services):
                        for kind, value in (("EXPMUN", "68072"), ("USSSPM", "131"), ("PERUSTPOP", "0.42")):
                            out.write(f'A,{code},{name},{kind},Misura,{area},Area,S{s:02d},"Servizio {s}, voce",'
                                      f"{year},{value}\n")
                    rows += 2 + 3 * services
    return rows


def probe(mode: str, path: Path) -> tuple[int, float]:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(root=str(ROOT), mode=mode, path=str(path))],
                          capture_output=True, text=True, check=True)
    extra, seconds = proc.stdout.split()
    return int(extra), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ambiti-per-regione", type=int, default=30)
    parser.add_argument("--anni", type=int, default=3)
    parser.add_argument("--servizi", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ats_italia.csv"
        rows = write_national(path, args.ambiti_per_regione, args.anni, args.servizi)
        size = path.stat().st_size
        print(f"file generato: {rows:,} righe, {size / 1e6:.1f} MB")
        for mode in ("scan", "read", "pandas"):
            extra, seconds = probe(mode, path)
            print(f"{mode:>6}: memoria di picco oltre la base {extra / 1e6:7.1f} MB = {extra / size:5.2f} x il file; "
                  f"{seconds:5.1f} s")


if __name__ == "__main__":
    main()
