"""Sets, their rosters and their meetings in Redis. Every change is optimistic and bumps a
version: a meeting's command is one checked write (``checked_write``, a Lua script), anything
else a WATCH/MULTI transaction.

Every key expires ``retention_seconds`` after the last activity that touched it. A meeting's
activity also keeps its set (its roster and its index of meetings) alive; a set's activity keeps
the meeting its links lead to alive. A meeting's command renews its set's times to live only once
in a while (``set_renewal_ms``), so every meeting is written with a time to live shorter by
a two-thousandth of the retention period, and so never outlives its set. Deleting a meeting or a
set is one transaction too.

A meeting is always read with its set's roster, since the rules authorise every command by it,
and its write is made only if both still hold what was read; a change to the roster made in a
meeting (a role, a removal) is written with the meeting, atomically.
"""

from __future__ import annotations

import contextlib
import copy
import secrets
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, TypeVar

import orjson
import redis

from companion import metrics
from companion.clock import now_ms
from companion.domain import attendance, phases, roster, sets
from companion.domain.codec import (
    meeting_fields,
    meeting_from_dict,
    roster_from_dict,
    roster_from_format_2,
    roster_to_dict,
    set_from_dict,
    set_to_dict,
)
from companion.domain.model import Admission, Identity, LearningSet, Meeting, Phase, Roster
from companion.store import keys
from companion.store.checked_write import (
    CheckedWrite,
    CheckedWriter,
    EventCount,
    Outcome,
    RateLimited,
)
from companion.store.known_meetings import Known, KnownMeetings
from companion.store.signal_claims import SignalClaims, SignalSender, SignalStillCounts

DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600
LOCK_STRIPES = 64
# A meeting lives this much less than the retention period (a two-thousandth: 21.6 minutes at
# 30 days), and its commands renew its set's times to live once half of that has passed.
MEETING_MARGIN_DIVISOR = 2000
# Every attempt that finds the meeting changed follows a write that was made: this many in a row
# means something is wrong.
MAX_ATTEMPTS = 100

MeetingChange = Callable[[Meeting], Meeting]
# What tells of a change, made from the meeting it is about to write: a channel and a message,
# published by that very write (or None: nothing to publish).
Announce = Callable[[Meeting], tuple[str, bytes] | None]
RosterChange = Callable[[Roster], Roster]
Stored = TypeVar("Stored", LearningSet, Meeting, Roster)


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
        after_forgetting: Callable[[], None] | None = None,
    ):
        """``signal_key`` is the app's half of the key hiding signal senders: every process
        serving the same meetings must pass the same one. Without it, this store makes up its own
        (enough for a single process, such as a test's). ``after_forgetting`` is called after
        every write that made something go for good (a deletion, a meeting's end and with it its
        signal secret), so that Redis's own files can be rewritten without it."""
        self.redis = client
        self._after_forgetting = after_forgetting or (lambda: None)
        self.retention_seconds = retention_seconds
        self._signal_claims = SignalClaims(signal_key or secrets.token_bytes(32))
        # Created with the store, after gevent's monkey-patching: greenlet-aware under gevent.
        self._turns = [threading.Lock() for _ in range(LOCK_STRIPES)]
        self._writer = CheckedWriter(client)
        self._known = KnownMeetings()
        # The set, its roster, its index, its people's identity index and the meeting's signal
        # secret live a whole retention period after each renewal; a meeting a margin less.
        self.set_ttl_ms = retention_seconds * 1000
        margin_ms = self.set_ttl_ms // MEETING_MARGIN_DIVISOR
        self.meeting_ttl_ms = self.set_ttl_ms - margin_ms
        self.set_renewal_ms = margin_ms // 2

    def ping(self) -> None:
        with unavailable_on_redis_error():
            self.redis.ping()

    def create_set(
        self,
        name: str,
        founder_name: str,
        expected_members: list[str] | None = None,
        admission: Admission = Admission.ASK,
        identity: Identity | None = None,
    ) -> tuple[LearningSet, Roster, str]:
        """The set and its roster, whose one entry is its founder (returned by id), who leads."""
        learning_set = LearningSet(new_id(), name, time.time())
        learning_set.expected_members = list(expected_members or [])
        founder_id = new_id()
        kept = roster.founded(learning_set.id, founder_id, founder_name, identity)
        kept.admission = admission
        with unavailable_on_redis_error(), self.redis.pipeline() as pipe:
            pipe.set(keys.learning_set(learning_set.id), _dumps(set_to_dict(learning_set)), nx=True)
            pipe.set(keys.roster(learning_set.id), _dumps(roster_to_dict(kept)), nx=True)
            pipe.expire(keys.learning_set(learning_set.id), self.retention_seconds)
            pipe.expire(keys.roster(learning_set.id), self.retention_seconds)
            self._index_identities(pipe, None, kept)
            if not all(pipe.execute()[:2]):
                raise RuntimeError(f"refusing to overwrite the existing set {learning_set.id}")
        return learning_set, kept, founder_id

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

    def update_roster(
        self, set_id: str, change: RosterChange, invite_generation: int | None = None
    ) -> tuple[Roster, bool]:
        """Apply ``change`` to the set's roster atomically; returns it and whether it changed.

        With ``invite_generation``, only while the set's invite is still of that generation:
        checked in the same transaction, so a join racing a replaced link cannot slip in. A
        change must carry the roster's next version, as a meeting's must."""
        set_key, roster_key = keys.learning_set(set_id), keys.roster(set_id)

        def attempt(pipe: redis.client.Pipeline) -> tuple[Roster, Roster]:
            learning_set = _load_watched(pipe, set_key, set_from_dict, SetNotFound)
            if invite_generation is not None:
                sets.check_invite(learning_set, invite_generation)
            current, migrated = self._roster_watched(pipe, set_id)
            updated = change(current)
            if updated is not current and updated.version != current.version + 1:
                raise RuntimeError(f"roster {current.version} -> {updated.version} is not +1")
            if updated is not current or migrated:
                pipe.multi()
                self._put_roster(pipe, updated, learning_set.current_meeting_id, current)
            return current, updated

        with self._turn_for(roster_key), unavailable_on_redis_error():
            before, after = self.redis.transaction(
                attempt, set_key, roster_key, value_from_callable=True
            )
        if before.entries.keys() - after.entries.keys():
            self._after_forgetting()  # someone declined or lapsed: their name is gone
        return after, after is not before

    def load_roster(self, set_id: str) -> Roster:
        """One read, but for a set stored before rosters existed, whose roster is made once."""
        data = self._read(keys.roster(set_id))
        if data is not None:
            return roster_from_dict(data)
        kept, _ = self.update_roster(set_id, lambda unchanged: unchanged)
        return kept

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
        """With its set's roster, read just after it."""
        data = self._read(keys.meeting(meeting_id))
        if data is None:
            raise MeetingNotFound(meeting_id)
        try:
            return meeting_from_dict(data, self.load_roster(data["set_id"]))
        except SetNotFound as error:
            raise MeetingNotFound(meeting_id) from error

    def update_set(self, set_id: str, change: Callable[[LearningSet], LearningSet]) -> LearningSet:
        """A change to the set alone keeps its identity index alive with it, as long as the set:
        the roster is read first, for that only (``EXPIRE`` creates nothing, so a stale read
        brings nothing back)."""
        key = keys.learning_set(set_id)
        raw_roster = self._read(keys.roster(set_id))
        identity_keys = _identity_keys(None if raw_roster is None else roster_from_dict(raw_roster))

        def put(pipe: redis.client.Pipeline, learning_set: LearningSet) -> None:
            self._put_set(pipe, learning_set)
            for identity_key in identity_keys:
                pipe.expire(identity_key, self.retention_seconds)

        _, updated = self._transaction(key, set_from_dict, change, SetNotFound, put)
        return updated

    def update_meeting(
        self,
        meeting_id: str,
        change: MeetingChange,
        sender: SignalSender | None = None,
        set_id: str | None = None,
        counted: EventCount | None = None,
        announce: Announce | None = None,
    ) -> tuple[Meeting, bool]:
        """Apply ``change`` atomically. Returns the meeting and whether it changed (and was saved).

        The meeting reaches ``change`` with its set's roster, as this process last read or wrote
        them, or else as read now (``set_id``, when the caller knows it, lets both be read in one
        round trip). It is written in one checked write, only if the meeting, its roster and its
        signal secret still hold what ``change`` was given; otherwise ``change`` runs again on what
        they hold now. A change that raises writes nothing, nor does one that returns the meeting it
        was given, and neither is answered before what it was given is known to be current. Any
        other result must carry the next version, so none is skipped or reused, and so must its
        roster if that changed. What a change makes of the set's own parts (settings, contract, who
        agreed) becomes the set's too, for its next meeting, in the same write.
        With ``sender``, the change is a signal: refused with ``SignalStillCounts`` while that
        person's last one of that kind still counts. With ``counted``, the command spends its
        sender's budget in the same write (a change that raises or alters nothing spends it too),
        and past it is refused with ``RateLimited``, before any refusal of the rules.
        With ``announce``, each attempt's write also publishes what it makes of the meeting about
        to be written, so only the attempt that is written is heard, and with no second round trip.
        """
        key = keys.meeting(meeting_id)
        with self._turn_for(key), unavailable_on_redis_error():
            before, after = self._commit(meeting_id, change, sender, set_id, counted, announce)
        if after.phase is Phase.CLOSED and before.phase is not Phase.CLOSED:
            self._after_forgetting()  # its signal secret is gone
        return after, after is not before

    def _commit(
        self,
        meeting_id: str,
        change: MeetingChange,
        sender: SignalSender | None,
        set_id: str | None,
        counted: EventCount | None,
        announce: Announce | None,
    ) -> tuple[Meeting, Meeting]:
        """Attempts until one is written or refused. ``confirmed``: what ``known`` holds was read
        from Redis just now, not remembered. A meeting another process writes too (``shared``)
        is read first, as what this process knows of it is then mostly out of date."""
        known, confirmed = self._known.get(meeting_id), False
        if known is not None and known.shared:
            known, confirmed = self._read_known(meeting_id, known.set_id, known), True
        for _ in range(MAX_ATTEMPTS):
            if known is None:
                known, confirmed = self._read_known(meeting_id, set_id), True
            current = known.decoded()
            try:
                updated = change(current)
            except Exception:
                found = self._confirmed(meeting_id, known, confirmed, counted)
                if found is None:
                    raise
                known, confirmed = found, True
                continue
            if updated is current:
                found = self._confirmed(meeting_id, known, confirmed, counted)
                if found is None:
                    return current, current
                known, confirmed = found, True
                continue
            _check_next(current, updated)
            write, after = self._meeting_write(known, current, updated, sender, counted)
            if announce is not None and (message := announce(updated)) is not None:
                write.publish(*message)
            outcome = self._writer.run(write)
            if outcome.done:
                self._known.put(meeting_id, after.remember(updated))
                return current, updated
            known, confirmed = self._found_instead(meeting_id, known, outcome), True
        raise RuntimeError(f"{MAX_ATTEMPTS} attempts at meeting {meeting_id} all found it changed")

    def _confirmed(
        self, meeting_id: str, known: Known, confirmed: bool, counted: EventCount | None
    ) -> Known | None:
        """For a change that wrote nothing: spends ``counted``, once the meeting is known to hold
        what the change was given. None when it does; what it holds instead when not."""
        if confirmed and counted is None:
            return None
        outcome = self._writer.run(self._expecting(meeting_id, known).spend(counted))
        return None if outcome.done else self._found_instead(meeting_id, known, outcome)

    def _found_instead(self, meeting_id: str, known: Known, outcome: Outcome) -> Known:
        """A checked write refused: the refusal raised, or what the meeting holds now."""
        if outcome.over is not None:
            raise RateLimited(outcome.over)
        if outcome.status == "claimed":
            raise SignalStillCounts(outcome.claim_ms)
        held_meeting, held_roster, held_secret = outcome.held[:3]
        if held_meeting is None:
            self._known.forget(meeting_id)
            raise MeetingNotFound(keys.meeting(meeting_id))
        if held_roster is None:  # the set gone, or stored before rosters: read it afresh
            self._known.forget(meeting_id)
            return self._read_known(meeting_id, known.set_id)
        found = replace(
            known, meeting=held_meeting, roster=held_roster, secret=held_secret, shared=True
        )
        self._known.put(meeting_id, found)
        return found

    def _read_known(
        self, meeting_id: str, set_id: str | None, before: Known | None = None
    ) -> Known:
        """The meeting, its set's roster and its signal secret, read now (one MGET when
        ``set_id`` is right). A set stored before rosters existed has its roster made first, in
        a transaction of its own (``_roster_made``). ``before``: what this process knew, which
        tells whether another process wrote since (the meeting stays ``shared``) or not."""
        key = keys.meeting(meeting_id)
        if set_id is not None:
            read = self.redis.mget(key, keys.roster(set_id), keys.signal_secret(meeting_id))
            raw_meeting, raw_roster, secret = read
        else:
            raw_meeting, raw_roster, secret = self.redis.get(key), None, None
        if raw_meeting is None:
            self._known.forget(meeting_id)
            raise MeetingNotFound(key)
        stored_set_id = orjson.loads(raw_meeting)["set_id"]
        if stored_set_id != set_id:
            raw_roster, secret = self.redis.mget(
                keys.roster(stored_set_id), keys.signal_secret(meeting_id)
            )
        if raw_roster is None:
            try:
                self._roster_made(stored_set_id)
            except SetNotFound as error:
                raise MeetingNotFound(key) from error
            return self._read_known(meeting_id, stored_set_id)
        known = Known(stored_set_id, raw_meeting, raw_roster, secret)
        if before is not None:
            written_since = (raw_meeting, raw_roster) != (before.meeting, before.roster)
            known = replace(known, set_renewed_at=before.set_renewed_at, shared=written_since)
        self._known.put(meeting_id, known)
        return known

    def _roster_made(self, set_id: str) -> None:
        """The roster of a set stored before rosters existed, made and written once, as
        ``load_roster`` makes it (but inside the meeting's turn, which holds another lock)."""
        set_key, roster_key = keys.learning_set(set_id), keys.roster(set_id)

        def attempt(pipe: redis.client.Pipeline) -> None:
            learning_set = _load_watched(pipe, set_key, set_from_dict, SetNotFound)
            kept, migrated = self._roster_watched(pipe, set_id)
            if migrated:
                pipe.multi()
                self._put_roster(pipe, kept, learning_set.current_meeting_id)

        self.redis.transaction(attempt, set_key, roster_key)

    def _expecting(self, meeting_id: str, known: Known) -> CheckedWrite:
        """A checked write made only if the meeting, its roster and its secret hold ``known``."""
        write = CheckedWrite().expect(keys.meeting(meeting_id), known.meeting)
        write.expect(keys.roster(known.set_id), known.roster)
        return write.expect(keys.signal_secret(meeting_id), known.secret)

    def _meeting_write(
        self,
        known: Known,
        current: Meeting,
        updated: Meeting,
        sender: SignalSender | None,
        counted: EventCount | None,
    ) -> tuple[CheckedWrite, Known]:
        """The checked write of ``updated``, and what will be known of the meeting once made."""
        write = self._expecting(updated.id, known).spend(counted)
        stored = _meeting_text(updated)
        write.set(keys.meeting(updated.id), stored, self.meeting_ttl_ms)
        after = replace(known, meeting=stored.decode())
        if sender is not None:
            after = self._claiming(write, after, current, sender)
        roster_written = updated.roster.version != current.roster.version
        if roster_written:
            kept = _dumps(roster_to_dict(updated.roster))
            write.set(keys.roster(updated.set_id), kept, self.set_ttl_ms)
            for gone in sorted(_identity_keys(current.roster) - _identity_keys(updated.roster)):
                write.remove(gone, updated.set_id)
            after = replace(after, roster=kept.decode())
        set_written = self._set_carrying(write, current, updated)
        closed = updated.phase is Phase.CLOSED
        if closed:
            write.delete(keys.signal_secret(updated.id))  # from now on, no signal can be traced
            after = replace(after, secret=None)
        renewed_at = time.monotonic()
        if roster_written or set_written or self._renewal_due(known, renewed_at):
            self._renew_set(write, updated, closed)
            after = replace(after, set_renewed_at=renewed_at)
        return write, after

    def _claiming(
        self, write: CheckedWrite, after: Known, current: Meeting, sender: SignalSender
    ) -> Known:
        """A signal's hidden claim, refused while it exists, and the meeting's first signal's
        secret, in the same write."""
        claim = self._signal_claims.claim(current, sender, after.secret)
        write.unclaimed(claim.key).set(claim.key, "1", claim.ttl_ms)
        if claim.new_secret is None:
            return after
        write.set(claim.secret_key, claim.new_secret, self.set_ttl_ms)
        return replace(after, secret=claim.new_secret)

    def _renewal_due(self, known: Known, now: float) -> bool:
        """Whether the set's times to live must be renewed with this write. Not while this
        process renewed them (to the full period) less than half the meeting's margin ago: as
        every write of them gives them the full period, nothing shortens them, and they still
        outlast the meeting written now by half its margin at least."""
        renewed = known.set_renewed_at
        return renewed is None or (now - renewed) * 1000 >= self.set_renewal_ms

    def _renew_set(self, write: CheckedWrite, meeting: Meeting, closed: bool) -> None:
        """Activity in a meeting is activity in its set: the set, its index, its roster and the
        identity index of everyone on it live on a whole retention period from now, and so does
        the meeting's secret while it is open. EXPIRE leaves a missing key missing."""
        set_id = meeting.set_id
        for key in (keys.learning_set(set_id), keys.set_meetings(set_id), keys.roster(set_id)):
            write.expire(key, self.set_ttl_ms)
        for identity_key in sorted(_identity_keys(meeting.roster)):
            write.add(identity_key, set_id).expire(identity_key, self.set_ttl_ms)
        if not closed:
            write.expire(keys.signal_secret(meeting.id), self.set_ttl_ms)

    def _roster_watched(self, pipe: redis.client.Pipeline, set_id: str) -> tuple[Roster, bool]:
        """Before MULTI: the set's roster, WATCHed, and whether it was just made from a set
        stored before rosters existed (format 2: members in the set, removals in its open
        meeting), which the caller then writes in its transaction."""
        pipe.watch(keys.roster(set_id))
        raw = pipe.get(keys.roster(set_id))
        if raw is not None:
            return roster_from_dict(orjson.loads(raw)), False
        pipe.watch(keys.learning_set(set_id))
        raw_set = pipe.get(keys.learning_set(set_id))
        if raw_set is None:
            raise SetNotFound(set_id)
        set_data = orjson.loads(raw_set)
        current_id = set_data.get("current_meeting_id")
        raw_meeting = None
        if current_id is not None:
            pipe.watch(keys.meeting(current_id))
            raw_meeting = pipe.get(keys.meeting(current_id))
        current = None if raw_meeting is None else orjson.loads(raw_meeting)
        return roster_from_format_2(set_data, current), True

    def _set_carrying(self, write: CheckedWrite, current: Meeting, updated: Meeting) -> bool:
        """Adds to ``write`` the meeting's set, holding what the change made of the set's own
        parts (settings, contract, agreement), and, as the meeting ends, its actions and
        learnings: read now, and written only if it still holds what was read. Whether it is."""
        ending = updated.phase is Phase.CLOSED and current.phase is not Phase.CLOSED
        if not ending and sets.carried(updated) == sets.carried(current):
            return False
        set_key = keys.learning_set(updated.set_id)
        raw = self.redis.get(set_key)
        if raw is None:
            return False
        learning_set = set_from_dict(orjson.loads(raw))
        sets.carry(updated, learning_set)
        if ending:
            sets.take_in(learning_set, updated)
        write.expect(set_key, raw).set(set_key, _dumps(set_to_dict(learning_set)), self.set_ttl_ms)
        linked = learning_set.current_meeting_id
        if linked is not None and linked != updated.id:  # the meeting its links lead to
            write.expire(keys.meeting(linked), self.meeting_ttl_ms)
        return True

    def meetings_of(self, set_id: str) -> list[Meeting]:
        """The set's meetings still kept, newest first: its history."""
        with unavailable_on_redis_error():
            meeting_ids = sorted(self.redis.smembers(keys.set_meetings(set_id)))
            stored = self.redis.mget([keys.meeting(m) for m in meeting_ids]) if meeting_ids else []
        kept = self.load_roster(set_id)
        meetings = [meeting_from_dict(orjson.loads(raw), kept) for raw in stored if raw]
        return sorted(meetings, key=lambda m: m.started_at, reverse=True)

    def forget_member(self, set_id: str, member_id: str) -> tuple[list[Meeting], Roster]:
        """A person deletes their own data from the set, its roster and every meeting it keeps,
        in one transaction; returns the meetings as changed, so their widgets can be told, and
        the roster as it now is."""
        set_key, index_key = keys.learning_set(set_id), keys.set_meetings(set_id)

        def attempt(pipe: redis.client.Pipeline) -> tuple[list[Meeting], Roster]:
            learning_set = _load_watched(pipe, set_key, set_from_dict, SetNotFound)
            kept, _ = self._roster_watched(pipe, set_id)
            meeting_keys = [keys.meeting(m) for m in sorted(pipe.smembers(index_key))]
            if meeting_keys:
                pipe.watch(*meeting_keys)
            stored = pipe.mget(meeting_keys) if meeting_keys else []
            meetings = [meeting_from_dict(orjson.loads(raw), kept) for raw in stored if raw]
            for meeting in meetings:
                sets.forget_in_meeting(meeting, member_id, now_ms())
            sets.forget_member(learning_set, member_id)
            remaining = copy.deepcopy(kept)
            roster.forget(remaining, member_id)
            remaining.version = kept.version + 1
            pipe.multi()
            for meeting in meetings:  # rewritten, not renewed: each keeps its time left
                pipe.set(keys.meeting(meeting.id), _meeting_text(meeting), keepttl=True)
            self._put_set(pipe, learning_set)
            self._put_roster(pipe, remaining, before=kept)
            for meeting in meetings:
                meeting.roster = remaining
            return meetings, remaining

        with unavailable_on_redis_error():
            changed = self.redis.transaction(attempt, set_key, index_key, value_from_callable=True)
        self._after_forgetting()
        return changed

    def delete_meeting(self, meeting_id: str, set_id: str | None = None) -> Meeting:
        """Remove a meeting, the set's pointer to it and everyone's mark of having attended it,
        in one transaction; returns what was removed. With ``set_id``, another set's meeting
        counts as not found, so a facilitator can only ever delete their own set's records."""
        meeting_key = keys.meeting(meeting_id)

        def attempt(pipe: redis.client.Pipeline) -> Meeting:
            meeting = _load_watched(pipe, meeting_key, meeting_from_dict, MeetingNotFound)
            if set_id is not None and meeting.set_id != set_id:
                raise MeetingNotFound(meeting_key)
            set_key, roster_key = keys.learning_set(meeting.set_id), keys.roster(meeting.set_id)
            pipe.watch(set_key, roster_key)
            raw_set, raw_roster = pipe.mget(set_key, roster_key)
            kept = None if raw_roster is None else roster_from_dict(orjson.loads(raw_roster))
            pipe.multi()
            pipe.delete(meeting_key, keys.signal_secret(meeting_id))
            pipe.srem(keys.set_meetings(meeting.set_id), meeting_id)
            if kept is not None and attendance.forget_meeting(kept, meeting_id):
                kept.version += 1  # rewritten, not renewed: a deletion is no reason to keep it
                pipe.set(roster_key, _dumps(roster_to_dict(kept)), keepttl=True)
            learning_set = None if raw_set is None else set_from_dict(orjson.loads(raw_set))
            if learning_set is not None and learning_set.current_meeting_id == meeting_id:
                self._put_set(pipe, replace(learning_set, current_meeting_id=None))
            return meeting

        with unavailable_on_redis_error():
            deleted = self.redis.transaction(attempt, meeting_key, value_from_callable=True)
        self._after_forgetting()
        return deleted

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
            pipe.watch(keys.roster(set_id))
            raw_roster = pipe.get(keys.roster(set_id))
            pipe.multi()
            if raw_roster is not None:  # its people's identities no longer name it
                gone = roster_from_dict(orjson.loads(raw_roster))
                self._index_identities(pipe, gone, Roster(set_id))
            secret_keys = [keys.signal_secret(m) for m in ordered]
            pipe.delete(set_key, index_key, keys.roster(set_id), *meeting_keys, *secret_keys)
            last = [orjson.loads(raw)["version"] if raw else 0 for raw in stored]
            return dict(zip(ordered, last, strict=True))

        with unavailable_on_redis_error():
            deleted = self.redis.transaction(attempt, set_key, index_key, value_from_callable=True)
        self._after_forgetting()
        return deleted

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
        """Writers of one key in this process take turns, so a checked write (or WATCH) only
        ever meets conflicts between processes; without this, eight people clicking at once on
        one server spend most of their time retrying (see benchmarks/store_updates.py)."""
        return self._turns[zlib.crc32(key.encode()) % len(self._turns)]

    def _put_meeting(self, pipe: redis.client.Pipeline, meeting: Meeting) -> None:
        """Queue a new meeting's write (its commands are checked writes: ``_meeting_write``);
        activity in a meeting is activity in its set, so the set and its index live on at least
        as long as any meeting still in use."""
        pipe.set(keys.meeting(meeting.id), _meeting_text(meeting), px=self.meeting_ttl_ms)
        pipe.expire(keys.learning_set(meeting.set_id), self.retention_seconds)
        pipe.expire(keys.set_meetings(meeting.set_id), self.retention_seconds)
        pipe.expire(keys.roster(meeting.set_id), self.retention_seconds)
        self._index_identities(pipe, None, meeting.roster)
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
        pipe.expire(keys.roster(learning_set.id), self.retention_seconds)
        if learning_set.current_meeting_id is not None:
            pipe.pexpire(keys.meeting(learning_set.current_meeting_id), self.meeting_ttl_ms)

    def _put_roster(
        self,
        pipe: redis.client.Pipeline,
        kept: Roster,
        current_meeting_id: str | None = None,
        before: Roster | None = None,
    ) -> None:
        """Queue the roster's write. Someone joining or let in is activity in the set: the set,
        its index and (when known) the meeting its links lead to live on with it. ``before`` is
        the roster it replaces, whose identities no longer on it stop naming the set."""
        pipe.set(keys.roster(kept.set_id), _dumps(roster_to_dict(kept)), ex=self.retention_seconds)
        self._index_identities(pipe, before, kept)
        pipe.expire(keys.learning_set(kept.set_id), self.retention_seconds)
        pipe.expire(keys.set_meetings(kept.set_id), self.retention_seconds)
        if current_meeting_id is not None:
            pipe.pexpire(keys.meeting(current_meeting_id), self.meeting_ttl_ms)

    def _index_identities(
        self, pipe: redis.client.Pipeline, before: Roster | None, after: Roster
    ) -> None:
        """Queue the identity index's part of a write: each verified identity on ``after`` names
        its set, for as long as the set lives; each on ``before`` and gone from ``after`` (someone
        who deleted their data, a newcomer turned away) no longer does."""
        if not after.set_id:  # a meeting just made, not yet read with its roster
            return
        now = _identity_keys(after)
        for identity_key in sorted(now):
            pipe.sadd(identity_key, after.set_id)
            pipe.expire(identity_key, self.retention_seconds)
        for identity_key in sorted(_identity_keys(before) - now):
            pipe.srem(identity_key, after.set_id)

    def sets_of_identity(self, identity: Identity) -> list[str]:
        """The ids of the sets whose roster held this verified identity when last written, in a
        stable order. Only the roster says what the person is there now: the caller reads it."""
        with unavailable_on_redis_error():
            found = self.redis.smembers(keys.identity_sets(identity.tenant_id, identity.object_id))
        return sorted(found)

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


def _check_next(current: Stored, updated: Stored) -> None:
    """A change writes exactly the next version: none is skipped or reused."""
    if updated.version != current.version + 1:
        raise RuntimeError(f"version {current.version} -> {updated.version} is not +1")
    if isinstance(current, Meeting) and isinstance(updated, Meeting):
        moved = updated.roster.version - current.roster.version
        if moved not in (0, 1):
            raise RuntimeError(f"roster {current.roster.version} -> {updated.roster.version}")


def _identity_keys(kept: Roster | None) -> set[str]:
    """The identity index's keys of everyone on ``kept`` who signed in with Teams."""
    if kept is None:
        return set()
    return {
        keys.identity_sets(entry.identity.tenant_id, entry.identity.object_id)
        for entry in kept.entries.values()
        if entry.identity is not None
    }


def _dumps(value: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON. orjson, as every command reads and writes the whole meeting: the
    standard library's module took several times as long (docs/performance.md)."""
    return orjson.dumps(value)


def _meeting_text(meeting: Meeting) -> bytes:
    """What every write of a meeting stores: orjson writes the dataclasses itself, the same bytes
    as ``meeting_to_dict`` would give (``tests/domain/test_properties.py``)."""
    return _dumps(meeting_fields(meeting))


@contextlib.contextmanager
def unavailable_on_redis_error() -> Iterator[None]:
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as error:
        metrics.STORE_HEALTH.failed()
        raise StoreUnavailable(str(error)) from error
    except redis.ResponseError as error:
        # A primary set to refuse writes while too few replicas keep up with it
        # (``min-replicas-to-write``, docs/data.md#failover-redis-sentinel) writes nothing: an
        # outage like any other.
        if "NOREPLICAS" not in str(error):  # also when wrapped in a pipeline's or a script's
            raise
        metrics.STORE_HEALTH.failed()
        raise StoreUnavailable(str(error)) from error
    metrics.STORE_HEALTH.succeeded()
