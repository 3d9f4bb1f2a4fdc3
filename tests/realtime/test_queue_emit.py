"""The queue's emit puts on Redis exactly the message python-socketio's own emit would.

``MeetingQueue.emit`` only looks for bytes more quickly (docs/performance.md); every process,
whichever version it runs, must read the same message from it.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import socketio

from realtime.queue import MeetingQueue


class RecordingQueue(MeetingQueue):
    """A real queue on the test's Redis that keeps what it would hand on instead of sending it."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.handled: list[dict[str, Any]] = []
        self.published: list[dict[str, Any]] = []

    def _handle_emit(self, message: dict[str, Any]) -> None:
        self.handled.append(message)

    def _publish(self, data: dict[str, Any]) -> None:
        self.published.append(data)


SNAPSHOT = {"version": 3, "participants": [{"id": "p1", "hand": None}], "bids": []}
CASES = [
    ("snapshot", SNAPSHOT, {"room": "meeting:1"}),
    ("snapshot", SNAPSHOT, {"to": "meeting:1", "skip_sid": "abc"}),
    ("removed", None, {"room": "person:2", "namespace": "/"}),
    ("notice", "plain text", {"to": "sid-9", "skip_sid": ["a", "b"]}),
    ("list", [1, 2.5, True, {"deep": [None]}], {}),
    ("two arguments", ("one", {"two": 2}), {"room": "meeting:1"}),
    ("with bytes", {"file": b"\x00\x01", "name": "x"}, {"room": "meeting:1"}),
]


@pytest.mark.parametrize(("event", "data", "options"), CASES)
def test_what_it_sends_is_what_the_library_would_send(
    redis_url: str, event: str, data: Any, options: dict[str, Any]
) -> None:
    ours, theirs = RecordingQueue(redis_url), RecordingQueue(redis_url)
    theirs.host_id = ours.host_id
    ours.emit(event, data, **options)
    socketio.PubSubManager.emit(theirs, event, data, **options)
    assert without_sent_at(ours.published) == theirs.published
    assert without_sent_at(ours.handled) == theirs.handled
    assert len(ours.published) == 1 and ours.published[0]["event"] == event


def without_sent_at(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our own emits add when they were sent (for the queue lag metric), which the library's
    readers ignore; checked to be a plausible epoch time, then left out of the comparison."""
    for message in messages:
        if "sent_at" in message:
            assert abs(message["sent_at"] - time.time()) < 60, message["sent_at"]
    return [{k: v for k, v in message.items() if k != "sent_at"} for message in messages]


def test_an_emit_meant_for_this_process_alone_stays_off_the_queue(redis_url: str) -> None:
    queue = RecordingQueue(redis_url)
    queue.emit("snapshot", SNAPSHOT, room="meeting:1", ignore_queue=True)
    assert queue.published == [] and queue.handled == []
