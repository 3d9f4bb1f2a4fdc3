"""The store against a real Redis: versions, atomic updates, retention, and outages."""

import json
import threading
from dataclasses import replace

import pytest
import redis

from companion.domain import rules
from companion.domain.codec import meeting_to_dict
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, Role
from companion.store import MeetingNotFound, MeetingStore, SetNotFound, StoreUnavailable, keys
from companion.store.connection import redis_client
from tests.support import enrol


def connecting(participant_id: str, connection_id: str):  # type: ignore[no-untyped-def]
    """A change that opens one widget for ``participant_id``, through the rules."""
    arguments = {"connection_id": connection_id}
    return lambda m: rules.apply(m, Command("connect", participant_id, 1, arguments)).meeting


@pytest.fixture
def store(redis_connection: redis.Redis) -> MeetingStore:
    return MeetingStore(redis_connection, retention_seconds=3600)


def test_a_new_set_holds_its_facilitator(store: MeetingStore) -> None:
    learning_set, _, founder_id = store.create_set("Ward leaders", "Fay")
    loaded = store.load_set(learning_set.id)
    assert loaded.name == "Ward leaders"
    kept = store.load_roster(learning_set.id)
    assert kept.entries[founder_id].role is Role.FACILITATOR
    assert kept.entries[founder_id].name == "Fay"
    assert list(kept.entries) == [founder_id], "one roster, whose one entry is its founder"


def test_a_meeting_is_read_with_its_sets_roster(store: MeetingStore) -> None:
    learning_set, _, founder_id = store.create_set("Set", "Fay")
    mo = enrol(store, learning_set.id, "Mo")
    meeting = store.start_meeting(learning_set.id)
    loaded = store.load_meeting(meeting.id)
    assert set(loaded.roster.entries) == {founder_id, mo}
    updated, _ = store.update_meeting(meeting.id, connecting(mo, "c1"), set_id=learning_set.id)
    assert updated.roster == loaded.roster


def test_a_roster_change_made_in_a_meeting_is_the_sets(store: MeetingStore) -> None:
    """Appointed in one meeting, a co-facilitator is one in the set, and so in the next."""
    learning_set, _, founder_id = store.create_set("Set", "Fay")
    mo = enrol(store, learning_set.id, "Mo")
    meeting = store.start_meeting(learning_set.id)
    store.update_meeting(meeting.id, connecting(founder_id, "f"))
    command = Command("set_role", founder_id, 2, {"participant_id": mo, "role": "co_facilitator"})
    store.update_meeting(meeting.id, lambda m: rules.apply(m, command).meeting)
    kept = store.load_roster(learning_set.id)
    assert kept.entries[mo].role is Role.CO_FACILITATOR
    assert kept.version == 3, "created, Mo enrolled, Mo appointed"


def test_starting_a_meeting_points_the_set_at_it(store: MeetingStore) -> None:
    learning_set, _, _ = store.create_set("Set", "Fay")
    meeting = store.start_meeting(learning_set.id)
    assert store.load_set(learning_set.id).current_meeting_id == meeting.id
    assert store.load_meeting(meeting.id).version == 1


def test_each_change_takes_the_next_version(store: MeetingStore) -> None:
    learning_set, _, fay = store.create_set("Set", "Fay")
    meeting = store.start_meeting(learning_set.id)
    for number, connection in enumerate(["c1", "c2", "c3"], start=2):
        updated, changed = store.update_meeting(meeting.id, connecting(fay, connection))
        assert changed and updated.version == number
    assert store.load_meeting(meeting.id).version == 4


def test_the_meeting_a_command_is_given_is_the_one_last_written(store: MeetingStore) -> None:
    """The store keeps the meeting it wrote, decoded, for the next command: it must be the very
    meeting the last command made, equal to what Redis holds, and left as it was by the rules."""
    learning_set, _, fay = store.create_set("Set", "Fay")
    mo = enrol(store, learning_set.id, "Mo")
    meeting = store.start_meeting(learning_set.id)
    given: list[Meeting] = []

    def noting(change):  # type: ignore[no-untyped-def]
        return lambda m: given.append(m) or change(m)

    written, _ = store.update_meeting(
        meeting.id, noting(connecting(fay, "f")), set_id=meeting.set_id
    )
    for person, connection in [(mo, "m"), (fay, "f2")]:
        text_before = json.dumps(meeting_to_dict(written), sort_keys=True)
        updated, _ = store.update_meeting(meeting.id, noting(connecting(person, connection)))
        assert given[-1] is written, "the next command runs on the meeting just written"
        assert json.dumps(meeting_to_dict(written), sort_keys=True) == text_before
        assert updated.version == written.version + 1
        assert store.load_meeting(meeting.id) == updated, "what is kept is what Redis holds"
        written = updated


def test_a_change_that_alters_nothing_is_not_written(store: MeetingStore) -> None:
    learning_set, _, _ = store.create_set("Set", "Fay")
    meeting = store.start_meeting(learning_set.id)
    unchanged, changed = store.update_meeting(meeting.id, lambda m: m)
    assert not changed
    assert unchanged.version == 1 == store.load_meeting(meeting.id).version


def test_a_rejected_change_leaves_redis_untouched(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    learning_set, _, _ = store.create_set("Set", "Fay")
    meeting = store.start_meeting(learning_set.id)
    before = redis_connection.get(keys.meeting(meeting.id))

    def refuse(_: Meeting) -> Meeting:
        raise Rejected("not_allowed", "No.")

    with pytest.raises(Rejected):
        store.update_meeting(meeting.id, refuse)
    assert redis_connection.get(keys.meeting(meeting.id)) == before


def test_concurrent_changes_are_all_kept(store: MeetingStore, redis_url: str) -> None:
    """Eight writers racing on one meeting: every connection lands and every version is used."""
    learning_set, _, _ = store.create_set("Set", "Fay")
    meeting = store.start_meeting(learning_set.id)
    writers, per_writer = 8, 25
    for writer in range(writers):
        enrol(store, learning_set.id, f"Writer {writer}", person_id=f"p{writer}")
    versions: list[int] = []
    lock = threading.Lock()

    def write(writer: int) -> None:
        own_store = MeetingStore(redis_client(redis_url))
        for step in range(per_writer):
            updated, _ = own_store.update_meeting(
                meeting.id, connecting(f"p{writer}", f"{writer}-{step}")
            )
            with lock:
                versions.append(updated.version)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = store.load_meeting(meeting.id)
    assert final.version == 1 + writers * per_writer
    assert sorted(versions) == list(range(2, final.version + 1)), "no version skipped or repeated"
    assert all(len(p.connections) == per_writer for p in final.participants.values())


def test_keys_expire_after_the_retention_period(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    learning_set, _, _ = store.create_set("Set", "Fay")
    meeting = store.start_meeting(learning_set.id)
    assert 3500 < redis_connection.ttl(keys.meeting(meeting.id)) <= 3600
    assert 3500 < redis_connection.ttl(keys.learning_set(learning_set.id)) <= 3600


def test_stored_meeting_is_versioned_json(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    learning_set, _, _ = store.create_set("Set", "Fay")
    meeting = store.start_meeting(learning_set.id)
    stored = json.loads(redis_connection.get(keys.meeting(meeting.id)))
    assert stored["version"] == 1 and stored["format"] == 3


def test_a_change_that_skips_a_version_is_refused(store: MeetingStore) -> None:
    learning_set, _, _ = store.create_set("Set", "Fay")
    meeting = store.start_meeting(learning_set.id)
    with pytest.raises(RuntimeError):
        store.update_meeting(meeting.id, lambda m: replace(m, version=m.version + 2))
    assert store.load_meeting(meeting.id).version == 1


def test_missing_things_are_reported(store: MeetingStore) -> None:
    with pytest.raises(SetNotFound):
        store.load_set("nope")
    with pytest.raises(MeetingNotFound):
        store.update_meeting("nope", lambda m: m)


def test_unreachable_redis_is_reported_as_unavailable() -> None:
    from tests.support import free_port

    store = MeetingStore(redis_client(f"redis://127.0.0.1:{free_port()}/0"))
    with pytest.raises(StoreUnavailable):
        store.ping()
    with pytest.raises(StoreUnavailable):
        store.create_set("Set", "Fay")
