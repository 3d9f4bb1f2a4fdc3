"""Teams sign-in on the roster: a verified person is known on any device without links, under any
name; a removed one stays out; a token that cannot be verified never stops anyone joining.

The tokens are signed by the stand-in Entra ID of ``tests/identity/entra.py`` and fetched keys and
all are verified for real by the app, whose JWKS address is that stand-in's server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from companion import create_app
from companion.services import services
from tests.identity import entra

MakeToken = Callable[..., str]
OTHER_OID = "9d1f3b5a-7c2e-4e6a-8b0d-1f3e5a7c9b2d"


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
def created(client: FlaskClient) -> dict[str, Any]:
    body = {"set_name": "Ward leaders", "facilitator_name": "Fay"}
    return client.post("/api/sets", json=body).get_json()


def join(client: FlaskClient, created: dict[str, Any], name: str, **more: Any) -> Any:
    body = {"invite_token": created["invite_token"], "display_name": name, **more}
    return client.post("/api/join", json=body)


def rejoin(client: FlaskClient, created: dict[str, Any], **more: Any) -> Any:
    return client.post("/api/rejoin", json={"invite_token": created["invite_token"], **more})


def as_facilitator(client: FlaskClient, created: dict[str, Any], command: str, **args: Any) -> Any:
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    return client.post(
        f"/api/sets/{created['set_id']}/roster/{command}", json=args, headers=headers
    )


def roster_of(client: FlaskClient, created: dict[str, Any]) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    return client.get(f"/api/sets/{created['set_id']}/roster", headers=headers).get_json()["people"]


def test_a_verified_newcomer_waits_marked_as_signed_in(
    client: FlaskClient, created: dict[str, Any], entra_token: MakeToken
) -> None:
    asked = join(client, created, "Noor", teams_token=entra_token())
    assert asked.status_code == 202 and "teams_sign_in" not in asked.get_json()
    person = next(p for p in roster_of(client, created) if p["name"] == "Noor")
    assert (person["came_by"], person["verified"]) == ("teams", True)


def test_once_in_they_are_recognised_on_any_device_without_a_link(
    client: FlaskClient, created: dict[str, Any], entra_token: MakeToken
) -> None:
    asked = join(client, created, "Noor", teams_token=entra_token()).get_json()
    as_facilitator(client, created, "admit", participant_id=asked["participant_id"])
    again = rejoin(client, created, teams_token=entra_token())
    assert again.status_code == 200
    assert (again.get_json()["participant_id"], again.get_json()["status"]) == (
        asked["participant_id"],
        "active",
    )
    other_name = join(client, created, "N. Haddad", teams_token=entra_token())
    assert other_name.status_code == 200, "known by who they are, not the name they type"
    assert other_name.get_json()["participant_id"] == asked["participant_id"]


def test_someone_removed_stays_out_under_any_name_and_on_any_device(
    client: FlaskClient, created: dict[str, Any], entra_token: MakeToken
) -> None:
    asked = join(client, created, "Noor", teams_token=entra_token()).get_json()
    as_facilitator(client, created, "admit", participant_id=asked["participant_id"])
    as_facilitator(client, created, "remove_participant", participant_id=asked["participant_id"])
    refused = rejoin(client, created, teams_token=entra_token())
    assert (refused.status_code, refused.get_json()["error"]) == (403, "removed")
    disguised = join(client, created, "Someone new", teams_token=entra_token())
    assert disguised.status_code == 202
    body = disguised.get_json()
    assert body["participant_id"] == asked["participant_id"], "the same entry, flagged"
    entry = next(p for p in roster_of(client, created) if p["id"] == asked["participant_id"])
    assert (entry["removed_before"], entry["former_name"]) == (True, "Noor")


def test_a_device_link_is_bound_to_the_identity_signed_in_with_it(
    client: FlaskClient, created: dict[str, Any], entra_token: MakeToken
) -> None:
    as_facilitator(client, created, "set_admission", mode="open")
    mo = join(client, created, "Mo").get_json()
    bound = rejoin(
        client, created, participant_tokens=[mo["participant_token"]], teams_token=entra_token()
    )
    assert bound.status_code == 200 and bound.get_json()["participant_id"] == mo["participant_id"]
    anywhere = rejoin(client, created, teams_token=entra_token())
    assert anywhere.get_json()["participant_id"] == mo["participant_id"]
    someone_else = rejoin(
        client,
        created,
        participant_tokens=[mo["participant_token"]],
        teams_token=entra_token(object_id=OTHER_OID),
    )
    assert someone_else.status_code == 404, "Mo's link does not make another account Mo"


@pytest.mark.parametrize(
    ("knobs", "code"),
    [
        ({"expires_in": -600}, "teams_token_expired"),
        ({"client_id": "00000000-0000-0000-0000-000000000001"}, "teams_wrong_audience"),
        ({"set_claims": {"iss": "https://login.example.com/x/v2.0"}}, "teams_wrong_issuer"),
        ({"tenant_id": entra.OTHER_TENANT_ID}, "teams_wrong_tenant"),
        ({"algorithm": "none"}, "teams_bad_algorithm"),
    ],
)
def test_a_token_not_believed_never_stops_anyone_joining_and_says_why(
    client: FlaskClient,
    created: dict[str, Any],
    entra_token: MakeToken,
    knobs: dict[str, Any],
    code: str,
) -> None:
    asked = join(client, created, "Guest", teams_token=entra_token(**knobs))
    assert asked.status_code == 202, "into the lobby, as anyone without a token"
    assert asked.get_json()["teams_sign_in"]["error"] == code
    assert asked.get_json()["teams_sign_in"]["message"]
    refused = rejoin(client, created, teams_token=entra_token(**knobs))
    assert refused.get_json()["error"] == code, "recognising someone needs a believed token"


def test_the_founder_signed_in_in_teams_is_bound_from_the_start(
    client: FlaskClient, signing_in: Flask, entra_token: MakeToken
) -> None:
    body = {"set_name": "Set", "facilitator_name": "Fay", "teams_token": entra_token()}
    created = client.post("/api/sets", json=body).get_json()
    with signing_in.app_context():
        founder = services().store.load_roster(created["set_id"]).entries[created["participant_id"]]
    assert founder.identity is not None and founder.identity.object_id == entra.MEMBER_OID
    assert (
        rejoin(client, created, teams_token=entra_token()).get_json()["participant_id"]
        == (created["participant_id"])
    )


def test_without_sign_in_set_up_a_token_is_ignored_with_the_reason(
    app: Flask, entra_token: MakeToken
) -> None:
    client = app.test_client()
    created = client.post("/api/sets", json={"set_name": "S", "facilitator_name": "F"}).get_json()
    asked = join(client, created, "Noor", teams_token=entra_token())
    assert asked.status_code == 202
    assert asked.get_json()["teams_sign_in"]["error"] == "teams_sign_in_off"
