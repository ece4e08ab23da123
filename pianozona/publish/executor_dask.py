"""The Dask executor: the planned jobs run on Dask distributed workers and their outcomes come back to the runner.

``run_reports(..., executor="dask")`` (CLI ``--executor dask``) gives the
planned tasks to `DaskPool` instead of the local `pianozona.publish.workers.Pool`;
planning, the parameter checks (before any job), rendering, publishing,
manifest and incremental skips stay the runner's, unchanged.  With
``scheduler="tcp://host:port"`` (``--scheduler``) it connects to an existing
cluster; without, it starts a ``LocalCluster`` of worker processes
(``n_workers`` = ``--jobs``, one thread each) and closes it at the end.

Kernel templates: on a ``LocalCluster`` every worker is on this host, so
they share one template started here, as the local pool's workers do (the
suite's modules imported and the districts warmed up once per run, not once
per worker on the same cores); on a ``--scheduler`` cluster each Dask worker
gets its own (`pianozona.publish.dask_worker.TemplatePlugin`, a
``WorkerPlugin``).  Either way every job's kernel is a fork of a template.
Guarantees: one job at a time per worker process; a job that fails, or kills
its worker (``KilledWorker``; the ``LocalCluster`` retries no task, see
`LOCAL_CONFIG`), is a failed outcome and the others go on; each job has the
run's time limit (the kernel is killed by the job itself, and a worker stuck
well past it is restarted); Ctrl-C cancels the futures, stops the templates
and closes the cluster, and the runner removes its temporary folder.

What a real cluster needs
-------------------------
Jobs read and write files by absolute path, so every worker must see, at the
same paths as the runner: the notebooks folder, the district's data folder
(or the same ``PIANOZONA_DATA_DIR`` for a district given by code), and the
output folder, where the run's temporary folder is (each job writes its
notebook, page, spreadsheet and key figures there, and the runner moves them
in place): a shared filesystem (NFS, CephFS, Lustre...) mounted alike on every
node.  Workers need the same pianozona and Python packages as the runner (not
its local secret: the incremental keys are computed by the runner).  Start them with one thread
each (``dask worker tcp://... --nthreads 1``; more threads only wait) and
``--nworkers`` as the node's cores.  An object store (S3) would need the jobs
to download the notebook and data and upload their files to the store, and
the runner to fetch them before publishing: not done here.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from pianozona.errors import ExecutionError, ParameterError
from pianozona.publish.execution import log_tail
from pianozona.publish.kernels import START_TIMEOUT_S
from pianozona.publish.template import KernelTemplate
from pianozona.publish.workers import TIMEOUT_GRACE_S, WorkerConfig

EXECUTORS = ("locale", "dask")
SCHEDULER = re.compile(r"^(tcp|tls)://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$")
#: the LocalCluster's scheduler retries no task: a job that kills its worker fails at once, like a local run
LOCAL_CONFIG = {"distributed.scheduler.allowed-failures": 0}
CONNECT_TIMEOUT_S = 30
POLL_S = 0.5


def check_executor(executor: str | None, scheduler: str | None) -> str:
    """The executor's name ("locale" or "dask"); ParameterError for another name or a scheduler without Dask."""
    name = (executor or "locale").strip().lower()
    if name not in EXECUTORS:
        raise ParameterError("executor", executor, "valori ammessi: locale, dask")
    if scheduler is not None:
        if name != "dask":
            raise ParameterError("scheduler", scheduler, "l'indirizzo dello scheduler vale solo con --executor dask")
        if not SCHEDULER.match(scheduler.strip()):
            raise ParameterError("scheduler", scheduler, "indicare l'indirizzo come tcp://host:porta, "
                                 "per esempio tcp://127.0.0.1:8786")
    if name == "dask":
        try:
            import distributed  # noqa: F401  (only whether it is installed)
        except ImportError:
            raise ParameterError("executor", executor, "serve il pacchetto 'distributed': pip install "
                                 "distributed (o reinstallare pianozona)") from None
    return name


class _SyncCancelRace(logging.Filter):
    """Drops one known upstream error: distributed's ``sync`` interrupted by Ctrl-C before its coroutine began
    schedules ``cancel``, which reads a variable not yet assigned (``NameError`` in ``distributed/utils.py``,
    logged by tornado).  The interrupt itself goes on as usual; only this traceback is kept off the terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, NameError) or exc.__traceback__ is None:
            return True
        frame = exc.__traceback__
        while frame.tb_next is not None:
            frame = frame.tb_next
        code = frame.tb_frame.f_code
        return not (code.co_name == "cancel" and Path(code.co_filename).match("distributed/utils.py"))


def _quiet_sync_cancel_race() -> None:
    """Install `_SyncCancelRace` on tornado's application logger, once per process."""
    logger = logging.getLogger("tornado.application")
    if not any(isinstance(f, _SyncCancelRace) for f in logger.filters):
        logger.addFilter(_SyncCancelRace())


class DaskPool:
    """The local `Pool`'s interface (`run`, `stop`) over a Dask cluster, with a kernel template per worker."""

    def __init__(self, size: int, config: WorkerConfig, scheduler: str | None = None, *,
                 preload: tuple[str, ...] | None = None, warm: list[dict] | None = None,
                 cwd: Path | None = None) -> None:
        """Connect (or start a LocalCluster of `size` workers) and give every worker the run's template.

        `preload` None: ordinary kernels (``--no-preload``); else the modules the templates import,
        with `warm` (`pianozona.publish.warm.warm_specs`) and `cwd` (the notebooks' folder).
        """
        from pianozona.publish.dask_worker import TemplatePlugin, TemplateSpec

        _quiet_sync_cancel_race()
        self.client = self.cluster = self.shared = None
        self.futures: dict = {}  # future -> (task name, submitted at)
        self.work, self.limit = Path(config.work), config.timeout_s + TIMEOUT_GRACE_S + START_TIMEOUT_S
        self.name = f"pianozona-{uuid.uuid4().hex[:12]}"
        self.no_workers_since: float | None = None
        spec = TemplateSpec(tuple(preload), tuple(warm or ()), str(cwd)) if preload is not None else None
        try:
            if spec is not None and scheduler is None:  # one template for the host, importing while workers start
                self.shared = KernelTemplate(spec.preload, self.work, Path(spec.cwd), list(spec.warm))
                config, spec = dataclasses.replace(config, template=self.shared.address), None
            self.client, self.cluster = _connect(size, scheduler)
            self.client.register_plugin(TemplatePlugin(config, spec), name=self.name)
        except BaseException:
            self.stop()
            raise

    def run(self, tasks: list[dict]) -> Iterator[dict]:
        """Submit the tasks in their order, as many at a time as the cluster has threads; yield each outcome."""
        from distributed import wait

        from pianozona.publish.dask_worker import run_job

        pending = list(tasks)
        while pending or self.futures:
            slots = max(1, sum(self.client.nthreads().values()))
            while pending and len(self.futures) < slots:
                task = pending.pop(0)
                future = self.client.submit(run_job, task, self.name, key=f"{self.name}-{task['name']}", pure=False)
                self.futures[future] = (task["name"], time.monotonic())
            try:
                done, _ = wait(list(self.futures), timeout=POLL_S, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            for future in done:
                name, _ = self.futures.pop(future)
                yield self._outcome(future, name)
            yield from self._overrunning()
            yield from self._without_workers(pending)

    def _outcome(self, future, name: str) -> dict:
        if future.status == "finished":
            return future.result()
        exc = future.exception() if future.status == "error" else None
        what = f"{type(exc).__name__}: {exc}" if exc is not None else future.status
        return {"name": name, "ok": False, "message": "il processo di esecuzione Dask si è interrotto durante il "
                f"rapporto ({what}); {log_tail(self.work / 'modello.log')}"}

    def _overrunning(self) -> Iterator[dict]:
        """Defence in depth: a job far past its limit (its kernel is killed before) fails and its worker restarts."""
        late = [f for f, (_, since) in self.futures.items() if time.monotonic() - since > self.limit]
        if not late:
            return
        processing = self.client.processing()
        for future in late:
            name, _ = self.futures.pop(future)
            workers = [w for w, keys in processing.items() if future.key in keys]
            future.cancel()
            if workers:
                try:
                    self.client.restart_workers(workers, raise_for_error=False)
                except Exception:  # a worker without nanny cannot restart: the job still fails
                    pass
            yield {"name": name, "ok": False, "message": f"superato il tempo massimo di {int(self.limit)} s: il "
                   "processo Dask non rispondeva ed è stato riavviato"}

    def _without_workers(self, pending: list[dict]) -> Iterator[dict]:
        """No worker for `START_TIMEOUT_S`: the remaining jobs fail instead of waiting for ever."""
        if self.client.nthreads():
            self.no_workers_since = None
            return
        now = time.monotonic()
        self.no_workers_since = self.no_workers_since or now
        if now - self.no_workers_since < START_TIMEOUT_S:
            return
        names = [name for name, _ in self.futures.values()] + [t["name"] for t in pending]
        self.client.cancel(list(self.futures))
        self.futures.clear()
        pending.clear()
        for name in names:
            yield {"name": name, "ok": False, "message": "nessun processo Dask disponibile"}

    def stop(self) -> None:
        """Cancel what is left, stop every worker's template (and its kernels), close client and cluster."""
        try:
            if self.client is not None:
                self._close_cluster()
        finally:
            if self.shared is not None:  # it kills the kernels it forked
                self.shared.stop()
                self.shared = None

    def _close_cluster(self) -> None:
        try:
            if self.futures:
                self.client.cancel(list(self.futures))
            self.client.unregister_worker_plugin(self.name)
        except Exception:  # a cluster already gone: its workers took their templates with them
            pass
        finally:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
            self.client = None


def _connect(size: int, scheduler: str | None) -> tuple:
    """A client of the given scheduler, or of a new LocalCluster of `size` single-threaded worker processes."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            return Client(scheduler.strip(), timeout=CONNECT_TIMEOUT_S), None
        except OSError as exc:
            raise ExecutionError(f"scheduler Dask {scheduler} non raggiungibile in {CONNECT_TIMEOUT_S} s ({exc}): "
                                 "avviarlo (dask scheduler) o correggere --scheduler") from None
    with dask.config.set(LOCAL_CONFIG):
        cluster = LocalCluster(n_workers=size, threads_per_worker=1, processes=True, dashboard_address=None,
                               memory_limit=0, silence_logs=logging.ERROR)
    try:
        return Client(cluster), cluster
    except BaseException:
        cluster.close()
        raise
