"""Lifetime and limits of a run's processes: each dies with its parent, each kernel has a memory cap.

Every process of a run dies with the process that started it, even after
``kill -9`` (`die_with_parent`, Linux ``PR_SET_PDEATHSIG``): the workers
with the runner, the kernel template with the runner, each kernel with the
template (forked) or with its worker (ordinary).  Each kernel gets an
address-space limit (`limit_memory`, ``RLIMIT_AS``) so that a notebook that
allocates too much fails with ``MemoryError`` instead of exhausting the
machine (it counts address space, not resident memory: threaded libraries
reserve some per thread, so a machine with many cores may need a higher
``--memoria``).
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from typing import Any

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when `parent` dies, even by ``kill -9`` (Linux only).

    The signal follows the death of the parent after this call; a parent
    that died before it is caught by comparing `os.getppid` with `parent`.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        if load_libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) non riuscita")
    if os.getppid() != parent:  # the parent is already gone: nobody would stop us
        os._exit(1)


@functools.cache
def load_libc() -> Any:
    """The C library, loaded before any fork: a child of a threaded process must not call the loader."""
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def limit_memory(megabytes: int | None) -> None:
    """Cap this process's address space (``RLIMIT_AS``): beyond it allocations raise MemoryError."""
    if megabytes:
        import resource

        limit = int(megabytes) * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def kill_groups(pids: Any) -> None:
    """SIGKILL the process group of each pid (a kernel and whatever it started); gone ones are skipped."""
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
