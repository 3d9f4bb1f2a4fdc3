"""Liveness for load balancers and people: is the app up, and can it reach Redis?"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from companion.services import services
from companion.store import StoreUnavailable

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        services().store.ping()
    except StoreUnavailable:
        return jsonify(status="degraded", redis="unreachable", reason="redis_unreachable"), 503
    return jsonify(status="ok", redis="ok"), 200
