"""What runs inside a Dask worker during a run: the kernel template plugin and the job function.

`TemplatePlugin` is the run's Dask ``WorkerPlugin``: in ``setup`` (once per
worker process, also for a worker that joins or is restarted during the run)
it starts, unless the host's workers share one (``config.template``: a
``LocalCluster``), a `pianozona.publish.template.KernelTemplate` with the run's
preloaded modules and warm-up specs (and returns at once: the template
imports while the worker takes its first job) and makes the worker ignore
SIGINT, as a local worker does: the workers of a ``LocalCluster`` share the
runner's terminal, and Ctrl-C is the runner's to handle (it stops the
templates and closes the cluster); in ``teardown`` (end of the run,
`Client.unregister_worker_plugin`) it stops the template, which kills the
kernels it forked, and gives SIGINT its previous handler back (a ``dask
worker`` started by hand outlives the run).  `run_job` is the function the client submits for
each planned task: it runs the job with the worker process set up as a local
worker (`pianozona.publish.workers.prepare_process`)
and gives its state back afterwards, one job at a time per process (a lock),
since the kernel of the running job is process-wide state.  Imported only on
the Dask side (`pianozona.publish.executor_dask`): it needs ``distributed``.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin, get_worker

from pianozona.publish.template import KernelTemplate
from pianozona.publish.workers import WorkerConfig, prepare_process, restore_process, run_task

_ONE_JOB_AT_A_TIME = threading.Lock()  # per worker process, whatever its number of threads


@dataclass(frozen=True)
class TemplateSpec:
    """What each worker's kernel template needs: modules to preload, warm-up specs, the kernels' folder."""

    preload: tuple[str, ...]
    warm: tuple[dict, ...]
    cwd: str


class TemplatePlugin(WorkerPlugin):
    """A run's worker plugin: a kernel template per Dask worker for the run's duration (None: ordinary kernels)."""

    def __init__(self, config: WorkerConfig, spec: TemplateSpec | None) -> None:
        self.config, self.spec = config, spec
        self.template: KernelTemplate | None = None
        self.sigint: Any = None  # the worker's SIGINT handler before the run (None: not replaced)

    def setup(self, worker: Any) -> None:
        """Ignore Ctrl-C, start this worker's kernel template; its imports and warm-up go on while jobs are queued."""
        if threading.current_thread() is threading.main_thread():  # the worker's event loop: where signals go
            self.sigint = signal.signal(signal.SIGINT, signal.SIG_IGN)
        if self.spec is not None:
            self.template = KernelTemplate(self.spec.preload, Path(self.config.work), Path(self.spec.cwd),
                                           list(self.spec.warm))

    def teardown(self, worker: Any) -> None:
        """Stop the template (it kills the kernels it forked, then exits); SIGINT handled as before the run."""
        if self.template is not None:
            self.template.stop()
            self.template = None
        if self.sigint is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self.sigint)
            self.sigint = None

    @property
    def address(self) -> str | None:
        """The socket of this worker's template, or of the host's shared one (None: ordinary kernels)."""
        return self.template.address if self.template is not None else self.config.template


def run_job(task: dict, plugin: str) -> dict:
    """Run one planned task on this worker with the run's template (`plugin`: its registered name)."""
    found = get_worker().plugins.get(plugin)
    if not isinstance(found, TemplatePlugin):
        return {"name": task["name"], "ok": False,
                "message": "il processo Dask non ha il modello dei kernel di questa esecuzione (registrazione "
                           "non riuscita): rilanciare"}
    with _ONE_JOB_AT_A_TIME:
        log = Path(found.config.work) / f"processo-{os.getpid()}.log"
        previous = prepare_process(found.config, found.address, log)
        try:
            return run_task(task, found.config)
        finally:
            restore_process(previous)
