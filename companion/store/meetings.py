"""Sets and meetings in Redis. Every change is an optimistic transaction that bumps a version.

Every key expires ``retention_seconds`` after the last activity that touched it. A meeting's
activity also keeps its set (and the set's index of meetings) alive; a set's activity keeps the
meeting its links lead to alive. Deleting a meeting or a set is one transaction too.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, TypeVar

import orjson
import redis

from companion.clock import now_ms
from companion.domain import phases, sets
from companion.domain.codec import meeting_from_dict, meeting_to_dict, set_from_dict, set_to_dict
from companion.domain.model import LearningSet, Meeting, Member, Phase, Role
from companion.store import keys
from companion.store.signal_claims import SignalClaims, SignalSender, write_claim

DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600
LOCK_STRIPES = 64

MeetingChange = Callable[[Meeting], Meeting]
Stored = TypeVar("Stored", LearningSet, Meeting)


class StoreUnavailable(Exception):
    """Redis could not be reached; the caller tells the user to try again shortly."""


class SetNotFound(Exception):
    """The set never existed, expired, or was deleted; the caller answers "not found"."""


class MeetingStillOpen(Exception):
    """The set's current meeting has not ended; a set holds one open meeting at a time."""


class MeetingNotFound(Exception):
    """The meeting never existed, expired, was deleted, or belongs to another set."""


def new_id() -> str:
    """96 random bits: unguessable, and short enough to read in a log line."""
    return secrets.token_urlsafe(12)


class MeetingStore:
    def __init__(
        self,
        client: redis.Redis,
        retention_seconds: int = DEFAULT_RETENTION_SECONDS,
        signal_key: bytes | None = None,
    ):
        """``signal_key`` is the app's half of the key hiding signal senders: every process
        serving the same meetings must pass the same one. Without it, this store makes up its own
        (enough for a single process, such as a test's)."""
        self.redis = client
        self.retention_seconds = retention_seconds
        self._signal_claims = SignalClaims(signal_key or secrets.token_bytes(32))
        # Created with the store, after gevent's monkey-patching: greenlet-aware under gevent.
        self._turns = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def ping(self) -> None:
        with unavailable_on_redis_error():
            self.redis.ping()

    def create_set(
        self, name: str, facilitator_name: str, expected_members: list[str] | None = None
    ) -> tuple[LearningSet, Member]:
        facilitator = Member(new_id(), facilitator_name, Role.FACILITATOR)
        learning_set = LearningSet(new_id(), name, time.time(), {facilitator.id: facilitator})
        learning_set.expected_members = list(expected_members or [])
        with unavailable_on_redis_error():
            self._write(keys.learning_set(learning_set.id), set_to_dict(learning_set), nx=True)
        return learning_set, facilitator

    def start_meeting(self, set_id: str) -> Meeting:
        """Open a new meeting and make it the one the set's links lead to, in one transaction,
        so a set deleted meanwhile never gains a meeting nobody can find to delete. Refused with
        ``MeetingStillOpen`` while the current one has not ended: everyone's links lead to one
        meeting, and none is abandoned half way."""
        set_key, meeting_id = keys.learning_set(set_id), new_id()
        meeting_key = keys.meeting(meeting_id)

        def attempt(pipe: redis.client.Pipeline) -> Meeting:
            learning_set = _load_watched(pipe, set_key, set_from_dict, SetNotFound)
            if self._still_open(pipe, learning_set.current_meeting_id):
                raise MeetingStillOpen(learning_set.current_meeting_id)
            if pipe.exists(meeting_key):
                raise RuntimeError(f"refusing to overwrite existing key {meeting_key}")
            meeting = phases.new_meeting(meeting_id, set_id, learning_set.name, now_ms())
            sets.open_meeting(learning_set, meeting)
            pipe.multi()
            pipe.sadd(keys.set_meetings(set_id), meeting_id)
            self._put_meeting(pipe, meeting)
            self._put_set(pipe, replace(learning_set, current_meeting_id=meeting_id))
            return meeting

        with unavailable_on_redis_error():
            return self.redis.transaction(attempt, set_key, meeting_key, value_from_callable=True)

    @staticmethod
    def _still_open(pipe: redis.client.Pipeline, meeting_id: str | None) -> bool:
        """Before MULTI: whether ``meeting_id`` exists and has not ended (WATCHed)."""
        if meeting_id is None:
            return False
        pipe.watch(keys.meeting(meeting_id))
        raw = pipe.get(keys.meeting(meeting_id))
        return raw is not None and orjson.loads(raw)["phase"] != Phase.CLOSED.value

    def add_member(
        self, set_id: str, name: str, role: Role = Role.MEMBER, invite_generation: int | None = None
    ) -> Member:
        """With ``invite_generation``, only while the set's invite is still of that generation:
        checked in the same transaction, so a join racing a replaced link cannot slip in."""
        member = Member(new_id(), name, role)

        def add(learning_set: LearningSet) -> LearningSet:
            if invite_generation is not None:
                sets.check_invite(learning_set, invite_generation)
            return replace(learning_set, members={**learning_set.members, member.id: member})

        self.update_set(set_id, add)
        return member

    def replace_invite(self, set_id: str) -> LearningSet:
        """Every invite signed so far stops admitting anyone; returns the set with its new
        generation, for signing the new link."""

        def bump(learning_set: LearningSet) -> LearningSet:
            return replace(learning_set, invite_generation=learning_set.invite_generation + 1)

        return self.update_set(set_id, bump)

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
        _, updated = self._transaction(key, set_from_dict, change, SetNotFound, self._put_set)
        return updated

    def update_meeting(
        self, meeting_id: str, change: MeetingChange, sender: SignalSender | None = None
    ) -> tuple[Meeting, bool]:
        """Apply ``change`` atomically. Returns the meeting and whether it changed (and was saved).

        A change that raises leaves Redis untouched; one that returns the meeting it was given
        writes nothing. Any other result must carry the next version, so none is skipped or reused.
        What a change makes of the set's own parts (settings, contract, who agreed) becomes the
        set's too, for its next meeting, in the same transaction.
        With ``sender``, the change is a signal: refused with ``SignalStillCounts`` while that
        person's last one of that kind still counts.
        """
        key = keys.meeting(meeting_id)

        def attempt(pipe: redis.client.Pipeline) -> tuple[Meeting, Meeting]:
            current = _load_watched(pipe, key, meeting_from_dict, MeetingNotFound)
            claim = None if sender is None else self._signal_claims.check(pipe, current, sender)
            updated = change(current)
            if updated is current:
                return current, updated
            if updated.version != current.version + 1:
                raise RuntimeError(f"version {current.version} -> {updated.version} is not +1")
            learning_set = self._set_carrying(pipe, current, updated)
            pipe.multi()
            self._put_meeting(pipe, updated)
            if claim is not None:
                write_claim(pipe, claim, self.retention_seconds)
            if learning_set is not None:
                self._put_set(pipe, learning_set)
            return current, updated

        with self._turn_for(key), unavailable_on_redis_error():
            before, after = self.redis.transaction(attempt, key, value_from_callable=True)
        return after, after is not before

    def _set_carrying(
        self, pipe: redis.client.Pipeline, current: Meeting, updated: Meeting
    ) -> LearningSet | None:
        """Before MULTI: the meeting's set, holding what the change made of the set's own parts
        (settings, contract, agreement, roles), and, as the meeting ends, its actions and
        learnings."""
        ending = updated.phase is Phase.CLOSED and current.phase is not Phase.CLOSED
        roles_changed = sets.standing_roles(updated) != sets.standing_roles(current)
        if not ending and not roles_changed and sets.carried(updated) == sets.carried(current):
            return None
        set_key = keys.learning_set(updated.set_id)
        pipe.watch(set_key)
        raw = pipe.get(set_key)
        if raw is None:
            return None
        learning_set = set_from_dict(orjson.loads(raw))
        sets.carry(updated, learning_set)
        sets.adopt_roles(learning_set, updated)
        if ending:
            sets.take_in(learning_set, updated)
        return learning_set

    def meetings_of(self, set_id: str) -> list[Meeting]:
        """The set's meetings still kept, newest first: its history."""
        with unavailable_on_redis_error():
            meeting_ids = sorted(self.redis.smembers(keys.set_meetings(set_id)))
            stored = self.redis.mget([keys.meeting(m) for m in meeting_ids]) if meeting_ids else []
        meetings = [meeting_from_dict(orjson.loads(raw)) for raw in stored if raw]
        return sorted(meetings, key=lambda m: m.started_at, reverse=True)

    def forget_member(self, set_id: str, member_id: str) -> list[Meeting]:
        """A member deletes their own data from the set and every meeting it keeps, in one
        transaction; returns the meetings as changed, so their widgets can be told."""
        set_key, index_key = keys.learning_set(set_id), keys.set_meetings(set_id)

        def attempt(pipe: redis.client.Pipeline) -> list[Meeting]:
            learning_set = _load_watched(pipe, set_key, set_from_dict, SetNotFound)
            sets.refuse_lead(learning_set, member_id)
            meeting_keys = [keys.meeting(m) for m in sorted(pipe.smembers(index_key))]
            if meeting_keys:
                pipe.watch(*meeting_keys)
            stored = pipe.mget(meeting_keys) if meeting_keys else []
            meetings = [meeting_from_dict(orjson.loads(raw)) for raw in stored if raw]
            for meeting in meetings:
                sets.forget_in_meeting(meeting, member_id, now_ms())
            sets.forget_member(learning_set, member_id)
            pipe.multi()
            for meeting in meetings:  # rewritten, not renewed: each keeps its time left
                pipe.set(keys.meeting(meeting.id), _dumps(meeting_to_dict(meeting)), keepttl=True)
            self._put_set(pipe, learning_set)
            return meetings

        with unavailable_on_redis_error():
            return self.redis.transaction(attempt, set_key, index_key, value_from_callable=True)

    def delete_meeting(self, meeting_id: str, set_id: str | None = None) -> Meeting:
        """Remove a meeting, and the set's pointer to it, in one transaction; returns what was
        removed. With ``set_id``, another set's meeting counts as not found, so a facilitator
        can only ever delete their own set's records."""
        meeting_key = keys.meeting(meeting_id)

        def attempt(pipe: redis.client.Pipeline) -> Meeting:
            meeting = _load_watched(pipe, meeting_key, meeting_from_dict, MeetingNotFound)
            if set_id is not None and meeting.set_id != set_id:
                raise MeetingNotFound(meeting_key)
            set_key = keys.learning_set(meeting.set_id)
            pipe.watch(set_key)
            raw_set = pipe.get(set_key)
            pipe.multi()
            pipe.delete(meeting_key, keys.signal_secret(meeting_id))
            pipe.srem(keys.set_meetings(meeting.set_id), meeting_id)
            learning_set = None if raw_set is None else set_from_dict(orjson.loads(raw_set))
            if learning_set is not None and learning_set.current_meeting_id == meeting_id:
                self._put_set(pipe, replace(learning_set, current_meeting_id=None))
            return meeting

        with unavailable_on_redis_error():
            return self.redis.transaction(attempt, meeting_key, value_from_callable=True)

    def delete_set(self, set_id: str) -> dict[str, int]:
        """Remove the set, its index and every meeting it knows of, in one transaction; returns
        each such meeting's last version (0 if it had already expired), so its live widgets can
        be told. The current meeting is included even when the index lacks it (sets stored
        before the index existed)."""
        set_key, index_key = keys.learning_set(set_id), keys.set_meetings(set_id)

        def attempt(pipe: redis.client.Pipeline) -> dict[str, int]:
            learning_set = _load_watched(pipe, set_key, set_from_dict, SetNotFound)
            meeting_ids = set(pipe.smembers(index_key))
            if learning_set.current_meeting_id is not None:
                meeting_ids.add(learning_set.current_meeting_id)
            ordered = sorted(meeting_ids)
            meeting_keys = [keys.meeting(m) for m in ordered]
            stored = pipe.mget(meeting_keys) if meeting_keys else []
            pipe.multi()
            secret_keys = [keys.signal_secret(m) for m in ordered]
            pipe.delete(set_key, index_key, *meeting_keys, *secret_keys)
            last = [orjson.loads(raw)["version"] if raw else 0 for raw in stored]
            return dict(zip(ordered, last, strict=True))

        with unavailable_on_redis_error():
            return self.redis.transaction(attempt, set_key, index_key, value_from_callable=True)

    def _transaction(self, key, decode, change, missing, put):  # type: ignore[no-untyped-def]
        """WATCH the key, compute the new value, and write it in MULTI/EXEC; retry on conflict."""

        def attempt(pipe: redis.client.Pipeline) -> tuple[Any, Any]:
            current = _load_watched(pipe, key, decode, missing)
            updated = change(current)
            if updated is not current:
                pipe.multi()
                put(pipe, updated)
            return current, updated

        with self._turn_for(key), unavailable_on_redis_error():
            return self.redis.transaction(attempt, key, value_from_callable=True)

    def _turn_for(self, key: str) -> threading.Lock:
        """Writers of one key in this process take turns, so WATCH only ever has to resolve
        conflicts between processes; without this, eight people clicking at once on one server
        spend most of their time retrying (see benchmarks/store_updates.py)."""
        return self._turns[zlib.crc32(key.encode()) % len(self._turns)]

    def _put_meeting(self, pipe: redis.client.Pipeline, meeting: Meeting) -> None:
        """Queue the meeting's write; activity in a meeting is activity in its set, so the set
        and its index live on at least as long as any meeting still in use."""
        pipe.set(
            keys.meeting(meeting.id), _dumps(meeting_to_dict(meeting)), ex=self.retention_seconds
        )
        pipe.expire(keys.learning_set(meeting.set_id), self.retention_seconds)
        pipe.expire(keys.set_meetings(meeting.set_id), self.retention_seconds)
        if meeting.phase is Phase.CLOSED:
            pipe.delete(keys.signal_secret(meeting.id))  # from now on, no signal can be traced
        else:
            pipe.expire(keys.signal_secret(meeting.id), self.retention_seconds)

    def _put_set(self, pipe: redis.client.Pipeline, learning_set: LearningSet) -> None:
        """Queue the set's write. The meeting its links lead to lives on with it: someone who
        joins today must not find that meeting expired tomorrow. Past meetings keep their own
        clocks. EXPIRE leaves a missing key missing, so nothing deleted comes back."""
        key = keys.learning_set(learning_set.id)
        pipe.set(key, _dumps(set_to_dict(learning_set)), ex=self.retention_seconds)
        pipe.expire(keys.set_meetings(learning_set.id), self.retention_seconds)
        if learning_set.current_meeting_id is not None:
            pipe.expire(keys.meeting(learning_set.current_meeting_id), self.retention_seconds)

    def _write(self, key: str, value: dict[str, Any], nx: bool = False) -> None:
        if not self.redis.set(key, _dumps(value), ex=self.retention_seconds, nx=nx):
            raise RuntimeError(f"refusing to overwrite existing key {key}")

    def _read(self, key: str) -> dict[str, Any] | None:
        with unavailable_on_redis_error():
            raw = self.redis.get(key)
        return None if raw is None else orjson.loads(raw)


def _load_watched(
    pipe: redis.client.Pipeline,
    key: str,
    decode: Callable[[dict[str, Any]], Stored],
    missing: type[Exception],
) -> Stored:
    """Read a WATCHed key before MULTI; a missing key raises ``missing`` and writes nothing."""
    raw = pipe.get(key)
    if raw is None:
        raise missing(key)
    return decode(orjson.loads(raw))


def _dumps(value: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON. orjson, as every command reads and writes the whole meeting: the
    standard library's module took several times as long (docs/performance.md)."""
    return orjson.dumps(value)


@contextlib.contextmanager
def unavailable_on_redis_error() -> Iterator[None]:
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as error:
        raise StoreUnavailable(str(error)) from error
