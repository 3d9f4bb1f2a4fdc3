"""The one shape of every error an HTTP client sees: ``{"error": code, "message": text}``.

It sits below everything that answers HTTP (the views, the guards in front of them), so none of
them has to reach up into another for it.
"""

from __future__ import annotations

from flask import Response, jsonify


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify(error=code, message=message), status
