"""The JSON API that creates sets and admits members."""

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from companion.services import services


def create(client: FlaskClient, **overrides: Any) -> Any:
    body = {"set_name": "Ward leaders", "facilitator_name": "Fay", **overrides}
    return client.post("/api/sets", json=body)


def test_creating_a_set_returns_two_different_signed_links(client: FlaskClient, app: Flask) -> None:
    response = create(client)
    assert response.status_code == 201
    created = response.get_json()
    assert created["facilitator_token"] != created["invite_token"]
    assert created["facilitator_url"].endswith("/w#" + created["facilitator_token"])
    assert created["invite_url"].endswith("/join#" + created["invite_token"])
    with app.app_context():
        signer = services().signer
        assert signer.read_invite(created["invite_token"]).set_id == created["set_id"]
        credential = signer.read_participant(created["facilitator_token"])
        founder = services().store.load_roster(created["set_id"]).entries[credential.participant_id]
    assert credential.participant_id == created["participant_id"]
    assert founder.role.value == "facilitator", "the roster says who leads, not the link"


def test_links_are_unguessable_and_unique(client: FlaskClient) -> None:
    first, second = create(client).get_json(), create(client).get_json()
    assert first["invite_token"] != second["invite_token"]
    assert first["set_id"] != second["set_id"]
    assert len(first["set_id"]) >= 16


def test_an_invite_cannot_be_used_as_a_facilitator_link(client: FlaskClient, app: Flask) -> None:
    created = create(client).get_json()
    with app.app_context(), pytest.raises(Exception) as refused:
        services().signer.read_participant(created["invite_token"])
    assert getattr(refused.value, "code", None) == "token_invalid"


def test_joining_with_the_invite_returns_a_member_link(client: FlaskClient) -> None:
    created = create(client).get_json()
    response = client.post(
        "/api/join", json={"invite_token": created["invite_token"], "display_name": "  Mo  "}
    )
    assert response.status_code == 202, "by default a newcomer waits for the facilitator"
    joined = response.get_json()
    assert (joined["status"], joined["display_name"]) == ("waiting", "Mo")
    assert joined["set_id"] == created["set_id"]
    assert joined["widget_url"].endswith("/w#" + joined["participant_token"])
    assert joined["participant_token"] not in (
        created["facilitator_token"],
        created["invite_token"],
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"set_name": "", "facilitator_name": "Fay"}, "set_name"),
        ({"set_name": "x" * 81, "facilitator_name": "Fay"}, "set_name"),
        ({"set_name": "Set", "facilitator_name": "F" * 41}, "facilitator_name"),
        ({"set_name": 7, "facilitator_name": "Fay"}, "set_name"),
        ({"set_name": "Set"}, "facilitator_name"),
        ({"set_name": "Set", "facilitator_name": "Fay", "admin": True}, "admin"),
        ({"set_name": "Bad\u0000name", "facilitator_name": "Fay"}, "set_name"),
    ],
)
def test_bad_create_bodies_are_refused_clearly(client: FlaskClient, body: dict, field: str) -> None:
    response = client.post("/api/sets", json=body)
    assert response.status_code == 400
    error = response.get_json()
    assert error["error"] == "invalid_input"
    assert error["message"].startswith(field)


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b""])
def test_non_object_bodies_are_refused(client: FlaskClient, payload: bytes) -> None:
    response = client.post("/api/sets", data=payload, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_input"


@pytest.mark.parametrize(
    ("token", "code"),
    [("not-a-token", "token_invalid"), ("eyJzIjoiYSJ9.AAAAAA.forged", "token_invalid")],
)
def test_a_bad_invite_is_refused(client: FlaskClient, token: str, code: str) -> None:
    response = client.post("/api/join", json={"invite_token": token, "display_name": "Mo"})
    assert response.status_code == 401
    assert response.get_json()["error"] == code


def test_an_expired_invite_is_refused(app: Flask, client: FlaskClient) -> None:
    created = create(client).get_json()
    services_of_app = app.extensions["companion"]
    services_of_app.signer.max_age_seconds = -1
    response = client.post(
        "/api/join", json={"invite_token": created["invite_token"], "display_name": "Mo"}
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "token_expired"


def test_unknown_api_paths_answer_in_the_same_shape(client: FlaskClient) -> None:
    response = client.post("/api/nothing-here", json={})
    assert response.status_code == 404


def test_wrong_method_is_refused_in_the_same_shape(client: FlaskClient) -> None:
    response = client.get("/api/sets")
    assert response.status_code == 405
    assert set(response.get_json()) == {"error", "message"}
