"""Handling an event leaves no cyclic garbage behind.

Objects that only the cycle collector can free pile up between its passes, and its full passes
stop every meeting the process serves. Flask-SocketIO runs each event in a request context; before
the app gave that context a route to match, every event left a ``NotFound``, its traceback and the
context holding each other, and before the route was kept, werkzeug's matcher left a cycle of its
own on every event (docs/performance.md).
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator

import flask
import pytest
from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from werkzeug.exceptions import NotFound
from werkzeug.test import EnvironBuilder

from realtime.routing import MATCHED_ROUTE_KEY, SOCKETIO_SESSION_KEY, URL_ADAPTER_KEY

EVENTS = 50
ONE_MATCH = 12


@pytest.fixture(params=["websocket", "polling"])
def connection_environ(request: pytest.FixtureRequest) -> Iterator[dict]:
    """The request a widget's connection opened with, from which Flask-SocketIO makes each of its
    events' request contexts."""
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade"}
    builder = EnvironBuilder(
        path="/socket.io/",
        query_string=f"EIO=4&transport={request.param}",
        headers=upgrade if request.param == "websocket" else {},
    )
    yield builder.get_environ()
    builder.close()


def cyclic_garbage_of(action: Callable[[], None]) -> Counter[str]:
    """The kinds of object that ``action`` left for the cycle collector alone to free."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        action()
        gc.collect()
        return Counter(type(found).__name__ for found in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_an_events_request_context_leaves_no_cyclic_garbage(
    app: Flask, connection_environ: dict
) -> None:
    def events() -> None:
        for _ in range(EVENTS):
            with app.request_context(connection_environ):
                assert flask.request.routing_exception is None

    left = cyclic_garbage_of(events)
    # The first event's match leaves werkzeug's matcher behind (a recursive closure: a function,
    # its cells, a set); every later event reuses that match and leaves nothing.
    assert sum(left.values()) <= ONE_MATCH, left.most_common(10)


def test_an_events_route_is_the_one_flask_matches(app: Flask, connection_environ: dict) -> None:
    for _ in range(3):
        with app.request_context(connection_environ):
            assert flask.request.url_rule.endpoint == "socketio_events"
            assert flask.request.view_args == {}


def test_a_kept_route_hands_each_context_its_own_arguments(app: Flask) -> None:
    environ = EnvironBuilder(path="/api/sets/abc123/history").get_environ()
    with app.request_context(environ):
        assert flask.request.view_args == {"set_id": "abc123"}
        flask.request.view_args["set_id"] = "changed by a view"
    with app.request_context(environ):
        assert flask.request.url_rule.endpoint == "api.history"
        assert flask.request.view_args == {"set_id": "abc123"}


def test_a_request_with_no_route_is_matched_afresh_each_time(app: Flask) -> None:
    environ = EnvironBuilder(path="/nowhere-at-all").get_environ()
    for _ in range(2):
        with app.request_context(environ):
            assert isinstance(flask.request.routing_exception, NotFound)
    assert MATCHED_ROUTE_KEY not in environ


def test_the_socketio_route_is_never_served_by_flask(app: Flask) -> None:
    """Socket.IO's middleware answers ``/socket.io/``; Flask's own route there only says 404."""
    assert app.test_client().get("/socket.io/").status_code in (400, 404)
    with app.test_request_context("/socket.io/"):
        assert app.view_functions["socketio_events"]() == ("", 404)


class CountingSessions(SecureCookieSessionInterface):
    """Flask's own cookie sessions, counting how often one is opened."""

    opened = 0

    def open_session(self, app: Flask, request: flask.Request) -> SessionMixin | None:
        self.opened += 1
        return super().open_session(app, request)


def test_once_socketio_keeps_the_connections_session_flask_opens_none(
    app: Flask, connection_environ: dict
) -> None:
    sessions = CountingSessions()
    app.session_interface = sessions
    with app.request_context(connection_environ):
        kept = SecureCookieSession({"participant_id": "p1"})  # as Flask-SocketIO keeps one
        connection_environ[SOCKETIO_SESSION_KEY] = kept
    for _ in range(3):
        with app.request_context(connection_environ):
            assert flask.session._get_current_object() is kept  # type: ignore[attr-defined]
    assert sessions.opened == 1, "only the first context's"


def test_each_request_binds_its_url_adapter_once(app: Flask, connection_environ: dict) -> None:
    adapters = []
    for _ in range(3):
        with app.request_context(connection_environ):
            adapters.append(flask.globals.request_ctx.url_adapter)
            assert flask.url_for("stage.page") == "/stage"
    assert adapters[0] is adapters[1] is adapters[2]
    assert connection_environ[URL_ADAPTER_KEY] is adapters[0]
    other = EnvironBuilder(path="/socket.io/", base_url="http://elsewhere.example").get_environ()
    with app.request_context(other):
        assert flask.globals.request_ctx.url_adapter is not adapters[0], "per request"
