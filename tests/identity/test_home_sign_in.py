"""A facilitator's home with sign-in with Teams: on a device that holds no link, the verified
identity finds every set whose roster has it as a facilitator now (through the store's identity
index), each with a freshly signed link of the person's own. Tokens come from the stand-in Entra
ID of tests/identity/entra.py and are verified for real against its JWKS server."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from companion import create_app
from tests.identity import entra

MakeToken = Callable[..., str]


@pytest.fixture
def signing_in(
    instance_path: Path, external_redis_url: str | None, jwks_server: entra.JwksServer
) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance_path),
            "REDIS_URL": external_redis_url,
            "ASYNC_MODE": "threading",
            "TEAMS_CLIENT_ID": entra.CLIENT_ID,
            "TEAMS_TENANT_IDS": [entra.TENANT_ID],
            "TEAMS_JWKS_URL": jwks_server.url,
        }
    )


@pytest.fixture
def client(signing_in: Flask) -> FlaskClient:
    return signing_in.test_client()


@pytest.fixture
def fay(entra_token: MakeToken) -> MakeToken:
    """Fay's Teams sign-in: an identity of this test's own, so no other test's sets are hers."""
    object_id = str(uuid.uuid4())
    return lambda **knobs: entra_token(object_id=object_id, name="Fay Okafor", **knobs)


def create(client: FlaskClient, name: str, **more: Any) -> dict[str, Any]:
    body = {"set_name": name, "facilitator_name": "Fay", "admission": "open", **more}
    response = client.post("/api/sets", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def home(client: FlaskClient, tokens: list[str], teams_token: str) -> dict[str, Any]:
    body = {"participant_tokens": tokens, "teams_token": teams_token}
    response = client.post("/api/home", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def as_lead(client: FlaskClient, created: dict[str, Any], command: str, **args: Any) -> None:
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    path = f"/api/sets/{created['set_id']}/roster/{command}"
    assert client.post(path, json=args, headers=headers).status_code == 200


def test_the_page_asks_teams_for_a_token_where_sign_in_is_set_up(client: FlaskClient) -> None:
    page = client.get("/home").get_data(as_text=True)
    assert '<meta name="companion-teams-sign-in" content="on">' in page


def test_on_a_new_device_the_identity_finds_the_sets_it_founded(
    client: FlaskClient, fay: MakeToken
) -> None:
    night = create(client, "Night shift", teams_token=fay())
    ward = create(client, "Ward leaders", teams_token=fay())
    create(client, "Someone else's set")
    found = home(client, [], fay())
    assert found["signed_in_as"] == "Fay Okafor"
    assert [card["set_id"] for card in found["sets"]] == [night["set_id"], ward["set_id"]], (
        "by name"
    )
    card = found["sets"][1]
    # Signed afresh for her, as the founder she is (the same bytes only within the second).
    assert card["participant_token"].split(".")[0] == ward["facilitator_token"].split(".")[0]
    assert card["widget_url"].endswith(f"#{card['participant_token']}")
    headers = {"Authorization": f"Bearer {card['participant_token']}"}
    roster = client.get(f"/api/sets/{ward['set_id']}/roster", headers=headers)
    assert roster.status_code == 200, "the link works as hers: she facilitates"


def test_the_devices_links_come_first_and_no_set_comes_twice(
    client: FlaskClient, fay: MakeToken
) -> None:
    held = create(client, "Held on this device", teams_token=fay())
    elsewhere = create(client, "Another", teams_token=fay())
    found = home(client, [held["facilitator_token"]], fay())
    assert [card["set_id"] for card in found["sets"]] == [held["set_id"], elsewhere["set_id"]]
    assert found["sets"][0]["participant_token"] == held["facilitator_token"]


def test_only_sets_the_identity_facilitates_now(client: FlaskClient, fay: MakeToken) -> None:
    """Fay signs in to Gus's set as a member: not hers to run, until Gus makes her a
    co-facilitator; once removed, it is not hers again."""
    gus = create(client, "Gus's set")
    body = {"invite_token": gus["invite_token"], "display_name": "Fay", "teams_token": fay()}
    joined = client.post("/api/join", json=body).get_json()
    assert home(client, [], fay())["sets"] == []
    as_lead(client, gus, "set_role", participant_id=joined["participant_id"], role="co_facilitator")
    [card] = home(client, [], fay())["sets"]
    assert (card["set_id"], card["role"]) == (gus["set_id"], "co_facilitator")
    as_lead(client, gus, "remove_participant", participant_id=joined["participant_id"])
    assert home(client, [], fay())["sets"] == []


def test_a_deleted_set_is_gone_from_the_home(client: FlaskClient, fay: MakeToken) -> None:
    created = create(client, "Ward leaders", teams_token=fay())
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    assert client.delete(f"/api/sets/{created['set_id']}", headers=headers).status_code == 204
    assert home(client, [], fay())["sets"] == []


def test_someone_else_signed_in_finds_none_of_them(
    client: FlaskClient, fay: MakeToken, entra_token: MakeToken
) -> None:
    create(client, "Ward leaders", teams_token=fay())
    stranger = entra_token(object_id=str(uuid.uuid4()), name="")
    found = home(client, [], stranger)
    assert (found["sets"], found["signed_in_as"]) == ([], None)


@pytest.mark.parametrize(
    ("knobs", "code"),
    [
        ({"expires_in": -600}, "teams_token_expired"),
        ({"tenant_id": entra.OTHER_TENANT_ID}, "teams_wrong_tenant"),
        ({"client_id": "00000000-0000-0000-0000-000000000001"}, "teams_wrong_audience"),
    ],
)
def test_a_token_not_believed_shows_the_devices_sets_and_says_why(
    client: FlaskClient, fay: MakeToken, knobs: dict[str, Any], code: str
) -> None:
    held = create(client, "Held on this device")
    create(client, "Only by sign-in", teams_token=fay())
    found = home(client, [held["facilitator_token"]], fay(**knobs))
    assert [card["set_id"] for card in found["sets"]] == [held["set_id"]]
    assert found["signed_in_as"] is None
    assert found["teams_sign_in"]["error"] == code and found["teams_sign_in"]["message"]
