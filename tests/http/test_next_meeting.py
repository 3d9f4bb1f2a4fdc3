"""POST /api/sets/<id>/meetings: a facilitator starts the set's next meeting, once the last ended.

The set's links (the invite and everyone's own) lead to the new meeting; its contract, who agreed
to it, and its settings come with it from the set.
"""

from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from companion.domain.model import Phase
from companion.services import services
from tests.http.test_deletion import assert_error, join


@pytest.fixture
def created(client: FlaskClient) -> dict[str, Any]:
    body = {"set_name": "Ward leaders", "facilitator_name": "Fay", "admission": "open"}
    return client.post("/api/sets", json=body).get_json()


def start(client: FlaskClient, set_id: str, token: str | None) -> Any:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return client.post(f"/api/sets/{set_id}/meetings", headers=headers)


def end(app: Flask, meeting_id: str) -> None:
    with app.app_context():
        services().store.update_meeting(
            meeting_id, lambda m: replace(m, phase=Phase.CLOSED, version=m.version + 1)
        )


def test_the_next_meeting_starts_once_the_last_has_ended(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    end(app, created["meeting_id"])
    response = start(client, created["set_id"], created["facilitator_token"])
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"set_id", "meeting_id"} and body["set_id"] == created["set_id"]
    assert body["meeting_id"] != created["meeting_id"]
    with app.app_context():
        store = services().store
        assert store.load_set(created["set_id"]).current_meeting_id == body["meeting_id"]
        assert store.load_meeting(body["meeting_id"]).phase is Phase.OPENING
        assert store.load_meeting(created["meeting_id"]).phase is Phase.CLOSED, "history kept"


def test_a_meeting_still_open_is_not_abandoned(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    response = start(client, created["set_id"], created["facilitator_token"])
    assert_error(response, 409, "meeting_open")


def test_a_member_cannot_start_one(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    end(app, created["meeting_id"])
    member = join(client, created)
    assert_error(start(client, created["set_id"], member["participant_token"]), 403, "not_allowed")


def test_no_token_or_a_bad_one_is_refused(client: FlaskClient, created: dict[str, Any]) -> None:
    assert_error(start(client, created["set_id"], None), 401, "token_missing")
    assert_error(start(client, created["set_id"], "nonsense"), 401, "token_invalid")


def test_another_sets_id_is_not_found(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    other = client.post("/api/sets", json={"set_name": "Other", "facilitator_name": "Oz"})
    end(app, created["meeting_id"])
    response = start(client, created["set_id"], other.get_json()["facilitator_token"])
    assert_error(response, 404, "set_not_found")


def test_the_same_links_lead_to_the_next_meeting(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    member = join(client, created, "Mo")
    end(app, created["meeting_id"])
    started = start(client, created["set_id"], created["facilitator_token"]).get_json()
    later = join(client, created, "Lu")
    with app.app_context():
        learning_set = services().store.load_set(created["set_id"])
        kept = services().store.load_roster(created["set_id"])
    assert learning_set.current_meeting_id == started["meeting_id"]
    assert {member["participant_id"], later["participant_id"]} <= set(kept.entries)
