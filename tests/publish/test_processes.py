"""The fast path or the portable one, chosen automatically; a run without fork, fcntl and Unix sockets; lifetimes.

The portable path is what Windows and macOS get.  It is checked here on Linux by taking fork, fcntl and
Unix sockets away from every Python process of a real run (`NO_FORK`, a ``sitecustomize`` on PYTHONPATH:
the runner, its spawned workers and their kernels).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pianozona.publish import processes
from tests.publish.conftest import FIXTURES

NO_FORK = '''"""fork, fcntl and Unix sockets unavailable, as on Windows (pianozona's portable-path test)."""
import errno
import os
import socket
import sys

for _name in ("fork", "forkpty", "register_at_fork"):
    if hasattr(os, _name):
        delattr(os, _name)
sys.modules["fcntl"] = None  # import fcntl -> ImportError


class _NoUnixSockets(socket.socket):
    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if family == socket.AF_UNIX:
            raise OSError(errno.EAFNOSUPPORT, "socket Unix non disponibili")
        super().__init__(family, type, proto, fileno)


def _socketpair(family=socket.AF_INET, type=socket.SOCK_STREAM, proto=0):
    """socket.socketpair over loopback TCP, as where there are no Unix sockets."""
    listener = _NoUnixSockets(socket.AF_INET, type, proto)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        first = _NoUnixSockets(socket.AF_INET, type, proto)
        first.connect(listener.getsockname())
        second, _ = listener.accept()
    finally:
        listener.close()
    return first, second


socket.socket = _NoUnixSockets
socket.socketpair = _socketpair
'''


def test_the_fast_path_needs_linux_fork_unix_sockets_and_fcntl(monkeypatch):
    import socket

    monkeypatch.delenv(processes.PORTABLE_ENV_VAR, raising=False)
    if not sys.platform.startswith("linux"):
        assert not processes.fast_path()
        return
    assert processes.fast_path() and processes.provisioners_installed()
    monkeypatch.setenv(processes.PORTABLE_ENV_VAR, "1")
    assert not processes.fast_path() and not processes.can_fork_workers()
    monkeypatch.delenv(processes.PORTABLE_ENV_VAR)
    for module, name in ((os, "fork"), (socket, "AF_UNIX")):
        with monkeypatch.context() as patch:
            patch.delattr(module, name)
            assert not processes.fast_path(), name
    with monkeypatch.context() as patch:
        patch.setattr(sys, "platform", "darwin")  # macOS: CPython itself does not fork by default there
        assert not processes.fast_path()


@pytest.mark.kernel
def test_a_run_completes_without_fork_fcntl_and_unix_sockets(tmp_path):
    (tmp_path / "senza").mkdir()
    (tmp_path / "senza" / "sitecustomize.py").write_text(NO_FORK, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "senza"), os.environ.get("PYTHONPATH", "")])}
    probe = subprocess.run([sys.executable, "-c", "import os, socket, pianozona.publish.processes as p\n"
                            "print(hasattr(os, 'fork'), p.fast_path())\n"
                            "try:\n    socket.socket(socket.AF_UNIX)\nexcept OSError:\n    print('rifiutato')"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert probe.stdout.split() == ["False", "False", "rifiutato"], probe.stderr
    reports = tmp_path / "reports"
    run = subprocess.run([sys.executable, "-m", "pianozona.cli", "run", "--notebooks", str(FIXTURES), "--out",
                          str(reports), "--aree", "anziani", "--comuni", "018110", "--processi", "2"],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "7 aggiornati" in run.stdout and "Traceback" not in run.stderr and "Warning" not in run.stderr, run.stderr
    out = reports / "pavia" / "2023"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {e["stato"] for e in manifest["rapporti"]} == {"riuscito"} and len(manifest["rapporti"]) == 7
    entry = next(e for e in manifest["rapporti"] if e["nome"] == "bisogni_area_anziani")
    assert entry["cifre_chiave"]["pubblicazione"] == "1"  # the kernels ran in publication mode
    again = subprocess.run([sys.executable, "-m", "pianozona.cli", "run", "--notebooks", str(FIXTURES), "--out",
                            str(reports), "--aree", "anziani", "--comuni", "018110"],
                           env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "7 invariati" in again.stdout, again.stdout + again.stderr


CHILD = '''
import os, sys, time
from pianozona.publish import processes
processes._set_death_signal = lambda: False  # as where prctl is missing: the watching thread
processes.die_with_parent(int(sys.argv[1]))
print(os.getpid(), flush=True)
time.sleep(60)
'''
PARENT = '''
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(__import__("os").getpid())], stdout=subprocess.PIPE,
                         text=True)
print(child.stdout.readline().strip(), flush=True)
'''


def test_without_prctl_a_process_still_ends_when_its_parent_dies():
    parent = subprocess.run([sys.executable, "-c", PARENT, CHILD], capture_output=True, text=True, timeout=60)
    child = int(parent.stdout.strip())  # its parent has exited by now

    def gone() -> bool:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return True
        return Path(f"/proc/{child}/stat").is_file() and " Z " in Path(f"/proc/{child}/stat").read_text()

    deadline = time.monotonic() + 5
    while not gone() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="serve /proc")
def test_resident_memory_counts_a_process_and_its_children():
    child = subprocess.Popen([sys.executable, "-c", "import time; b = bytearray(200 * 1024 * 1024); "
                              "b[::4096] = b'x' * len(b[::4096]); print('ok', flush=True); time.sleep(30)"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ok"
        assert processes.resident_mb(child.pid) > 200
        assert processes.resident_mb(os.getpid()) > processes.resident_mb(child.pid)  # this process and the child
    finally:
        processes.kill_tree(child.pid)
        child.wait(timeout=10)
    assert processes.resident_mb(child.pid) == 0
