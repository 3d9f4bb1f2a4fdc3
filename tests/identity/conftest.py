"""Fixtures for sign-in with Teams: a stand-in Entra ID (tests/identity/entra.py) whose keys are
published by a real JWKS server on 127.0.0.1 for the whole session, a token factory signing with
them, and the verifier trusting that server. HTTP, Socket.IO and browser tests may reuse them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from companion.identity.teams_sign_in import TeamsSignIn
from tests.identity import entra

MakeToken = Callable[..., str]
StartJwks = Callable[[], entra.JwksServer]


@pytest.fixture(scope="session")
def entra_keys() -> entra.EntraKeys:
    return entra.EntraKeys()


@pytest.fixture(scope="session")
def jwks_server(entra_keys: entra.EntraKeys) -> Iterator[entra.JwksServer]:
    """Shared by every test: never make it fail or rotate its keys (use ``start_jwks``)."""
    with entra.JwksServer(entra_keys) as server:
        yield server


@pytest.fixture
def entra_token(entra_keys: entra.EntraKeys) -> MakeToken:
    """``entra_token(**knobs)``: a token from the session's keys; see ``entra.entra_token``."""

    def make(**knobs: object) -> str:
        return entra.entra_token(entra_keys, **knobs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def teams_sign_in(jwks_server: entra.JwksServer) -> TeamsSignIn:
    """The verifier as the app builds it, for the stand-in's app and tenant."""
    return TeamsSignIn(entra.CLIENT_ID, [entra.TENANT_ID], jwks_server.url)


@pytest.fixture
def start_jwks() -> Iterator[StartJwks]:
    """Each call starts a JWKS server of its own with fresh keys, for a test that rotates them
    or makes the server fail; all are stopped afterwards."""
    servers: list[entra.JwksServer] = []

    def start() -> entra.JwksServer:
        servers.append(entra.JwksServer(entra.EntraKeys(), slow_seconds=2.0).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
