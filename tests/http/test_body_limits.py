"""A body nested too deeply or larger than we accept gets a clean JSON refusal, chunked or not.

Python's json recurses into nested lists and objects: 30,000 levels fit in a 64 KiB body and used
to answer 500 with a traceback. A chunked body has no Content-Length for werkzeug to check, and
under gevent's server werkzeug read it as empty (400); it is now read up to the limit and no
further, so a megabyte answers 413 like any other oversized body.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import requests
from flask.testing import FlaskClient

from companion.guards.payloads import MAX_DEPTH, TOO_DEEP_MESSAGE
from tests.support import CleanLog, ServerProcess

MEGABYTE = 1024 * 1024
DEEP_BODY = b"[" * 30_000 + b"]" * 30_000
JSON = {"Content-Type": "application/json"}
GOOD_BODY = {"set_name": "Chunked", "facilitator_name": "Fay"}
PATHS = ["/api/sets", "/api/join", "/api/facilitated-sets"]


def nested(depth: int) -> bytes:
    """A create-set body whose name is ``depth`` levels deep, counting the body itself."""
    inner = "[" * (depth - 1) + "]" * (depth - 1)
    return f'{{"set_name": {inner}, "facilitator_name": "Fay"}}'.encode()


def chunks(body: bytes, size: int = 16 * 1024) -> Iterator[bytes]:
    """requests sends a generator chunked, with no Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def assert_too_large(status: int, body: dict[str, str]) -> None:
    assert status == 413
    assert body["error"] == "payload_too_large"
    assert "65536 bytes" in body["message"]


class TestOverTheWire:
    """Against a real ``companion serve``, on gevent's WSGI server."""

    @pytest.fixture(autouse=True)
    def clean_log(self, live_server: ServerProcess) -> Iterator[None]:
        """Whatever is refused, the server logs JSON lines only, and no traceback."""
        log = CleanLog(live_server)
        yield
        log.assert_clean()

    def test_a_body_nested_30000_deep_is_invalid_input(self, live_server: ServerProcess) -> None:
        assert len(DEEP_BODY) < 64 * 1024, "under the size limit, so only its depth is refused"
        response = requests.post(f"{live_server.url}/api/sets", data=DEEP_BODY, headers=JSON)
        assert response.status_code == 400
        assert response.json() == {"error": "invalid_input", "message": TOO_DEEP_MESSAGE}

    @pytest.mark.parametrize("path", PATHS)
    def test_a_megabyte_chunked_is_payload_too_large(
        self, live_server: ServerProcess, path: str
    ) -> None:
        body = json.dumps({"set_name": "x" * MEGABYTE}).encode()
        response = requests.post(f"{live_server.url}{path}", data=chunks(body), headers=JSON)
        assert "Content-Length" not in response.request.headers
        assert_too_large(response.status_code, response.json())

    def test_a_megabyte_with_its_length_is_payload_too_large(
        self, live_server: ServerProcess
    ) -> None:
        body = b"x" * MEGABYTE
        response = requests.post(f"{live_server.url}/api/sets", data=body, headers=JSON)
        assert response.request.headers["Content-Length"] == str(MEGABYTE)
        assert_too_large(response.status_code, response.json())

    @pytest.mark.parametrize(("size", "status"), [(64 * 1024, 400), (64 * 1024 + 1, 413)])
    def test_a_chunked_body_is_refused_one_byte_past_the_limit(
        self, live_server: ServerProcess, size: int, status: int
    ) -> None:
        """At the limit it is read whole, and refused for what it holds (no set name)."""
        body = b" " * (size - 2) + b"{}"
        response = requests.post(f"{live_server.url}/api/sets", data=chunks(body), headers=JSON)
        assert response.status_code == status, response.text

    def test_a_chunked_body_of_ordinary_size_is_read(self, live_server: ServerProcess) -> None:
        body = json.dumps(GOOD_BODY).encode()
        response = requests.post(
            f"{live_server.url}/api/sets", data=chunks(body, size=10), headers=JSON
        )
        assert response.status_code == 201, response.text

    def test_the_server_answers_on_after_the_refusals(self, live_server: ServerProcess) -> None:
        """One connection throughout: a refused body leaves it fit for the next request."""
        with requests.Session() as session:
            refused = session.post(f"{live_server.url}/api/sets", data=DEEP_BODY, headers=JSON)
            too_large = session.post(
                f"{live_server.url}/api/sets", data=chunks(b"x" * MEGABYTE), headers=JSON
            )
            created = session.post(f"{live_server.url}/api/sets", json=GOOD_BODY)
        assert (refused.status_code, too_large.status_code, created.status_code) == (400, 413, 201)


def test_a_deep_body_is_invalid_input_in_the_app(client: FlaskClient) -> None:
    response = client.post("/api/sets", data=DEEP_BODY, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_input", "message": TOO_DEEP_MESSAGE}


@pytest.mark.parametrize("path", PATHS)
def test_a_chunked_megabyte_is_payload_too_large_in_the_app(client: FlaskClient, path: str) -> None:
    response = client.post(
        path,
        input_stream=io.BytesIO(b"x" * MEGABYTE),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
    )
    assert_too_large(response.status_code, response.get_json())


def test_the_deepest_allowed_body_reaches_the_schema(client: FlaskClient) -> None:
    """At the limit the body is parsed, and refused for what it holds; one level more is not."""
    allowed = client.post("/api/sets", data=nested(MAX_DEPTH), content_type="application/json")
    deeper = client.post("/api/sets", data=nested(MAX_DEPTH + 1), content_type="application/json")
    assert allowed.status_code == deeper.status_code == 400
    assert allowed.get_json()["message"] != TOO_DEEP_MESSAGE
    assert deeper.get_json()["message"] == TOO_DEEP_MESSAGE


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b'{"set_name": "x"', "application/json"), (b'{"set_name": "x"}', "text/plain"), (b"", "")],
    ids=["not_json", "wrong_content_type", "empty"],
)
def test_a_body_that_is_not_json_is_invalid_input(
    client: FlaskClient, body: bytes, content_type: str
) -> None:
    response = client.post("/api/sets", data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_input"
    assert response.get_json()["message"] != TOO_DEEP_MESSAGE
