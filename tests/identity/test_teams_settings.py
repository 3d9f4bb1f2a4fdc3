"""The settings behind sign-in with Teams, and the verifier the app builds from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from companion import create_app
from companion.config import DEFAULTS, ConfigurationError, settings_from_environment
from companion.identity.teams_sign_in import MICROSOFT_JWKS_URL, Identity
from tests.identity import entra
from tests.identity.conftest import MakeToken


def test_sign_in_is_off_and_trusts_microsoft_keys_by_default() -> None:
    assert DEFAULTS["TEAMS_CLIENT_ID"] is None
    assert DEFAULTS["TEAMS_JWKS_URL"] == MICROSOFT_JWKS_URL
    assert settings_from_environment({}) == {}


def test_the_three_settings_are_read_and_ids_written_as_tokens_write_them() -> None:
    settings = settings_from_environment(
        {
            "COMPANION_TEAMS_CLIENT_ID": f" {entra.CLIENT_ID.upper()} ",
            "COMPANION_TEAMS_TENANT_IDS": f"{entra.TENANT_ID}, {{{entra.OTHER_TENANT_ID}}}",
            "COMPANION_TEAMS_JWKS_URL": "https://login.example/keys?appid=1",
        }
    )
    assert settings == {
        "TEAMS_CLIENT_ID": entra.CLIENT_ID,
        "TEAMS_TENANT_IDS": [entra.TENANT_ID, entra.OTHER_TENANT_ID],
        "TEAMS_JWKS_URL": "https://login.example/keys?appid=1",
    }


def test_a_client_id_needs_the_tenants_it_accepts() -> None:
    with pytest.raises(ConfigurationError, match="COMPANION_TEAMS_TENANT_IDS must list"):
        settings_from_environment({"COMPANION_TEAMS_CLIENT_ID": entra.CLIENT_ID})


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("COMPANION_TEAMS_CLIENT_ID", "my-app"),
        ("COMPANION_TEAMS_CLIENT_ID", "api://example.org/6f1e2a47-3c1b-4d5e-9a8f-0b1c2d3e4f50"),
        ("COMPANION_TEAMS_TENANT_IDS", f"{entra.TENANT_ID},contoso.onmicrosoft.com"),
        ("COMPANION_TEAMS_TENANT_IDS", "common"),
        ("COMPANION_TEAMS_JWKS_URL", "login.microsoftonline.com/common/discovery/v2.0/keys"),
        ("COMPANION_TEAMS_JWKS_URL", "ftp://example.org/keys"),
        ("COMPANION_TEAMS_JWKS_URL", "https://"),
        ("COMPANION_TEAMS_JWKS_URL", "https://example.org/my keys"),
    ],
)
def test_a_bad_value_stops_the_app_naming_its_variable(variable: str, value: str) -> None:
    environ = {
        "COMPANION_TEAMS_CLIENT_ID": entra.CLIENT_ID,
        "COMPANION_TEAMS_TENANT_IDS": entra.TENANT_ID,
    }
    with pytest.raises(ConfigurationError, match=variable):
        settings_from_environment(environ | {variable: value})


def configured_app(instance_path: Path, redis_url: str | None, **config: object) -> Flask:
    base = {"INSTANCE_PATH": str(instance_path), "ASYNC_MODE": "threading"}
    return create_app(base | {"REDIS_URL": redis_url} | config)


def test_without_a_client_id_the_app_has_no_verifier(
    instance_path: Path, external_redis_url: str | None
) -> None:
    app = configured_app(instance_path, external_redis_url)
    assert app.extensions["companion"].teams_sign_in is None


def test_the_app_builds_the_verifier_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
    instance_path: Path,
    external_redis_url: str | None,
    jwks_server: entra.JwksServer,
    entra_token: MakeToken,
) -> None:
    for variable, value in entra.sign_in_environment(jwks_server.url).items():
        monkeypatch.setenv(variable, value)
    app = configured_app(instance_path, external_redis_url)
    sign_in = app.extensions["companion"].teams_sign_in
    assert sign_in.verify(entra_token()) == Identity(
        entra.TENANT_ID, entra.MEMBER_OID, entra.MEMBER_NAME
    )


def test_the_app_refuses_to_start_with_a_client_id_but_no_tenant(
    monkeypatch: pytest.MonkeyPatch, instance_path: Path, external_redis_url: str | None
) -> None:
    monkeypatch.setenv("COMPANION_TEAMS_CLIENT_ID", entra.CLIENT_ID)
    with pytest.raises(ConfigurationError, match="COMPANION_TEAMS_TENANT_IDS"):
        configured_app(instance_path, external_redis_url)
