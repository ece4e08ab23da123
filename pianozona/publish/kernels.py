"""The kernels a worker starts: forked by the kernel template when it runs, ordinary ones otherwise.

`kernel_manager` is the jupyter_client kernel manager papermill uses in the
workers: it asks the template for a forked kernel (`TemplateClient`, the
worker's side of `pianozona.publish.template`), or starts an ordinary kernel
that dies with its worker and has the run's memory limit
(`pianozona.publish.processes`); in both cases without jupyter_client's
fixed sleeps.  `CurrentKernel` tells the worker which kernel runs its job
(to kill it at the job's time limit) and whether it was still alive when
the notebook ended.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
import time
from typing import Any

from pianozona.errors import ExecutionError
from pianozona.publish.processes import die_with_parent, limit_memory, load_libc

START_TIMEOUT_S = 120


def _ordinary_kernel_start(parent: int, megabytes: int | None) -> None:
    """`preexec_fn` of an ordinary kernel (no template): die with the worker, limited memory."""
    die_with_parent(parent)
    limit_memory(megabytes)


class CurrentKernel:
    """The kernel of the job a worker runs now: its process id, and whether it lived to the end."""

    pid: int | None = None
    alive_at_end: bool | None = None
    memory_mb: int | None = None  # the limit given to every kernel this worker starts
    on_start: Any = None  # called once the kernel process exists (starts the job's clock)

    @classmethod
    def reset(cls, on_start: Any = None) -> None:
        """Forget the previous job's kernel; `on_start` is called once the next one exists."""
        cls.pid, cls.alive_at_end, cls.on_start = None, None, on_start

    @classmethod
    def started(cls, pid: int) -> None:
        """Note the new kernel's pid (called by the kernel manager) and start the job's clock."""
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
# the worker's side of the template


class TemplateClient:
    """Worker side of the kernel template: one connection (to `address`), one line per kernel request."""

    address: str | None = None
    log: str = os.devnull
    stream: Any = None

    @classmethod
    def fork(cls, args: list[str], env: dict, cwd: str) -> int:
        """Have the template fork a kernel with these arguments, environment and folder; its pid."""
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


class PidProcess:
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


# ---------------------------------------------------------------------------
# the kernel manager papermill uses


def kernel_manager() -> type:
    """A jupyter_client kernel manager: forked kernels when a template runs, and no fixed sleeps.

    The classes are built on first use, so that importing this module does not import jupyter_client.
    """
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = _manager_class(_client_class())
    return _MANAGER


_MANAGER: type | None = None


def _client_class() -> type:
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

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

    return QuickClient


def _manager_class(client: type) -> type:
    from jupyter_client.manager import AsyncKernelManager

    class FastKernelManager(AsyncKernelManager):
        client_factory = client

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if TemplateClient.address is None:
                if sys.platform.startswith("linux"):
                    load_libc()  # loaded here, not in the forked child
                kw["preexec_fn"] = functools.partial(_ordinary_kernel_start, os.getpid(), CurrentKernel.memory_mb)
                await super()._async_launch_kernel(kernel_cmd, **kw)
            else:
                args = kernel_cmd[kernel_cmd.index("-f"):] if "-f" in kernel_cmd else kernel_cmd[1:]
                env = dict(kw.get("env") or os.environ)
                pid = TemplateClient.fork(args, env, str(kw.get("cwd") or os.getcwd()))
                provisioner = self.provisioner
                provisioner.process, provisioner.pid, provisioner.pgid = PidProcess(pid), pid, pid
                self._reconcile_connection_info(provisioner.connection_info)
            CurrentKernel.started(self.provisioner.pid)
            await _ports_bound(self, self.provisioner.process)

        async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            CurrentKernel.alive_at_end = bool(await self._async_is_alive())
            await self._async_shutdown_kernel(now=now, restart=restart)

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            await super()._async_wait(pollinterval=0.005)  # a killed kernel is gone within milliseconds

    return FastKernelManager


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
