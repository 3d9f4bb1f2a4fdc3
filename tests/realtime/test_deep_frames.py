"""A Socket.IO message nested too deeply is refused with an answer, and nothing else happens.

Python's json recurses into nested lists and objects, and some thousand levels raise
``RecursionError``. Such a frame used to be dropped with a traceback on stderr, its
acknowledgement id lost with it. The frames here are written byte for byte over a raw WebSocket
(a python-socketio client cannot even encode them), 7,000 levels deep yet under the 16 KiB cap.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
import websocket

from companion.guards.payloads import TOO_DEEP_MESSAGE
from realtime import MAX_MESSAGE_BYTES
from tests.support import CleanLog, ServerProcess, Widget, create_set

DEPTH = 7000
DEEP_LIST = "[" * DEPTH + "]" * DEPTH
DEEP_OBJECT = '{"a":' * (DEPTH // 3) + "1" + "}" * (DEPTH // 3)
TOO_DEEP = {"error": "invalid_input", "message": TOO_DEEP_MESSAGE}
ANSWER_SECONDS = 10
# The frames after ``42<ack id>``: a command, a command deep inside its object, one taking
# nothing, an event we do not have, one whose name cannot be read, and a second argument.
DEEP_EVENTS = {
    "command": f'["place_bid",{DEEP_LIST}]',
    "command_field": f'["place_bid",{{"title":{DEEP_OBJECT},"minutes":10}}]',
    "sync": f'["sync",{DEEP_LIST}]',
    "unknown_event": f'["no_such_event",{DEEP_LIST}]',
    "unreadable_name": f"[{DEEP_LIST}]",
    "second_argument": f'["start_timer",{{"timer":"speaker","seconds":60}},{DEEP_LIST}]',
}
GOOD_COMMAND = '["start_timer",{"timer":"speaker","seconds":60}]'


class RawConnection:
    """One Engine.IO connection over a WebSocket, speaking Socket.IO's text frames by hand."""

    def __init__(self, base_url: str) -> None:
        url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.socket = websocket.create_connection(url, timeout=ANSWER_SECONDS)
        assert self.socket.recv().startswith("0{"), "Engine.IO's open packet"

    def connect(self, auth: str) -> str:
        """Sends CONNECT with ``auth`` as written; returns the CONNECT (``40``) or CONNECT_ERROR
        (``44``) that answers it."""
        self.socket.send(f"40{auth}")
        return self.next_frame(lambda frame: frame[:2] in ("40", "44"))

    def call(self, ack_id: int, event: str) -> object:
        """Sends ``event`` (the array, as written) under ``ack_id``; returns the answer."""
        self.socket.send(f"42{ack_id}{event}")
        frame = self.next_frame(lambda frame: frame.startswith(f"43{ack_id}["))
        return json.loads(frame[len(f"43{ack_id}") :])[0]

    def next_frame(self, wanted: Callable[[str], bool]) -> str:
        while True:
            frame = self.socket.recv()
            if frame == "2":  # the server's ping, which a client must answer
                self.socket.send("3")
            elif wanted(frame):
                return frame

    def close(self) -> None:
        self.socket.close(timeout=0.2)


@dataclass
class Meeting:
    """A facilitator in a meeting twice over: on a raw connection, and on a widget that watches
    the snapshots everyone gets."""

    token: str
    raw: RawConnection
    watcher: Widget


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[Meeting]:
    token = create_set(live_server.url, "Deep frames", "Fay")["facilitator_token"]
    watcher = Widget(live_server.url, token)
    watcher.wait_for("snapshot")
    raw = RawConnection(live_server.url)
    assert raw.connect(json.dumps({"token": token})).startswith("40{")
    yield Meeting(token, raw, watcher)
    raw.close()
    watcher.close()


def test_the_frames_fit_under_the_message_cap() -> None:
    """Else Engine.IO would close the connection before any handler saw them."""
    for event in DEEP_EVENTS.values():
        assert len(f"42999{event}") < MAX_MESSAGE_BYTES


@pytest.mark.parametrize("event", DEEP_EVENTS.values(), ids=DEEP_EVENTS.keys())
def test_a_frame_nested_too_deeply_is_answered_invalid_input(
    meeting: Meeting, live_server: ServerProcess, event: str
) -> None:
    log = CleanLog(live_server)
    assert meeting.raw.call(1, event) == TOO_DEEP
    answer = meeting.raw.call(2, GOOD_COMMAND)
    assert isinstance(answer, dict) and answer.get("ok"), answer
    meeting.watcher.wait_for("snapshot", lambda s: s["version"] >= answer["version"])
    assert meeting.raw.call(3, '["sync"]') == {"ok": True, "version": answer["version"]}
    log.assert_clean()


def test_a_connect_whose_auth_is_nested_too_deeply_is_refused(
    meeting: Meeting, live_server: ServerProcess
) -> None:
    """The refusal is a ``connect_error`` like any other; the same Engine.IO connection can
    then connect properly, and the meeting goes on."""
    log = CleanLog(live_server)
    other = RawConnection(live_server.url)
    try:
        refusal = other.connect(f'{{"token":{DEEP_LIST}}}')
        assert refusal.startswith("44"), refusal
        assert json.loads(refusal[2:]) == {"message": TOO_DEEP_MESSAGE, "data": TOO_DEEP}
        assert other.connect(json.dumps({"token": meeting.token})).startswith("40{")
        answer = other.call(1, GOOD_COMMAND)
        assert isinstance(answer, dict) and answer.get("ok"), answer
        meeting.watcher.wait_for("snapshot", lambda s: s["version"] >= answer["version"])
    finally:
        other.close()
    log.assert_clean()


def test_a_frame_nested_too_deeply_over_long_polling_is_answered(
    meeting: Meeting, live_server: ServerProcess
) -> None:
    """Engine.IO reads a polling request's body into packets itself before Socket.IO does."""
    log = CleanLog(live_server)
    polling = requests.Session()
    base = f"{live_server.url}/socket.io/?EIO=4&transport=polling"
    opened = polling.get(base, timeout=ANSWER_SECONDS).text
    url = f"{base}&sid={json.loads(opened[1:])['sid']}"
    polling.post(url, data="40" + json.dumps({"token": meeting.token}), timeout=ANSWER_SECONDS)
    polling.post(url, data=f"421{DEEP_EVENTS['command']}", timeout=ANSWER_SECONDS)
    answers: list[str] = []
    for _ in range(3):  # the welcome and the snapshots come first, maybe in a poll of their own
        frames = polling.get(url, timeout=2 * ANSWER_SECONDS).text.split("\x1e")
        answers += [frame for frame in frames if frame.startswith("431[")]
        if answers:
            break
    assert json.loads(answers[0][3:]) == [TOO_DEEP]
    polling.post(url, data="41", timeout=ANSWER_SECONDS)  # DISCONNECT
    log.assert_clean()
