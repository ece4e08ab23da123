"""Running the notebook suite and publishing its reports: plan, execute, render, publish.

    >>> from pianozona.publish.runner import RunOptions, run_reports
    >>> run_reports("pavia", 2023, RunOptions(jobs=2)).exit_code

Modules, in the order of a run:

- `keys`: the fingerprint of the package, the local secret, the keyed (HMAC) hashes (files: `pianozona.files`);
- `planning`: the suite, the jobs and their parameters, incremental keys on the inputs each report reads (`plan_run`);
- `territory`: a territory's plan, every district's suite and the comparison of the districts (`plan_territory`);
- `optional`: the optional reports (LEPS, comparison with Italy): which a district can run, the log's line;
- `stale`: data changed while the run read them: the inputs a job's kernel found different from the plan;
- `parameters`: a job's values checked against its notebook's ``parameters`` cell (`check_notebook`);
- `tasks`: what the runner gives an executor and gets back (`Task`, `Outcome`, `Reason`), the executors' registry;
- `processes`: the fast path or the portable one, the processes' lifetime, resident memory;
- `template`: the kernel template process that pre-imports the suite's modules and forks kernels (fast path);
- `warm`: the warm-up, each district loaded and analysed once, before its kernels fork;
- `kernels`: the kernels a job runs in, through jupyter_client's kernel provisioners;
- `execution`: one job in a worker: papermill, its limits, whether it ran to the end, its rendered page;
- `pdf`: a published page printed to PDF with headless Chromium (optional, ``pdf=True``);
- `workers`: the local executor, worker processes that take the jobs one at a time;
- `executor_dask`: the Dask executor (``--executor dask``, the optional ``pianozona[dask]``);
- `index`: the indexes of the published folders: a year's index, the district's page of years, their links;
- `site`: the published folder: moving a job's files in, manifest, lock; the private folder's notebooks;
- `console`: what a run tells its user while it goes (a progress bar, or log lines);
- `runner`: `run_reports` and `RunOptions`, the one entry point (``pianozona run``, ``--territorio``);
- `exploration`: a planner's own copy of the explorer notebook for a district (``pianozona esplora``).
"""

import importlib

__all__ = ["console", "execution", "executor_dask", "exploration", "index", "kernels", "keys", "optional",
           "parameters", "pdf", "planning", "processes", "runner", "site", "stale", "tasks", "template",
           "territory", "warm", "workers"]


def __getattr__(name: str):
    """Import a submodule on first use (``pianozona.publish.runner``), so a light import stays light."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
