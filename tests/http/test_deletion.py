"""DELETE /api/meetings/<id> and DELETE /api/sets/<id>: who may, and what is left afterwards."""

import logging
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from companion import create_app
from companion.domain.model import Role
from companion.identity.tokens import Credential
from companion.logs import JsonFormatter
from companion.services import services
from tests.support import enrol, free_port, legacy_token


@pytest.fixture
def created(client: FlaskClient) -> dict[str, Any]:
    """A set with its first meeting, made through the API as a facilitator would."""
    body = {"set_name": "Ward leaders", "facilitator_name": "Fay", "admission": "open"}
    return client.post("/api/sets", json=body).get_json()


def join(client: FlaskClient, created: dict[str, Any], name: str = "Mo") -> dict[str, Any]:
    body = {"invite_token": created["invite_token"], "display_name": name}
    return client.post("/api/join", json=body).get_json()


def delete(client: FlaskClient, path: str, token: str | None) -> Any:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return client.delete(path, headers=headers)


def keys_mentioning(connection: redis.Redis, *ids: str) -> list[str]:
    return [key for key in connection.scan_iter("companion:*") if any(i in key for i in ids)]


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["error"] == code
    assert body["message"]


def test_a_facilitator_deletes_a_meeting(
    client: FlaskClient, created: dict[str, Any], redis_connection: redis.Redis
) -> None:
    meeting_id = created["meeting_id"]
    response = delete(client, f"/api/meetings/{meeting_id}", created["facilitator_token"])
    assert response.status_code == 204 and response.data == b""
    assert keys_mentioning(redis_connection, meeting_id) == []
    assert redis_connection.exists(f"companion:set:{created['set_id']}"), "the set stays"


def test_a_facilitator_deletes_the_whole_set(
    client: FlaskClient, created: dict[str, Any], redis_connection: redis.Redis
) -> None:
    join(client, created)
    response = delete(client, f"/api/sets/{created['set_id']}", created["facilitator_token"])
    assert response.status_code == 204 and response.data == b""
    ids = (created["set_id"], created["meeting_id"])
    assert keys_mentioning(redis_connection, *ids) == []


def test_a_co_facilitator_may_delete(client: FlaskClient, app: Flask, created: dict) -> None:
    with app.app_context():
        co = enrol(services().store, created["set_id"], "Cy", role=Role.CO_FACILITATOR.value)
        token = services().signer.participant_token(Credential(created["set_id"], co))
    response = delete(client, f"/api/meetings/{created['meeting_id']}", token)
    assert response.status_code == 204


@pytest.mark.parametrize("path", ["/api/meetings/{meeting_id}", "/api/sets/{set_id}"])
def test_a_member_is_refused_and_nothing_changes(
    client: FlaskClient, created: dict[str, Any], redis_connection: redis.Redis, path: str
) -> None:
    member = join(client, created)
    response = delete(client, path.format(**created), member["participant_token"])
    assert_error(response, 403, "not_allowed")
    assert redis_connection.exists(f"companion:meeting:{created['meeting_id']}")


def test_the_set_decides_the_role_not_the_token(
    client: FlaskClient, app: Flask, created: dict[str, Any]
) -> None:
    member = join(client, created)
    with app.app_context():
        old_link = legacy_token(app, created["set_id"], member["participant_id"], "facilitator")
    response = delete(client, f"/api/meetings/{created['meeting_id']}", old_link)
    assert_error(response, 403, "not_allowed")


def test_another_sets_records_are_not_found_and_kept(
    client: FlaskClient, created: dict[str, Any], redis_connection: redis.Redis
) -> None:
    other = client.post("/api/sets", json={"set_name": "Other", "facilitator_name": "Gus"})
    other_ids = other.get_json()
    token = created["facilitator_token"]
    assert_error(
        delete(client, f"/api/meetings/{other_ids['meeting_id']}", token),
        404,
        "meeting_not_found",
    )
    assert_error(delete(client, f"/api/sets/{other_ids['set_id']}", token), 404, "set_not_found")
    kept = keys_mentioning(redis_connection, other_ids["set_id"], other_ids["meeting_id"])
    assert len(kept) == 4, "the set, its roster, its index of meetings and its meeting"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "token_missing"),
        ({"Authorization": "Bearer"}, "token_missing"),
        ({"Authorization": "Basic Zm9vOmJhcg=="}, "token_missing"),
        ({"Authorization": "Bearer forged"}, "token_invalid"),
    ],
)
def test_a_missing_or_invalid_token_is_refused(
    client: FlaskClient, created: dict[str, Any], headers: dict[str, str], code: str
) -> None:
    for path in (f"/api/meetings/{created['meeting_id']}", f"/api/sets/{created['set_id']}"):
        assert_error(client.delete(path, headers=headers), 401, code)


def test_an_invite_token_cannot_delete(client: FlaskClient, created: dict[str, Any]) -> None:
    response = delete(client, f"/api/sets/{created['set_id']}", created["invite_token"])
    assert_error(response, 401, "token_invalid")


def test_deleting_twice_is_not_found_the_second_time(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    token = created["facilitator_token"]
    meeting_path, set_path = (
        f"/api/meetings/{created['meeting_id']}",
        f"/api/sets/{created['set_id']}",
    )
    assert delete(client, meeting_path, token).status_code == 204
    assert_error(delete(client, meeting_path, token), 404, "meeting_not_found")
    assert delete(client, set_path, token).status_code == 204
    assert_error(delete(client, set_path, token), 404, "set_not_found")
    assert_error(delete(client, meeting_path, token), 404, "set_not_found")


def test_deleting_while_redis_is_unreachable_answers_503(tmp_path: Path) -> None:
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
            "ASYNC_MODE": "threading",
        }
    )
    with app.app_context():
        token = services().signer.participant_token(Credential("s", "p"))
    client = app.test_client()
    assert_error(delete(client, "/api/meetings/m", token), 503, "unavailable")
    assert_error(delete(client, "/api/sets/s", token), 503, "unavailable")


def test_deletions_are_logged_with_ids_only(
    client: FlaskClient, created: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="companion"):
        delete(client, f"/api/sets/{created['set_id']}", created["facilitator_token"])
    lines = [JsonFormatter().format(r) for r in caplog.records if r.getMessage() == "set.deleted"]
    assert len(lines) == 1 and created["meeting_id"] in lines[0]
    assert "Ward leaders" not in lines[0] and "Fay" not in lines[0]
