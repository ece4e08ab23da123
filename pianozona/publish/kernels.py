"""Kernels for the workers: forked from a template process, started and stopped without fixed waits.

A run starts one *template process* (`_KernelTemplate`, entry point
`_template_main`) that has already imported ipykernel and the modules the
suite's notebooks import (`_preload_modules`, less `NO_PRELOAD`).  A worker
asks it for a kernel over a Unix socket (`_TemplateClient`) and the template
forks one (`_kernel_child`): a new process with an empty namespace, its own
random seed and the notebook's folder as working directory.  `_kernel_manager`
is the jupyter_client kernel manager papermill uses in the workers: forked
kernels when a template runs, ordinary ones otherwise, and no fixed sleeps.

Lifetime and limits: every process of a run dies with the process that
started it, even after ``kill -9`` (`_die_with_parent`, Linux
``PR_SET_PDEATHSIG``): the workers with the runner, the template with the
runner, each kernel with the template (forked) or with its worker
(ordinary).  Each kernel gets an address-space limit (`_limit_memory`,
``RLIMIT_AS``) so that a notebook that allocates too much fails with
``MemoryError`` instead of exhausting the machine (it counts address space,
not resident memory: threaded libraries reserve some per thread, so a
machine with many cores may need a higher ``--memoria``); `CurrentKernel` tells the
worker which kernel runs its job (to kill it at the job's time limit) and
whether it was still alive when the notebook ended.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pianozona.errors import ExecutionError
from pianozona.privacy import PUBLISH_ENV_VAR

if TYPE_CHECKING:
    from pianozona.publish.planning import Job

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the pianozona package folder, as planning.PACKAGE_ROOT
START_TIMEOUT_S = 120
# Modules never imported in the kernel template: they hook into the running IPython at import time.
NO_PRELOAD = frozenset({"__future__", "ipykernel", "matplotlib_inline", "ipywidgets", "tqdm", "plotly", "bokeh",
                        "altair", "panel", "holoviews", "ipyleaflet", "google"})
# What a kernel imports while it initialises (the debugger alone is ~0.15 s): done once in the template.
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
                  "IPython.core.completerlib", "IPython.extensions.storemagic", "tornado.queues")


PR_SET_PDEATHSIG = 1  # linux/prctl.h


# ---------------------------------------------------------------------------
# lifetime and limits of the run's processes


def _die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when `parent` dies, even by ``kill -9`` (Linux only).

    The signal follows the death of the parent after this call; a parent
    that died before it is caught by comparing `os.getppid` with `parent`.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        if _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) non riuscita")
    if os.getppid() != parent:  # the parent is already gone: nobody would stop us
        os._exit(1)


@functools.cache
def _libc() -> Any:
    """The C library, loaded before any fork: a child of a threaded process must not call the loader."""
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _limit_memory(megabytes: int | None) -> None:
    """Cap this process's address space (``RLIMIT_AS``): beyond it allocations raise MemoryError."""
    if megabytes:
        import resource

        limit = int(megabytes) * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _ordinary_kernel_start(parent: int, megabytes: int | None) -> None:
    """`preexec_fn` of an ordinary kernel (no template): die with the worker, limited memory."""
    _die_with_parent(parent)
    _limit_memory(megabytes)


class CurrentKernel:
    """The kernel of the job a worker runs now: its process id, and whether it lived to the end."""

    pid: int | None = None
    alive_at_end: bool | None = None
    memory_mb: int | None = None  # the limit given to every kernel this worker starts
    on_start: Any = None  # called once the kernel process exists (starts the job's clock)

    @classmethod
    def reset(cls, on_start: Any = None) -> None:
        cls.pid, cls.alive_at_end, cls.on_start = None, None, on_start

    @classmethod
    def started(cls, pid: int) -> None:
        cls.pid = pid
        if cls.on_start is not None:
            cls.on_start()
            cls.on_start = None

    @classmethod
    def kill(cls) -> bool:
        """SIGKILL the kernel and its process group; False when none runs."""
        pid = cls.pid
        if pid is None:
            return False
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except OSError:
                continue
        return True


# ---------------------------------------------------------------------------
# what the template imports


def _preload_modules(jobs: list[Job]) -> tuple[str, ...]:
    """Modules imported by the suite's notebooks (import statements of their code cells)."""
    found: dict[str, None] = {}
    for path in dict.fromkeys(job.notebook for job in jobs):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            if cell.get("cell_type") == "code":
                for name in _imports("".join(cell.get("source", ""))):
                    if name.split(".")[0] not in NO_PRELOAD:
                        found[name] = None
    return tuple(found)


def _imports(source: str) -> list[str]:
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # ``from pianozona.analysis import needs``: the submodule too (the template skips names
            # that are not modules), since a subpackage imports its modules only on first use.
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*"]
    return names


# ---------------------------------------------------------------------------
# kernels: forked from a template process, started and stopped without fixed waits


class _KernelTemplate:
    """Main-side handle of the template process: it imports once, then forks a kernel per request.

    Requests come from the workers over a Unix socket; the template kills the
    kernels of a worker whose connection closes, and all of them when its
    stdin (held by this process) closes.
    """

    def __init__(self, preload: tuple[str, ...], work: Path, cwd: Path) -> None:
        self.folder = tempfile.mkdtemp(prefix="pz-")  # short path: Unix socket names are limited to ~100 bytes
        self.address = os.path.join(self.folder, "modello")
        with open(work / "modello.log", "ab") as log:  # cwd as the kernels': a local module resolves the same
            self.proc = subprocess.Popen(
                [sys.executable, "-c", f"import sys; sys.path.append({str(PACKAGE_ROOT.parent)!r}); "
                 "from pianozona.publish.kernels import _template_main; _template_main()", self.address,
                 str(os.getpid()), *preload],
                stdin=subprocess.PIPE, stdout=log, stderr=log, cwd=cwd, env={**os.environ, PUBLISH_ENV_VAR: "1"})

    def stop(self, graceful: bool = True) -> None:
        """Close its stdin: it kills the kernels it forked, then exits (``graceful=False``: no kernel yet)."""
        if not graceful:
            self.proc.kill()
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


class _TemplateClient:
    """Worker side: one connection to the template, one line per kernel request."""

    address: str | None = None
    log: str = os.devnull
    stream: Any = None

    @classmethod
    def fork(cls, args: list[str], env: dict, cwd: str) -> int:
        if cls.stream is None:
            cls.stream = _connect(cls.address).makefile("rwb")
        request = {"args": args, "env": env, "cwd": cwd, "log": cls.log, "memory_mb": CurrentKernel.memory_mb}
        cls.stream.write(json.dumps(request).encode() + b"\n")
        cls.stream.flush()
        line = cls.stream.readline().strip()
        if not line.isdigit():
            raise ExecutionError("il processo modello dei kernel non risponde: rilanciare con preload=False")
        return int(line)


def _connect(address: str, timeout: float = START_TIMEOUT_S) -> Any:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(address)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise ExecutionError("il processo modello dei kernel non si è avviato: vedere modello.log") from None
            time.sleep(0.01)


class _PidProcess:
    """The `subprocess.Popen` subset jupyter_client uses, for a kernel that is not our child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return 0
        return None

    def wait(self, timeout: float | None = None) -> int:
        while self.poll() is None:
            time.sleep(0.002)
        return 0

    def send_signal(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _kernel_manager() -> type:
    """A jupyter_client kernel manager: forked kernels when a template runs, and no fixed sleeps."""
    global _MANAGER
    if _MANAGER is not None:
        return _MANAGER
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager

    class QuickClient(AsyncKernelClient):
        """jupyter_client's readiness check, without its two fixed 0.2 s waits on IOPub."""

        async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (timeout or START_TIMEOUT_S)
            while time.monotonic() < deadline:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                if reply and reply["msg_type"] == "kernel_info_reply":
                    try:  # IOPub connected?  (a SUB socket misses what is sent before it joins)
                        await self.iopub_channel.get_msg(timeout=0.05)
                    except Empty:
                        continue
                    self._handle_kernel_info_reply(reply)
                    while await self.iopub_channel.msg_ready():
                        await self.iopub_channel.get_msg(timeout=0)
                    return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
            raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

        wait_for_ready = _async_wait_for_ready

    class FastKernelManager(AsyncKernelManager):
        client_factory = QuickClient

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if _TemplateClient.address is None:
                if sys.platform.startswith("linux"):
                    _libc()  # loaded here, not in the forked child
                kw["preexec_fn"] = functools.partial(_ordinary_kernel_start, os.getpid(), CurrentKernel.memory_mb)
                await super()._async_launch_kernel(kernel_cmd, **kw)
            else:
                args = kernel_cmd[kernel_cmd.index("-f"):] if "-f" in kernel_cmd else kernel_cmd[1:]
                env = dict(kw.get("env") or os.environ)
                pid = _TemplateClient.fork(args, env, str(kw.get("cwd") or os.getcwd()))
                provisioner = self.provisioner
                provisioner.process, provisioner.pid, provisioner.pgid = _PidProcess(pid), pid, pid
                self._reconcile_connection_info(provisioner.connection_info)
            CurrentKernel.started(self.provisioner.pid)
            await _ports_bound(self, self.provisioner.process)

        async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            CurrentKernel.alive_at_end = bool(await self._async_is_alive())
            await self._async_shutdown_kernel(now=now, restart=restart)

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            await super()._async_wait(pollinterval=0.005)  # a killed kernel is gone within milliseconds

    _MANAGER = FastKernelManager
    return _MANAGER


_MANAGER: type | None = None


async def _ports_bound(manager: Any, process: Any, timeout: float = START_TIMEOUT_S) -> None:
    """Wait until the kernel listens: a client connecting earlier waits for ZeroMQ's reconnect interval."""
    import asyncio
    import socket

    if manager.transport != "tcp" or process is None:
        return
    ports = [manager.shell_port, manager.iopub_port, manager.control_port, manager.hb_port]
    deadline = time.monotonic() + timeout
    while ports and time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection((manager.ip, ports[0]), timeout=0.5).close()
            ports.pop(0)
        except OSError:
            await asyncio.sleep(0.003)


def _template_main() -> None:
    """Entry point of the template process: listen, import, then fork a kernel per request line."""
    import importlib
    import selectors
    import socket

    address, parent, preload = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    _die_with_parent(parent)  # kill -9 of the runner: the template goes, and its kernels with it
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(64)  # workers may connect now; they are served once the imports are done
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as ipykernel does
    for name in KERNEL_MODULES + tuple(preload):
        try:
            importlib.import_module(name)
        except BaseException:  # the notebook will show its own import error
            pass
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped automatically
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    kernels: dict[Any, list[int]] = {}
    streams: dict[Any, Any] = {}

    def close_all() -> None:  # in a new kernel: release the template's sockets
        selector.close()
        server.close()
        for conn in streams:
            conn.close()

    while True:
        for key, _ in selector.select():
            if key.fileobj is sys.stdin:
                if not os.read(sys.stdin.fileno(), 1024):  # the run is over or gone
                    _kill_groups(pid for pids in kernels.values() for pid in pids)
                    os._exit(0)  # skip the interpreter's slow teardown of everything imported
            elif key.fileobj is server:
                conn, _ = server.accept()
                streams[conn], kernels[conn] = conn.makefile("rwb"), []
                selector.register(conn, selectors.EVENT_READ)
            else:
                conn = key.fileobj
                line = streams[conn].readline()
                if not line:  # that worker is gone: so are its kernels
                    _kill_groups(kernels.pop(conn))
                    selector.unregister(conn)
                    streams.pop(conn).close()
                    conn.close()
                    continue
                template = os.getpid()
                pid = os.fork()
                if pid == 0:
                    close_all()
                    _kernel_child(json.loads(line), template)
                kernels[conn].append(pid)
                streams[conn].write(f"{pid}\n".encode())
                streams[conn].flush()


def _kill_groups(pids: Any) -> None:
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


def _kernel_child(request: dict, template: int) -> None:
    status = 1
    try:
        _die_with_parent(template)
        _limit_memory(request.get("memory_mb"))
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        os.chdir(request["cwd"])
        _reseed()
        sys.argv = ["ipykernel_launcher", *request["args"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=request["args"])
        status = 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(status)


def _reseed() -> None:
    """A fork shares the template's random state: give each kernel its own, like a new process."""
    import random

    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
