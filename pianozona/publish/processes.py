"""What the run's processes can rely on where they run: the fast path or the portable one, lifetime, memory.

**Two paths, chosen automatically** (`fast_path`).  On Linux, with ``fork``, Unix sockets and
``fcntl``, the workers are forked from the runner and every kernel is forked from a kernel template
that has imported the suite's modules and warmed up its districts (`pianozona.publish.template`).
Anywhere else (Windows, macOS, where CPython itself does not fork by default, or with
``PIANOZONA_PORTABILE=1``) the workers are spawned and each kernel is an ordinary ``python -m
ipykernel`` process: the same reports, several seconds slower per report.

**Lifetime.**  Every process of a run dies with the process that started it (`die_with_parent`):
on Linux even after ``kill -9`` (``PR_SET_PDEATHSIG``); elsewhere a thread notices within half a
second that its parent is gone.  Kernels die with their worker or template by ipykernel's own
parent watch (``JPY_PARENT_PID``).

**Memory.**  `resident_mb` is the resident memory of a kernel and its children (psutil, on every
system): the worker watches it and stops a kernel past the run's limit
(`pianozona.publish.execution`).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import signal
import sys
import threading
import time
from typing import Any

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PORTABLE_ENV_VAR = "PIANOZONA_PORTABILE"
PROVISIONER_GROUP = "jupyter_client.kernel_provisioners"
PARENT_POLL_S = 0.5


def fast_path() -> bool:
    """Whether this system runs the fast path: Linux with fork, Unix sockets, fcntl, and the kernel provisioners.

    ``PIANOZONA_PORTABILE=1`` forces the portable path (how the tests check it on Linux).
    """
    import socket

    if os.environ.get(PORTABLE_ENV_VAR, "").strip() not in ("", "0"):
        return False
    return (sys.platform.startswith("linux") and hasattr(os, "fork") and hasattr(socket, "AF_UNIX")
            and importlib.util.find_spec("fcntl") is not None and provisioners_installed())


@functools.cache
def provisioners_installed() -> bool:
    """Whether pianozona's kernel provisioners are registered (pianozona installed with pip, not only on the path)."""
    from importlib.metadata import entry_points

    return {"pianozona-modello", "pianozona-locale"} <= {e.name for e in entry_points(group=PROVISIONER_GROUP)}


def can_fork_workers() -> bool:
    """Whether the runner may fork its workers (the fast path, in a process with one thread: not inside Jupyter)."""
    return fast_path() and threading.active_count() == 1


def die_with_parent(parent: int) -> None:
    """Have this process end when `parent` dies: SIGKILL from the kernel on Linux (even after ``kill -9``),
    else a daemon thread that checks every `PARENT_POLL_S`.  A parent already gone ends it now."""
    if os.getppid() != parent:
        os._exit(1)
    if sys.platform.startswith("linux") and _set_death_signal():
        if os.getppid() != parent:  # the parent died between the check and the call
            os._exit(1)
        return
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="pianozona-genitore").start()


def _set_death_signal() -> bool:
    try:
        return load_libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


@functools.cache
def load_libc() -> Any:
    """The C library, loaded before any fork: a child of a threaded process must not call the loader."""
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def resident_mb(pid: int) -> float:
    """Resident memory (MB) of process `pid` and everything it started; 0 when it is gone."""
    import psutil

    try:
        process = psutil.Process(pid)
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total / (1024 * 1024)


def kill_tree(pid: int) -> None:
    """Kill process `pid`, everything it started and, on POSIX, the process group it leads; gone ones are skipped."""
    import psutil

    try:
        process = psutil.Process(pid)
        members = [*process.children(recursive=True), process]
    except psutil.Error:
        members = []
    for member in members:
        try:
            member.kill()
        except psutil.Error:
            pass
    if hasattr(os, "killpg"):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
