"""Messages between server processes read back exactly as the library's own JSON would read them.

The queue writes and reads them with orjson for speed (docs/performance.md); what arrives must be
what python-socketio's default (the standard library) would have delivered.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from realtime import socketio
from realtime.queue import MeetingQueue, QueueJSON

# What our processes put on the queue: JSON values, integers as the clock and versions use them.
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=40,
)


def emit_message(data: Any) -> dict[str, Any]:
    """Shaped as python-socketio's PubSubManager publishes an emit."""
    return {
        "method": "emit",
        "event": "snapshot",
        "data": data,
        "namespace": "/",
        "room": "meeting:abc",
        "skip_sid": ("one", "two"),
        "callback": None,
        "host_id": "f00d",
    }


@given(VALUES)
def test_a_message_reads_back_as_the_standard_library_would_read_it(data: Any) -> None:
    message = emit_message(data)
    assert QueueJSON.loads(QueueJSON.dumps(message)) == json.loads(json.dumps(message))


@given(VALUES)
def test_it_reads_the_bytes_redis_hands_the_listener(data: Any) -> None:
    written = QueueJSON.dumps(emit_message(data))
    assert QueueJSON.loads(written.encode()) == QueueJSON.loads(written)


def test_the_servers_queue_uses_it(app: Flask) -> None:
    assert isinstance(socketio.server.manager, MeetingQueue)
    assert socketio.server.manager.json is QueueJSON
