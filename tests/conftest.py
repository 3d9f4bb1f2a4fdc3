"""Fixtures: a real Redis (the one at REDIS_URL, or the embedded one), the app, a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings

from companion import create_app
from companion.store.connection import redis_client
from companion.store.embedded import embedded_redis_for
from tests.support import UNHURRIED, ServerProcess

# Speed is measured in benchmarks/, not in tests: a slow example on a busy machine is not a bug.
settings.register_profile("companion", deadline=None)
settings.load_profile("companion")


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One instance folder for the session, shared by the test process and server processes."""
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def external_redis_url() -> str | None:
    """Set REDIS_URL to run the whole suite against that server instead of the embedded one."""
    return os.environ.get("REDIS_URL") or None


@pytest.fixture(scope="session")
def redis_url(external_redis_url: str | None, instance_path: Path) -> str:
    """The embedded server is shut down at exit by the last process using it."""
    if external_redis_url:
        return external_redis_url
    return embedded_redis_for(str(instance_path)).url


@pytest.fixture
def redis_connection(redis_url: str) -> redis.Redis:
    return redis_client(redis_url)


@pytest.fixture
def app(instance_path: Path, external_redis_url: str | None, redis_url: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance_path),
            "REDIS_URL": external_redis_url,
            "ASYNC_MODE": "threading",
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def server_env(instance_path: Path, external_redis_url: str | None) -> dict[str, str]:
    env = {"COMPANION_INSTANCE_PATH": str(instance_path), **UNHURRIED}
    if external_redis_url:
        env["REDIS_URL"] = external_redis_url
    return env


@pytest.fixture(scope="session")
def live_server(
    server_env: dict[str, str], redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A real ``companion serve`` process, shared by tests that only talk to it over the wire."""
    log_path = tmp_path_factory.mktemp("logs") / "live_server.log"
    server = ServerProcess(server_env, log_path).start()
    yield server
    server.stop()
