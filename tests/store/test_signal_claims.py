"""Each person's signal counts once per kind while it counts, under keys nobody can trace back.

Against a real Redis: the claim that holds a repeat back, its lifetime, the meeting's secret that
the keys depend on, and that secret's removal when the meeting ends or is deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from typing import Any

import pytest
import redis

from companion.clock import now_ms
from companion.domain import rules
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, Role
from companion.store import MeetingStore, keys
from companion.store.connection import redis_client
from companion.store.signal_claims import SignalSender, SignalStillCounts
from tests.support import enrol

APP_KEY = b"k" * 32


@pytest.fixture
def store(redis_connection: redis.Redis) -> MeetingStore:
    return MeetingStore(redis_connection, retention_seconds=3600, signal_key=APP_KEY)


def send_signal(store: MeetingStore, meeting_id: str, sender: str, kind: str) -> Meeting:
    """A signal as the handler sends it: through the rules, with the sender for the claim."""
    command = Command("send_signal", sender, now_ms(), {"kind": kind})
    meeting, _ = store.update_meeting(
        meeting_id, lambda m: rules.apply(m, command).meeting, sender=SignalSender(sender, kind)
    )
    return meeting


class Signalling:
    """A meeting with a facilitator and three members, driven through the store."""

    def __init__(self, store: MeetingStore) -> None:
        self.store = store
        learning_set, _, self.fay = store.create_set("Set", "Fay")
        self.set_id = learning_set.id
        self.members = [enrol(store, self.set_id, n) for n in ("Ada", "Ben", "Cy")]
        self.meeting_id = store.start_meeting(self.set_id).id
        self.run("connect", self.fay, connection_id="f")
        for number, member in enumerate(self.members):
            self.run("connect", member, connection_id=f"m{number}")

    def run(self, verb: str, actor: str, **args: Any) -> Meeting:
        command = Command(verb, actor, now_ms(), args)
        meeting, _ = self.store.update_meeting(
            self.meeting_id, lambda m: rules.apply(m, command).meeting
        )
        return meeting

    def signal(self, member: str, kind: str) -> Meeting:
        return send_signal(self.store, self.meeting_id, member, kind)

    def claims(self, connection: redis.Redis) -> list[str]:
        return sorted(connection.scan_iter(keys.signal_claim(self.meeting_id, "*")))


@pytest.fixture
def meeting(store: MeetingStore) -> Signalling:
    return Signalling(store)


def test_a_second_signal_of_the_same_kind_waits_until_the_first_fades(
    meeting: Signalling, redis_connection: redis.Redis
) -> None:
    ada = meeting.members[0]
    sent = meeting.signal(ada, "pause")
    stored_before = redis_connection.get(keys.meeting(meeting.meeting_id))
    with pytest.raises(SignalStillCounts) as held:
        meeting.signal(ada, "pause")
    assert 59_000 < held.value.remaining_ms <= 60_000
    assert redis_connection.get(keys.meeting(meeting.meeting_id)) == stored_before
    assert meeting.store.load_meeting(meeting.meeting_id).version == sent.version


def test_other_kinds_and_other_people_are_not_held_back(meeting: Signalling) -> None:
    ada, ben, cy = meeting.members
    meeting.signal(ada, "pause")
    meeting.signal(ada, "clarity")
    meeting.signal(ben, "pause")
    last = meeting.signal(cy, "pause")
    assert {kind: len(times) for kind, times in last.signals.items()} == {"pause": 3, "clarity": 1}


def test_a_claim_lives_exactly_as_long_as_the_signal_counts(
    meeting: Signalling, redis_connection: redis.Redis
) -> None:
    meeting.run("set_signal_window", meeting.fay, seconds=25)
    meeting.signal(meeting.members[0], "time")
    [claim] = meeting.claims(redis_connection)
    assert 24_000 < redis_connection.pttl(claim) <= 25_000
    assert redis_connection.get(claim) == "1", "the claim holds no data of its own"


def test_clearing_the_counts_lets_everyone_signal_afresh(meeting: Signalling) -> None:
    ada = meeting.members[0]
    meeting.signal(ada, "pause")
    meeting.run("clear_signals", meeting.fay, kind=None)
    again = meeting.signal(ada, "pause")
    assert len(again.signals["pause"]) == 1


def test_switching_a_kind_off_and_on_lets_its_senders_signal_afresh_and_no_other(
    meeting: Signalling,
) -> None:
    ada = meeting.members[0]
    meeting.signal(ada, "pause")
    meeting.signal(ada, "advice")
    meeting.run("switch_signal", meeting.fay, kind="advice", on=False)
    meeting.run("switch_signal", meeting.fay, kind="advice", on=True)
    meeting.signal(ada, "advice")
    with pytest.raises(SignalStillCounts):
        meeting.signal(ada, "pause")


def test_a_refused_signal_claims_nothing(
    meeting: Signalling, redis_connection: redis.Redis
) -> None:
    """A kind switched off, or a facilitator (who cannot signal), leaves no key behind."""
    meeting.run("switch_signal", meeting.fay, kind="time", on=False)
    with pytest.raises(Rejected):
        meeting.signal(meeting.members[0], "time")
    with pytest.raises(Rejected):
        meeting.signal(meeting.fay, "pause")
    assert meeting.claims(redis_connection) == []
    assert redis_connection.exists(keys.signal_secret(meeting.meeting_id)) == 0


def test_one_secret_per_meeting_made_by_its_first_signal(
    meeting: Signalling, redis_connection: redis.Redis
) -> None:
    secret_key = keys.signal_secret(meeting.meeting_id)
    assert not redis_connection.exists(secret_key)
    meeting.signal(meeting.members[0], "pause")
    secret = redis_connection.get(secret_key)
    assert secret and len(secret) == 64
    assert 3500 < redis_connection.ttl(secret_key) <= 3600, "it lives as long as the meeting"
    meeting.signal(meeting.members[1], "pause")
    assert redis_connection.get(secret_key) == secret


def test_the_claims_cannot_be_recomputed_from_redis_alone(
    meeting: Signalling, redis_connection: redis.Redis
) -> None:
    """With the meeting's secret but not the app's key, no sender's key can be found."""
    for member in meeting.members:
        meeting.signal(member, "clarity")
    claims = {claim.rsplit(":", 1)[1] for claim in meeting.claims(redis_connection)}
    assert len(claims) == 3
    secret = redis_connection.get(keys.signal_secret(meeting.meeting_id))
    for member in meeting.members:
        for guess_key in (secret.encode(), bytes.fromhex(secret), b""):
            for message in (f"{member}\0clarity\0{0}", member, f"{member}:clarity"):
                guess = hmac.new(guess_key, message.encode(), hashlib.sha256).hexdigest()
                assert guess[:32] not in claims
        assert hashlib.sha256(member.encode()).hexdigest()[:32] not in claims
        assert not any(member in claim for claim in claims)


def test_another_app_key_makes_other_keys(
    meeting: Signalling, redis_connection: redis.Redis
) -> None:
    """So the app's key really is half of what hides a sender."""
    ada = meeting.members[0]
    meeting.signal(ada, "pause")
    other_store = MeetingStore(redis_connection, retention_seconds=3600, signal_key=b"x" * 32)
    send_signal(other_store, meeting.meeting_id, ada, "pause")  # not held back: another key
    assert len(meeting.claims(redis_connection)) == 2


def test_ending_the_meeting_deletes_its_secret(
    meeting: Signalling, redis_connection: redis.Redis
) -> None:
    meeting.signal(meeting.members[0], "pause")
    meeting.run("end_meeting", meeting.fay)
    assert not redis_connection.exists(keys.signal_secret(meeting.meeting_id))
    meeting.store.update_meeting(meeting.meeting_id, lambda m: m)
    assert not redis_connection.exists(keys.signal_secret(meeting.meeting_id))


def test_deleting_the_meeting_deletes_its_secret(
    meeting: Signalling, redis_connection: redis.Redis
) -> None:
    meeting.signal(meeting.members[0], "pause")
    meeting.store.delete_meeting(meeting.meeting_id, meeting.set_id)
    assert not redis_connection.exists(keys.signal_secret(meeting.meeting_id))


def test_deleting_the_set_deletes_its_meetings_secrets(
    meeting: Signalling, redis_connection: redis.Redis
) -> None:
    meeting.signal(meeting.members[0], "pause")
    meeting.store.delete_set(meeting.set_id)
    assert not redis_connection.exists(keys.signal_secret(meeting.meeting_id))


def test_racing_repeats_from_one_person_count_once(store: MeetingStore, redis_url: str) -> None:
    """Two tabs of one member, on two connections, press "pause" at the same moment."""
    meeting = Signalling(store)
    ada = meeting.members[0]
    outcomes: list[str] = []

    def press() -> None:
        own_store = MeetingStore(redis_client(redis_url), 3600, signal_key=APP_KEY)
        try:
            send_signal(own_store, meeting.meeting_id, ada, "pause")
            outcomes.append("counted")
        except SignalStillCounts:
            outcomes.append("held")

    threads = [threading.Thread(target=press) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["counted"] + ["held"] * 5
    assert len(store.load_meeting(meeting.meeting_id).signals["pause"]) == 1


def test_a_new_window_becomes_the_sets_and_its_next_meetings(meeting: Signalling) -> None:
    meeting.run("set_signal_window", meeting.fay, seconds=120)
    assert meeting.store.load_set(meeting.set_id).settings.signal_window_seconds == 120
    meeting.run("end_meeting", meeting.fay)
    following = meeting.store.start_meeting(meeting.set_id)
    assert following.settings.signal_window_seconds == 120
    assert meeting.store.load_meeting(following.id).settings.signal_window_seconds == 120


def test_changes_that_leave_the_settings_alone_leave_the_set_alone(
    meeting: Signalling, redis_connection: redis.Redis
) -> None:
    before = redis_connection.get(keys.learning_set(meeting.set_id))
    meeting.signal(meeting.members[0], "pause")
    meeting.run("advance_phase", meeting.fay)
    assert redis_connection.get(keys.learning_set(meeting.set_id)) == before


def test_a_member_role_is_needed_for_a_signal_even_with_a_free_claim(meeting: Signalling) -> None:
    enrol(meeting.store, meeting.set_id, "Obi", role=Role.OBSERVER.value, person_id="obi")
    meeting.run("connect", "obi", connection_id="o")
    with pytest.raises(Rejected) as refused:
        meeting.signal("obi", "pause")
    assert refused.value.code == "not_allowed"
