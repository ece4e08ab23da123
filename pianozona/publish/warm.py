"""The warm-up: the district work every job repeats, done once per district and year before their kernels fork.

`warm_specs(jobs)` lists what a run's jobs load (district parameter and year), in the order the jobs
need them; the kernel template (`pianozona.publish.template`) hands them to its warm-up helpers,
which call `warm_up([spec])` for each in publication mode: it loads the district (`load_district`),
runs `needs.analyse` for the areas its jobs analyse, and every function declared with
``cache.per_district(warm=True)``; all of it lands in `pianozona.data.cache`, is sent back to the
template, and every kernel forked from then on inherits it: a notebook's ``load_district`` and
``analyse`` are then memory look-ups returning copies, whatever the kernel's working directory.

A warm-up failure never fails the run: it is written to the template's log and the job computes
the result itself (and shows its own error).  The warm-up stops after `WARM_TIMEOUT_S` seconds:
what is done is kept, the rest is computed by the jobs.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

WARM_TIMEOUT_S = 120


def warm_specs(jobs: Iterable[Any]) -> list[dict]:
    """What these jobs' notebooks compute that is the same for all: per (district, year), the areas.

    A job counts when its notebook calls ``load_district`` (its ``district`` and ``year``
    parameters); its areas are analysed when the notebook calls ``needs.analyse``: the job's
    ``area`` parameter, or every area of the district (``"*"``) when it has none.
    """
    found: dict[tuple[str, int], set[str]] = {}
    calls: dict[Path, set[str]] = {}
    for job in jobs:
        parameters = getattr(job, "parameters", None) or {}
        district, year = parameters.get("district"), parameters.get("year")
        notebook = Path(getattr(job, "notebook", ""))
        if notebook not in calls:
            calls[notebook] = _calls(notebook)
        if district is None or not isinstance(year, int) or "load_district" not in calls[notebook]:
            continue
        areas = found.setdefault((str(district), year), set())
        if "analyse" in calls[notebook]:
            areas.add(str(parameters.get("area", "*")))
    return [{"district": district, "year": year, "areas": sorted(areas)} for (district, year), areas in found.items()]


def _calls(notebook: Path) -> set[str]:
    """Which of the warmed calls (``load_district``, ``needs.analyse``) the notebook's code makes."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return set()
    code = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    return {name for name, text in (("load_district", "load_district("), ("analyse", "needs.analyse(")) if text in code}


def warm_drawing() -> None:
    """Draw one small chart in the house style and format an Italian number, once, in the template.

    A process's first chart loads the fonts (regular and bold), the font cache and Babel's Italian
    locale data (about 0.2 s): done here, every forked kernel inherits them.  No pyplot, so no
    backend is chosen; does nothing when the notebooks do not draw (matplotlib not imported).
    """
    if "matplotlib" not in sys.modules:
        return
    import io

    import matplotlib as mpl
    from matplotlib.figure import Figure

    from pianozona.formatting import num
    from pianozona.present import style

    with mpl.rc_context(style.house_rc()):
        fig = Figure(figsize=(4, 3), layout="constrained")
        ax = fig.subplots()
        ax.plot([2021, 2022, 2023], [1.5, 2.5, 2.0], marker="o")
        ax.set_title("Copertura per 1.000 residenti", loc="left", fontweight="bold")
        ax.set_xlabel(f"Anno ({num(1234.5, 1)})")
        ax.text(0, 0, "Fonte: àèìòù", transform=ax.transAxes, fontsize=8, style="italic")
        fig.savefig(io.BytesIO(), format="png", dpi=110, bbox_inches="tight")


def warm_up(specs: list[dict], timeout_s: float = WARM_TIMEOUT_S, log: Any = None) -> list[str]:
    """Load and analyse each spec's district (see the module docstring); one line per failure, logged too.

    Never raises (but for KeyboardInterrupt and SystemExit): a failure is a line of the result.
    Past `timeout_s` the specs not yet begun are left to the jobs.
    """
    log = log or sys.stderr
    failures: list[str] = []
    start = time.perf_counter()
    for spec in specs:
        if time.perf_counter() - start > timeout_s:
            failures.append(f"riscaldamento interrotto dopo {timeout_s:g} s: i rapporti calcolano da sé il resto")
            break
        failures += _warm_one(spec["district"], spec["year"], spec.get("areas", ["*"]))
    if specs:
        print(f"riscaldamento: {time.perf_counter() - start:.2f} s, {len(failures)} problemi", file=log, flush=True)
    for line in failures:
        print(f"riscaldamento: {line}", file=log, flush=True)
    return failures


def _warm_one(district_name: str, year: int, areas: list[str]) -> list[str]:
    """Load one district, analyse `areas` ("*": all), call the warmable functions; failures as lines."""
    from pianozona.analysis import needs
    from pianozona.data import cache
    from pianozona.data.datasets import load_district

    try:
        district = load_district(district_name)
    except Exception as exc:  # the jobs report it on their pages
        return [f"{district_name}: caricamento non riuscito ({type(exc).__name__}: {exc})"]
    calls = [(area, needs.analyse, (area, year)) for area in (list(district.aree) if "*" in areas else areas)]
    calls += [(fn.__qualname__, fn, (year,)) for fn in cache.warmable()]
    failures = []
    for label, fn, args in calls:
        try:
            fn(district, *args)
        except Exception as exc:  # the job raises it again on its own page
            failures.append(f"{district_name} {year} {label}: {type(exc).__name__}: {exc}")
            traceback.print_exc()
    return failures

