"""A request body larger than any we accept is refused before it is read, as JSON with a reason."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize("path", ["/api/sets", "/api/join", "/api/facilitated-sets"])
def test_an_oversized_body_is_refused(client: FlaskClient, path: str) -> None:
    body = b'{"set_name": "' + b"x" * (65 * 1024) + b'"}'
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"
    assert response.get_json()["message"]


def test_a_body_of_ordinary_size_is_read(client: FlaskClient) -> None:
    response = client.post("/api/sets", json={"set_name": "x" * 81, "facilitator_name": "Fay"})
    assert response.status_code == 400, "read, and refused for its content instead"
