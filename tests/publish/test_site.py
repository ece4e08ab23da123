"""The published folder's lock: one run at a time, and no worker or kernel inherits it."""

from __future__ import annotations

import fcntl
import os

from pianozona.publish.site import run_lock
from pianozona.publish.workers import release_lock


def test_the_lock_is_not_inherited(tmp_path):
    with run_lock(tmp_path) as lock:
        fd, device, inode = lock
        assert os.get_inheritable(fd) is False
        assert (os.fstat(fd).st_dev, os.fstat(fd).st_ino) == (device, inode)
        child = os.fork()
        if child == 0:  # what a forked worker does first
            release_lock(lock)
            os._exit(0 if _fd_closed(fd) else 1)
        assert os.waitpid(child, 0)[1] == 0
    with open(tmp_path / ".lock") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _fd_closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False
