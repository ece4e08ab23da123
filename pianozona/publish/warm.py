"""The kernel template's warm-up: the district work every job repeats, done once before the kernels fork.

`warm_specs(jobs)` lists what a run's jobs load (district parameter and
year); the template (`pianozona.publish.template`) calls `warm_up(specs)`
after its imports and before it forks the first kernel, in publication mode,
from the kernels' working directory.  For each spec it loads the district
(`load_district`, kept by `pianozona.data.cache`), runs `needs.analyse` for
the areas its jobs analyse, and every function declared with
``memo.per_district(warm=True)`` (`pianozona.analysis.memo`).  The forked
kernels inherit the results: a notebook's ``load_district`` and ``analyse``
are then memory look-ups returning copies.

The template runs it in a helper process (`start_helper`) forked before its
own imports, so that the warm-up and the imports use two cores; the helper
sends its results (`pianozona.data.cache.export`, `pianozona.analysis.memo.export`)
back through a pipe and `Helper.finish` installs them in the template.

A warm-up failure never fails the run: it is written to the template's log
and the job computes the result itself (and shows its own error).  The
warm-up stops after `WARM_TIMEOUT_S` seconds: what is done is kept, the rest
is computed by the jobs.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import signal
import sys
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["WARM_TIMEOUT_S", "Helper", "Helpers", "start_helper", "start_helpers", "warm_drawing", "warm_specs",
           "warm_up"]

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


class _Timeout(BaseException):
    """The warm-up took longer than its bound (a BaseException: no ``except Exception`` stops it)."""


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout()


def warm_up(specs: list[dict], timeout_s: float = WARM_TIMEOUT_S, log: Any = None) -> list[str]:
    """Load and analyse each spec's district (see the module docstring); one line per failure, logged too.

    Never raises (but for KeyboardInterrupt and SystemExit): a failure is a line of the result.
    """
    log = log or sys.stderr
    failures: list[str] = []
    if not specs:
        return failures
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    start = time.perf_counter()
    try:
        for spec in specs:
            failures += _warm_one(spec["district"], spec["year"], spec.get("areas", ["*"]))
    except _Timeout:
        failures.append(f"riscaldamento interrotto dopo {timeout_s:g} s: i rapporti calcolano da sé il resto")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    print(f"riscaldamento: {time.perf_counter() - start:.2f} s, {len(failures)} problemi", file=log, flush=True)
    for line in failures:
        print(f"riscaldamento: {line}", file=log, flush=True)
    return failures


def _warm_one(district_name: str, year: int, areas: list[str]) -> list[str]:
    """Load one district, analyse `areas` ("*": all), call the warmable functions; failures as lines."""
    from pianozona.analysis import memo, needs
    from pianozona.data.datasets import load_district

    try:
        district = load_district(district_name)
    except Exception as exc:  # the jobs report it on their pages
        return [f"{district_name}: caricamento non riuscito ({type(exc).__name__}: {exc})"]
    failures = []
    for area in list(district.aree) if "*" in areas else areas:
        try:
            needs.analyse(district, area, year)
        except Exception as exc:  # reported, and the area's job computes it (and shows its error) itself
            failures.append(f"{district_name} {year} {area}: {type(exc).__name__}: {exc}")
            traceback.print_exc()
    failures += [f"{district_name} {year} {name}: {error}" for name, error in memo.warm_up(district, year).items()]
    return failures


class Helper:
    """A forked process computing the warm-up; `finish` installs its results in this process."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd

    def finish(self, timeout_s: float = WARM_TIMEOUT_S, log: Any = None) -> bool:
        """Wait for the helper (at most `timeout_s`), install what it computed; False if it gave nothing.

        Never raises: whatever the helper did not give, the jobs compute themselves.
        """
        from pianozona.analysis import memo
        from pianozona.data import cache

        log = log or sys.stderr
        chunks, deadline = [], time.monotonic() + timeout_s
        try:
            while (left := deadline - time.monotonic()) > 0 and select.select([self.fd], [], [], left)[0]:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            else:
                print("riscaldamento: il processo ausiliario non ha finito in tempo", file=log, flush=True)
                os.kill(self.pid, signal.SIGKILL)
                return False
            if not chunks:
                return False
            state = pickle.loads(b"".join(chunks))
            cache.install(state["cache"])
            memo.install(state["memo"])
            return True
        except Exception:  # never fails the run: the jobs compute it themselves
            traceback.print_exc(file=log)
            return False
        finally:
            os.close(self.fd)
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass


def start_helper(specs: list[dict], modules: Iterable[str] = ()) -> Helper | None:
    """Fork a process that imports the package's `modules` (so warmable functions exist), runs
    `warm_up(specs)` and pipes its results back; None when there is nothing to warm."""
    if not specs:
        return None
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_fd)
        return Helper(pid, read_fd)
    status = 1
    try:
        os.close(read_fd)
        _helper_main(specs, modules, write_fd)
        status = 0
    except BaseException:  # reported in the template's log; the template goes on
        traceback.print_exc()
    finally:
        os._exit(status)


class Helpers:
    """Several helpers, each warming a share of the districts; `finish` installs what each gave."""

    def __init__(self, helpers: list[Helper]) -> None:
        self.helpers = helpers

    def finish(self, timeout_s: float = WARM_TIMEOUT_S, log: Any = None) -> bool:
        """`Helper.finish` for each within one shared deadline; True if any gave its results."""
        deadline = time.monotonic() + timeout_s
        done = [helper.finish(max(0.0, deadline - time.monotonic()), log) for helper in self.helpers]
        return any(done)


def start_helpers(specs: list[dict], modules: Iterable[str] = (), count: int = 1) -> Helpers | None:
    """`start_helper` for `count` shares of the specs (a territory's districts dealt round), None with no specs.

    A run of one district has one spec, hence one helper; a territory's warm-up uses the cores the
    workers will use, instead of one while the others wait.
    """
    shares = [specs[i::count] for i in range(max(1, min(count, len(specs))))]
    helpers = [helper for share in shares if (helper := start_helper(share, modules)) is not None]
    return Helpers(helpers) if helpers else None


def _helper_main(specs: list[dict], modules: Iterable[str], fd: int) -> None:
    import importlib

    from pianozona.analysis import memo
    from pianozona.data import cache
    from pianozona.publish.processes import die_with_parent

    die_with_parent(os.getppid())
    for name in modules:
        if name.split(".")[0] == "pianozona":
            try:
                importlib.import_module(name)
            except Exception:  # the notebook shows its own import error
                pass
    warm_up(specs)
    payload = pickle.dumps({"cache": cache.export(), "memo": memo.export()}, protocol=pickle.HIGHEST_PROTOCOL)
    with os.fdopen(fd, "wb") as out:
        out.write(payload)
