"""``GET /teams/app.zip`` for the request's own address, and the privacy and terms pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft4Validator

from companion import create_app
from tests.teams.conftest import PACKAGE_FILES, schema_problems, string_values, unpacked

# The hosts these tests ask at, trusted as COMPANION_TRUSTED_HOSTS would (the test client's own
# ``localhost`` too); tests/http/test_public_address.py covers the hosts nobody trusted.
TRUSTED_HOSTS = ["localhost", "companion.example.org", "example.org"]


@pytest.fixture
def app(instance_path: Path, external_redis_url: str | None) -> Flask:
    """The app as deployed at the addresses below, without a public URL, so each package is
    built for the address it was asked at."""
    config = {"INSTANCE_PATH": str(instance_path), "ASYNC_MODE": "threading"}
    return create_app(config | {"REDIS_URL": external_redis_url, "ALLOWED_HOSTS": TRUSTED_HOSTS})


@pytest.mark.parametrize(
    ("base_url", "base"),
    [
        ("https://companion.example.org", "https://companion.example.org"),
        ("https://example.org/als", "https://example.org/als"),
        ("https://example.org:8443", "https://example.org:8443"),
    ],
)
def test_the_package_is_built_for_the_address_it_was_asked_at(
    client: FlaskClient, manifest_validator: Draft4Validator, base_url: str, base: str
) -> None:
    response = client.get("/teams/app.zip", base_url=base_url)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=als-companion-teams.zip"
    )
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    files = unpacked(response.data)
    assert set(files) == PACKAGE_FILES
    manifest = json.loads(files["manifest.json"])
    assert schema_problems(manifest_validator, manifest) == []
    urls = [text for text in string_values(manifest) if text.startswith("https://")]
    assert all(url.startswith(f"{base}/") for url in urls if url != manifest["$schema"]), urls
    assert manifest["validDomains"] == [base.removeprefix("https://").split("/")[0]]


def test_over_plain_http_the_package_is_refused_with_a_way_out(client: FlaskClient) -> None:
    response = client.get("/teams/app.zip", base_url="http://companion.example.org")
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "https_required"
    assert "HTTPS only" in body["message"]
    assert "companion teams-package --base-url https://" in body["message"]
    assert set(body) == {"error", "message"}


def test_a_request_with_no_valid_host_gets_no_package(client: FlaskClient) -> None:
    """Werkzeug drops an invalid Host header, leaving nothing to point Teams at."""
    response = client.get(
        "/teams/app.zip", base_url="https://companion.example.org", headers={"Host": "a b"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_host"


@pytest.mark.parametrize(("path", "heading"), [("/privacy", "Privacy"), ("/terms", "Terms of use")])
def test_the_privacy_and_terms_pages_answer_with_the_security_headers(
    client: FlaskClient, path: str, heading: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.fixture
def app_keeping_data_a_week(
    monkeypatch: pytest.MonkeyPatch, instance_path: Path, external_redis_url: str | None
) -> Flask:
    """The app as an operator configures it: COMPANION_RETENTION_DAYS in the environment."""
    monkeypatch.setenv("COMPANION_RETENTION_DAYS", "7")
    monkeypatch.setenv("COMPANION_TOKEN_MAX_AGE_DAYS", "1")
    config = {"INSTANCE_PATH": str(instance_path), "ASYNC_MODE": "threading"}
    return create_app(config | {"REDIS_URL": external_redis_url})


def test_the_pages_state_the_retention_this_server_is_configured_with(
    app_keeping_data_a_week: Flask,
) -> None:
    configured = app_keeping_data_a_week.test_client()
    assert '<strong id="retention-period">7 days</strong>' in configured.get("/privacy").text
    terms = configured.get("/terms").text
    assert "<strong>7 days</strong>" in terms
    assert '<strong id="link-lifetime">1 day</strong>' in terms


def test_the_pages_link_to_each_other_under_a_path_prefix(client: FlaskClient) -> None:
    privacy = client.get("/privacy", base_url="https://example.org/als").text
    terms = client.get("/terms", base_url="https://example.org/als").text
    assert 'href="/als/terms"' in privacy
    assert 'href="/als/privacy"' in terms


def test_with_sign_in_configured_the_package_names_the_entra_app(
    monkeypatch: pytest.MonkeyPatch,
    instance_path: Path,
    external_redis_url: str | None,
    manifest_validator: Draft4Validator,
) -> None:
    """As an operator sets it up (docs/teams.md): the client id from the environment."""
    client_id = "6f1e2a47-3c1b-4d5e-9a8f-0b1c2d3e4f50"
    monkeypatch.setenv("COMPANION_TEAMS_CLIENT_ID", client_id.upper())
    monkeypatch.setenv("COMPANION_TEAMS_TENANT_IDS", "8a2f4c6e-1b3d-4f5a-8c7e-9d0b1a2c3e4f")
    config = {"INSTANCE_PATH": str(instance_path), "ASYNC_MODE": "threading"}
    app = create_app(config | {"REDIS_URL": external_redis_url, "ALLOWED_HOSTS": TRUSTED_HOSTS})
    response = app.test_client().get("/teams/app.zip", base_url="https://example.org/als")
    manifest = json.loads(unpacked(response.data)["manifest.json"])
    assert schema_problems(manifest_validator, manifest) == []
    assert manifest["webApplicationInfo"] == {
        "id": client_id,
        "resource": f"api://example.org/{client_id}",
    }


def test_without_sign_in_the_package_asks_teams_for_no_token(client: FlaskClient) -> None:
    response = client.get("/teams/app.zip", base_url="https://example.org")
    assert "webApplicationInfo" not in json.loads(unpacked(response.data)["manifest.json"])
