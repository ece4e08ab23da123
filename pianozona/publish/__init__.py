"""Running the notebook suite and publishing its reports: plan, execute, render, publish.

Modules, in the order of a run:

- `keys`: the fingerprint of the package, the local secret, the keyed (HMAC) hashes (files: `pianozona.files`);
- `planning`: the suite, the jobs and their parameters, the run's options, incremental keys (`plan_run`);
- `optional`: the optional reports (LEPS, comparison with Italy): which a district can run, the log's line;
- `stale`: data changed while the run read them: the inputs a job's kernel found different from the plan;
- `parameters`: a job's values checked against its notebook's ``parameters`` cell (`check_notebook`);
- `processes`: lifetime and limits of the run's processes (die with the parent, memory cap);
- `template`: the kernel template process that pre-imports the suite's modules and forks kernels;
- `warm`: the template's warm-up, the run's districts loaded and analysed once before the kernels fork;
- `kernels`: the kernels a worker starts (forked by the template or ordinary) and their manager;
- `execution`: one job in a worker: papermill, whether it ran to the end, its rendered page;
- `pdf`: a published page printed to PDF with headless Chromium (optional, `run_reports(..., pdf=True)`);
- `workers`: the worker processes that take the jobs one at a time;
- `executor_dask`: the jobs run on Dask distributed instead (``--executor dask``), outcomes back to the runner;
- `dask_worker`: inside each Dask worker: the run's kernel template (a worker plugin) and the job function;
- `index`: the indexes of the published folders: a year's index, the district's page of years, their links;
- `site`: the published folder: moving a job's files in, manifest, lock; the private folder's notebooks;
- `console`: what a run tells its user while it goes (a progress bar, or log lines);
- `runner`: `run_reports`, the entry point that ties them together (``pianozona run``);
- `territory`: a territory's run, every district's suite and the comparison of the districts in one pool
  (``pianozona run --territorio``);
- `exploration`: a planner's own copy of the explorer notebook for a district (``pianozona esplora``).
"""

import importlib

__all__ = ["console", "dask_worker", "execution", "executor_dask", "exploration", "index", "kernels", "keys",
           "optional", "parameters", "pdf", "planning", "processes", "runner", "site", "stale", "template",
           "territory", "warm", "workers"]


def __getattr__(name: str):
    """Import a submodule on first use (``pianozona.publish.runner``), so a light import stays light."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
