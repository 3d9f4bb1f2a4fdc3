"""Sets stored before the roster existed still open, with everyone where they stood.

The fixture is Redis as the app of 2026-12-06 left it (format 2), made by running that version:
a set whose first meeting has ended (Mo presented, named an action and a private learning) and
whose second is under way, with Ada appointed co-facilitator, Cy an observer and Bo removed.
Roles and the removal lived in the set's members and in the meeting's participants; the
roster is made from them the first time the set is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from companion import create_app
from companion.domain import rules
from companion.domain.codec import public_view
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import Role, Status
from companion.services import services
from companion.store import keys
from tests.support import legacy_token

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "format2_set.json").read_text())
PEOPLE: dict[str, str] = FIXTURE["participants"]
SET_ID, MEETING_ID = FIXTURE["set_id"], FIXTURE["meeting_id"]


def load_fixture(connection: redis.Redis) -> None:
    """The fixture's keys, exactly as they were stored, in place of any left by an earlier run."""
    connection.delete(*FIXTURE["keys"], keys.roster(SET_ID))
    for key, stored in FIXTURE["keys"].items():
        if stored["type"] == "string":
            connection.set(key, json.dumps(stored["value"]), ex=3600)
        else:
            connection.sadd(key, *stored["value"])
            connection.expire(key, 3600)


@pytest.fixture
def old_app(
    redis_connection: redis.Redis, instance_path: Path, external_redis_url: str | None
) -> Iterator[Flask]:
    """The app signing links with the key the fixture's links were signed with."""
    load_fixture(redis_connection)
    yield create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance_path),
            "REDIS_URL": external_redis_url,
            "ASYNC_MODE": "threading",
            "SECRET_KEY": FIXTURE["secret_key"],
        }
    )
    redis_connection.delete(*FIXTURE["keys"], keys.roster(SET_ID))


def old_link(app: Flask, who: str, role: str = "member") -> dict[str, str]:
    """The link a person of the fixture holds: signed then, with the role of then in it."""
    return {"Authorization": f"Bearer {legacy_token(app, SET_ID, PEOPLE[who], role)}"}


def test_the_roster_is_made_from_the_set_and_its_open_meeting(
    old_app: Flask, redis_connection: redis.Redis
) -> None:
    assert not redis_connection.exists(keys.roster(SET_ID)), "the fixture predates rosters"
    with old_app.app_context():
        kept = services().store.load_roster(SET_ID)
    standing = {
        name: (kept.entries[pid].role, kept.entries[pid].status) for name, pid in PEOPLE.items()
    }
    assert standing == {
        "Fay": (Role.FACILITATOR, Status.ACTIVE),
        "Mo": (Role.MEMBER, Status.ACTIVE),
        "Ada": (Role.CO_FACILITATOR, Status.ACTIVE),
        "Bo": (Role.MEMBER, Status.REMOVED),
        "Cy": (Role.OBSERVER, Status.ACTIVE),
    }
    assert {e.name for e in kept.entries.values()} == set(PEOPLE)
    stored = json.loads(redis_connection.get(keys.roster(SET_ID)))
    assert stored["format"] == 3 and stored["version"] == 1, "made once, and kept"


def test_its_meetings_open_with_names_and_roles_from_the_roster(old_app: Flask) -> None:
    with old_app.app_context():
        current = services().store.load_meeting(MEETING_ID)
        past = services().store.meetings_of(SET_ID)
    shown = {p["name"]: p["role"] for p in public_view(current, 0)["participants"]}
    assert shown == {
        "Fay": "facilitator",
        "Mo": "member",
        "Ada": "co_facilitator",
        "Cy": "observer",
    }
    assert [m.id for m in past] == [MEETING_ID, FIXTURE["past_meeting_id"]]
    assert past[1].phase.value == "closed" and past[1].actions[0].owner_id == PEOPLE["Mo"]


def test_the_meeting_goes_on_under_the_roster(
    old_app: Flask, redis_connection: redis.Redis
) -> None:
    """A command after the migration: authorised by the roster, written in the new format."""

    def run(who: str, verb: str, **args: Any) -> None:
        command = Command(verb, PEOPLE[who], 1, args)
        services().store.update_meeting(MEETING_ID, lambda m: rules.apply(m, command).meeting)

    with old_app.app_context():
        run("Mo", "connect", connection_id="mo-1")
        with pytest.raises(Rejected) as refused:
            run("Bo", "connect", connection_id="bo-1")
        assert refused.value.code == "removed"
        run("Ada", "set_role", participant_id=PEOPLE["Cy"], role="member")
        kept = services().store.load_roster(SET_ID)
    assert kept.entries[PEOPLE["Cy"]].role is Role.MEMBER
    stored = json.loads(redis_connection.get(keys.meeting(MEETING_ID)))
    assert stored["format"] == 3
    assert set(stored["participants"][PEOPLE["Mo"]]) == {"id", "joined_at", "connections"}


def test_old_links_work_by_the_roster_and_what_each_person_kept_is_theirs(
    old_app: Flask,
) -> None:
    client: FlaskClient = old_app.test_client()
    history = client.get(f"/api/sets/{SET_ID}/history", headers=old_link(old_app, "Mo"))
    assert history.status_code == 200
    assert [m["id"] for m in history.get_json()["meetings"]][-1] == FIXTURE["past_meeting_id"]
    notes = client.get("/api/me/notes.md", headers=old_link(old_app, "Mo")).get_data(as_text=True)
    assert "Ask the night sister about a huddle" in notes and "I carry the rota alone" in notes
    removed = client.get(f"/api/sets/{SET_ID}/history", headers=old_link(old_app, "Bo"))
    assert (removed.status_code, removed.get_json()["error"]) == (403, "removed")
    roster = client.get(
        f"/api/sets/{SET_ID}/roster", headers=old_link(old_app, "Ada", "member")
    ).get_json()
    assert {p["name"] for p in roster["people"] if p["status"] == "removed"} == {"Bo"}
    forged = client.get(
        f"/api/sets/{SET_ID}/roster", headers=old_link(old_app, "Mo", "facilitator")
    )
    assert forged.status_code == 403, "the role written in an old link counts for nothing"
