"""The identity index against a real Redis: which sets a verified Teams identity is on the roster
of, written with every roster in its own transaction, kept as long as the set, and dropped when
the person, or the set, goes."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import redis

from companion.clock import now_ms
from companion.domain import roster, rules
from companion.domain.commands import Command
from companion.domain.model import Arrival, Identity, Roster
from companion.store import MeetingStore, keys
from companion.store.meetings import new_id

RETENTION = 3600
TENANT = "8a2f4c6e-1b3d-4f5a-8c7e-9d0b1a2c3e4f"


@pytest.fixture
def store(redis_connection: redis.Redis) -> MeetingStore:
    return MeetingStore(redis_connection, retention_seconds=RETENTION)


def someone() -> Identity:
    """An identity of this test's own, so no other test's sets are in its index."""
    return Identity(TENANT, str(uuid.uuid4()))


def index_key(identity: Identity) -> str:
    return keys.identity_sets(identity.tenant_id, identity.object_id)


def roster_command(
    verb: str, actor: str = "", /, **arguments: object
) -> Callable[[Roster], Roster]:
    command = Command(verb, actor, now_ms(), arguments)

    def change(kept: Roster) -> Roster:
        applied = roster.apply(kept, command)
        return applied.roster if applied.roster.version != kept.version else kept

    return change


def ask_to_join(store: MeetingStore, set_id: str, identity: Identity | None) -> str:
    person_id = new_id()
    arguments = {
        "new_id": person_id,
        "name": "Noor",
        "came_by": Arrival.TEAMS,
        "identity": identity,
        "returning_id": None,
        "wait_ms": 60_000,
    }
    store.update_roster(set_id, roster_command("ask_to_join", **arguments))
    return person_id


def test_a_founder_signed_in_with_teams_is_indexed_with_the_set(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    fay = someone()
    first, _, _ = store.create_set("Ward leaders", "Fay", identity=fay)
    second, _, _ = store.create_set("Night shift", "Fay", identity=fay)
    assert store.sets_of_identity(fay) == sorted([first.id, second.id])
    assert 0 < redis_connection.ttl(index_key(fay)) <= RETENTION
    assert store.sets_of_identity(someone()) == []


def test_someone_who_joins_with_teams_is_indexed_and_forgotten_when_turned_away(
    store: MeetingStore,
) -> None:
    learning_set, _, founder_id = store.create_set("Ward leaders", "Fay")
    noor = someone()
    person_id = ask_to_join(store, learning_set.id, noor)
    assert store.sets_of_identity(noor) == [learning_set.id], "written with the roster"
    store.update_roster(
        learning_set.id, roster_command("decline", founder_id, participant_id=person_id)
    )
    assert store.sets_of_identity(noor) == [], "a newcomer turned away is forgotten"


def test_deleting_ones_data_takes_the_identity_out(store: MeetingStore) -> None:
    learning_set, _, founder_id = store.create_set("Ward leaders", "Fay")
    noor = someone()
    person_id = ask_to_join(store, learning_set.id, noor)
    store.update_roster(
        learning_set.id, roster_command("admit", founder_id, participant_id=person_id)
    )
    store.forget_member(learning_set.id, person_id)
    assert store.sets_of_identity(noor) == []


def test_someone_removed_stays_indexed_for_the_roster_to_refuse(store: MeetingStore) -> None:
    """Their nameless entry keeps the identity, so they are still known as removed before."""
    learning_set, _, founder_id = store.create_set("Ward leaders", "Fay")
    noor = someone()
    person_id = ask_to_join(store, learning_set.id, noor)
    store.update_roster(
        learning_set.id, roster_command("admit", founder_id, participant_id=person_id)
    )
    store.update_roster(
        learning_set.id, roster_command("remove_participant", founder_id, participant_id=person_id)
    )
    store.forget_member(learning_set.id, person_id)
    assert store.sets_of_identity(noor) == [learning_set.id]
    assert not roster.facilitates(store.load_roster(learning_set.id).entries[person_id])


def test_deleting_the_set_takes_it_out_of_everyones_index(store: MeetingStore) -> None:
    fay, noor = someone(), someone()
    learning_set, _, _ = store.create_set("Ward leaders", "Fay", identity=fay)
    kept, _, _ = store.create_set("Night shift", "Fay", identity=fay)
    ask_to_join(store, learning_set.id, noor)
    store.start_meeting(learning_set.id)
    store.delete_set(learning_set.id)
    assert store.sets_of_identity(fay) == [kept.id]
    assert store.sets_of_identity(noor) == []


def test_the_index_lives_as_long_as_the_set_whatever_is_written(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    fay = someone()
    learning_set, _, founder_id = store.create_set("Ward leaders", "Fay", identity=fay)
    meeting = store.start_meeting(learning_set.id)

    redis_connection.expire(index_key(fay), 5)
    store.replace_invite(learning_set.id)  # a write of the set alone
    assert redis_connection.ttl(index_key(fay)) > RETENTION - 60

    redis_connection.delete(index_key(fay))  # as for a set indexed before the index existed
    connect = Command("connect", founder_id, now_ms(), {"connection_id": "c1"})
    store.update_meeting(meeting.id, lambda m: rules.apply(m, connect).meeting)
    assert store.sets_of_identity(fay) == [learning_set.id], "a meeting's write puts it back"
    assert redis_connection.ttl(index_key(fay)) > RETENTION - 60


def test_the_set_alone_never_brings_back_an_identity_that_went(
    store: MeetingStore, redis_connection: redis.Redis
) -> None:
    learning_set, _, founder_id = store.create_set("Ward leaders", "Fay")
    noor = someone()
    person_id = ask_to_join(store, learning_set.id, noor)
    store.update_roster(
        learning_set.id, roster_command("decline", founder_id, participant_id=person_id)
    )
    store.replace_invite(learning_set.id)
    assert not redis_connection.exists(index_key(noor))
