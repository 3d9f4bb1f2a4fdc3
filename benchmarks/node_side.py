"""The Node side of the load benchmarks, in ``benchmarks/node_peer/``: the bare Socket.IO 4 server
that users would otherwise pick (``server.js``, the third side of ``benchmarks.fanout``), and a
swarm of socket.io-client widgets (``swarm.js``) that costs far less CPU per widget than
python-socketio's, for when the swarm, not the server, would be the limit (``benchmarks.knee``).

Their packages are pinned in ``package-lock.json`` and installed with ``npm ci`` on first use;
``node_modules`` is never committed. Both speak to Python plainly: the server is started and
stopped like ours (``ServerProcess``), the swarm answers the same steps as ``benchmarks.swarm``'s
processes, in JSON lines, and its records become figures through the same ``swarm.summary``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import queue
import secrets
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

from benchmarks.stack import pinned
from benchmarks.swarm import (
    SETUP_TIMEOUT_SECONDS,
    Outcome,
    merged,
    summary,
)
from companion.domain.signals import KINDS as SIGNAL_KINDS
from tests.support import ServerProcess

NODE_FOLDER = Path(__file__).parent / "node_peer"
SERVER_SCRIPT = NODE_FOLDER / "server.js"
SWARM_SCRIPT = NODE_FOLDER / "swarm.js"
INSTALL_TIMEOUT_SECONDS = 300
CLOSE_TIMEOUT_SECONDS = 30


def ensure_installed() -> None:
    """``npm ci`` in ``node_peer/`` unless what its lock file names is installed already (npm
    keeps its own copy of the lock in ``node_modules``; a changed lock installs again)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise RuntimeError(
            "the Node peer and the Node swarm need node and npm on the PATH: install Node.js 18 or"
            " newer, or leave them out (fanout --no-node; knee --swarm python)"
        )
    lock, installed = NODE_FOLDER / "package-lock.json", NODE_FOLDER / "node_modules"
    copy = installed / ".package-lock.json"
    if copy.exists() and copy.stat().st_mtime >= lock.stat().st_mtime:
        return
    print(f"installing the Node side's packages (npm ci in {NODE_FOLDER})", flush=True)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=NODE_FOLDER,
        check=True,
        timeout=INSTALL_TIMEOUT_SECONDS,
    )


def node_peer_server(
    env: dict[str, str], log_path: Path, cpus: tuple[int, ...] = ()
) -> ServerProcess:
    """The Node peer on a free port, with ``env`` (REDIS_URL, BENCH_PAYLOAD_BYTES); started,
    waited for (``/healthz``) and stopped exactly as our server is."""
    ensure_installed()
    server = ServerProcess(env, log_path)
    server.env["PORT"] = str(server.port)
    server.command = pinned(["node", str(SERVER_SCRIPT)], cpus)
    return server


class _Child:
    """One swarm process: its assignment on the command line, asked steps on stdin, answers read
    from stdout by a thread of its own (so waiting for one can time out)."""

    def __init__(self, command: list[str], log: IO[bytes]) -> None:
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, cwd=NODE_FOLDER
        )
        self.answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with contextlib.suppress(ValueError):  # not one of its answers: a stray print
                self.answers.put(json.loads(line))
        self.answers.put(None)

    def ask(self, asked: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(asked).encode() + b"\n")
        self.process.stdin.flush()

    def answer(self, step: str, deadline: float) -> Any:
        try:
            got = self.answers.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError(f"a Node swarm process did not answer {step!r} in time") from None
        if got is None:
            raise RuntimeError(f"a Node swarm process ended (exit {self.process.wait()})")
        if got.get("step") != step:
            raise RuntimeError(f"a Node swarm process failed:\n{got.get('value')}")
        return got["value"]

    def close(self) -> None:
        with contextlib.suppress(OSError):  # it may be gone already
            self.ask({"step": "close"})
        try:
            self.process.wait(timeout=CLOSE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class NodeSwarm:
    """``benchmarks.swarm.Swarm``'s stand-in: ``meetings`` times ``members`` socket.io-client
    widgets over ``processes`` Node processes (on ``cpus`` when given), seated on entry, every
    process ended on exit. Each process's stderr goes to ``log_path``."""

    def __init__(
        self,
        url: str,
        kind: str,
        meetings: int,
        members: int,
        processes: int,
        log_path: Path,
        cpus: tuple[int, ...] = (),
    ) -> None:
        run_id = secrets.token_hex(4)
        processes = max(1, min(processes, meetings))
        self.assignments = [
            {
                "url": url,
                "kind": kind,
                "meetings": list(range(p, meetings, processes)),
                "members": members,
                "runId": run_id,
                "signalKinds": list(SIGNAL_KINDS),
            }
            for p in range(processes)
        ]
        self.cpus = cpus
        self.log_path = log_path
        self.children: list[_Child] = []
        self.setup_seconds = 0.0

    def __enter__(self) -> NodeSwarm:
        ensure_installed()
        try:
            with open(self.log_path, "ab") as log:
                for assignment in self.assignments:
                    command = ["node", str(SWARM_SCRIPT), json.dumps(assignment)]
                    self.children.append(_Child(pinned(command, self.cpus), log))
            started = time.monotonic()
            deadline = started + SETUP_TIMEOUT_SECONDS
            for child in self.children:
                child.answer("ready", deadline)
            self.setup_seconds = time.monotonic() - started
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for child in self.children:
            child.close()

    @property
    def pids(self) -> list[int]:
        return [child.process.pid for child in self.children]

    def ask(self, step: str, argument: tuple[Any, ...]) -> None:
        if step != "traffic":
            raise ValueError(f"the Node swarm drives traffic only, not {step!r}")
        traffic, start_at = argument
        asked = {"step": step, "traffic": dataclasses.asdict(traffic), "start_at": start_at}
        for child in self.children:
            child.ask(asked)

    def traffic_results(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        return merged([_figures_of(child.answer("traffic", deadline)) for child in self.children])


def _figures_of(seen: dict[str, Any]) -> dict[str, Any]:
    """A Node process's record, through the very code that sums a Python process's."""
    outcomes = [
        Outcome(meeting, sent, acked, tuple(arrivals), members)
        for meeting, sent, acked, arrivals, members in seen.pop("outcomes")
    ]
    return summary(outcomes, seen)
