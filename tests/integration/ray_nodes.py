"""Real Ray nodes for attach tests: ``ray start`` processes on loopback, always stopped.

Each node is ``ray start ... --block`` in its own session (process group),
so stopping it is one ``killpg`` that takes every process Ray started for
it (GCS, raylet, workers, agents) and nothing else on the machine.

The nodes are started the way the docs tell users to, with Ray's own
defaults otherwise:

- the head: ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 ray start --head
  --node-ip-address=127.0.0.1 --port=PORT``.  On Linux, Ray rewrites
  127.0.0.1 to the machine's network address and listens on every
  interface unless that switch is 0.
- a token in ``$HOME/.ray/auth_token`` (``ray get-auth-token --generate``),
  with ``HOME`` a private folder: Ray 2.52+ then starts the head with token
  authentication on, as it does for a user who has ever run a local Ray.
- a second node: ``ray start --address=127.000.000.001:PORT``.  Ray refuses
  to start a joining node with the loopback switch set, and without it
  rewrites a plain 127.0.0.1 in ``--address`` to the network address (where
  the head does not listen); written with leading zeros, the same loopback
  address reaches the head and the node itself binds to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

RAY = Path(sys.executable).with_name("ray")
OBJECT_STORE_BYTES = 300_000_000
"""Each node's object store: room for the ml-latest-small item-kNN model (about 110 MB)."""

START_TIMEOUT = 240.0
"""Seconds a node may take to start on a small, busy machine."""


def free_port() -> int:
    """A TCP port nothing listens on at the moment, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any Ray or LensKit settings, with *home* as HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "LK_"))}
    env.update(HOME=str(home), RAY_USAGE_STATS_ENABLED="0", **extra)
    return env


def generate_token(home: Path) -> None:
    """Create ``home/.ray/auth_token`` with Ray's own command."""
    subprocess.run(
        [str(RAY), "get-auth-token", "--generate"],
        env=clean_env(home),
        check=True,
        capture_output=True,
        timeout=120,
    )


@dataclass
class RayNode:
    """One ``ray start --block`` process and everything it started."""

    proc: subprocess.Popen[bytes]
    log: Path
    temp_dir: Path

    @property
    def processes(self) -> list[psutil.Process]:
        """The node's live processes: its process group, and the workers its raylet
        started (Ray gives each worker a session of its own)."""
        found: dict[int, psutil.Process] = {}
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self.proc.pid)
            found[root.pid] = root
            found.update((child.pid, child) for child in root.children(recursive=True))
        for proc in psutil.process_iter():
            with contextlib.suppress(psutil.Error, OSError):
                if os.getpgid(proc.pid) == self.proc.pid:
                    found[proc.pid] = proc
        return list(found.values())

    def running(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL every process of the node, as a crash or the OOM killer would."""
        processes = self.processes
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for proc in processes:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=30)
        _, alive = psutil.wait_procs(processes, timeout=30)
        assert alive == [], f"processes of the Ray node survived SIGKILL: {alive}"

    def stop(self) -> None:
        """Kill the node and remove its files (safe to call twice)."""
        self.kill()
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def listening_addresses(self) -> set[str]:
        """Local addresses the node's processes listen on."""
        addresses = set()
        for proc in self.processes:
            with contextlib.suppress(psutil.Error):
                for conn in proc.net_connections(kind="inet"):
                    if conn.status == psutil.CONN_LISTEN:
                        addresses.add(conn.laddr.ip)
        return addresses


def start_node(args: list[str], env: dict[str, str]) -> RayNode:
    """``ray start ARGS --block``, returned once the node says it is up."""
    temp_dir = Path(tempfile.mkdtemp(prefix="lkray-", dir="/tmp"))  # short: socket paths
    log = temp_dir / "start.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(RAY), "start", *args, "--temp-dir", str(temp_dir), "--block"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    node = RayNode(proc, log, temp_dir)
    deadline = time.monotonic() + START_TIMEOUT
    while "Ray runtime started" not in log.read_text(errors="replace"):
        if not node.running() or time.monotonic() > deadline:
            text = log.read_text(errors="replace")
            node.stop()
            raise RuntimeError(f"ray start {' '.join(args)} did not come up:\n{text[-3000:]}")
        time.sleep(0.2)
    return node


def start_head(home: Path, port: int) -> RayNode:
    """A head node on 127.0.0.1:*port* with one CPU, started as the docs say."""
    return start_node(
        [
            "--head",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            "--num-cpus=1",
            "--include-dashboard=false",
            f"--object-store-memory={OBJECT_STORE_BYTES}",
        ],
        clean_env(home, RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0"),
    )


def start_worker_node(home: Path, head_port: int) -> RayNode:
    """A second node with one CPU joining the head on loopback (see the module docstring)."""
    return start_node(
        [
            f"--address=127.000.000.001:{head_port}",
            "--num-cpus=1",
            f"--object-store-memory={OBJECT_STORE_BYTES}",
        ],
        clean_env(home, RAY_AUTH_MODE="token"),
    )


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def task_processes(node: RayNode, function: str) -> list[psutil.Process]:
    """The node's worker processes running *function* right now (Ray titles them ``ray::NAME``)."""
    found = []
    for proc in node.processes:
        with contextlib.suppress(psutil.Error):
            if " ".join(proc.cmdline()).startswith(f"ray::{function}"):
                found.append(proc)
    return found


@contextlib.contextmanager
def ray_home() -> Iterator[Path]:
    """A private HOME holding a Ray authentication token, removed afterwards."""
    home = Path(tempfile.mkdtemp(prefix="lkray-home-"))
    try:
        generate_token(home)
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)
