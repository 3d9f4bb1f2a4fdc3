"""Links are built from a configured address, never from whatever Host a request names: a
request to an untrusted host is refused, Socket.IO included, before anything answers it."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import websocket
from flask import Flask
from flask.testing import FlaskClient

from companion import create_app
from companion.config import ConfigurationError
from tests.support import ServerProcess, Widget, close_all, create_set, join_set

PUBLIC_URL = "https://als.example.org/prefix"
NEW_SET = {"set_name": "Ward leaders", "facilitator_name": "Fay", "admission": "open"}
SOCKET_IO_HANDSHAKE = "/socket.io/?EIO=4&transport=polling"
EVERY_KIND_OF_PATH = [
    ("POST", "/api/sets"),
    ("GET", "/"),
    ("GET", "/join"),
    ("GET", "/w"),
    ("GET", "/healthz"),
    ("GET", "/teams/app.zip"),
    ("GET", SOCKET_IO_HANDSHAKE),
    ("GET", "/no-such-page"),
]
UNTRUSTED_HOSTS = [
    "evil.example",
    "evil.example:5000",
    "localhost.evil.example",
    "127.0.0.1.evil.example",
    "evillocalhost",
    "[::2]:5000",
    "a b",
]

AppWith = Callable[..., Flask]


@pytest.fixture
def app_with(
    monkeypatch: pytest.MonkeyPatch, instance_path: Path, external_redis_url: str | None
) -> AppWith:
    """The app as an operator starts it, with these variables in its environment."""

    def start(**environment: str) -> Flask:
        for variable, value in environment.items():
            monkeypatch.setenv(variable, value)
        config = {"INSTANCE_PATH": str(instance_path), "ASYNC_MODE": "threading"}
        return create_app(config | {"REDIS_URL": external_redis_url})

    return start


def ask(client: FlaskClient, method: str, path: str, host: str) -> Any:
    """``path`` over HTTPS (so /teams/app.zip would answer), with this Host header."""
    body = NEW_SET if method == "POST" else None
    return client.open(
        path, method=method, json=body, base_url="https://localhost", headers={"Host": host}
    )


def assert_refused(response: Any) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "message"}
    assert body["error"] == "invalid_host"
    assert "COMPANION_PUBLIC_URL" in body["message"]
    assert "#" not in response.get_data(as_text=True), "no link, so no token"
    # Answered by the app like any other response, with its headers.
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize("host", UNTRUSTED_HOSTS)
@pytest.mark.parametrize(("method", "path"), EVERY_KIND_OF_PATH)
def test_a_host_nobody_trusted_is_refused_on_every_path(
    client: FlaskClient, method: str, path: str, host: str
) -> None:
    assert_refused(ask(client, method, path, host))


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:8000", "[::1]", "[::1]:5000"]
)
def test_localhost_is_served_by_default_on_any_port_with_links_to_it(
    client: FlaskClient, host: str
) -> None:
    response = client.post("/api/sets", json=NEW_SET, headers={"Host": host})
    assert response.status_code == 201
    created = response.get_json()
    assert created["facilitator_url"].startswith(f"http://{host}/w#")
    assert created["invite_url"].startswith(f"http://{host}/join#")
    handshake = client.get(SOCKET_IO_HANDSHAKE, headers={"Host": host})
    assert handshake.status_code == 200
    assert b'"sid"' in handshake.data


def test_trusted_hosts_are_served_with_links_to_them(app_with: AppWith) -> None:
    client = app_with(COMPANION_TRUSTED_HOSTS="als.example.org, .example.net").test_client()
    for host in ("als.example.org", "example.net", "eu.example.net:8443"):
        response = client.post("/api/sets", json=NEW_SET, headers={"Host": host})
        assert response.status_code == 201, host
        assert response.get_json()["facilitator_url"].startswith(f"http://{host}/w#")
    # The list replaces the localhost default, and trusts nothing beside what it names.
    for host in ("localhost", "example.org", "evil.example"):
        assert_refused(ask(client, "POST", "/api/sets", host))


@pytest.fixture
def public_client(app_with: AppWith) -> FlaskClient:
    return app_with(COMPANION_PUBLIC_URL=PUBLIC_URL).test_client()


@pytest.mark.parametrize("host", ["localhost:5000", "[::1]", "als.example.org"])
def test_with_a_public_url_links_use_it_whatever_trusted_host_was_asked(
    public_client: FlaskClient, host: str
) -> None:
    response = public_client.post("/api/sets", json=NEW_SET, headers={"Host": host})
    assert response.status_code == 201
    created = response.get_json()
    assert created["facilitator_url"].startswith(f"{PUBLIC_URL}/w#")
    assert created["invite_url"].startswith(f"{PUBLIC_URL}/join#")
    body = {"invite_token": created["invite_token"], "display_name": "Ada"}
    joined = public_client.post("/api/join", json=body, headers={"Host": host}).get_json()
    assert joined["widget_url"].startswith(f"{PUBLIC_URL}/w#")


def test_with_a_public_url_its_host_and_localhost_are_served_and_nothing_else(
    public_client: FlaskClient,
) -> None:
    for host in ("als.example.org", "localhost", "127.0.0.1:8001", "[::1]:8001"):
        assert public_client.get("/healthz", headers={"Host": host}).status_code == 200, host
    for host in UNTRUSTED_HOSTS:
        assert_refused(ask(public_client, "POST", "/api/sets", host))


def test_with_a_public_url_the_teams_package_is_built_for_it(public_client: FlaskClient) -> None:
    """Even when asked over plain HTTP (a proxy that ends TLS and says nothing): the package is
    for the address Teams will load, which is the public one."""
    response = public_client.get("/teams/app.zip", headers={"Host": "localhost:8001"})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["developer"]["websiteUrl"] == f"{PUBLIC_URL}/"
    assert manifest["configurableTabs"][0]["configurationUrl"] == f"{PUBLIC_URL}/teams/config"
    assert manifest["validDomains"] == ["als.example.org"]


def test_a_plain_http_public_url_gets_no_teams_package(app_with: AppWith) -> None:
    client = app_with(COMPANION_PUBLIC_URL="http://als.example.org").test_client()
    response = client.get("/teams/app.zip", base_url="https://localhost")
    assert response.status_code == 409
    assert response.get_json()["error"] == "https_required"


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("https://als.example.org", "https://als.example.org"),
        (" https://Example.org/als/ ", "https://example.org/als"),
        ("http://[::1]:8001", "http://[::1]:8001"),
    ],
)
def test_a_public_url_is_kept_without_its_trailing_slash(
    app_with: AppWith, value: str, normalised: str
) -> None:
    assert app_with(COMPANION_PUBLIC_URL=value).config["PUBLIC_URL"] == normalised


@pytest.mark.parametrize(
    "value",
    [
        "als.example.org",
        "ftp://als.example.org",
        "https://",
        "https://als.example.org?x=1",
        "https://als.example.org/#top",
        "https://admin:secret@als.example.org",
        "https://als.example.org:99999",
        "https://als.example.org:0",
        "https://als_example.org",
        "https://example.org/my als",
    ],
)
def test_a_public_url_that_is_no_address_stops_the_app(app_with: AppWith, value: str) -> None:
    with pytest.raises(ConfigurationError, match="COMPANION_PUBLIC_URL"):
        app_with(COMPANION_PUBLIC_URL=value)


@pytest.mark.parametrize(
    "value", ["https://als.example.org", "als.example.org:443", "localhost,a b", " , "]
)
def test_trusted_hosts_with_a_scheme_or_a_port_stop_the_app(app_with: AppWith, value: str) -> None:
    """Any port is served, so a port or a URL in the list is a mistake that would never match."""
    with pytest.raises(ConfigurationError, match="COMPANION_TRUSTED_HOSTS"):
        app_with(COMPANION_TRUSTED_HOSTS=value)


@pytest.fixture(scope="module")
def public_server(
    server_env: dict[str, str], redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A real ``companion serve`` process with a public URL, as in production."""
    log_path = tmp_path_factory.mktemp("public-address") / "server.log"
    server = ServerProcess({**server_env, "COMPANION_PUBLIC_URL": PUBLIC_URL}, log_path).start()
    yield server
    server.stop()


@pytest.mark.parametrize(("method", "path"), EVERY_KIND_OF_PATH)
def test_a_real_server_refuses_an_untrusted_host(
    public_server: ServerProcess, method: str, path: str
) -> None:
    response = requests.request(
        method,
        f"{public_server.url}{path}",
        json=NEW_SET if method == "POST" else None,
        headers={"Host": "evil.example"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_host"


def test_a_real_server_refuses_a_websocket_to_an_untrusted_host(
    public_server: ServerProcess,
) -> None:
    url = public_server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, host="evil.example", timeout=10)
    assert refused.value.status_code == 400


def test_a_real_servers_links_use_the_public_url_over_http_and_socket_io(
    public_server: ServerProcess,
) -> None:
    created = create_set(public_server.url, "Ward leaders", "Fay")
    assert created["facilitator_url"].startswith(f"{PUBLIC_URL}/w#")
    joined = join_set(public_server.url, created["invite_token"], "Ada")
    assert joined["widget_url"].startswith(f"{PUBLIC_URL}/w#")
    widget = Widget(public_server.url, created["facilitator_token"])
    try:
        welcome = widget.wait_for("welcome")
        assert welcome["links"]["invite_url"].startswith(f"{PUBLIC_URL}/join#")
    finally:
        close_all([widget])
