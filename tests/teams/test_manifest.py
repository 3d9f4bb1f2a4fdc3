"""The manifest: valid against Microsoft's schema, and pointing only at its own deployment."""

from __future__ import annotations

import uuid

import pytest
from jsonschema import Draft4Validator

from companion.teams.manifest import (
    BaseUrlRefused,
    application_id_uri,
    build_manifest,
    deployment_base,
    valid_domain,
)
from tests.teams.conftest import schema_problems, string_values

# Each base URL as typed, the base every URL must start with, and the domain Teams is given.
DEPLOYMENTS = [
    ("https://companion.example.org", "https://companion.example.org", "companion.example.org"),
    ("https://example.org/als", "https://example.org/als", "example.org"),
    ("https://example.org/als/", "https://example.org/als", "example.org"),
    ("https://companion.example.org/", "https://companion.example.org", "companion.example.org"),
    ("https://example.org:8443/als", "https://example.org:8443/als", "example.org:8443"),
    ("https://Example.ORG:443/Als/", "https://example.org/Als", "example.org"),
    ("https://[2001:db8::1]:8443/", "https://[2001:db8::1]:8443", "[2001:db8::1]:8443"),
]


@pytest.mark.parametrize("typed", [typed for typed, _, _ in DEPLOYMENTS])
def test_the_manifest_validates_against_the_v1_29_schema(
    manifest_validator: Draft4Validator, typed: str
) -> None:
    manifest = build_manifest(typed)
    assert schema_problems(manifest_validator, manifest) == []
    # Draft-04 ignores the schema's "const", and no "uri" format checker is installed.
    assert manifest["manifestVersion"] == "1.29"
    assert manifest["$schema"].endswith("/teams/v1.29/MicrosoftTeams.schema.json")


@pytest.mark.parametrize(("typed", "base", "domain"), DEPLOYMENTS)
def test_every_url_and_the_valid_domain_point_at_the_deployment(
    typed: str, base: str, domain: str
) -> None:
    manifest = build_manifest(typed)
    urls = [text for text in string_values(manifest) if text.startswith(("http:", "https:"))]
    urls.remove(manifest["$schema"])
    assert len(urls) == 4, urls
    assert all(url.startswith(f"{base}/") for url in urls), urls
    assert manifest["developer"]["privacyUrl"] == f"{base}/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == f"{base}/terms"
    assert manifest["configurableTabs"][0]["configurationUrl"] == f"{base}/teams/config"
    assert manifest["validDomains"] == [domain]


SSO_CLIENT_ID = uuid.UUID("6f1e2a47-3c1b-4d5e-9a8f-0b1c2d3e4f50")


@pytest.mark.parametrize(("typed", "domain"), [(typed, domain) for typed, _, domain in DEPLOYMENTS])
def test_with_an_sso_client_id_the_manifest_names_the_entra_app_and_stays_valid(
    manifest_validator: Draft4Validator, typed: str, domain: str
) -> None:
    manifest = build_manifest(typed, sso_client_id=SSO_CLIENT_ID)
    assert schema_problems(manifest_validator, manifest) == []
    assert manifest["webApplicationInfo"] == {
        "id": str(SSO_CLIENT_ID),
        "resource": f"api://{domain}/{SSO_CLIENT_ID}",
    }


def test_without_an_sso_client_id_the_manifest_asks_teams_for_no_sign_in() -> None:
    assert "webApplicationInfo" not in build_manifest("https://example.org/als")


def test_the_application_id_uri_names_the_host_as_the_manifest_does() -> None:
    """The server names it for the address it is asked at, plain HTTP in tests included."""
    client = "6F1E2A47-3C1B-4D5E-9A8F-0B1C2D3E4F50"
    expected = f"api://example.org/{SSO_CLIENT_ID}"
    assert application_id_uri("https://Example.ORG:443/als/", client) == expected
    assert application_id_uri("http://127.0.0.1:5000/", SSO_CLIENT_ID) == (
        f"api://127.0.0.1:5000/{SSO_CLIENT_ID}"
    )


def test_the_schema_copy_refuses_a_broken_manifest(manifest_validator: Draft4Validator) -> None:
    """A check that every manifest passes would prove nothing: this one must fail."""
    manifest = build_manifest("https://example.org")
    manifest["id"] = "not-a-guid"
    manifest["accentColor"] = "blue"
    del manifest["icons"]
    problems = schema_problems(manifest_validator, manifest)
    assert len(problems) == 3, problems


def test_the_tab_goes_in_meetings_and_may_be_shared_to_the_stage() -> None:
    manifest = build_manifest("https://example.org")
    (tab,) = manifest["configurableTabs"]
    assert tab["scopes"] == ["groupChat"]
    assert tab["canUpdateConfiguration"] is True
    assert set(tab["context"]) == {
        "meetingSidePanel",
        "meetingStage",
        "meetingChatTab",
        "meetingDetailsTab",
    }
    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "MeetingStage.Write.Chat", "type": "Delegated"}
    ]


def test_the_app_id_is_stable_per_deployment_and_can_be_given() -> None:
    first = build_manifest("https://example.org/als")["id"]
    assert build_manifest("https://EXAMPLE.org:443/als/")["id"] == first, "same deployment"
    assert build_manifest("https://example.org/other")["id"] != first
    assert uuid.UUID(first).version == 5
    given = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
    assert build_manifest("https://example.org/als", given)["id"] == str(given)


def test_the_version_is_the_installed_package_version() -> None:
    from importlib.metadata import version

    assert build_manifest("https://example.org")["version"] == version("companion")


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("http://example.org", "HTTPS only"),
        ("example.org", "HTTPS only"),
        ("ftp://example.org", "HTTPS only"),
        ("https://example.org/?tenant=1", "no query"),
        ("https://example.org/als?", "no query"),
        ("https://example.org/#tab", "fragment"),
        ("https://me:secret@example.org", "user name or password"),
        ("https://example.org:99999", "port is not valid"),
        ("https://example.org:https", "port is not valid"),
        ("https://", "needs a host"),
    ],
)
def test_a_base_url_teams_cannot_load_is_refused(typed: str, problem: str) -> None:
    with pytest.raises(BaseUrlRefused, match=problem):
        deployment_base(typed)


def test_the_valid_domain_has_no_scheme_or_path() -> None:
    assert valid_domain(deployment_base("https://example.org:443/als/")) == "example.org"
    assert valid_domain(deployment_base("https://localhost:5443")) == "localhost:5443"
