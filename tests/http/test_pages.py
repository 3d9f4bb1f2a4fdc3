"""Pages, health and headers."""

import pytest
from flask.testing import FlaskClient

from companion import create_app
from tests.support import free_port


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("/", "start-form"),
        ("/join", "join-form"),
        ("/w", "participants"),
        ("/stage", "stage-signals"),
    ],
)
def test_pages_render_with_their_forms(client: FlaskClient, path: str, marker: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert f'id="{marker}"' in response.get_data(as_text=True)
    assert 'name="viewport"' in response.get_data(as_text=True)


def test_every_page_carries_the_security_headers(client: FlaskClient) -> None:
    headers = client.get("/").headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'self' https://teams.microsoft.com" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in headers


def test_hsts_is_sent_over_https(client: FlaskClient) -> None:
    headers = client.get("/healthz", base_url="https://localhost").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_health_reports_redis_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "redis": "ok"}


def test_health_reports_503_when_redis_is_unreachable(tmp_path) -> None:
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
            "ASYNC_MODE": "threading",
        }
    )
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["redis"] == "unreachable"
    assert client.get("/").status_code == 200, "the app keeps serving pages"


def test_vendored_socket_io_client_is_served_with_its_licence(client: FlaskClient) -> None:
    script = client.get("/static/vendor/socket.io/socket.io.min.js")
    assert script.status_code == 200
    assert b"Socket.IO v4.8.4" in script.data
    script.close()
    licence = client.get("/static/vendor/socket.io/LICENSE")
    assert b"MIT License" in licence.data
    licence.close()
