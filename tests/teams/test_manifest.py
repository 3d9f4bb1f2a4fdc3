"""The manifest: valid against Microsoft's schema, and pointing only at its own deployment."""

from __future__ import annotations

import uuid

import pytest
from jsonschema import Draft4Validator

from companion.teams.manifest import (
    BaseUrlRefused,
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
