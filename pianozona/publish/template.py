"""The kernel template process: it imports the suite's modules once, then forks a fresh kernel per request.

A run on the fast path (`pianozona.publish.processes.fast_path`) starts one template process
(`KernelTemplate`, entry point `template_main`) that imports ipykernel (`KERNEL_MODULES`) and the
modules the suite's notebooks import (`preload_modules`, less `NO_PRELOAD`).  A worker's kernel
provisioner (`pianozona.publish.kernels.TemplateProvisioner`) asks it for a kernel over a Unix
socket, one JSON line (arguments, environment, folder, log, and the job's district and year); the
template forks one (`_kernel_child`): a new process with an empty namespace, its own random seed and
the notebook's folder as working directory, and answers its pid.

The run's district work (`pianozona.publish.warm`: a district loaded and analysed for a year, in
publication mode, kept in `pianozona.data.cache`) is done once per district and year by a *warm
template* (`_Warm`): the template forks it on the first request for that district and year, it warms
up, passes what it computed on to the template (pickled, `pianozona.data.cache.entries`), then forks
that district's kernels, which inherit the results.  Warm templates of different districts warm up
side by side, while the kernels of the districts already warm run: a territory's warm-up uses every
core and does not hold up the first kernel.  A job of no district (the territory's comparison, run
after the districts' jobs) gets a kernel forked by the template itself once the warm-ups under way
are done: it inherits every district's work.

The template dies with the runner (its warm templates and kernels with it), and kills the kernels
of a worker whose connection closes.
"""

from __future__ import annotations

import ast
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pianozona.privacy import PUBLISH_ENV_VAR
from pianozona.files import PACKAGE_ROOT
from pianozona.publish.processes import die_with_parent

# Modules never imported in the kernel template: they hook into the running IPython at import time.
NO_PRELOAD = frozenset({"__future__", "ipykernel", "matplotlib_inline", "ipywidgets", "tqdm", "plotly", "bokeh",
                        "altair", "panel", "holoviews", "ipyleaflet", "google"})
# What a kernel imports while it initialises (the debugger alone is ~0.15 s): done once in the template.
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
                  "IPython.core.completerlib", "IPython.extensions.storemagic", "tornado.queues")
ENTRY_POINT = "from pianozona.publish.template import template_main; template_main()"


# ---------------------------------------------------------------------------
# what the template imports


def preload_modules(notebooks: Iterable[Path]) -> tuple[str, ...]:
    """Modules imported by these notebooks (import statements of their code cells), less `NO_PRELOAD`."""
    found: dict[str, None] = {}
    for path in dict.fromkeys(notebooks):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            if cell.get("cell_type") == "code":
                for name in cell_imports("".join(cell.get("source", ""))):
                    if name.split(".")[0] not in NO_PRELOAD:
                        found[name] = None
    return tuple(found)


def cell_imports(source: str) -> list[str]:
    """Absolute modules a cell's source imports (magics and shell lines ignored; [] if it does not parse)."""
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
# the runner's side


class KernelTemplate:
    """Main-side handle of the template process: it imports once, then forks a kernel per request.

    Requests come from the workers over a Unix socket (`address`); the
    template kills the kernels of a worker whose connection closes, and all
    of them when its stdin (held by this process) closes.
    """

    def __init__(self, preload: tuple[str, ...], work: Path, cwd: Path, warm: list[dict] | None = None) -> None:
        """Start the template: `preload` imported, then `warm` (`pianozona.publish.warm.warm_specs`) computed."""
        self.folder = tempfile.mkdtemp(prefix="pz-")  # short path: Unix socket names are limited to ~100 bytes
        self.address = os.path.join(self.folder, "modello")
        with open(work / "modello.log", "ab") as log:  # cwd as the kernels': a local module resolves the same
            self.proc = subprocess.Popen(
                [sys.executable, "-c", f"import sys; sys.path.append({str(PACKAGE_ROOT.parent)!r}); {ENTRY_POINT}",
                 self.address, str(os.getpid()), json.dumps(warm or []), *preload],
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


# ---------------------------------------------------------------------------
# the template process


def template_main() -> None:
    """Entry point of the template process: listen, import, then fork a kernel per request line.

    Arguments (``sys.argv``): the socket address, the runner's pid, the warm-up specs (JSON), the
    modules to preload.
    """
    import importlib
    import socket

    address, parent, warm, preload = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4:]
    die_with_parent(parent)  # kill -9 of the runner: the template goes, and its kernels with it
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(64)  # workers may connect now; they are served once the imports are done
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as ipykernel does
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in KERNEL_MODULES + tuple(preload):
        try:
            importlib.import_module(name)
        except BaseException:  # the notebook will show its own import error
            pass
    _guarded(lambda: __import__("pianozona.publish.warm", fromlist=["warm_drawing"]).warm_drawing())
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels and warm templates are reaped automatically
    _Server(server, {_key(spec): spec for spec in warm}).serve()


def _key(spec: dict) -> tuple:
    """The warm template a spec or a request names: (district, year); () for none."""
    district, year = spec.get("district"), spec.get("year")
    return (str(district), int(year)) if district is not None and isinstance(year, int) else ()


def _guarded(work: Any) -> None:
    """Warm-up work that never fails the run: whatever goes wrong, the jobs compute it themselves."""
    try:
        work()
    except Exception:
        import traceback

        traceback.print_exc()


class _Warm:
    """A warm template: forked by the template for one district and year, it warms them up, then forks
    their kernels.  The template talks to it over a socket pair, a request line in, a pid line out."""

    def __init__(self, spec: dict, close_in_child: Any) -> None:
        import socket

        mine, theirs = socket.socketpair()
        template = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:
            close_in_child()
            mine.close()
            self._serve(spec, theirs, template)
        theirs.close()
        self.conn, self.stream, self.received = mine, mine.makefile("wb"), b""
        self.waiting: list[tuple[Any, bytes]] = []  # (worker's connection, request) waiting for a kernel
        self.ready = False  # its warm-up done and passed on

    @staticmethod
    def _serve(spec: dict, conn: Any, template: int) -> None:
        status = 1
        try:
            die_with_parent(template)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the warm-up's own subprocesses are waited for
            from pianozona.data import cache
            from pianozona.publish.warm import warm_up

            inherited = cache.keys()
            _guarded(lambda: warm_up([spec]))
            signal.signal(signal.SIGCHLD, signal.SIG_IGN)
            stream, warm, kernels = conn.makefile("rwb"), os.getpid(), []
            payload = _pickled(cache.entries(besides=inherited))
            stream.write(f"warm {len(payload)}\n".encode() + payload)
            stream.flush()
            while line := stream.readline():
                pid = os.fork()
                if pid == 0:
                    stream.close()
                    conn.close()
                    _kernel_child(json.loads(line), warm)
                kernels.append(pid)
                stream.write(f"{pid}\n".encode())
                stream.flush()
            _kill_groups(kernels)  # the template is gone or done
            status = 0
        finally:
            os._exit(status)


class _Server:
    """The template's loop: a connection per worker, a request line per kernel, stdin closed = the end.

    A request naming a district and year of the run's warm-up goes to their warm template (forked on
    the first one); its pid comes back on the warm template's socket and goes to the worker that asked.
    """

    def __init__(self, server: Any, specs: dict[tuple, dict]) -> None:
        import selectors

        self.server, self.selector = server, selectors.DefaultSelector()
        self.selector.register(server, selectors.EVENT_READ)
        self.selector.register(sys.stdin, selectors.EVENT_READ)
        self.kernels: dict[Any, list[int]] = {}  # connection -> pids of the kernels forked for it
        self.streams: dict[Any, Any] = {}
        self.specs, self.warm = specs, {}  # (district, year) -> its spec, its warm template
        self.warm_of: dict[Any, tuple] = {}  # a warm template's socket -> its key
        self.held: list[tuple[Any, bytes]] = []  # requests of no district, until the warm-ups under way are done

    def serve(self) -> None:
        while True:
            for key, _ in self.selector.select():
                if key.fileobj is sys.stdin:
                    if not os.read(sys.stdin.fileno(), 1024):  # the run is over or gone
                        _kill_groups(pid for pids in self.kernels.values() for pid in pids)
                        for warm in self.warm.values():
                            _kill(warm.pid)
                        os._exit(0)  # skip the interpreter's slow teardown of everything imported
                elif key.fileobj is self.server:
                    self._accept()
                elif key.fileobj in self.warm_of:
                    self._warm_reply(key.fileobj)
                else:
                    self._request(key.fileobj)

    def _accept(self) -> None:
        import selectors

        conn, _ = self.server.accept()
        self.streams[conn], self.kernels[conn] = conn.makefile("rwb"), []
        self.selector.register(conn, selectors.EVENT_READ)

    def _request(self, conn: Any) -> None:
        line = self.streams[conn].readline()
        if not line:  # that worker is gone: so are its kernels
            _kill_groups(self.kernels.pop(conn))
            self.selector.unregister(conn)
            self.streams.pop(conn).close()
            conn.close()
            return
        key = _key(json.loads(line).get("warm") or {})
        if key in self.specs:
            warm = self.warm.get(key) or self._start_warm(key)
            warm.waiting.append((conn, line))
            try:
                warm.stream.write(line)
                warm.stream.flush()
            except OSError:  # it died: seen on its socket, and its waiting requests forked here
                pass
        else:
            self.held.append((conn, line))
            self._release()

    def _release(self) -> None:
        """Fork the held kernels once no warm template is warming up: they inherit what every one passed on."""
        if all(warm.ready for warm in self.warm.values()):
            for conn, line in self.held:
                if conn in self.streams:
                    self._fork_here(conn, line)
            self.held.clear()

    def _fork_here(self, conn: Any, line: bytes) -> None:
        """A kernel forked by the template itself: it inherits what the warm templates passed on."""
        template = os.getpid()
        pid = os.fork()
        if pid == 0:
            self._close_all()
            _kernel_child(json.loads(line), template)
        self._answer(conn, pid)

    def _start_warm(self, key: tuple) -> _Warm:
        import selectors

        warm = self.warm[key] = _Warm(self.specs[key], self._close_all)
        self.warm_of[warm.conn] = key
        self.selector.register(warm.conn, selectors.EVENT_READ)
        return warm

    def _warm_reply(self, conn: Any) -> None:
        """What a warm template sent: its warm-up (``warm <size>`` and the pickle), then a pid per request;
        read as it comes (several messages may arrive at once, a pickle in several parts)."""
        key = self.warm_of[conn]
        warm = self.warm[key]
        try:
            data = conn.recv(1 << 20)
        except OSError:
            data = b""
        if not data:  # the warm template died (killed, out of memory): the template forks its kernels
            self._lost(key, warm)
            return
        warm.received += data
        while b"\n" in warm.received:
            line, rest = warm.received.split(b"\n", 1)
            if line.startswith(b"warm "):
                size = int(line.split()[1])
                if len(rest) < size:
                    return  # the rest of the pickle comes next
                payload, warm.received = rest[:size], rest[size:]
                self._passed_on(warm, payload)
            else:
                warm.received = rest
                self._answer(warm.waiting.pop(0)[0], int(line))

    def _passed_on(self, warm: _Warm, payload: bytes) -> None:
        if payload:
            from pianozona.data import cache

            _guarded(lambda: cache.install(pickle.loads(payload)))
        warm.ready = True
        self._release()

    def _lost(self, key: tuple, warm: _Warm) -> None:
        self.selector.unregister(warm.conn)
        del self.warm_of[warm.conn], self.warm[key], self.specs[key]
        warm.stream.close()
        warm.conn.close()
        for waiting, request in warm.waiting:
            if waiting in self.streams:
                self._fork_here(waiting, request)
        self._release()

    def _answer(self, conn: Any, pid: int) -> None:
        """Give a worker its kernel's pid; a worker gone meanwhile never sees it, and the kernel is killed."""
        if conn not in self.streams:
            _kill_groups([pid])
            return
        self.kernels[conn].append(pid)
        try:
            self.streams[conn].write(f"{pid}\n".encode())
            self.streams[conn].flush()
        except OSError:  # gone: its closed connection is seen next
            pass

    def _close_all(self) -> None:
        """In a new kernel or warm template: release the template's sockets."""
        self.selector.close()
        self.server.close()
        for conn in self.streams:
            conn.close()
        for warm in self.warm.values():
            warm.conn.close()


def _pickled(pairs: list) -> bytes:
    """What a warm template passes on; nothing when it cannot be pickled (the comparison computes it)."""
    try:
        return pickle.dumps(pairs, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return b""


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _kill_groups(pids: Any) -> None:
    """SIGKILL the process group of each kernel (it leads its own session: the kernel and what it started)."""
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


def _kernel_child(request: dict, template: int) -> None:
    status = 1
    try:
        die_with_parent(template)
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
