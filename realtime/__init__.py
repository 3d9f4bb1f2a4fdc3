"""Socket.IO: the live side of the app. Handlers live in ``handlers``, emitting in ``broadcast``."""

from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO

from companion.services import services

socketio = SocketIO()
SOCKETIO_PATH = "socket.io"

# Large enough for any command we accept, small enough that nobody can make us buffer much.
MAX_MESSAGE_BYTES = 16 * 1024
# A phone that drops off the network without closing its socket is shown as away within about
# 20 s (ping every 10 s, 10 s to answer) instead of Engine.IO's default 45 s.
PING_INTERVAL_SECONDS = 10
PING_TIMEOUT_SECONDS = 10


def init_app(app: Flask) -> None:
    """Broadcasts always travel through the meeting's Redis, so any number of server processes
    (on REDIS_URL, or on one instance folder's embedded server) reach every widget."""
    from realtime import handlers, wire_json  # noqa: F401 - registers the event handlers
    from realtime.lifecycle import route_the_star_event_as_unknown
    from realtime.liveness import Liveness
    from realtime.queue import MeetingQueue
    from realtime.wire_packet import WirePacket

    app.extensions["companion.liveness"] = Liveness(app, app.config["PRESENCE_TIMEOUT_SECONDS"])

    with app.app_context():
        redis_url = services().redis_url
    # Built here rather than from ``message_queue``: Flask-SocketIO only recognises redis:// URLs,
    # and the embedded server is reached over a unix:// socket. The queue's clients come from
    # companion.store.connection, as the store's do, so a Sentinel address serves both alike.
    queue = MeetingQueue(redis_url)
    app.extensions["companion.sent_views"] = queue.sent_views  # realtime.broadcast's patches
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        client_manager=queue,
        cors_allowed_origins=app.config["ALLOWED_ORIGINS"],
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        serializer=WirePacket,
        json=wire_json,
        path=SOCKETIO_PATH,
        ping_interval=PING_INTERVAL_SECONDS,
        ping_timeout=PING_TIMEOUT_SECONDS,
        logger=False,
        engineio_logger=False,
    )
    route_the_star_event_as_unknown(socketio.server)
    for websocket in (True, False):  # a WebSocket's request and a polling one match apart
        app.add_url_rule(
            f"/{SOCKETIO_PATH}/",
            endpoint="socketio_events",
            view_func=_answered_by_socketio,
            methods=["GET"] if websocket else ["GET", "POST"],
            strict_slashes=False,
            websocket=websocket,
        )


def _answered_by_socketio() -> tuple[str, int]:
    """Never reached: Socket.IO's middleware answers this path before Flask sees it.

    The route exists for Flask-SocketIO's sake. It runs every event inside a request context made
    from the connection's own request (``/socket.io/``). With no route to match, each event left a
    ``NotFound`` whose traceback and the context held each other: some forty objects of cyclic
    garbage per event. Under load the collector's full passes over them stalled every meeting of
    the process for 100-200 ms at a time (docs/performance.md). A matching route leaves nothing
    for the collector, and ``routing.RouteOnceContext`` matches it once per connection."""
    return "", 404
