"""Per-address limits on the POSTs anyone may send, and the settings behind every limit.

Each test counts from addresses of its own, on an app with a budget of three requests per endpoint
and two seconds; the test client's default address (127.0.0.1, the trusted proxy) is not counted.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from companion import create_app
from companion.config import ConfigurationError, settings_from_environment

PER_WINDOW = 3
WINDOW_SECONDS = 2
UNAUTHENTICATED_POSTS = ["/api/sets", "/api/join", "/api/rejoin", "/api/facilitated-sets"]


@pytest.fixture
def app(instance_path: Path, external_redis_url: str | None) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance_path),
            "REDIS_URL": external_redis_url,
            "ASYNC_MODE": "threading",
            "HTTP_RATE": f"{PER_WINDOW}/{WINDOW_SECONDS}second",
        }
    )


def an_address() -> str:
    """One nobody else counts from, in this run or one just before."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


def post_from(
    client: FlaskClient, path: str, body: Any, peer: str, forwarded_for: str | None = None
) -> TestResponse:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(path, json=body, headers=headers, environ_base={"REMOTE_ADDR": peer})


def assert_rate_limited(response: TestResponse) -> int:
    """The refusal's shape; answers its Retry-After."""
    assert response.status_code == 429, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["error"] == "rate_limited"
    assert "try again" in body["message"]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= WINDOW_SECONDS
    return retry_after


@pytest.fixture
def created(client: FlaskClient) -> dict[str, Any]:
    response = client.post(
        "/api/sets", json={"set_name": "Ward leaders", "facilitator_name": "Fay"}
    )
    assert response.status_code == 201
    return response.get_json()


def test_a_join_past_the_budget_waits_for_as_long_as_retry_after_says(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    """Asking to join (into the lobby, as the set asks by default) is limited like any join."""
    room = an_address()
    for n in range(PER_WINDOW):
        body = {"invite_token": created["invite_token"], "display_name": f"Member {n}"}
        assert post_from(client, "/api/join", body, room).status_code == 202
    late = {"invite_token": created["invite_token"], "display_name": "Late"}
    retry_after = assert_rate_limited(post_from(client, "/api/join", late, room))
    assert post_from(client, "/api/join", late, an_address()).status_code == 202, "elsewhere"
    time.sleep(retry_after)
    assert post_from(client, "/api/join", late | {"display_name": "Later"}, room).status_code == 202


@pytest.mark.parametrize("path", UNAUTHENTICATED_POSTS)
def test_every_post_anyone_may_send_has_a_budget_per_endpoint(
    client: FlaskClient, path: str
) -> None:
    """Even refused requests count: a script sending rubbish is held back too."""
    sender = an_address()
    for _ in range(PER_WINDOW):
        assert post_from(client, path, {}, sender).status_code == 400
    assert_rate_limited(post_from(client, path, {}, sender))
    others = [other for other in UNAUTHENTICATED_POSTS if other != path]
    assert post_from(client, others[0], {}, sender).status_code == 400, "its own budget"


def test_x_forwarded_for_is_believed_from_a_trusted_proxy_only(client: FlaskClient) -> None:
    behind_proxy, outsider = an_address(), an_address()
    for _ in range(PER_WINDOW):  # through the trusted proxy: the right-most untrusted address
        forged = f"{an_address()}, {behind_proxy}"
        assert post_from(client, "/api/sets", {}, "127.0.0.1", forged).status_code == 400
    assert_rate_limited(post_from(client, "/api/sets", {}, "127.0.0.1", behind_proxy))

    for _ in range(PER_WINDOW):  # straight from an untrusted peer: its header is ignored
        assert post_from(client, "/api/sets", {}, outsider, an_address()).status_code == 400
    assert_rate_limited(post_from(client, "/api/sets", {}, outsider, an_address()))


def test_the_trusted_proxys_own_requests_are_not_counted(client: FlaskClient) -> None:
    """It could name any client address anyway; this is also what a local run looks like."""
    for _ in range(PER_WINDOW + 2):
        assert post_from(client, "/api/facilitated-sets", {}, "127.0.0.1").status_code == 400


def test_ipv6_is_counted_by_its_64_bit_prefix(client: FlaskClient) -> None:
    """One subscriber holds a whole /64, so counting each address would count nothing."""
    prefix = f"2001:db8:{secrets.randbelow(65536):x}:{secrets.randbelow(65536):x}"
    for n in range(PER_WINDOW):
        assert post_from(client, "/api/rejoin", {}, f"{prefix}::{n + 1}").status_code == 400
    assert_rate_limited(post_from(client, "/api/rejoin", {}, f"{prefix}::ffff"))
    neighbour = f"2001:db8:{secrets.randbelow(65536):x}:{secrets.randbelow(65536):x}::1"
    assert post_from(client, "/api/rejoin", {}, neighbour).status_code == 400


# --- Settings ---------------------------------------------------------------------------------

RATE_VARIABLES = {
    "COMPANION_COMMAND_RATE": "COMMAND_RATE",
    "COMPANION_SIGNAL_RATE": "SIGNAL_RATE",
    "COMPANION_SYNC_RATE": "SYNC_RATE",
    "COMPANION_HTTP_RATE": "HTTP_RATE",
}


@pytest.mark.parametrize("variable", sorted(RATE_VARIABLES))
def test_rates_are_read_in_the_limits_notation(variable: str) -> None:
    settings = settings_from_environment({variable: " 20/5second;100/minute "})
    assert settings == {RATE_VARIABLES[variable]: "20/5second;100/minute"}


@pytest.mark.parametrize("variable", sorted(RATE_VARIABLES))
@pytest.mark.parametrize(
    "value",
    [
        "fast",
        "10",
        "0/minute",
        "-1/second",
        "1.5/second",
        "10/2fortnight",
        "10/2second;",
        "10001/second",
    ],
)
def test_a_rate_that_cannot_be_read_is_refused(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        settings_from_environment({variable: value})


def test_a_bad_rate_given_as_config_stops_the_app_too(instance_path: Path) -> None:
    config = {"INSTANCE_PATH": str(instance_path), "ASYNC_MODE": "threading", "SYNC_RATE": "often"}
    with pytest.raises(ConfigurationError, match="COMPANION_SYNC_RATE"):
        create_app(config)


def test_connections_per_address_is_a_whole_number() -> None:
    assert settings_from_environment({"COMPANION_CONNECTIONS_PER_ADDRESS": " 80 "}) == {
        "CONNECTIONS_PER_ADDRESS": 80
    }


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "many", "100001"])
def test_a_connection_limit_out_of_range_is_refused(value: str) -> None:
    with pytest.raises(ConfigurationError, match="COMPANION_CONNECTIONS_PER_ADDRESS"):
        settings_from_environment({"COMPANION_CONNECTIONS_PER_ADDRESS": value})


def test_trusted_proxies_are_addresses_or_networks() -> None:
    settings = settings_from_environment({"COMPANION_TRUSTED_PROXIES": "10.0.0.0/8, ::1"})
    assert settings == {"TRUSTED_PROXIES": "10.0.0.0/8, ::1"}


@pytest.mark.parametrize("value", ["localhost", "10.0.0.0/33", "10.0.0.1, nginx"])
def test_a_trusted_proxy_that_is_not_an_address_is_refused(value: str) -> None:
    with pytest.raises(ConfigurationError, match="COMPANION_TRUSTED_PROXIES"):
        settings_from_environment({"COMPANION_TRUSTED_PROXIES": value})
