"""Sets and meetings in Redis. Every change is an optimistic transaction that bumps a version."""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import redis

from companion.clock import now_ms
from companion.domain import phases
from companion.domain.codec import meeting_from_dict, meeting_to_dict, set_from_dict, set_to_dict
from companion.domain.model import LearningSet, Meeting, Member, Role
from companion.store import keys

DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600

MeetingChange = Callable[[Meeting], Meeting]


class StoreUnavailable(Exception):
    """Redis could not be reached; the caller tells the user to try again shortly."""


class SetNotFound(Exception):
    pass


class MeetingNotFound(Exception):
    pass


def new_id() -> str:
    """96 random bits: unguessable, and short enough to read in a log line."""
    return secrets.token_urlsafe(12)


class MeetingStore:
    def __init__(self, client: redis.Redis, retention_seconds: int = DEFAULT_RETENTION_SECONDS):
        self.redis = client
        self.retention_seconds = retention_seconds

    def ping(self) -> None:
        with _unavailable_on_redis_error():
            self.redis.ping()

    def create_set(self, name: str, facilitator_name: str) -> tuple[LearningSet, Member]:
        facilitator = Member(new_id(), facilitator_name, Role.FACILITATOR)
        learning_set = LearningSet(new_id(), name, time.time(), {facilitator.id: facilitator})
        with _unavailable_on_redis_error():
            self._write(keys.learning_set(learning_set.id), set_to_dict(learning_set), nx=True)
        return learning_set, facilitator

    def start_meeting(self, set_id: str) -> Meeting:
        """Open a new meeting and make it the one the set's links lead to."""
        learning_set = self.load_set(set_id)
        meeting = phases.new_meeting(new_id(), set_id, learning_set.name, now_ms())
        with _unavailable_on_redis_error():
            self._write(keys.meeting(meeting.id), meeting_to_dict(meeting), nx=True)
        # Written second: if this fails, the set still points at a meeting that exists.
        self.update_set(set_id, lambda s: replace(s, current_meeting_id=meeting.id))
        return meeting

    def add_member(self, set_id: str, name: str, role: Role = Role.MEMBER) -> Member:
        member = Member(new_id(), name, role)

        def add(learning_set: LearningSet) -> LearningSet:
            return replace(learning_set, members={**learning_set.members, member.id: member})

        self.update_set(set_id, add)
        return member

    def load_set(self, set_id: str) -> LearningSet:
        data = self._read(keys.learning_set(set_id))
        if data is None:
            raise SetNotFound(set_id)
        return set_from_dict(data)

    def load_meeting(self, meeting_id: str) -> Meeting:
        data = self._read(keys.meeting(meeting_id))
        if data is None:
            raise MeetingNotFound(meeting_id)
        return meeting_from_dict(data)

    def update_set(self, set_id: str, change: Callable[[LearningSet], LearningSet]) -> LearningSet:
        key = keys.learning_set(set_id)
        _, updated = self._transaction(key, set_from_dict, set_to_dict, change, SetNotFound)
        return updated

    def update_meeting(self, meeting_id: str, change: MeetingChange) -> tuple[Meeting, bool]:
        """Apply ``change`` atomically. Returns the meeting and whether it changed (and was saved).

        A change that raises leaves Redis untouched; one that returns the meeting it was given
        writes nothing. Any other result must carry the next version, so none is skipped or reused.
        """

        def versioned(current: Meeting) -> Meeting:
            updated = change(current)
            if updated is not current and updated.version != current.version + 1:
                raise RuntimeError(f"version {current.version} -> {updated.version} is not +1")
            return updated

        key = keys.meeting(meeting_id)
        before, after = self._transaction(
            key, meeting_from_dict, meeting_to_dict, versioned, MeetingNotFound
        )
        return after, after is not before

    def _transaction(self, key, decode, encode, change, missing):  # type: ignore[no-untyped-def]
        """WATCH the key, compute the new value, and write it in MULTI/EXEC; retry on conflict."""

        def attempt(pipe: redis.client.Pipeline) -> tuple[Any, Any]:
            raw = pipe.get(key)
            if raw is None:
                raise missing(key)
            current = decode(json.loads(raw))
            updated = change(current)
            if updated is not current:
                pipe.multi()
                pipe.set(key, _dumps(encode(updated)), ex=self.retention_seconds)
            return current, updated

        with _unavailable_on_redis_error():
            return self.redis.transaction(attempt, key, value_from_callable=True)

    def _write(self, key: str, value: dict[str, Any], nx: bool = False) -> None:
        if not self.redis.set(key, _dumps(value), ex=self.retention_seconds, nx=nx):
            raise RuntimeError(f"refusing to overwrite existing key {key}")

    def _read(self, key: str) -> dict[str, Any] | None:
        with _unavailable_on_redis_error():
            raw = self.redis.get(key)
        return None if raw is None else json.loads(raw)


def _dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@contextlib.contextmanager
def _unavailable_on_redis_error() -> Iterator[None]:
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as error:
        raise StoreUnavailable(str(error)) from error
