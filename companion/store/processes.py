"""Which server processes are alive, and which meetings each one has widgets in.

A process killed with -9 never runs its disconnect handlers, so the people whose widgets it held
would look present for ever. Each process beats here; any process that finds another one silent for
too long drops that process's connections from the meetings it had (see ``realtime.liveness``).
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from companion.store import keys
from companion.store.meetings import DEFAULT_RETENTION_SECONDS, unavailable_on_redis_error


@dataclass(frozen=True)
class SilentProcess:
    process_id: str
    meeting_ids: list[str]


class ProcessRegistry:
    def __init__(
        self, client: redis.Redis, retention_seconds: int = DEFAULT_RETENTION_SECONDS
    ) -> None:
        self.redis = client
        self.retention_seconds = retention_seconds

    def beat(self, process_id: str, now_ms: int) -> None:
        with unavailable_on_redis_error(), self.redis.pipeline() as pipe:
            pipe.zadd(keys.server_processes(), {process_id: now_ms})
            pipe.expire(keys.server_processes(), self.retention_seconds)
            pipe.execute()

    def note_meeting(self, process_id: str, meeting_id: str) -> None:
        """Called when a widget connects: this process now holds connections in that meeting."""
        key = keys.process_meetings(process_id)
        with unavailable_on_redis_error(), self.redis.pipeline() as pipe:
            pipe.sadd(key, meeting_id)
            pipe.expire(key, self.retention_seconds)
            pipe.execute()

    def silent_since(self, before_ms: int) -> list[SilentProcess]:
        """Processes whose last heartbeat is older than ``before_ms``, with their meetings."""
        with unavailable_on_redis_error():
            ids = self.redis.zrangebyscore(keys.server_processes(), "-inf", f"({before_ms}")
            return [
                SilentProcess(pid, sorted(self.redis.smembers(keys.process_meetings(pid))))
                for pid in ids
            ]

    def forget(self, process_id: str) -> None:
        with unavailable_on_redis_error(), self.redis.pipeline() as pipe:
            pipe.zrem(keys.server_processes(), process_id)
            pipe.delete(keys.process_meetings(process_id))
            pipe.execute()
