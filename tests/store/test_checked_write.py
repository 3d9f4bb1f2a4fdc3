"""The one checked write behind every meeting command, against a real Redis (6.2 embedded, or the
server at REDIS_URL): it refuses what was read stale and writes nothing, spends a budget in the
same call, recognises a write already made, is loaded again by a restarted Redis, and sets each
key's time to live as docs/data.md says."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from companion.clock import now_ms
from companion.domain import rules
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, Phase
from companion.store import MeetingStore, keys
from companion.store.checked_write import (
    CheckedWrite,
    CheckedWriter,
    EventCount,
    OverBudget,
    RateLimited,
)
from companion.store.connection import redis_client
from companion.store.meetings import MeetingChange
from companion.store.signal_claims import SignalSender
from tests.redis_server import RedisServer
from tests.support import enrol

RETENTION = 3600
SLOW_MS = 5000  # a slow second or two between a write and the look at its time to live
LAST_MESSAGE = "the test's own, published last"


@pytest.fixture
def store(redis_connection: redis.Redis) -> MeetingStore:
    return MeetingStore(redis_connection, retention_seconds=RETENTION)


@pytest.fixture
def writer(redis_connection: redis.Redis) -> CheckedWriter:
    return CheckedWriter(redis_connection)


def own_key(name: str) -> str:
    """A key of this test's own on a Redis other tests share."""
    return f"companion:test:{secrets.token_hex(6)}:{name}"


def extending(meeting: Meeting, seconds: int = 1) -> MeetingChange:
    """The facilitator's change that is always accepted: more time on the meeting timer."""
    facilitator = next(iter(meeting.roster.entries))
    arguments = {"timer": "meeting", "seconds": seconds}
    command = Command("extend_timer", facilitator, now_ms(), arguments)
    return lambda m: rules.apply(m, command).meeting


def open_meeting(store: MeetingStore) -> Meeting:
    """A meeting of Fay's (who facilitates, connected) and Mo's, read back from the store."""
    learning_set, _, fay = store.create_set("Set", "Fay")
    enrol(store, learning_set.id, "Mo", person_id="mo")
    started = store.start_meeting(learning_set.id)
    command = Command("connect", fay, now_ms(), {"connection_id": "fay-1"})
    store.update_meeting(started.id, lambda m: rules.apply(m, command).meeting)
    return store.load_meeting(started.id)


@contextmanager
def listening(client: redis.Redis, channel: str) -> Iterator[Callable[[], list[str]]]:
    """Subscribed to ``channel``. What it gives publishes a last message of the test's own and
    answers everything heard before it: all that was published, in order."""
    listener = client.pubsub(ignore_subscribe_messages=True)
    listener.subscribe(channel)

    def heard() -> list[str]:
        client.publish(channel, LAST_MESSAGE)
        messages: list[str] = []
        deadline = time.monotonic() + 5
        while messages[-1:] != [LAST_MESSAGE] and time.monotonic() < deadline:
            if (message := listener.get_message(timeout=0.2)) is not None:
                messages.append(message["data"])
        assert messages[-1:] == [LAST_MESSAGE], f"the last message never came: {messages}"
        return messages[:-1]

    try:
        yield heard
    finally:
        listener.close()


def a_count(key: str, *rates: tuple[int, int], at_ms: int | None = None) -> EventCount:
    return EventCount(key, rates, now_ms() if at_ms is None else at_ms)


# --- The script itself ---------------------------------------------------------------------------


def test_a_stale_read_writes_nothing_and_hands_back_what_is_there(
    writer: CheckedWriter, redis_connection: redis.Redis
) -> None:
    held, written, counted = own_key("held"), own_key("written"), own_key("counted")
    redis_connection.set(held, '{"version": 2}')
    write = CheckedWrite().expect(held, '{"version": 1}').spend(a_count(counted, (10, 1000)))
    outcome = writer.run(write.set(written, "new", 60_000).delete(held))

    assert outcome.status == "changed" and outcome.held == ('{"version": 2}',)
    assert redis_connection.get(held) == '{"version": 2}'
    assert not redis_connection.exists(written), "nothing written"
    assert not redis_connection.exists(counted), "and nothing counted"


def test_a_key_expected_absent_must_still_be_absent(
    writer: CheckedWriter, redis_connection: redis.Redis
) -> None:
    absent, written = own_key("absent"), own_key("written")
    assert writer.run(CheckedWrite().expect(absent, None).set(written, "1", 60_000)).done
    redis_connection.set(absent, "now here")
    outcome = writer.run(CheckedWrite().expect(absent, None).set(written, "2", 60_000))
    assert outcome.held == ("now here",) and redis_connection.get(written) == "1"


def test_the_same_write_twice_is_refused_the_second_time(
    writer: CheckedWriter, redis_connection: redis.Redis
) -> None:
    """Two commands can make the same bytes from one state (one person's two tabs, in one
    millisecond): the second finds the first's write a change like any other, so each gets its
    own version instead of both being taken as one."""
    meeting, counted = own_key("meeting"), own_key("counted")
    redis_connection.set(meeting, "v1")
    write = CheckedWrite().expect(meeting, "v1").spend(a_count(counted, (10, 60_000)))
    write.set(meeting, "v2", 60_000)
    assert writer.run(write).done
    again = writer.run(write)
    assert again.status == "changed" and again.held == ("v2",)
    assert len(redis_connection.get(counted).split(",")) == 1, "counted once"


def test_every_kind_of_write_is_made_together(
    writer: CheckedWriter, redis_connection: redis.Redis
) -> None:
    value, members, gone, kept = own_key("value"), own_key("set"), own_key("gone"), own_key("kept")
    redis_connection.set(gone, "x")
    redis_connection.set(kept, "y")
    redis_connection.sadd(members, "old")
    write = CheckedWrite().set(value, "v", 30_000).add(members, "new").remove(members, "old")
    assert writer.run(write.expire(members, 40_000).expire(kept, 50_000).delete(gone)).done
    assert redis_connection.get(value) == "v" and 29_000 < redis_connection.pttl(value) <= 30_000
    assert redis_connection.smembers(members) == {"new"}
    assert 39_000 < redis_connection.pttl(members) <= 40_000
    assert 49_000 < redis_connection.pttl(kept) <= 50_000
    assert not redis_connection.exists(gone)


def test_a_message_is_published_only_by_a_write_that_is_made(
    writer: CheckedWriter, redis_connection: redis.Redis
) -> None:
    meeting, channel = own_key("meeting"), own_key("channel")
    with listening(redis_connection, channel) as heard:
        redis_connection.set(meeting, "v2")
        stale = CheckedWrite().expect(meeting, "v1").set(meeting, "v3", 60_000)
        assert writer.run(stale.publish(channel, "v3 is out")).status == "changed"
        fresh = CheckedWrite().expect(meeting, "v2").set(meeting, "v3", 60_000)
        assert writer.run(fresh.publish(channel, "v3 is out")).done
        assert heard() == ["v3 is out"], "once: the refused write published nothing"


def test_an_expiry_never_brings_back_a_key(
    writer: CheckedWriter, redis_connection: redis.Redis
) -> None:
    missing = own_key("missing")
    assert writer.run(CheckedWrite().expire(missing, 60_000)).done
    assert not redis_connection.exists(missing)


def test_a_claim_that_exists_refuses_the_write_and_says_how_long_it_lasts(
    writer: CheckedWriter, redis_connection: redis.Redis
) -> None:
    claim, written, counted = own_key("claim"), own_key("written"), own_key("counted")
    redis_connection.set(claim, "1", px=20_000)
    write = CheckedWrite().spend(a_count(counted, (10, 60_000))).unclaimed(claim)
    outcome = writer.run(write.set(claim, "1", 60_000).set(written, "x", 60_000))
    assert outcome.status == "claimed" and 19_000 < outcome.claim_ms <= 20_000
    assert not redis_connection.exists(written) and redis_connection.pttl(claim) <= 20_000
    assert redis_connection.exists(counted), "a refused signal still spends its budget"


# --- The moving window -----------------------------------------------------------------------


def test_a_budget_refuses_past_its_rate_and_counts_nothing_then(
    writer: CheckedWriter, redis_connection: redis.Redis
) -> None:
    key, start = own_key("window"), now_ms()
    rates = ((2, 1000), (3, 60_000))
    for n in range(2):
        assert writer.run(CheckedWrite().spend(a_count(key, *rates, at_ms=start + n))).done
    refused = writer.run(CheckedWrite().spend(a_count(key, *rates, at_ms=start + 500)))
    assert refused.over == OverBudget(rate=0, wait_ms=500), "until the older of the two leaves"
    assert len(redis_connection.get(key).split(",")) == 2, "the refused one is not counted"
    assert writer.run(CheckedWrite().spend(a_count(key, *rates, at_ms=start + 1001))).done
    longer = writer.run(CheckedWrite().spend(a_count(key, *rates, at_ms=start + 2500)))
    assert longer.over == OverBudget(rate=1, wait_ms=60_000 - 2500), "the minute's three"
    assert 59_000 < redis_connection.pttl(key) <= 60_000, "kept as long as the longest window"


def test_a_budget_keeps_only_what_it_can_still_count(
    writer: CheckedWriter, redis_connection: redis.Redis
) -> None:
    key, start = own_key("window"), now_ms()
    for n in range(10):
        writer.run(CheckedWrite().spend(a_count(key, (4, 1000), at_ms=start + n * 400)))
    times = [int(t) for t in redis_connection.get(key).split(",")]
    assert times == sorted(times, reverse=True) and len(times) <= 4
    assert all(t > start + 9 * 400 - 1000 for t in times), "nothing older than the window"


# --- Through the store --------------------------------------------------------------------------


def test_a_stale_meeting_runs_the_rules_again_and_loses_nothing(
    store: MeetingStore, redis_url: str
) -> None:
    """This store knows the meeting as it last wrote it; another process writes meanwhile. The
    write refuses the stale state, and the change runs again on the one Redis holds."""
    meeting = open_meeting(store)
    store.update_meeting(meeting.id, extending(meeting))  # known to this store now
    other = MeetingStore(redis_client(redis_url), retention_seconds=RETENTION)
    other.update_meeting(meeting.id, extending(meeting, seconds=10))

    seen: list[int] = []
    change = extending(meeting, seconds=100)

    def counting(current: Meeting) -> Meeting:
        seen.append(current.version)
        return change(current)

    first = meeting.version + 1
    updated, changed = store.update_meeting(meeting.id, counting)
    assert changed and seen == [first, first + 1], "once on what it knew, once on what is"
    assert updated.version == first + 2 == store.load_meeting(meeting.id).version
    extended = [a.detail for a in store.load_meeting(meeting.id).activity]
    assert extended[-3:] == ["meeting:1", "meeting:10", "meeting:100"], "none lost"


def test_only_the_attempt_that_is_written_is_announced(
    store: MeetingStore, redis_url: str, redis_connection: redis.Redis
) -> None:
    meeting = open_meeting(store)
    store.update_meeting(meeting.id, extending(meeting))  # known to this store now
    other = MeetingStore(redis_client(redis_url), retention_seconds=RETENTION)
    other.update_meeting(meeting.id, extending(meeting, seconds=10))
    channel = own_key("announced")
    asked: list[int] = []

    def announce(about: Meeting) -> tuple[str, bytes]:
        asked.append(about.version)
        return channel, f"version {about.version}".encode()

    with listening(redis_connection, channel) as heard:
        updated, _ = store.update_meeting(meeting.id, extending(meeting), announce=announce)
        assert heard() == [f"version {updated.version}"], "heard for the one written"
    assert asked == [updated.version - 1, updated.version], "asked for each attempt"


def test_a_meeting_two_processes_write_is_read_first_rather_than_refused(
    store: MeetingStore, redis_url: str
) -> None:
    """Once a store finds that another wrote the meeting, it reads the meeting before each
    command, so the rules run once per command, not twice; once a read shows nobody else wrote,
    it trusts what it knows again."""
    meeting = open_meeting(store)
    other = MeetingStore(redis_client(redis_url), retention_seconds=RETENTION)
    runs: list[int] = []

    def extend(current: Meeting) -> Meeting:
        runs.append(current.version)
        return extending(meeting)(current)

    for turn in range(6):  # other, store, other, store, other, store
        (store if turn % 2 else other).update_meeting(meeting.id, extend)
    first = meeting.version
    twice_each = [first, first, first + 1, first + 1, first + 2]  # each store's first surprise
    assert runs == [*twice_each, first + 3, first + 4, first + 5], runs
    runs.clear()
    for _ in range(2):
        store.update_meeting(meeting.id, extend)
    assert runs == [first + 6, first + 7], "one run each, on what the store knew"
    assert store.load_meeting(meeting.id).version == first + 8


def test_two_commands_that_make_the_same_bytes_each_take_a_version(
    store: MeetingStore, redis_url: str
) -> None:
    meeting = open_meeting(store)
    other = MeetingStore(redis_client(redis_url), retention_seconds=RETENTION)
    same = extending(meeting)  # one command, one moment: the same result from the same state
    first, _ = other.update_meeting(meeting.id, same)
    second, _ = store.update_meeting(meeting.id, same)  # on the state before the first
    assert (first.version, second.version) == (meeting.version + 1, meeting.version + 2)
    assert store.load_meeting(meeting.id).version == meeting.version + 2


def test_a_refusal_is_answered_only_on_what_redis_holds(
    store: MeetingStore, redis_url: str
) -> None:
    """A change refused on a stale state runs again on the current one before it is answered."""
    meeting = open_meeting(store)
    store.update_meeting(meeting.id, extending(meeting))
    other = MeetingStore(redis_client(redis_url), retention_seconds=RETENTION)
    other.update_meeting(meeting.id, extending(meeting))

    latest = meeting.version + 2

    def refuse_unless_current(current: Meeting) -> Meeting:
        if current.version < latest:
            raise Rejected("stale", "Refused on what was known.")
        return current

    unchanged, changed = store.update_meeting(meeting.id, refuse_unless_current)
    assert not changed and unchanged.version == latest


def test_a_command_spends_its_budget_in_its_own_write(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    meeting = open_meeting(store)
    budget = own_key("budget")
    for _ in range(2):
        store.update_meeting(meeting.id, extending(meeting), counted=a_count(budget, (3, 60_000)))

    def refuse(_: Meeting) -> Meeting:
        raise Rejected("not_allowed", "No.")

    with pytest.raises(Rejected):  # refused by the rules: counted all the same
        store.update_meeting(meeting.id, refuse, counted=a_count(budget, (3, 60_000)))
    before = redis_connection.get(keys.meeting(meeting.id))
    with pytest.raises(RateLimited) as held_back:
        store.update_meeting(meeting.id, extending(meeting), counted=a_count(budget, (3, 60_000)))
    assert held_back.value.over.rate == 0 and 0 < held_back.value.over.wait_ms <= 60_000
    assert redis_connection.get(keys.meeting(meeting.id)) == before, "nothing written"
    assert len(redis_connection.get(budget).split(",")) == 3


def test_a_signal_and_its_claim_are_one_write(store: MeetingStore) -> None:
    meeting = open_meeting(store)
    command = Command("send_signal", "mo", now_ms(), {"kind": "pause"})
    signalled, _ = store.update_meeting(
        meeting.id, lambda m: rules.apply(m, command).meeting, sender=SignalSender("mo", "pause")
    )
    assert len(signalled.signals["pause"]) == 1
    secret = store.redis.get(keys.signal_secret(meeting.id))
    assert secret, "the first signal made the meeting's secret, in the same write"
    claims = list(store.redis.scan_iter(keys.signal_claim(meeting.id, "*")))
    assert len(claims) == 1


def test_a_redis_killed_and_restarted_has_forgotten_the_script_and_the_meeting_goes_on(
    tmp_path: Path,
) -> None:
    """Redis keeps no script over a restart: EVALSHA meets NOSCRIPT, and the script is loaded
    again. On a Redis of this test's own (``kill -9``, then its AOF), not one others share."""
    own = RedisServer(tmp_path).start()
    try:
        store = MeetingStore(redis_client(own.url), retention_seconds=RETENTION)
        meeting = open_meeting(store)
        before, _ = store.update_meeting(meeting.id, extending(meeting))
        own.kill()
        own.start()
        after, changed = store.update_meeting(meeting.id, extending(meeting))
        assert changed and after.version == before.version + 1, "nothing lost, nothing skipped"
        assert store.load_meeting(meeting.id).version == after.version
    finally:
        own.kill()


# --- Times to live, as docs/data.md says -------------------------------------------------------


def set_keys(meeting: Meeting) -> list[str]:
    """What lives as long as the set: the set, its index, its roster, the meeting's secret."""
    set_id = meeting.set_id
    return [keys.learning_set(set_id), keys.set_meetings(set_id), keys.roster(set_id)]


def assert_lives(connection: redis.Redis, key: str, ttl_ms: int) -> None:
    assert ttl_ms - SLOW_MS < connection.pttl(key) <= ttl_ms, key


def test_a_meetings_write_gives_it_the_retention_period_less_its_margin(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    meeting = open_meeting(store)
    assert store.meeting_ttl_ms == RETENTION * 1000 - RETENTION * 1000 // 2000
    store.update_meeting(meeting.id, extending(meeting))
    assert_lives(redis_connection, keys.meeting(meeting.id), store.meeting_ttl_ms)
    for key in set_keys(meeting):
        assert_lives(redis_connection, key, store.set_ttl_ms)
    assert store.set_ttl_ms == RETENTION * 1000


def test_a_meetings_commands_renew_its_set_once_in_a_while_and_never_below_the_meeting(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    """The first command of this store renews the set; the next ones, within the renewal
    interval, leave its times to live alone, which still outlast the meeting's."""
    meeting = open_meeting(store)
    store.update_meeting(meeting.id, extending(meeting))
    renewed = {key: redis_connection.pttl(key) for key in set_keys(meeting)}
    time.sleep(0.05)
    store.update_meeting(meeting.id, extending(meeting))
    for key in set_keys(meeting):
        assert redis_connection.pttl(key) < renewed[key], f"{key} not renewed again so soon"
        assert redis_connection.pttl(key) >= redis_connection.pttl(keys.meeting(meeting.id))


def test_after_the_renewal_interval_the_set_is_renewed_again(redis_connection: redis.Redis) -> None:
    """A short retention (20 s: a margin of 10 ms, a renewal every 5 ms) shows the interval."""
    store = MeetingStore(redis_connection, retention_seconds=20)
    meeting = open_meeting(store)
    store.update_meeting(meeting.id, extending(meeting))
    for key in set_keys(meeting):
        redis_connection.pexpire(key, 10_000)
    time.sleep(store.set_renewal_ms / 1000 + 0.01)
    store.update_meeting(meeting.id, extending(meeting))
    for key in set_keys(meeting):
        assert_lives(redis_connection, key, store.set_ttl_ms)


def test_a_signal_secret_lives_as_long_as_the_set_and_goes_with_the_meetings_end(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    meeting = open_meeting(store)
    command = Command("send_signal", "mo", now_ms(), {"kind": "pause"})
    store.update_meeting(
        meeting.id, lambda m: rules.apply(m, command).meeting, sender=SignalSender("mo", "pause")
    )
    secret = keys.signal_secret(meeting.id)
    assert_lives(redis_connection, secret, store.set_ttl_ms)
    assert redis_connection.pttl(secret) >= redis_connection.pttl(keys.meeting(meeting.id))
    store.update_meeting(
        meeting.id, lambda m: replace(m, phase=Phase.CLOSED, version=m.version + 1)
    )
    assert not redis_connection.exists(secret)
