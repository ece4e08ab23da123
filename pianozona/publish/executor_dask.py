"""The Dask executor (``--executor dask``, ``pip install 'pianozona[dask]'``): the jobs on Dask distributed workers.

`DaskPool` runs the runner's `Task`s on a Dask cluster and yields their `Outcome`s (see
`pianozona.publish.tasks`); planning, checks, rendering and publishing stay the runner's.  With
``scheduler="tcp://host:port"`` it connects to an existing cluster; without, it starts a
``LocalCluster`` of ``--jobs`` single-threaded worker processes and closes it at the end.  On one
host it gains nothing over the local pool: it is how a region's run spreads over several machines.

Kernel templates: a ``LocalCluster``'s workers share one template started here (on the fast path);
on a ``--scheduler`` cluster each worker starts its own (`TemplatePlugin`, a ``WorkerPlugin``, on
its own host's fast path; ordinary kernels elsewhere).  `run_job` runs one task in a worker,
one at a time per worker process.

Promises, as every executor's: a job that fails, or kills its worker (``KilledWorker``: the
``LocalCluster`` retries no task, `LOCAL_CONFIG`), is a failed outcome and the others go on; a job
far past its limit fails and its worker restarts.  Edges: connecting and starting have time
limits (`CONNECT_TIMEOUT_S`, `START_TIMEOUT_S`): a scheduler that accepts connections and never
answers, or a cluster that does not start, is one line (`ExecutionError`); a scheduler lost
during the run, or no worker for `START_TIMEOUT_S`, fails the jobs still waiting with one line each
(`ExecutorLost`).  Ctrl-C is held while Dask is inside a call (`_HeldInterrupt`), and what the worker
processes of a ``LocalCluster`` print when it interrupts their start goes to the run's log, so the
runner alone turns it into one line: no traceback of distributed's.

What a real cluster needs: every worker sees, at the same paths as the runner, the notebooks
folder, the district's data folder (or the same ``PIANOZONA_DATA_DIR``) and the output folder
(each job writes its files in the run's temporary folder there): a shared filesystem mounted alike
on every node.  Workers need the same pianozona and Python packages (not its local secret: the
incremental keys are the runner's); start them with one thread each (``dask worker tcp://...
--nthreads 1 --nworkers <cores>``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from distributed import CancelledError, Client, LocalCluster, WorkerPlugin, get_worker, wait

from pianozona.errors import ExecutionError
from pianozona.publish.processes import fast_path
from pianozona.publish.tasks import ExecutorLost, ExecutorSetup, Limits, Outcome, Reason, Task
from pianozona.publish.workers import START_GRACE_S, TIMEOUT_GRACE_S, prepare_process, restore_process, run_task

#: the LocalCluster's scheduler retries no task: a job that kills its worker fails at once, like a local run
LOCAL_CONFIG = {"distributed.scheduler.allowed-failures": 0}
CONNECT_TIMEOUT_S = 30  # the scheduler must answer within this
START_TIMEOUT_S = 120  # a LocalCluster must start, and a cluster have a worker, within this
POLL_S = 0.5
_ONE_JOB_AT_A_TIME = threading.Lock()  # per worker process, whatever its number of threads


class DaskPool:
    """The local pool's interface (`run`, `stop`) over a Dask cluster, with the run's kernel templates."""

    def __init__(self, setup: ExecutorSetup) -> None:
        from pianozona.publish.template import KernelTemplate

        self.client = self.cluster = self.shared = None
        self.futures: dict = {}  # future -> (task key, submitted at)
        self.work = setup.work
        self.limit = setup.limits.timeout_s + TIMEOUT_GRACE_S + START_GRACE_S
        self.name, self.no_workers_since = f"pianozona-{uuid.uuid4().hex[:12]}", None
        self.held = _HeldInterrupt()
        self.logger = logging.getLogger("distributed")  # its tracebacks on the terminal: the outcomes say it once
        self.level = self.logger.level
        self.logger.setLevel(logging.CRITICAL)
        remote = setup.scheduler is not None
        try:
            if setup.preload is not None and not remote and fast_path():  # one template for the host's workers
                self.shared = KernelTemplate(setup.preload, setup.work, setup.cwd, list(setup.warm))
            with _stderr_into(setup.work / "dask.log"):  # the workers it starts inherit it
                self.client, self.cluster = self.held.call(_connect, setup.size, setup.scheduler)
            plugin = TemplatePlugin(setup.work, setup.limits, self.shared.address if self.shared else None,
                                    (setup.preload, setup.warm, setup.cwd) if remote and setup.preload else None)
            self.held.call(self.client.register_plugin, plugin, name=self.name)
        except BaseException:
            self.stop()
            raise

    def run(self, tasks: Sequence[Task]) -> Iterator[Outcome]:
        """Submit the tasks in their order, as many at a time as the cluster has threads; yield each outcome."""
        pending = list(tasks)
        while pending or self.futures:
            try:
                slots = max(1, sum(self.held.call(self.client.nthreads).values()))
                while pending and len(self.futures) < slots:
                    task = pending.pop(0)
                    future = self.client.submit(run_job, task, self.name, key=f"{self.name}-{task.key}", pure=False)
                    self.futures[future] = (task.key, time.monotonic())
                done, _ = self.held.call(wait, list(self.futures), timeout=POLL_S, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            except (OSError, RuntimeError, CancelledError) as exc:  # the scheduler is gone (connection lost, closed)
                raise ExecutorLost(f"scheduler Dask perso durante l'esecuzione ({type(exc).__name__}): rilanciare "
                                   "quando il cluster è di nuovo attivo") from None
            for future in done:
                key, _ = self.futures.pop(future)
                yield self._outcome(future, key)
            yield from self._overrunning()
            self._check_workers()

    def _outcome(self, future: Any, key: str) -> Outcome:
        from pianozona.publish.execution import log_tail

        if future.status == "finished":
            return future.result()
        exc = future.exception() if future.status == "error" else None
        what = f"{type(exc).__name__}: {exc}" if exc is not None else future.status
        return Outcome(key, Reason.LOST, "il processo di esecuzione Dask si è interrotto durante il rapporto "
                       f"({what}); {log_tail(self.work / 'modello.log')}")

    def _overrunning(self) -> Iterator[Outcome]:
        """Defence in depth: a job far past its limit (its kernel is killed before) fails and its worker restarts."""
        late = [f for f, (_, since) in self.futures.items() if time.monotonic() - since > self.limit]
        if not late:
            return
        processing = self.held.call(self.client.processing)
        for future in late:
            key, _ = self.futures.pop(future)
            workers = [w for w, keys in processing.items() if future.key in keys]
            future.cancel()
            if workers:
                try:
                    self.held.call(self.client.restart_workers, workers, raise_for_error=False)
                except Exception:  # a worker without nanny cannot restart: the job still fails
                    pass
            yield Outcome(key, Reason.TIMEOUT, f"superato il tempo massimo di {int(self.limit)} s: il processo Dask "
                          "non rispondeva ed è stato riavviato")

    def _check_workers(self) -> None:
        """No worker for `START_TIMEOUT_S`: the executor is lost (the jobs still waiting fail, one line each)."""
        if self.held.call(self.client.nthreads):
            self.no_workers_since = None
            return
        self.no_workers_since = self.no_workers_since or time.monotonic()
        if time.monotonic() - self.no_workers_since > START_TIMEOUT_S:
            raise ExecutorLost(f"nessun processo Dask disponibile da {START_TIMEOUT_S} s: avviare i worker "
                               "(dask worker) e rilanciare")

    def stop(self) -> None:
        """Cancel what is left, stop every worker's template (and its kernels), close client and cluster."""
        try:
            if self.client is not None:
                self._close_cluster()
        finally:
            if self.shared is not None:  # it kills the kernels it forked
                self.shared.stop()
                self.shared = None
            self.held.restore()
            self.logger.setLevel(self.level)

    def _close_cluster(self) -> None:
        try:
            if self.futures:
                self.client.cancel(list(self.futures), force=True)
            self.client.unregister_worker_plugin(self.name)
        except Exception:  # a cluster already gone: its workers took their templates with them
            pass
        finally:
            try:
                self.client.close(timeout=CONNECT_TIMEOUT_S)
            except Exception:  # a scheduler already gone
                pass
            if self.cluster is not None:
                self.cluster.close(timeout=CONNECT_TIMEOUT_S)
            self.client = None


def _connect(size: int, scheduler: str | None) -> tuple:
    """A client of the given scheduler, or of a new LocalCluster of `size` single-threaded worker processes."""
    import dask

    if scheduler is not None:
        try:
            _probe(scheduler)  # Client's own timeout does not cover the handshake: a silent server would hang it
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ExecutionError(f"scheduler Dask {scheduler} non raggiungibile o senza risposta in "
                                 f"{CONNECT_TIMEOUT_S} s ({type(exc).__name__}): avviarlo (dask scheduler) o "
                                 "correggere --scheduler") from None
        return client, None
    with dask.config.set(LOCAL_CONFIG):
        try:
            cluster = LocalCluster(n_workers=size, threads_per_worker=1, processes=True, dashboard_address=None,
                                   memory_limit=0, silence_logs=logging.ERROR, timeout=START_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ExecutionError(f"il cluster Dask locale non si è avviato in {START_TIMEOUT_S} s "
                                 f"({type(exc).__name__}: {exc})") from None
    try:
        return Client(cluster), cluster
    except BaseException:
        cluster.close()
        raise


def _probe(address: str) -> None:
    """Connect to the scheduler and complete Dask's handshake within `CONNECT_TIMEOUT_S` (TimeoutError else),
    in a thread with its own event loop (the caller may be inside one: JupyterLab)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect
    from distributed.security import Security

    async def handshake() -> None:
        args = Security().get_connection_args("client")
        comm = await asyncio.wait_for(connect(address, timeout=CONNECT_TIMEOUT_S, **args), CONNECT_TIMEOUT_S)
        await comm.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, handshake()).result()


@contextlib.contextmanager
def _stderr_into(path: Path) -> Iterator[None]:
    """This process's standard error (file descriptor 2) into `path` for a while: the processes started
    meanwhile keep writing there (a Ctrl-C's traceback of a worker interrupted as it imports), not on the
    terminal."""
    sys.stderr.flush()
    saved, log = os.dup(2), os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(log, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(log)


class _HeldInterrupt:
    """Ctrl-C held while a Dask call runs (interrupting distributed's ``sync`` mid-way leaves tracebacks behind)
    and raised as soon as the call returns; between calls a second Ctrl-C interrupts at once.

    In the main thread only; during a call SIGINT is blocked there, hence in the threads Dask starts
    meanwhile (its event loop).  The processes they spawn (a LocalCluster's workers) do not inherit the
    mask: a terminal's Ctrl-C reaches them too, and while they start it interrupts them; what they print
    then goes to the run's log (`_stderr_into`) and the cluster's failure is the Ctrl-C's one line.
    """

    def __init__(self) -> None:
        self.asked = 0
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)

    def _handler(self, signum: int, frame: Any) -> None:
        self.asked += 1
        if self.asked > 1:
            raise KeyboardInterrupt

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self.previous is None:
            return fn(*args, **kwargs)
        blocked = hasattr(signal, "pthread_sigmask")
        if blocked:  # inherited by the threads fn starts, hence by the processes they spawn
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        result, error = None, None
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            error = exc
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a pending Ctrl-C arrives here
        if self.asked:  # also when the call failed: a worker interrupted as it started
            raise KeyboardInterrupt from None
        if error is not None:
            raise error
        return result

    def restore(self) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None


# ---------------------------------------------------------------------------
# inside each Dask worker


class TemplatePlugin(WorkerPlugin):
    """A run's worker plugin: the worker ignores Ctrl-C (the runner's to handle) and, on a ``--scheduler``
    cluster, starts its own kernel template for the run (`own`: the modules, warm-up specs and folder)."""

    def __init__(self, work: Path, limits: Limits, shared: str | None, own: tuple | None) -> None:
        self.work, self.limits, self.shared, self.own = work, limits, shared, own
        self.template: Any = None
        self.sigint: Any = None

    def setup(self, worker: Any) -> None:
        from pianozona.publish.template import KernelTemplate

        if threading.current_thread() is threading.main_thread():
            self.sigint = signal.signal(signal.SIGINT, signal.SIG_IGN)
        if self.own is not None and fast_path():
            preload, warm, cwd = self.own
            self.template = KernelTemplate(preload, self.work, Path(cwd), list(warm))

    def teardown(self, worker: Any) -> None:
        """Stop the template (it kills the kernels it forked); SIGINT handled as before the run."""
        if self.template is not None:
            self.template.stop()
            self.template = None
        if self.sigint is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self.sigint)
            self.sigint = None

    @property
    def address(self) -> str | None:
        return self.template.address if self.template is not None else self.shared


def run_job(task: Task, plugin: str) -> Outcome:
    """Run one task on this worker with the run's template (`plugin`: its registered name)."""
    found = get_worker().plugins.get(plugin)
    if not isinstance(found, TemplatePlugin):
        return Outcome(task.key, Reason.LOST, "il processo Dask non ha il modello dei kernel di questa esecuzione "
                       "(registrazione non riuscita): rilanciare")
    with _ONE_JOB_AT_A_TIME:
        previous = prepare_process(found.address, found.work / f"processo-{os.getpid()}.log")
        try:
            return run_task(task, found.limits)
        finally:
            restore_process(previous)
