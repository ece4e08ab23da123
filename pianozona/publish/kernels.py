"""The kernels a job runs in, started through jupyter_client's public extension points: kernel provisioners.

`KernelManager` is the manager papermill uses in a worker (``kernel_manager_class``).  Its kernel
specs (`_Specs`) name one of pianozona's two provisioners, registered as entry points of
``jupyter_client.kernel_provisioners`` (pyproject.toml):

- ``pianozona-modello`` (`TemplateProvisioner`): the kernel is forked by the run's kernel template
  (`pianozona.publish.template`), asked over its Unix socket: the fast path;
- ``pianozona-locale`` (`OrdinaryProvisioner`): jupyter_client's own local provisioner, an ordinary
  ``python -m ipykernel_launcher`` process: the portable path and ``--no-preload``.

Both note the kernel's pid (`CurrentKernel`: the worker's watch stops it at the job's limits),
wait until it listens before the client connects, and return from ``kill`` once it is gone.
`ReadyClient` is the kernel client, whose ``wait_for_ready`` skips jupyter_client's fixed waits.
A worker sets `use_template` once (the template's socket, its log) before its first job.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from pathlib import Path
from queue import Empty
from typing import Any

import jupyter_client
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Type, default

from pianozona.errors import ExecutionError
from pianozona.publish.processes import kill_tree, provisioners_installed

START_TIMEOUT_S = 120  # a kernel that does not answer by then failed to start
TEMPLATE_REPLY_S = 300  # the template answers once imported and warmed up (bounded by the warm-up's own limit)
POLL_S = 0.003


class CurrentKernel:
    """The kernel of the job this worker runs now: its pid, when it started, whether it lived to the end."""

    pid: int | None = None
    started_at: float | None = None
    alive_at_end: bool | None = None

    @classmethod
    def reset(cls) -> None:
        cls.pid = cls.started_at = cls.alive_at_end = None

    @classmethod
    def started(cls, pid: int) -> None:
        cls.pid, cls.started_at = pid, time.monotonic()

    @classmethod
    def kill(cls) -> bool:
        """Kill the kernel and whatever it started; False when none runs."""
        if cls.pid is None:
            return False
        kill_tree(cls.pid)
        return True


class _Template:
    """This worker's connection to the kernel template (one per worker; the template kills its kernels when
    it closes)."""

    address: str | None = None
    log: str = os.devnull
    stream: Any = None
    warm: dict | None = None  # the next kernel's district and year: it is forked once their warm-up is in


def use_template(address: str | None, log: str) -> tuple:
    """Set the template this worker's kernels are forked by (None: ordinary kernels); what it replaced."""
    previous = (_Template.address, _Template.log, _Template.stream)
    if _Template.stream is not None and _Template.address != address:
        _Template.stream.close()
        _Template.stream = None
    _Template.address, _Template.log = address, log
    return previous


def kernel_for(parameters: dict) -> None:
    """The job the next kernel is for: a kernel of a district and year starts with their warm-up
    (`pianozona.publish.template`)."""
    _Template.warm = {"district": parameters.get("district"), "year": parameters.get("year")}


def kernel_log() -> Path:
    """The log this worker's kernels write to."""
    return Path(_Template.log)


def close_template() -> None:
    if _Template.stream is not None:
        _Template.stream.close()
    _Template.stream = None


def _fork_request(args: list[str], env: dict, cwd: str) -> int:
    """Ask the template for a kernel with these arguments, environment and folder; its pid."""
    if _Template.stream is None:
        _Template.stream = _connect(_Template.address).makefile("rwb")
    request = {"args": args, "env": env, "cwd": cwd, "log": _Template.log, "warm": _Template.warm}
    try:
        _Template.stream.write(json.dumps(request).encode() + b"\n")
        _Template.stream.flush()
        line = _Template.stream.readline().strip()
    except OSError:
        line = b""
    if not line.isdigit():
        close_template()
        raise ExecutionError("il processo modello dei kernel non risponde: vedere modello.log; rilanciare con "
                             "--no-preload per avviare kernel ordinari")
    return int(line)


def _connect(address: str | None) -> socket.socket:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(address)
            sock.settimeout(TEMPLATE_REPLY_S)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise ExecutionError("il processo modello dei kernel non si è avviato: vedere modello.log") from None
            time.sleep(0.01)


class _Forked:
    """The `subprocess.Popen` subset a provisioner uses, for a kernel forked by the template (not our child)."""

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
            time.sleep(POLL_S)
        return 0

    def send_signal(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        kill_tree(self.pid)

    def terminate(self) -> None:
        kill_tree(self.pid)


class _Provisioning:
    """What both provisioners add to jupyter_client's local one."""

    async def _started(self) -> Any:
        """Note the kernel, wait until it listens (a client connecting earlier waits for ZeroMQ's reconnect)."""
        CurrentKernel.started(self.pid)
        info = self.connection_info
        if info.get("transport", "tcp") == "tcp":
            ports = [info[name] for name in ("shell_port", "iopub_port", "control_port", "hb_port") if info.get(name)]
            deadline = time.monotonic() + START_TIMEOUT_S
            while ports and time.monotonic() < deadline and self.process.poll() is None:
                try:
                    socket.create_connection((info.get("ip", "127.0.0.1"), ports[0]), timeout=0.5).close()
                    ports.pop(0)
                except OSError:
                    await asyncio.sleep(POLL_S)
        return info

    async def kill(self, restart: bool = False) -> None:
        """Kill the kernel and return once it is gone (jupyter_client would poll every 0.1 s)."""
        process = self.process
        await super().kill(restart=restart)
        deadline = time.monotonic() + 5
        while process is not None and process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)


class TemplateProvisioner(_Provisioning, LocalProvisioner):
    """A kernel forked by the run's kernel template (``pianozona-modello``); a kernel spec that does not start
    ipykernel with a connection file (``-f``) is started as it says, not forked."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        if "-f" not in cmd or not any("ipykernel" in part for part in cmd):
            await super().launch_kernel(cmd, **kwargs)
            return await self._started()
        env = dict(kwargs.get("env") or os.environ)
        pid = _fork_request(cmd[cmd.index("-f"):], env, str(kwargs.get("cwd") or os.getcwd()))
        self.process, self.pid, self.pgid = _Forked(pid), pid, pid
        return await self._started()


class OrdinaryProvisioner(_Provisioning, LocalProvisioner):
    """An ordinary kernel process, as jupyter_client starts it (``pianozona-locale``)."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        await super().launch_kernel(cmd, **kwargs)
        return await self._started()


class _Specs(KernelSpecManager):
    """The installed kernel specs, each naming the provisioner of this worker's kernels."""

    def get_kernel_spec(self, kernel_name: str) -> Any:
        spec = super().get_kernel_spec(kernel_name)
        if provisioners_installed():
            name = "pianozona-modello" if _Template.address else "pianozona-locale"
            spec.metadata = {**spec.metadata, "kernel_provisioner": {"provisioner_name": name}}
        return spec


class ReadyClient(AsyncKernelClient):
    """jupyter_client's readiness check without its fixed waits (0.2 s on IOPub twice per kernel)."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
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
                major = int(reply["content"]["protocol_version"].split(".")[0])
                if major != jupyter_client.protocol_version_info[0]:
                    self.session.adapt_version = major
                while await self.iopub_channel.msg_ready():
                    await self.iopub_channel.get_msg(timeout=0)
                return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
        raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class KernelManager(AsyncKernelManager):
    """papermill's kernel manager in a worker: pianozona's provisioners, `ReadyClient`, the kernel's fate noted."""

    client_factory = Type(ReadyClient, klass=AsyncKernelClient, config=True)

    @default("kernel_spec_manager")
    def _spec_manager(self) -> KernelSpecManager:
        return _Specs(data_dir=self.data_dir)

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        CurrentKernel.alive_at_end = bool(await self.is_alive())
        await super().shutdown_kernel(now=now, restart=restart)
