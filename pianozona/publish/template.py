"""The kernel template process: it imports the suite's modules once, then forks a fresh kernel per request.

A run on the fast path (`pianozona.publish.processes.fast_path`) starts one template process
(`KernelTemplate`, entry point `template_main`) that imports ipykernel (`KERNEL_MODULES`) and the
modules the suite's notebooks import (`preload_modules`, less `NO_PRELOAD`).  A worker's kernel
provisioner (`pianozona.publish.kernels.TemplateProvisioner`) asks it for a kernel over a Unix
socket, one JSON line (arguments, environment, folder, log, and the job's district and year); the
template forks one (`_kernel_child`): a new process with an empty namespace, its own random seed and
the notebook's folder as working directory, and answers its pid.

The run's district work (`pianozona.publish.warm`) is done once per district and year by helpers
(`_Helper`, one per core) forked once imported, each with a share of the districts in the order the
jobs need them; each sends back what it computed and imported (pickled), the template installs it
(`_install`) and forks the kernels that waited: a district's once it is in, one of no district (a
territory's comparison) once every helper is done.  The template dies with the runner
(its helpers and kernels with it), and kills the kernels of a worker whose connection closes.
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
HELPERS = max(1, os.cpu_count() or 1)  # warm-up helpers at most, side by side
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
        """Start the template: `preload` imported, then `warm` (`pianozona.publish.warm.warm_specs`) handed to
        its warm-up helpers."""
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
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels and helpers are reaped automatically
    _Server(server, warm).serve()


def _key(spec: dict) -> tuple:
    """The district and year a spec or a request names; () for none."""
    district, year = spec.get("district"), spec.get("year")
    return (str(district), int(year)) if district is not None and isinstance(year, int) else ()


def _guarded(work: Any) -> None:
    """Warm-up work that never fails the run: whatever goes wrong, the jobs compute it themselves."""
    try:
        work()
    except Exception:
        import traceback

        traceback.print_exc()


class _Helper:
    """A warm-up helper: forked by the template with a share of the run's warm-up specs, it warms each up
    in turn and sends back, per spec, what it computed and the modules it imported (``warm <size>`` and a
    pickle, over a socket pair), then exits."""

    def __init__(self, specs: list[dict], close_in_child: Any) -> None:
        import socket

        mine, theirs = socket.socketpair()
        template = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:
            close_in_child()
            mine.close()
            _help(specs, theirs, template)
        theirs.close()
        self.conn, self.received = mine, b""
        self.keys = [_key(spec) for spec in specs]  # the specs not sent back yet, in order

    def receive(self) -> tuple[bool, list[bytes]]:
        """(over, payloads): the payloads complete so far, in order; over once it closed (done or dead)."""
        try:
            data = self.conn.recv(1 << 20)
        except OSError:
            data = b""
        self.received += data
        payloads = []
        while True:
            header, newline, rest = self.received.partition(b"\n")
            size = int(header.split()[1]) if newline and header.startswith(b"warm ") else -1
            if size < 0 or len(rest) < size:
                break
            payloads.append(rest[:size])
            self.received = rest[size:]
        return not data, payloads


def _help(specs: list[dict], conn: Any, template: int) -> None:
    """The helper process: warm up each spec, send it back, exit."""
    status = 1
    try:
        die_with_parent(template)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the warm-up's own subprocesses are waited for
        from pianozona.data import cache
        from pianozona.publish.warm import warm_up

        for spec in specs:
            modules, inherited = set(sys.modules), cache.keys()
            _guarded(lambda: warm_up([spec]))
            payload = _pickled((sorted(set(sys.modules) - modules), cache.entries(besides=inherited)))
            conn.sendall(f"warm {len(payload)}\n".encode() + payload)
        status = 0
    finally:
        os._exit(status)


def _install(payload: bytes) -> None:
    """In the template: import what a helper imported and keep what it computed, before the next fork."""
    import importlib

    from pianozona.data import cache

    modules, pairs = pickle.loads(payload)
    for name in modules:
        try:
            importlib.import_module(name)
        except BaseException:  # a module made at run time, or one that only imports in a kernel
            pass
    cache.install(pairs)


class _Server:
    """The template's loop: a connection per worker, a request line per kernel, stdin closed = the end.

    It starts the warm-up helpers first (`HELPERS` at most, each with a share of the specs in the order
    the jobs need them).  A request naming a district and year of the warm-up waits until their work is
    in; a request of no district waits for every helper.  Then the template forks the kernel.
    """

    def __init__(self, server: Any, specs: list[dict]) -> None:
        import selectors

        self.server, self.selector = server, selectors.DefaultSelector()
        self.selector.register(server, selectors.EVENT_READ)
        self.selector.register(sys.stdin, selectors.EVENT_READ)
        self.kernels: dict[Any, list[int]] = {}  # connection -> pids of the kernels forked for it
        self.streams: dict[Any, Any] = {}
        self.warming = {_key(spec) for spec in specs}  # the warm-ups not in yet
        self.held: dict[tuple, list[tuple[Any, bytes]]] = {}  # key -> (worker's connection, request) waiting
        self.helpers: list[_Helper] = []
        count = min(len(specs), HELPERS)
        for share in (specs[i::count] for i in range(count)):
            helper = _Helper(share, self._close_all)
            self.helpers.append(helper)
            self.selector.register(helper.conn, selectors.EVENT_READ, data=helper)

    def serve(self) -> None:
        while True:
            for key, _ in self.selector.select():
                if key.fileobj is sys.stdin:
                    if not os.read(sys.stdin.fileno(), 1024):  # the run is over or gone
                        _kill_groups(pid for pids in self.kernels.values() for pid in pids)
                        os._exit(0)  # skip the interpreter's slow teardown of everything imported
                elif key.fileobj is self.server:
                    self._accept()
                elif isinstance(key.data, _Helper):
                    self._from_helper(key.data)
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
        if key in self.warming or (not key and self.helpers):
            self.held.setdefault(key, []).append((conn, line))
        else:
            self._fork(conn, line)

    def _from_helper(self, helper: _Helper) -> None:
        over, payloads = helper.receive()
        for payload in payloads:
            if payload:
                _guarded(lambda: _install(payload))
            self.warming.discard(helper.keys.pop(0))
        if over:  # done, or dead: what it did not send back, the kernels compute
            self.warming.difference_update(helper.keys)
            self.selector.unregister(helper.conn)
            helper.conn.close()
            self.helpers.remove(helper)
        self._release()

    def _release(self) -> None:
        """Fork the kernels whose warm-up is in: of a district once its work is in, of none once no helper
        is left."""
        for key in list(self.held):
            if (key not in self.warming) if key else not self.helpers:
                for conn, line in self.held.pop(key):
                    if conn in self.streams:
                        self._fork(conn, line)

    def _fork(self, conn: Any, line: bytes) -> None:
        template = os.getpid()
        pid = os.fork()
        if pid == 0:
            self._close_all()
            _kernel_child(json.loads(line), template)
        self.kernels[conn].append(pid)
        try:
            self.streams[conn].write(f"{pid}\n".encode())
            self.streams[conn].flush()
        except OSError:  # gone: its closed connection is seen next, and its kernels killed
            pass

    def _close_all(self) -> None:
        """In a new kernel or helper: release the template's sockets."""
        self.selector.close()
        self.server.close()
        for conn in self.streams:
            conn.close()
        for helper in self.helpers:
            helper.conn.close()


def _pickled(value: Any) -> bytes:
    """What a helper sends back; nothing when it cannot be pickled (the kernels compute it)."""
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return b""


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
