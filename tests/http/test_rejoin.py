"""POST /api/rejoin: an invite opened on a device that already holds someone's link to the set.

The device sends every participant link it remembers; the server answers the first that is still
someone in that set, so the person continues as themselves instead of joining a second time.
Anything else the device remembers (other sets, stale or garbled links) is quietly passed over.
"""

import time
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from companion.domain.model import Roster
from companion.identity.tokens import Credential
from companion.services import services

REJOIN_FIELDS = {
    "set_id",
    "participant_id",
    "display_name",
    "status",
    "participant_token",
    "widget_url",
}


def create(client: FlaskClient, set_name: str = "Ward leaders", name: str = "Fay") -> Any:
    body = {"set_name": set_name, "facilitator_name": name, "admission": "open"}
    response = client.post("/api/sets", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def join(client: FlaskClient, created: dict[str, Any], name: str) -> dict[str, Any]:
    body = {"invite_token": created["invite_token"], "display_name": name}
    response = client.post("/api/join", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def rejoin(client: FlaskClient, invite_token: Any, tokens: Any) -> Any:
    return client.post(
        "/api/rejoin", json={"invite_token": invite_token, "participant_tokens": tokens}
    )


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Every error has the one documented shape, with a sentence a person can read."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "message"}, body
    assert body["error"] == code
    assert isinstance(body["message"], str) and body["message"].strip()
    return body


@pytest.fixture
def created(client: FlaskClient) -> dict[str, Any]:
    return create(client)


@pytest.fixture
def mo(client: FlaskClient, created: dict[str, Any]) -> dict[str, Any]:
    return join(client, created, "  Mo  ")


def test_a_remembered_member_link_answers_that_person(
    client: FlaskClient, created: dict[str, Any], mo: dict[str, Any]
) -> None:
    response = rejoin(client, created["invite_token"], [mo["participant_token"]])
    assert response.status_code == 200, response.get_data(as_text=True)
    known = response.get_json()
    assert set(known) == REJOIN_FIELDS
    assert known["set_id"] == created["set_id"]
    assert known["participant_id"] == mo["participant_id"]
    assert known["display_name"] == "Mo", "the name as the set holds it, trimmed"
    assert known["participant_token"] == mo["participant_token"]
    assert known["widget_url"] == mo["widget_url"]
    assert known["widget_url"].endswith("/w#" + mo["participant_token"])


def test_rejoining_adds_nobody_to_the_set(
    client: FlaskClient, app: Flask, created: dict[str, Any], mo: dict[str, Any]
) -> None:
    """The point of the endpoint: a second visit to the invite is not a second member."""
    with app.app_context():
        before = services().store.load_roster(created["set_id"])
    for _ in range(3):
        response = rejoin(client, created["invite_token"], [mo["participant_token"]])
        assert response.status_code == 200
        assert response.get_json()["status"] == "active"
    with app.app_context():
        after = services().store.load_roster(created["set_id"])
    assert after == before
    assert sorted(m.name for m in after.entries.values()) == ["Fay", "Mo"]


def test_the_facilitators_own_link_is_recognised_too(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    response = rejoin(client, created["invite_token"], [created["facilitator_token"]])
    assert response.status_code == 200
    known = response.get_json()
    assert known["participant_id"] == created["participant_id"]
    assert known["display_name"] == "Fay"
    assert known["widget_url"] == created["facilitator_url"]


def test_the_first_matching_link_wins(
    client: FlaskClient, created: dict[str, Any], mo: dict[str, Any]
) -> None:
    ida = join(client, created, "Ida")
    first = rejoin(
        client, created["invite_token"], [ida["participant_token"], mo["participant_token"]]
    )
    second = rejoin(
        client, created["invite_token"], [mo["participant_token"], ida["participant_token"]]
    )
    assert first.status_code == second.status_code == 200
    assert first.get_json()["participant_id"] == ida["participant_id"]
    assert second.get_json()["participant_id"] == mo["participant_id"]


def test_links_that_cannot_be_this_set_are_skipped_not_refused(
    client: FlaskClient, created: dict[str, Any], mo: dict[str, Any]
) -> None:
    other = create(client, "Another set", "Gus")
    gus_member = join(client, other, "Ola")
    remembered = [
        other["facilitator_token"],  # a participant of another set
        gus_member["participant_token"],  # another set's member
        "garbled-not-a-token",  # unreadable
        mo["participant_token"][:-4] + "AAAA",  # a real link with its signature altered
        created["invite_token"],  # an invite is not a participant link
        mo["participant_token"],
    ]
    response = rejoin(client, created["invite_token"], remembered)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["participant_id"] == mo["participant_id"]


def test_nothing_matching_is_not_recognised(
    client: FlaskClient, created: dict[str, Any], mo: dict[str, Any]
) -> None:
    other = create(client, "Another set", "Gus")
    remembered = [
        other["facilitator_token"],
        "garbled-not-a-token",
        created["invite_token"],
        other["invite_token"],
    ]
    body = assert_error(rejoin(client, created["invite_token"], remembered), 404, "not_recognised")
    assert mo["participant_token"] not in body["message"]


def test_a_link_for_someone_no_longer_in_the_set_is_skipped(
    client: FlaskClient, app: Flask, created: dict[str, Any], mo: dict[str, Any]
) -> None:
    """Membership is what the set holds now, not what the signed link once said."""
    ida = join(client, created, "Ida")

    def without_mo(kept: Roster) -> Roster:
        entries = {k: v for k, v in kept.entries.items() if k != mo["participant_id"]}
        return replace(kept, entries=entries, version=kept.version + 1)

    with app.app_context():
        services().store.update_roster(created["set_id"], without_mo)
    alone = rejoin(client, created["invite_token"], [mo["participant_token"]])
    assert_error(alone, 404, "not_recognised")
    with_ida = rejoin(
        client, created["invite_token"], [mo["participant_token"], ida["participant_token"]]
    )
    assert with_ida.status_code == 200
    assert with_ida.get_json()["participant_id"] == ida["participant_id"]


def test_an_expired_link_is_skipped_even_with_a_fresh_invite(
    client: FlaskClient, app: Flask, created: dict[str, Any], mo: dict[str, Any]
) -> None:
    """A device may hold a link older than the tokens' maximum age: it is passed over, and the
    answer is about the links (not recognised), not about the invite."""
    ida = join(client, created, "Ida")
    signer = app.extensions["companion"].signer
    signer.max_age_seconds = 1
    time.sleep(2.1)  # both member links are now older than a second
    with app.app_context():
        fresh_invite = services().signer.invite_token(created["set_id"], 0)
        fresh_mo = services().signer.participant_token(
            Credential(created["set_id"], mo["participant_id"])
        )
    assert_error(rejoin(client, fresh_invite, [ida["participant_token"]]), 404, "not_recognised")
    response = rejoin(client, fresh_invite, [ida["participant_token"], fresh_mo])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["participant_id"] == mo["participant_id"]


@pytest.mark.parametrize("invite", ["not-a-token", "eyJzIjoiYSJ9.AAAAAA.forged"])
def test_an_invalid_invite_is_refused(client: FlaskClient, mo: dict[str, Any], invite: str) -> None:
    assert_error(rejoin(client, invite, [mo["participant_token"]]), 401, "token_invalid")


def test_a_participant_link_is_no_invite(
    client: FlaskClient, created: dict[str, Any], mo: dict[str, Any]
) -> None:
    response = rejoin(client, mo["participant_token"], [mo["participant_token"]])
    assert_error(response, 401, "token_invalid")


def test_an_expired_invite_is_refused(
    app: Flask, client: FlaskClient, created: dict[str, Any], mo: dict[str, Any]
) -> None:
    app.extensions["companion"].signer.max_age_seconds = -1
    response = rejoin(client, created["invite_token"], [mo["participant_token"]])
    assert_error(response, 401, "token_expired")


def test_a_deleted_set_is_not_found(
    client: FlaskClient, created: dict[str, Any], mo: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    assert client.delete(f"/api/sets/{created['set_id']}", headers=headers).status_code == 204
    response = rejoin(client, created["invite_token"], [mo["participant_token"]])
    assert_error(response, 404, "set_not_found")


def _twenty_one(created: dict[str, Any]) -> list[str]:
    return ["garbled"] * 20 + [created["facilitator_token"]]


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda c: {"participant_tokens": [c["facilitator_token"]]}, "invite_token"),
        (lambda c: {"invite_token": c["invite_token"]}, "participant_tokens"),
        (lambda c: {"invite_token": "", "participant_tokens": ["x"]}, "invite_token"),
        (lambda c: {"invite_token": 7, "participant_tokens": ["x"]}, "invite_token"),
        (
            lambda c: {"invite_token": c["invite_token"], "participant_tokens": []},
            "participant_tokens",
        ),
        (
            lambda c: {"invite_token": c["invite_token"], "participant_tokens": _twenty_one(c)},
            "participant_tokens",
        ),
        (
            lambda c: {"invite_token": c["invite_token"], "participant_tokens": [5]},
            "participant_tokens",
        ),
        (
            lambda c: {"invite_token": c["invite_token"], "participant_tokens": [None]},
            "participant_tokens",
        ),
        (
            lambda c: {"invite_token": c["invite_token"], "participant_tokens": [""]},
            "participant_tokens",
        ),
        (
            lambda c: {
                "invite_token": c["invite_token"],
                "participant_tokens": c["facilitator_token"],
            },
            "participant_tokens",
        ),
        (
            lambda c: {
                "invite_token": c["invite_token"],
                "participant_tokens": [c["facilitator_token"]],
                "display_name": "Mo",
            },
            "display_name",
        ),
    ],
    ids=[
        "no-invite",
        "no-tokens",
        "empty-invite",
        "number-invite",
        "empty-list",
        "21-tokens",
        "number-token",
        "null-token",
        "empty-token",
        "string-not-list",
        "unknown-field",
    ],
)
def test_bad_bodies_are_refused_clearly(
    client: FlaskClient, created: dict[str, Any], build: Any, field: str
) -> None:
    body = assert_error(client.post("/api/rejoin", json=build(created)), 400, "invalid_input")
    assert body["message"].startswith(field), body["message"]


def test_a_bad_link_in_the_list_is_described_in_words(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    """The message is "a sentence for a person" (docs/protocol.md), so a problem with one item of
    the list must not come out as Python data such as ``{1: ['Not a valid string.']}``."""
    messages = []
    for bad_item in (5, None, ""):
        tokens = [created["facilitator_token"], bad_item]
        body = assert_error(rejoin(client, created["invite_token"], tokens), 400, "invalid_input")
        assert body["message"].startswith("participant_tokens")
        messages.append(body["message"])
    assert [m for m in messages if set("{}[]'") & set(m)] == [], messages


def test_twenty_tokens_are_accepted(client: FlaskClient, created: dict[str, Any]) -> None:
    """The limit is the 20 links a device keeps, so a full device is never refused."""
    tokens = ["garbled"] * 19 + [created["facilitator_token"]]
    response = rejoin(client, created["invite_token"], tokens)
    assert response.status_code == 200
    assert response.get_json()["participant_id"] == created["participant_id"]


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b"", b"null", b'"a string"'])
def test_non_object_bodies_are_refused(client: FlaskClient, payload: bytes) -> None:
    response = client.post("/api/rejoin", data=payload, content_type="application/json")
    assert_error(response, 400, "invalid_input")


def test_a_body_without_the_json_content_type_is_refused(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    response = client.post(
        "/api/rejoin",
        data=f'{{"invite_token": "{created["invite_token"]}", "participant_tokens": ["x"]}}',
        content_type="text/plain",
    )
    assert_error(response, 400, "invalid_input")


def test_only_post_is_allowed(client: FlaskClient) -> None:
    assert_error(client.get("/api/rejoin"), 405, "method_not_allowed")
