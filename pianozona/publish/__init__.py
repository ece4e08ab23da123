"""Running the notebook suite and publishing its reports: plan, execute, render, publish.

Modules, in the order of a run:

- `planning`: the suite, the jobs and their parameters, incremental keys (`plan_run`);
- `kernels`: the pre-imported kernel template and the kernels forked from it;
- `workers`: the worker processes that execute a job with papermill and render its page;
- `site`: the published folder: moving a job's files in, manifest, index, lock;
- `runner`: `run_reports`, the entry point that ties the four together (``pianozona run``).
"""

import importlib

__all__ = ["kernels", "planning", "runner", "site", "workers"]


def __getattr__(name: str):
    """Import a submodule on first use (``pianozona.publish.runner``), so a light import stays light."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
