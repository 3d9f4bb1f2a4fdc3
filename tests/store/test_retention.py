"""Retention and deletion against a real Redis: what expires when, and what deleting leaves."""

import threading
from dataclasses import replace

import pytest
import redis

from companion.domain.model import Meeting, Phase
from companion.store import MeetingNotFound, MeetingStore, SetNotFound, StoreUnavailable, keys
from companion.store.connection import redis_client
from tests.store.test_meetings import connecting as opening
from tests.support import enrol

RETENTION = 3600
SHORT = 60  # a TTL far below the retention, so a refresh is unmistakable


@pytest.fixture
def store(redis_connection: redis.Redis) -> MeetingStore:
    return MeetingStore(redis_connection, retention_seconds=RETENTION)


WRITERS = [f"p{number}" for number in range(5)]  # on every test set's roster


def new_meeting(store: MeetingStore) -> Meeting:
    learning_set, _, _ = store.create_set("Set", "Fay")
    for writer in WRITERS:
        enrol(store, learning_set.id, writer.title(), person_id=writer)
    return store.start_meeting(learning_set.id)


def ended(store: MeetingStore, meeting: Meeting) -> None:
    store.update_meeting(
        meeting.id, lambda m: replace(m, phase=Phase.CLOSED, version=m.version + 1)
    )


def next_meeting(store: MeetingStore, meeting: Meeting) -> Meeting:
    """A set holds one open meeting at a time: the next starts once this one has ended."""
    ended(store, meeting)
    return store.start_meeting(meeting.set_id)


def keys_mentioning(connection: redis.Redis, *ids: str) -> list[str]:
    return [key for key in connection.scan_iter("companion:*") if any(i in key for i in ids)]


def assert_fresh(connection: redis.Redis, key: str, retention: int = RETENTION) -> None:
    """The key expires one whole retention period from now (give or take a slow second)."""
    assert retention * 1000 - 5000 < connection.pttl(key) <= retention * 1000, key


def test_set_meeting_and_index_all_expire_after_the_retention_period(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    meeting = new_meeting(store)
    for key in (
        keys.learning_set(meeting.set_id),
        keys.meeting(meeting.id),
        keys.set_meetings(meeting.set_id),
    ):
        assert_fresh(redis_connection, key)


def test_the_retention_period_is_the_one_the_store_was_given(
    redis_connection: redis.Redis,
) -> None:
    meeting = new_meeting(MeetingStore(redis_connection, retention_seconds=120))
    assert_fresh(redis_connection, keys.meeting(meeting.id), retention=120)
    assert_fresh(redis_connection, keys.learning_set(meeting.set_id), retention=120)


def test_the_set_knows_every_meeting_it_has_had(store: MeetingStore) -> None:
    first = new_meeting(store)
    second = next_meeting(store, first)
    indexed = store.redis.smembers(keys.set_meetings(first.set_id))
    assert indexed == {first.id, second.id}
    assert store.load_set(first.set_id).current_meeting_id == second.id


def test_activity_in_a_meeting_keeps_its_set_alive(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    meeting = new_meeting(store)
    set_key, index_key = keys.learning_set(meeting.set_id), keys.set_meetings(meeting.set_id)
    redis_connection.expire(set_key, SHORT)
    redis_connection.expire(index_key, SHORT)
    store.update_meeting(meeting.id, opening("p1", "c1"))
    assert_fresh(redis_connection, set_key)
    assert_fresh(redis_connection, index_key)


def test_activity_in_a_set_keeps_its_current_meeting_alive_but_not_past_ones(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    past = new_meeting(store)
    current = next_meeting(store, past)
    for meeting in (past, current):
        redis_connection.expire(keys.meeting(meeting.id), SHORT)
    enrol(store, past.set_id, "Mo")
    assert_fresh(redis_connection, keys.meeting(current.id))
    assert redis_connection.ttl(keys.meeting(past.id)) <= SHORT


def test_a_meeting_write_never_brings_back_a_set_that_is_gone(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    meeting = new_meeting(store)
    redis_connection.delete(keys.learning_set(meeting.set_id))
    store.update_meeting(meeting.id, opening("p1", "c1"))
    assert not redis_connection.exists(keys.learning_set(meeting.set_id))


def test_deleting_the_current_meeting_leaves_nothing_and_clears_the_pointer(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    meeting = new_meeting(store)
    deleted = store.delete_meeting(meeting.id)
    assert deleted.id == meeting.id
    assert keys_mentioning(redis_connection, meeting.id) == []
    assert store.load_set(meeting.set_id).current_meeting_id is None
    assert_fresh(redis_connection, keys.learning_set(meeting.set_id))


def test_deleting_a_past_meeting_keeps_the_current_one(store: MeetingStore) -> None:
    past = new_meeting(store)
    current = next_meeting(store, past)
    store.delete_meeting(past.id, set_id=past.set_id)
    assert store.load_set(past.set_id).current_meeting_id == current.id
    assert store.redis.smembers(keys.set_meetings(past.set_id)) == {current.id}
    assert store.load_meeting(current.id).id == current.id


def test_a_meeting_of_another_set_is_not_found_and_kept(store: MeetingStore) -> None:
    mine, theirs = new_meeting(store), new_meeting(store)
    with pytest.raises(MeetingNotFound):
        store.delete_meeting(theirs.id, set_id=mine.set_id)
    assert store.load_meeting(theirs.id).id == theirs.id
    assert store.load_set(theirs.set_id).current_meeting_id == theirs.id


def test_deleting_what_is_already_gone_is_a_clear_not_found(store: MeetingStore) -> None:
    meeting = new_meeting(store)
    store.delete_meeting(meeting.id)
    with pytest.raises(MeetingNotFound):
        store.delete_meeting(meeting.id)
    store.delete_set(meeting.set_id)
    with pytest.raises(SetNotFound):
        store.delete_set(meeting.set_id)


def test_deleting_a_set_takes_every_meeting_with_it(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    first = new_meeting(store)
    second = next_meeting(store, first)
    enrol(store, first.set_id, "Mo")
    assert sorted(store.delete_set(first.set_id)) == sorted([first.id, second.id])
    assert keys_mentioning(redis_connection, first.set_id, first.id, second.id) == []
    with pytest.raises(MeetingNotFound):
        store.update_meeting(second.id, opening("p1", "c1"))


def test_deleting_a_set_stored_before_the_index_still_takes_its_current_meeting(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    meeting = new_meeting(store)
    redis_connection.delete(keys.set_meetings(meeting.set_id))
    assert store.delete_set(meeting.set_id) == {meeting.id: meeting.version}
    assert keys_mentioning(redis_connection, meeting.set_id, meeting.id) == []


def test_a_set_deleted_while_its_meeting_is_busy_leaves_nothing_behind(
    store: MeetingStore, redis_connection: redis.Redis, redis_url: str
) -> None:
    """Writers race the delete; each write lands before it or is refused after it, never between."""
    meeting = new_meeting(store)

    def write(writer: int) -> None:
        own_store = MeetingStore(redis_client(redis_url), retention_seconds=RETENTION)
        for step in range(200):
            try:
                own_store.update_meeting(meeting.id, opening(f"p{writer}", f"{writer}-{step}"))
            except MeetingNotFound:
                return

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    store.delete_set(meeting.set_id)
    for thread in threads:
        thread.join()
    assert keys_mentioning(redis_connection, meeting.set_id, meeting.id) == []


def test_a_meeting_started_as_its_set_is_deleted_goes_with_it(
    store: MeetingStore, redis_connection: redis.Redis, redis_url: str
) -> None:
    meeting = new_meeting(store)
    started: list[str] = []

    def start_more() -> None:
        own_store = MeetingStore(redis_client(redis_url), retention_seconds=RETENTION)
        latest = meeting
        for _ in range(50):
            try:
                latest = next_meeting(own_store, latest)
                started.append(latest.id)
            except (SetNotFound, MeetingNotFound):
                return

    starter = threading.Thread(target=start_more)
    starter.start()
    store.delete_set(meeting.set_id)
    starter.join()
    assert keys_mentioning(redis_connection, meeting.set_id, meeting.id, *started) == []


def test_deleting_with_redis_unreachable_is_reported_as_unavailable() -> None:
    from tests.support import free_port

    store = MeetingStore(redis_client(f"redis://127.0.0.1:{free_port()}/0"))
    with pytest.raises(StoreUnavailable):
        store.delete_meeting("any")
    with pytest.raises(StoreUnavailable):
        store.delete_set("any")
