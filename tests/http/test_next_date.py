"""The next meeting's date over HTTP: facilitators plan, change and take it away; anyone in the set
reads it and downloads it as an RFC 5545 calendar file. Against a real Redis.

(``test_next_meeting.py`` is about *starting* the set's next meeting.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from companion.domain.model import Role
from companion.identity.tokens import Credential
from companion.services import services
from tests.http.test_deletion import assert_error, join
from tests.http.test_next_meeting import end, start
from tests.support import enrol

PLAN = {
    "local_start": "2027-01-12T10:00",
    "time_zone": "Europe/London",
    "minutes": 120,
    "include_invite": False,
}
# A set name long enough, and far enough from ASCII, to need folding inside a character.
LONG_NAME = "Équipe de direction — soins intensifs, nuit et week-end, été ✓ hiver ✓ printemps"


@pytest.fixture
def created(client: FlaskClient) -> dict[str, Any]:
    body = {"set_name": LONG_NAME, "facilitator_name": "Fay", "admission": "open"}
    return client.post("/api/sets", json=body).get_json()


def bearer(token: str | None) -> dict[str, str]:
    return {} if token is None else {"Authorization": f"Bearer {token}"}


def path(created: dict[str, Any], suffix: str = "") -> str:
    return f"/api/sets/{created['set_id']}/next-meeting{suffix}"


def put(client: FlaskClient, created: dict[str, Any], body: Any, token: str | None = None) -> Any:
    token = created["facilitator_token"] if token is None else token
    return client.put(path(created), json=body, headers=bearer(token))


def download(client: FlaskClient, created: dict[str, Any], token: str | None = None) -> Any:
    token = created["facilitator_token"] if token is None else token
    return client.get(path(created, ".ics"), headers=bearer(token))


def stored(app: Flask, created: dict[str, Any]) -> tuple[Any, Any]:
    """The plan as the set holds it, and the set's current meeting (which carries it)."""
    with app.app_context():
        store = services().store
        learning_set = store.load_set(created["set_id"])
        meeting = store.load_meeting(learning_set.current_meeting_id)
    return learning_set.next_meeting, meeting


def event_of(response: Any) -> Any:
    calendar = Calendar.from_ical(response.data)
    (event,) = calendar.walk("VEVENT")
    return event


def soon(hours: int) -> dict[str, Any]:
    """A plan ``hours`` from now, on UTC's clock."""
    when = datetime.now(UTC) + timedelta(hours=hours)
    return {**PLAN, "time_zone": "UTC", "local_start": when.strftime("%Y-%m-%dT%H:%M")}


# --- Planning, changing, cancelling -------------------------------------------------------------


def test_a_facilitator_plans_the_next_meeting_and_the_set_and_its_meeting_hold_it(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    _, before = stored(app, created)
    response = put(client, created, {**PLAN, "include_invite": True})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    starts = datetime(2027, 1, 12, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    assert response.get_json() == {
        "next_meeting": {
            "local_start": "2027-01-12T10:00",
            "time_zone": "Europe/London",
            "minutes": 120,
            "starts_at_ms": int(starts.timestamp() * 1000),
            "ends_at_ms": int(starts.timestamp() * 1000) + 120 * 60_000,
            "include_invite": True,
            "sequence": 0,
        }
    }
    plan, meeting = stored(app, created)
    assert plan is not None and plan.uid and plan.include_invite
    assert meeting.next_meeting == plan, "the meeting carries the set's plan"
    assert meeting.version == before.version + 1, "a new snapshot for every widget"


def test_everyone_in_the_set_reads_it_and_only_facilitators_see_the_invite_choice(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    member = join(client, created)
    none = client.get(path(created), headers=bearer(member["participant_token"]))
    assert none.status_code == 200 and none.get_json() == {"next_meeting": None}
    put(client, created, {**PLAN, "include_invite": True})
    as_member = client.get(path(created), headers=bearer(member["participant_token"])).get_json()
    as_facilitator = client.get(path(created), headers=bearer(created["facilitator_token"]))
    assert set(as_member["next_meeting"]) == {
        "local_start",
        "time_zone",
        "minutes",
        "starts_at_ms",
        "ends_at_ms",
    }
    assert as_facilitator.get_json()["next_meeting"]["include_invite"] is True


def test_a_change_keeps_the_calendar_uid_and_raises_its_sequence(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    put(client, created, PLAN)
    first = event_of(download(client, created))
    moved = put(client, created, {**PLAN, "local_start": "2027-01-19T14:00", "minutes": 90})
    assert moved.get_json()["next_meeting"]["sequence"] == 1
    second = event_of(download(client, created))
    assert str(second["UID"]) == str(first["UID"])
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert second.decoded("DTSTART") == datetime(
        2027, 1, 19, 14, 0, tzinfo=ZoneInfo("Europe/London")
    )
    assert second.decoded("DTEND") - second.decoded("DTSTART") == timedelta(minutes=90)


def test_saving_the_same_plan_twice_changes_nothing(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    put(client, created, PLAN)
    plan, meeting = stored(app, created)
    again = put(client, created, PLAN)
    assert again.status_code == 200 and again.get_json()["next_meeting"]["sequence"] == 0
    assert stored(app, created) == (plan, meeting)


def test_a_co_facilitator_may_plan_it(app: Flask, client: FlaskClient, created: dict) -> None:
    with app.app_context():
        co = enrol(services().store, created["set_id"], "Cy", role=Role.CO_FACILITATOR.value)
        token = services().signer.participant_token(Credential(created["set_id"], co))
    assert put(client, created, PLAN, token).status_code == 200


def test_a_facilitator_takes_the_plan_away(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    put(client, created, PLAN)
    _, planned = stored(app, created)
    response = client.delete(path(created), headers=bearer(created["facilitator_token"]))
    assert response.status_code == 204 and response.data == b""
    plan, meeting = stored(app, created)
    assert plan is None and meeting.next_meeting is None
    assert meeting.version == planned.version + 1
    again = client.delete(path(created), headers=bearer(created["facilitator_token"]))
    assert again.status_code == 204
    assert stored(app, created)[1].version == meeting.version, "nothing to take away: no change"
    assert_error(download(client, created), 404, "no_next_meeting")


def test_a_fresh_plan_after_one_was_taken_away_is_a_new_calendar_entry(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    put(client, created, PLAN)
    first = event_of(download(client, created))
    client.delete(path(created), headers=bearer(created["facilitator_token"]))
    put(client, created, PLAN)
    assert str(event_of(download(client, created))["UID"]) != str(first["UID"])


# --- Who may --------------------------------------------------------------------------------------


def test_a_member_may_not_plan_or_cancel_and_nothing_changes(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    put(client, created, PLAN)
    member = join(client, created)["participant_token"]
    before = stored(app, created)
    moved = {**PLAN, "local_start": "2027-02-01T10:00"}
    assert_error(put(client, created, moved, member), 403, "not_allowed")
    assert_error(client.delete(path(created), headers=bearer(member)), 403, "not_allowed")
    assert stored(app, created) == before
    assert download(client, created, member).status_code == 200, "but they may download it"


def test_someone_removed_may_neither_plan_nor_download(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    put(client, created, PLAN)
    member = join(client, created)
    removal = client.post(
        f"/api/sets/{created['set_id']}/roster/remove_participant",
        json={"participant_id": member["participant_id"]},
        headers=bearer(created["facilitator_token"]),
    )
    assert removal.status_code == 200
    token = member["participant_token"]
    assert_error(download(client, created, token), 403, "removed")
    assert_error(client.get(path(created), headers=bearer(token)), 403, "removed")


def test_someone_still_waiting_in_the_lobby_sees_nothing_of_it(client: FlaskClient) -> None:
    body = {"set_name": "Asks first", "facilitator_name": "Fay"}
    created = client.post("/api/sets", json=body).get_json()
    put(client, created, PLAN)
    waiting = client.post(
        "/api/join", json={"invite_token": created["invite_token"], "display_name": "Wil"}
    ).get_json()
    assert waiting["status"] == "waiting"
    assert_error(download(client, created, waiting["participant_token"]), 403, "waiting")


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "token_missing"),
        ({"Authorization": "Bearer forged"}, 401, "token_invalid"),
    ],
)
def test_without_a_good_token_every_call_is_refused(
    client: FlaskClient, created: dict[str, Any], headers: dict, status: int, code: str
) -> None:
    assert_error(client.put(path(created), json=PLAN, headers=headers), status, code)
    assert_error(client.delete(path(created), headers=headers), status, code)
    assert_error(client.get(path(created), headers=headers), status, code)
    assert_error(client.get(path(created, ".ics"), headers=headers), status, code)


def test_another_sets_plan_is_not_found(client: FlaskClient, created: dict[str, Any]) -> None:
    other = client.post("/api/sets", json={"set_name": "Other", "facilitator_name": "Oz"})
    token = other.get_json()["facilitator_token"]
    assert_error(put(client, created, PLAN, token), 404, "set_not_found")
    assert_error(download(client, created, token), 404, "set_not_found")


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in PLAN.items() if k != "local_start"}, "local_start"),
        ({k: v for k, v in PLAN.items() if k != "time_zone"}, "time_zone"),
        ({k: v for k, v in PLAN.items() if k != "minutes"}, "minutes"),
        ({**PLAN, "minutes": "120"}, "minutes"),
        ({**PLAN, "minutes": 90.5}, "minutes"),
        ({**PLAN, "minutes": True}, "minutes"),
        ({**PLAN, "local_start": 20270112}, "local_start"),
        ({**PLAN, "local_start": "2027-01-12T10:00" + " " * 100}, "local_start"),
        ({**PLAN, "time_zone": "Europe/" + "x" * 100}, "time_zone"),
        ({**PLAN, "time_zone": ["Europe/London"]}, "time_zone"),
        ({**PLAN, "include_invite": "yes"}, "include_invite"),
        ({**PLAN, "include_invite": 1}, "include_invite"),
        ({**PLAN, "uid": "mine"}, "uid"),
        ({**PLAN, "sequence": 9}, "sequence"),
    ],
)
def test_a_body_of_the_wrong_shape_is_refused_and_names_the_field(
    app: Flask, client: FlaskClient, created: dict[str, Any], body: dict, field: str
) -> None:
    before = stored(app, created)
    response = put(client, created, body)
    assert_error(response, 400, "invalid_input")
    assert response.get_json()["message"].startswith(field)
    assert stored(app, created) == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "bad_time_zone"),
        ({"time_zone": "europe/london"}, "bad_time_zone"),
        ({"local_start": "2027-02-30T10:00"}, "invalid_input"),
        ({"local_start": "12/01/2027 10:00"}, "invalid_input"),
        ({"local_start": "2020-01-12T10:00"}, "date_in_past"),
        ({"local_start": "2031-01-12T10:00"}, "date_too_far"),
        ({"local_start": "2027-03-28T01:30"}, "time_skipped"),
        ({"minutes": 481}, "bad_length"),
        ({"minutes": 10}, "bad_length"),
    ],
)
def test_a_plan_that_makes_no_sense_is_refused_clearly_and_the_old_one_stands(
    app: Flask, client: FlaskClient, created: dict[str, Any], change: dict, code: str
) -> None:
    put(client, created, PLAN)
    before = stored(app, created)
    response = put(client, created, {**PLAN, **change})
    assert_error(response, 400, code)
    assert stored(app, created) == before


def test_a_body_that_is_not_json_is_refused(client: FlaskClient, created: dict[str, Any]) -> None:
    response = client.put(
        path(created), data="local_start=2027-01-12", headers=bearer(created["facilitator_token"])
    )
    assert_error(response, 400, "invalid_input")


# --- The calendar file --------------------------------------------------------------------------


def test_the_calendar_file_is_valid_rfc_5545(client: FlaskClient, created: dict[str, Any]) -> None:
    put(client, created, PLAN)
    response = download(client, created)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="next-meeting-2027-01-12.ics"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    raw: bytes = response.data
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines), "CRLF only"
    assert max(len(line) for line in lines) <= 75, "folded at 75 octets"
    assert any(line.startswith(b" ") for line in lines), "the long name was folded"
    raw.decode("utf-8")  # folding never splits a character

    calendar = Calendar.from_ical(raw)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) and str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    (event,) = calendar.walk("VEVENT")
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY", "DESCRIPTION"):
        assert name in event, name
    assert str(event["UID"]).endswith("@als-companion")
    assert str(event["SUMMARY"]) == LONG_NAME
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART") == datetime(
        2027, 1, 12, 10, 0, tzinfo=ZoneInfo("Europe/London")
    )
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=120)
    assert event.decoded("DTSTAMP").tzinfo is not None, "DTSTAMP is in UTC"
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/London", "the zone its TZID names is in the file"


def test_the_invite_link_is_in_the_file_only_when_the_facilitator_chooses(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    put(client, created, PLAN)
    without = download(client, created)
    assert b"/join" not in without.data and b"URL" not in without.data
    assert "URL" not in event_of(without)

    put(client, created, {**PLAN, "include_invite": True})
    member = join(client, created)
    shared = download(client, created, member["participant_token"])
    event = event_of(shared)
    url = str(event["URL"])
    assert "/join#" in url and url in str(event["DESCRIPTION"])
    with app.app_context():
        invite = services().signer.read_invite(url.partition("#")[2])
    assert invite.set_id == created["set_id"], "a working invite to this set"


def test_a_plan_in_utc_needs_no_time_zone_of_its_own(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    put(client, created, {**PLAN, "time_zone": "UTC"})
    calendar = Calendar.from_ical(download(client, created).data)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2027, 1, 12, 10, 0, tzinfo=UTC)


# --- Between meetings -----------------------------------------------------------------------------


def test_a_plan_made_with_no_meeting_kept_goes_to_the_set_and_its_next_meeting(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    deleted = client.delete(
        f"/api/meetings/{created['meeting_id']}", headers=bearer(created["facilitator_token"])
    )
    assert deleted.status_code == 204
    assert put(client, created, PLAN).status_code == 200
    with app.app_context():
        learning_set = services().store.load_set(created["set_id"])
    assert learning_set.current_meeting_id is None and learning_set.next_meeting is not None
    started = start(client, created["set_id"], created["facilitator_token"])
    assert started.status_code == 201
    plan, meeting = stored(app, created)
    assert meeting.id == started.get_json()["meeting_id"] and meeting.next_meeting == plan


def test_a_plan_weeks_away_lasts_through_the_end_and_start_of_a_meeting(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    put(client, created, PLAN)
    end(app, created["meeting_id"])
    plan_after_end, _ = stored(app, created)
    assert plan_after_end is not None
    start(client, created["set_id"], created["facilitator_token"])
    plan, meeting = stored(app, created)
    assert plan == plan_after_end and meeting.next_meeting == plan


def test_starting_the_meeting_that_was_planned_uses_the_plan_up(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    assert put(client, created, soon(hours=2)).status_code == 200
    end(app, created["meeting_id"])
    start(client, created["set_id"], created["facilitator_token"])
    plan, meeting = stored(app, created)
    assert plan is None and meeting.next_meeting is None
    assert_error(download(client, created), 404, "no_next_meeting")


def test_a_plan_still_reaches_the_set_when_its_current_meeting_has_expired(
    app: Flask, client: FlaskClient, created: dict[str, Any], redis_connection: redis.Redis
) -> None:
    redis_connection.delete(f"companion:meeting:{created['meeting_id']}")  # as if it expired
    assert put(client, created, PLAN).status_code == 200
    with app.app_context():
        learning_set = services().store.load_set(created["set_id"])
    assert learning_set.current_meeting_id == created["meeting_id"]
    assert learning_set.next_meeting is not None
    assert download(client, created).status_code == 200
