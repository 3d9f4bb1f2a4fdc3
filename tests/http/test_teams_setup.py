"""What the Teams tab's setup needs from the server: its page, the sets a device facilitates with
their invite links, and the vendored Teams library (loaded only when the widget is framed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from tests.support import REPO_ROOT

VENDORED = REPO_ROOT / "companion" / "static" / "vendor" / "teams-js"
FROM_NPM = REPO_ROOT / "node_modules" / "@microsoft" / "teams-js"


def create(client: FlaskClient, name: str = "Ward leaders") -> dict:
    body = {"set_name": name, "facilitator_name": "Fay", "admission": "open"}
    response = client.post("/api/sets", json=body)
    assert response.status_code == 201
    return response.get_json()


def join(client: FlaskClient, invite_token: str, name: str = "Ola") -> dict:
    response = client.post("/api/join", json={"invite_token": invite_token, "display_name": name})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def facilitated(client: FlaskClient, tokens: list[str]) -> list[dict]:
    response = client.post("/api/facilitated-sets", json={"participant_tokens": tokens})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["sets"]


def test_the_setup_page_renders_with_the_frame_ancestors_for_the_teams_library(
    client: FlaskClient, app: Flask
) -> None:
    page = client.get("/teams/config").get_data(as_text=True)
    assert 'id="config-form"' in page and "teams_config.js" in page
    ancestors = escape(app.config["FRAME_ANCESTORS"])
    assert f'name="companion-frame-ancestors" content="{ancestors}"' in page


def test_the_policy_lets_the_teams_library_fetch_its_host_list_and_nothing_else_new(
    client: FlaskClient,
) -> None:
    policy = client.get("/teams/config").headers["Content-Security-Policy"]
    assert "connect-src 'self' https://res.cdn.office.net;" in policy
    assert "script-src 'self';" in policy


def test_a_device_learns_which_of_its_sets_it_facilitates_with_each_invite_link(
    client: FlaskClient,
) -> None:
    first, second = create(client, "First set"), create(client, "Second set")
    member = join(client, first["invite_token"])
    found = facilitated(
        client,
        [member["participant_token"], second["facilitator_token"], first["facilitator_token"]],
    )
    assert [(s["set_id"], s["set_name"]) for s in found] == [
        (second["set_id"], "Second set"),
        (first["set_id"], "First set"),
    ]
    invite = found[1]["invite_url"]
    assert invite.startswith("http://localhost/join#")
    joined = join(client, invite.split("#", 1)[1], "Sam")
    assert joined["set_id"] == first["set_id"]


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "a" * 300, "eyJzIjoiYWJjIn0.forged.signature"],
)
def test_links_that_are_not_facilitator_links_are_left_out_unsaid(
    client: FlaskClient, token: str
) -> None:
    assert facilitated(client, [token]) == []


def test_a_deleted_set_is_left_out(client: FlaskClient) -> None:
    created = create(client)
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    assert client.delete(f"/api/sets/{created['set_id']}", headers=headers).status_code == 204
    assert facilitated(client, [created["facilitator_token"]]) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"participant_tokens": []},
        {"participant_tokens": "one"},
        {"participant_tokens": [1]},
        {"participant_tokens": ["x"] * 21},
        {"participant_tokens": ["x"], "extra": 1},
    ],
)
def test_malformed_requests_are_refused_with_a_reason(client: FlaskClient, body: dict) -> None:
    response = client.post("/api/facilitated-sets", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_input"
    assert response.get_json()["message"]


def test_the_vendored_teams_library_is_the_pinned_npm_release_unmodified() -> None:
    """package.json pins the version; npm ci installs it; the served copy must be that file."""
    assert (VENDORED / "MicrosoftTeams.min.js").read_bytes() == (
        FROM_NPM / "dist" / "umd" / "MicrosoftTeams.min.js"
    ).read_bytes()
    version = (FROM_NPM / "package.json").read_text()
    assert '"version": "2.58.0"' in version
    assert "2.58.0" in (VENDORED / "VERSION").read_text()
    assert (VENDORED / "LICENSE").read_text() == Path(FROM_NPM / "LICENSE").read_text()


def test_the_teams_library_is_served(client: FlaskClient) -> None:
    response = client.get("/static/vendor/teams-js/MicrosoftTeams.min.js")
    assert response.status_code == 200
    assert b"microsoftTeams" in response.data[:400]
    response.close()
