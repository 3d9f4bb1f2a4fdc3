"""Only pages the server trusts may open a Socket.IO connection from a browser: its own origin by
default, or the origins listed in COMPANION_ALLOWED_ORIGINS. A page on another site cannot ride
on a member's browser (cross-site WebSocket hijacking)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import socketio

from tests.support import ServerProcess, create_set

ALLOWED = "https://companion.example.org"


def handshake(server: ServerProcess, origin: str) -> requests.Response:
    """The first Engine.IO request a browser makes, with the Origin header it always sends."""
    return requests.get(
        f"{server.url}/socket.io/?EIO=4&transport=polling",
        headers={"Origin": origin},
        timeout=5,
    )


def connects(server: ServerProcess, token: str, origin: str) -> bool:
    # The WebSocket library sets Origin itself (to the server's own) unless told which to send.
    client = socketio.Client(reconnection=False, websocket_extra_options={"origin": origin})
    try:
        client.connect(server.url, auth={"token": token}, transports=["websocket"], wait_timeout=5)
    except socketio.exceptions.ConnectionError:
        return False
    client.disconnect()
    return True


@pytest.fixture(scope="module")
def listed_server(
    server_env: dict[str, str], redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    env = {**server_env, "COMPANION_ALLOWED_ORIGINS": f"{ALLOWED}, https://other.example.org"}
    server = ServerProcess(env, tmp_path_factory.mktemp("origins") / "server.log").start()
    yield server
    server.stop()


def test_by_default_only_the_servers_own_origin_may_connect(live_server: ServerProcess) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    token = created["facilitator_token"]
    assert connects(live_server, token, live_server.url)
    assert not connects(live_server, token, "https://evil.example.com")
    refused = handshake(live_server, "https://evil.example.com")
    assert refused.status_code == 400
    assert handshake(live_server, live_server.url).status_code == 200


def test_listed_origins_may_connect_and_no_others(listed_server: ServerProcess) -> None:
    created = create_set(listed_server.url, "Ward leaders", "Fay")
    token = created["facilitator_token"]
    assert connects(listed_server, token, ALLOWED)
    assert connects(listed_server, token, "https://other.example.org")
    assert not connects(listed_server, token, "https://companion.example.org.evil.com")
    assert not connects(listed_server, token, "http://companion.example.org")
    assert handshake(listed_server, "https://evil.example.com").status_code == 400
