"""The floor: the least a Flask-SocketIO server can do for one of our commands.

Run exactly as ours is (the Procfile's gunicorn + gevent worker, one worker) on the same Redis,
with the same Redis message queue: its one event reads a meeting's state (one GET), writes the
next version (one SET) and broadcasts a snapshot of our snapshot's size to the meeting's room.
Whatever ours spends beyond this is the price of our own code: rules, codec, transactions.

Served by: gunicorn ... 'benchmarks.bare_server:create_app()' (see benchmarks/stack.py), with
REDIS_URL and BENCH_PAYLOAD_BYTES (the size of our snapshot, as compact JSON) in the environment.
benchmarks/node_peer/server.js is the same server on Node's Socket.IO 4, the third side.
"""

from __future__ import annotations

import json
import os
from typing import Any

import redis
from flask import Flask, session
from flask_socketio import ConnectionRefusedError, SocketIO, join_room

DEFAULT_PAYLOAD_BYTES = 4000
# As ours: a silent widget is noticed within 20 s, so both servers answer the same pings.
PING_INTERVAL_SECONDS = 10
PING_TIMEOUT_SECONDS = 10


def room_for(meeting_id: str) -> str:
    return f"meeting:{meeting_id}"


def first_state(meeting_id: str, payload_bytes: int) -> dict[str, Any]:
    """A snapshot message padded so that, as compact JSON (as it goes on the wire, and as the swarm
    weighs it), it is ``payload_bytes`` long (at version 0). benchmarks/node_peer/server.js pads
    its own the same way."""
    state: dict[str, Any] = {"type": "snapshot", "version": 0, "meeting": {"id": meeting_id}}
    state["meeting"]["padding"] = ""
    compact = json.dumps(state, separators=(",", ":"))
    state["meeting"]["padding"] = "x" * max(0, payload_bytes - len(compact))
    return state


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "bench")
    url = os.environ["REDIS_URL"]
    payload_bytes = int(os.environ.get("BENCH_PAYLOAD_BYTES", DEFAULT_PAYLOAD_BYTES))
    store = redis.Redis.from_url(url, decode_responses=True)
    socketio = SocketIO(
        app,
        async_mode="gevent",
        message_queue=url,
        ping_interval=PING_INTERVAL_SECONDS,
        ping_timeout=PING_TIMEOUT_SECONDS,
        logger=False,
        engineio_logger=False,
    )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @socketio.on("connect")
    def on_connect(auth: Any = None) -> None:
        """Sent by a widget as it opens, with ``{"meeting": id}``; joins the meeting's room."""
        if not isinstance(auth, dict) or not isinstance(auth.get("meeting"), str):
            raise ConnectionRefusedError("a meeting id, please")
        session["meeting_id"] = auth["meeting"]
        join_room(room_for(auth["meeting"]))

    @socketio.on("command")
    def on_command(payload: Any = None) -> dict[str, Any]:
        """Sent by a widget for any command; broadcasts the next snapshot to the meeting."""
        meeting_id = session["meeting_id"]
        key = f"bench:meeting:{meeting_id}"
        stored = store.get(key)
        state = json.loads(stored) if stored else first_state(meeting_id, payload_bytes)
        state["version"] += 1
        store.set(key, json.dumps(state, separators=(",", ":")))
        socketio.emit("snapshot", state, to=room_for(meeting_id))
        return {"ok": True, "version": state["version"]}

    return app
