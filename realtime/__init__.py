"""Socket.IO: the live side of the app. Handlers live in ``handlers``, emitting in ``broadcast``."""

from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO

socketio = SocketIO()

# Large enough for any command we accept, small enough that nobody can make us buffer much.
MAX_MESSAGE_BYTES = 16 * 1024
# A phone that drops off the network without closing its socket is shown as away within about
# 20 s (ping every 10 s, 10 s to answer) instead of Engine.IO's default 45 s.
PING_INTERVAL_SECONDS = 10
PING_TIMEOUT_SECONDS = 10


def init_app(app: Flask) -> None:
    """Several processes share broadcasts through Redis only when an external REDIS_URL is set."""
    from realtime import handlers  # noqa: F401 - registers the event handlers

    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        cors_allowed_origins=app.config["ALLOWED_ORIGINS"],
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        ping_interval=PING_INTERVAL_SECONDS,
        ping_timeout=PING_TIMEOUT_SECONDS,
        logger=False,
        engineio_logger=False,
    )
