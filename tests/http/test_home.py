"""A facilitator's home over HTTP, from the links a device holds: which sets it lists (those the
roster says the holder facilitates now, each once), what it says of each (the next meeting, the
open actions, who waits, whether the meeting is open) and what it refuses. Sign-in with Teams, on
any device, is in tests/identity/test_home_sign_in.py; the page itself in
tests/browser/test_home.py."""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from companion import create_app
from companion.clock import now_ms
from companion.domain import schedule, shapes
from companion.domain.model import NextMeeting, Roster
from companion.services import services
from tests.http.set_life import bearer, lived
from tests.http.test_deletion import assert_error, join
from tests.support import legacy_token


def create(client: FlaskClient, name: str, admission: str = "open") -> dict[str, Any]:
    body = {"set_name": name, "facilitator_name": "Fay", "admission": admission}
    response = client.post("/api/sets", json=body)
    assert response.status_code == 201
    return response.get_json()


def home(client: FlaskClient, tokens: list[str], **more: Any) -> dict[str, Any]:
    response = client.post("/api/home", json={"participant_tokens": tokens, **more})
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store", "it holds each set's link"
    return response.get_json()


def set_ids(found: dict[str, Any]) -> list[str]:
    return [card["set_id"] for card in found["sets"]]


def roster_command(client: FlaskClient, created: dict[str, Any], command: str, **args: Any) -> None:
    path = f"/api/sets/{created['set_id']}/roster/{command}"
    response = client.post(path, json=args, headers=bearer(created["facilitator_token"]))
    assert response.status_code == 200, response.get_json()


def test_the_page_loads_its_script_and_asks_teams_for_nothing_when_sign_in_is_off(
    client: FlaskClient,
) -> None:
    response = client.get("/home")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "home.js" in page and 'id="home-sets"' in page
    assert '<meta name="companion-teams-sign-in" content="off">' in page
    assert "No sets on this device yet" in page
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]


def test_the_start_page_links_to_the_home(client: FlaskClient) -> None:
    assert 'href="/home"' in client.get("/").get_data(as_text=True)


def test_a_device_with_no_links_has_no_sets(client: FlaskClient) -> None:
    assert home(client, []) == {"signed_in_as": None, "sets": []}
    empty = client.post("/api/home", json={})
    assert empty.status_code == 200 and empty.get_json()["sets"] == []


def test_each_set_the_device_facilitates_once_in_the_devices_order(client: FlaskClient) -> None:
    first, second = create(client, "Ward leaders"), create(client, "Night shift")
    elsewhere = create(client, "Someone else's set")
    member = join(client, elsewhere, "Mo")
    tokens = [
        second["facilitator_token"],
        "not-a-token",
        member["participant_token"],
        first["facilitator_token"],
        second["facilitator_token"],
        "eyJzIjoiYWJjIn0.forged.signature",
        first["invite_token"],
    ]
    found = home(client, tokens)
    assert set_ids(found) == [second["set_id"], first["set_id"]]
    card = found["sets"][1]
    assert card == {
        "set_id": first["set_id"],
        "set_name": "Ward leaders",
        "your_name": "Fay",
        "role": "facilitator",
        "participant_token": first["facilitator_token"],
        "widget_url": f"http://localhost/w#{first['facilitator_token']}",
        "next_meeting": None,
        "open_actions": 0,
        "waiting": 0,
        "meeting": {
            "id": first["meeting_id"],
            "open": True,
            "phase": "opening",
            "started_ms": card["meeting"]["started_ms"],
        },
    }
    assert abs(card["meeting"]["started_ms"] - now_ms()) < 60_000


def test_the_roster_decides_not_the_link(client: FlaskClient, app: Flask) -> None:
    """A co-facilitator is listed; once made a member, or removed, or with an old link that
    named them facilitator, they are not."""
    created = create(client, "Ward leaders")
    cleo = join(client, created, "Cleo")
    roster_command(
        client, created, "set_role", participant_id=cleo["participant_id"], role="co_facilitator"
    )
    [card] = home(client, [cleo["participant_token"]])["sets"]
    assert (card["role"], card["your_name"]) == ("co_facilitator", "Cleo")
    roster_command(
        client, created, "set_role", participant_id=cleo["participant_id"], role="member"
    )
    assert home(client, [cleo["participant_token"]])["sets"] == []
    with app.app_context():
        old_link = legacy_token(app, created["set_id"], cleo["participant_id"], "facilitator")
    assert home(client, [old_link])["sets"] == []
    roster_command(
        client, created, "set_role", participant_id=cleo["participant_id"], role="co_facilitator"
    )
    roster_command(client, created, "remove_participant", participant_id=cleo["participant_id"])
    assert home(client, [cleo["participant_token"]])["sets"] == []


def test_a_facilitator_who_handed_over_the_lead_is_no_longer_listed(client: FlaskClient) -> None:
    created = create(client, "Ward leaders")
    ada = join(client, created, "Ada")
    roster_command(client, created, "hand_over", participant_id=ada["participant_id"])
    found = home(client, [created["facilitator_token"], ada["participant_token"]])
    assert [(c["your_name"], c["role"]) for c in found["sets"]] == [("Ada", "facilitator")]


def test_a_deleted_set_is_left_out(client: FlaskClient) -> None:
    gone, kept = create(client, "Gone"), create(client, "Kept")
    headers = bearer(gone["facilitator_token"])
    assert client.delete(f"/api/sets/{gone['set_id']}", headers=headers).status_code == 204
    found = home(client, [gone["facilitator_token"], kept["facilitator_token"]])
    assert set_ids(found) == [kept["set_id"]]


def test_the_counts_of_a_set_that_has_met_twice(app: Flask, client: FlaskClient) -> None:
    """Ada reported her action done at the second meeting; Bob's is still open. Two people wait
    in the lobby, one request has lapsed; the next date is planned."""
    life = lived(app, client)
    life.roster_command("set_admission", mode="ask")
    asked = {}
    for name in ("Wren", "Xan", "Yul"):
        body = {"invite_token": life.invite, "display_name": name}
        response = client.post("/api/join", json=body)
        assert response.status_code == 202
        asked[name] = response.get_json()["participant_id"]
    lapse(app, life.set_id, asked["Yul"])
    plan = plan_next_meeting(app, life.set_id)
    [card] = home(client, [life.tokens["Fay"]])["sets"]
    assert card["open_actions"] == 1
    assert card["waiting"] == 2
    assert card["meeting"]["open"] is False and card["meeting"]["phase"] == "closed"
    assert card["meeting"]["id"] == life.meeting_id
    assert card["next_meeting"] == schedule.next_meeting_view(plan)


def test_reports_made_in_the_open_meeting_count_already(app: Flask, client: FlaskClient) -> None:
    life = lived(app, client)
    started = client.post(f"/api/sets/{life.set_id}/meetings", headers=bearer(life.tokens["Fay"]))
    life.meeting_ids.append(started.get_json()["meeting_id"])
    life.come("Fay", "Bob")
    life.run("Fay", "advance_phase")
    with app.app_context():
        meeting = services().store.load_meeting(life.meeting_id)
    [bobs] = [a for a in meeting.report_back if a.owner_id == life.ids["Bob"]]
    assert home(client, [life.tokens["Fay"]])["sets"][0]["open_actions"] == 1
    life.run("Bob", "report_back", action_id=bobs.id, status="dropped")
    [card] = home(client, [life.tokens["Fay"]])["sets"]
    assert card["open_actions"] == 0
    assert (card["meeting"]["open"], card["meeting"]["phase"]) == (True, "check_in")


def test_a_set_whose_meeting_was_deleted_has_none(client: FlaskClient) -> None:
    created = create(client, "Ward leaders")
    headers = bearer(created["facilitator_token"])
    assert (
        client.delete(f"/api/meetings/{created['meeting_id']}", headers=headers).status_code == 204
    )
    [card] = home(client, [created["facilitator_token"]])["sets"]
    assert card["meeting"] is None


def lapse(app: Flask, set_id: str, person_id: str) -> None:
    """As if their request had waited its whole day unanswered."""

    def lapsed(kept: Roster) -> Roster:
        working = shapes.copied(kept)
        working.entries[person_id].expires_at_ms = now_ms() - 1
        working.version += 1
        return working

    with app.app_context():
        services().store.update_roster(set_id, lapsed)


def plan_next_meeting(app: Flask, set_id: str) -> NextMeeting:
    plan = NextMeeting("uid-1", "2031-03-04T10:00", "Europe/London", 90)
    with app.app_context():
        services().store.update_set(set_id, lambda s: replace(s, next_meeting=plan))
    return plan


@pytest.mark.parametrize(
    "body",
    [
        {"participant_tokens": "a-token"},
        {"participant_tokens": [1]},
        {"participant_tokens": [""]},
        {"participant_tokens": ["x" * 513]},
        {"participant_tokens": [f"t{n}" for n in range(21)]},
        {"participant_tokens": [], "teams_token": 42},
        {"participant_tokens": [], "teams_token": "x" * 8193},
        {"participant_tokens": [], "device": "mine"},
        [],
    ],
)
def test_bad_input_is_refused(client: FlaskClient, body: Any) -> None:
    assert_error(client.post("/api/home", json=body), 400, "invalid_input")


def test_a_body_that_is_not_json_is_refused(client: FlaskClient) -> None:
    response = client.post("/api/home", data="participant_tokens=x", content_type="text/plain")
    assert_error(response, 400, "invalid_input")


def test_a_teams_token_where_sign_in_is_off_shows_the_devices_sets_and_says_why(
    client: FlaskClient,
) -> None:
    created = create(client, "Ward leaders")
    found = home(client, [created["facilitator_token"]], teams_token="a-token")
    assert set_ids(found) == [created["set_id"]]
    assert found["signed_in_as"] is None
    assert found["teams_sign_in"]["error"] == "teams_sign_in_off"


@pytest.fixture
def counted(instance_path: Path, external_redis_url: str | None) -> FlaskClient:
    """An app whose budget is two requests a minute per address and endpoint."""
    limited = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance_path),
            "REDIS_URL": external_redis_url,
            "ASYNC_MODE": "threading",
            "HTTP_RATE": "2/minute",
        }
    )
    return limited.test_client()


def test_it_is_rate_limited_per_address_like_every_open_endpoint(counted: FlaskClient) -> None:
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"
    answers = [
        counted.post("/api/home", json={}, environ_base={"REMOTE_ADDR": address}).status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 429]
