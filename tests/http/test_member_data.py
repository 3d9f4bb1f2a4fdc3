"""A member's own notes, the set's history, the expected members, and who may reach each."""

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from companion.services import services
from tests.http.test_deletion import assert_error, join


@pytest.fixture
def created(client: FlaskClient) -> dict[str, Any]:
    body = {
        "set_name": "Ward leaders",
        "facilitator_name": "Fay",
        "expected_members": ["Ada", "Bob"],
        "admission": "open",
    }
    return client.post("/api/sets", json=body).get_json()


def get(client: FlaskClient, path: str, token: str | None) -> Any:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return client.get(path, headers=headers)


def test_the_expected_members_are_kept_by_the_set_and_its_meeting(
    app: Flask, created: dict[str, Any]
) -> None:
    with app.app_context():
        store = services().store
        assert store.load_set(created["set_id"]).expected_members == ["Ada", "Bob"]
        assert store.load_meeting(created["meeting_id"]).expected_members == ["Ada", "Bob"]


@pytest.mark.parametrize("expected", ["Ada", [1], [""], ["x" * 41], [f"P{n}" for n in range(31)]])
def test_a_bad_expected_list_is_refused(client: FlaskClient, expected: Any) -> None:
    body = {"set_name": "S", "facilitator_name": "Fay", "expected_members": expected}
    assert_error(client.post("/api/sets", json=body), 400, "invalid_input")


def test_notes_are_a_markdown_file_for_their_owner(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    member = join(client, created)
    response = get(client, "/api/me/notes.md", member["participant_token"])
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data(as_text=True).startswith("# My notes from Ward leaders")


def test_notes_need_a_token(client: FlaskClient) -> None:
    assert_error(get(client, "/api/me/notes.md", None), 401, "token_missing")


def test_history_is_for_the_sets_own_members(client: FlaskClient, created: dict[str, Any]) -> None:
    member = join(client, created)
    response = get(client, f"/api/sets/{created['set_id']}/history", member["participant_token"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["set_name"] == "Ward leaders"
    assert [(m["id"], m["phase"], m["summary"]) for m in body["meetings"]] == [
        (created["meeting_id"], "opening", None)
    ]
    other = client.post("/api/sets", json={"set_name": "O", "facilitator_name": "Oz"}).get_json()
    response = get(client, f"/api/sets/{created['set_id']}/history", other["facilitator_token"])
    assert_error(response, 404, "set_not_found")


def test_a_member_deletes_their_own_data(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    member = join(client, created)
    headers = {"Authorization": f"Bearer {member['participant_token']}"}
    assert client.delete("/api/me", headers=headers).status_code == 204
    with app.app_context():
        kept = services().store.load_roster(created["set_id"])
    assert member["participant_id"] not in kept.entries
    assert_error(client.delete("/api/me", headers=headers), 403, "not_a_member")


def test_the_lead_facilitator_hands_over_before_deleting(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    assert_error(client.delete("/api/me", headers=headers), 409, "is_lead")
