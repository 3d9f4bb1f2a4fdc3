"""Telling Socket.IO's own connect and disconnect from a client's events of the same names.

python-socketio hands a client *event* named ``connect`` or ``disconnect`` to the handlers of the
real thing. Unguarded, such an event would take a connection slot, enter a meeting's rooms over an
existing connection, or mark someone away who is still here. Guarded, it is refused as unknown.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import request

from realtime import socketio

UNKNOWN_EVENT = {"error": "unknown_event", "message": "That action is not recognised."}

Handler = Callable[..., Any]


def only_the_real_connect(handler: Handler) -> Handler:
    """A real connect hands the handler the connection's own WSGI environ; an event cannot."""

    @functools.wraps(handler)
    def guarded(*args: Any) -> Any:
        arguments = request.event["args"]
        if not arguments or arguments[0] is not request.environ:
            return UNKNOWN_EVENT
        return handler(*args)

    return guarded


def only_the_real_disconnect(handler: Handler) -> Handler:
    """During a real disconnect the manager already counts the connection as leaving; an event
    arrives only over a connection still fully connected."""

    @functools.wraps(handler)
    def guarded(*args: Any) -> Any:
        if socketio.server.manager.is_connected(request.sid, request.namespace):
            return UNKNOWN_EVENT
        return handler(*args)

    return guarded


def route_the_star_event_as_unknown(server: Any) -> None:
    """python-socketio resolves a client's event literally named ``*`` to the catch-all handler
    without the event's name, which every other unknown event gets as its first argument, so
    Flask-SocketIO fails on it and the sender hears nothing. Resolve it as any unknown event."""
    resolve = server._get_event_handler

    def resolving(event: str, namespace: str, args: tuple[Any, ...]) -> tuple[Any, Any]:
        if event != "*":
            return resolve(event, namespace, args)
        handler, routed = resolve("\x00unknown", namespace, args)
        return handler, ("*", *routed[1:]) if handler else routed

    server._get_event_handler = resolving
