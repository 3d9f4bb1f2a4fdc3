"""Limits against a real server process with small budgets and short windows: a participant past
their budget is refused alone and changes nothing, while everyone else carries on; an address holds
only so many connections, counted in Redis, and a crashed process's are let go; X-Forwarded-For is
believed from a trusted proxy only; and nothing the limits write says who or where.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import socketio

from companion.domain.codec import meeting_to_dict
from companion.store import MeetingStore
from tests.support import (
    ServerProcess,
    Widget,
    WidgetFrom,
    close_all,
    create_set,
    join_set,
    websocket_class_from,
)

COMMANDS_PER_WINDOW = 4
SIGNALS_PER_WINDOW = 2
SYNCS_PER_WINDOW = 6
WINDOW_SECONDS = 2
CONNECTIONS_PER_ADDRESS = 3
PRESENCE_TIMEOUT_SECONDS = 2
LIMITS_ENV = {
    "COMPANION_COMMAND_RATE": f"{COMMANDS_PER_WINDOW}/{WINDOW_SECONDS}second",
    "COMPANION_SIGNAL_RATE": f"{SIGNALS_PER_WINDOW}/{WINDOW_SECONDS}second",
    "COMPANION_SYNC_RATE": f"{SYNCS_PER_WINDOW}/{WINDOW_SECONDS}second",
    "COMPANION_CONNECTIONS_PER_ADDRESS": str(CONNECTIONS_PER_ADDRESS),
    "COMPANION_PRESENCE_TIMEOUT_SECONDS": str(PRESENCE_TIMEOUT_SECONDS),
}
EXTEND = {"timer": "meeting", "seconds": 1}
LIMITER_KEYS = ("companion:limits:*", "companion:connections:*")


@pytest.fixture(scope="module")
def server(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("limits") / "server.log"
    process = ServerProcess({**server_env, **LIMITS_ENV}, log).start()
    yield process
    process.stop()


@dataclass
class LimitedMeeting:
    """Fay facilitates with two tabs open; Ada is a member with one."""

    created: dict[str, Any]
    joined: dict[str, Any]
    fay: Widget
    fay_again: Widget
    ada: Widget

    def stored(self, connection: redis.Redis) -> dict[str, Any]:
        """The meeting as Redis holds it, read without spending anyone's budget."""
        return meeting_to_dict(MeetingStore(connection).load_meeting(self.created["meeting_id"]))

    def people(self) -> set[str]:
        """What would name someone: their ids and links."""
        tokens = {self.created["facilitator_token"], self.joined["participant_token"]}
        return {self.created["participant_id"], self.joined["participant_id"], *tokens}


@pytest.fixture
def meeting(server: ServerProcess, widgets: list[Widget]) -> LimitedMeeting:
    created = create_set(server.url, "Ward leaders", "Fay")
    joined = join_set(server.url, created["invite_token"], "Ada")
    opened = [
        Widget(server.url, token)
        for token in (created["facilitator_token"],) * 2 + (joined["participant_token"],)
    ]
    widgets.extend(opened)
    for widget in opened:
        widget.wait_for("welcome")
    return LimitedMeeting(created, joined, *opened)


def spend_commands(meeting: LimitedMeeting) -> None:
    """Fay spends her whole commands budget, half from each tab: every one is accepted."""
    for n in range(COMMANDS_PER_WINDOW):
        tab = meeting.fay if n % 2 else meeting.fay_again
        assert tab.call("extend_timer", EXTEND).get("ok"), n


def assert_rate_limited(answer: dict[str, Any]) -> None:
    assert set(answer) == {"error", "message"}, answer
    assert answer["error"] == "rate_limited" and "try again" in answer["message"]


def test_a_participant_over_budget_is_refused_alone_and_changes_nothing(
    meeting: LimitedMeeting, redis_connection: redis.Redis
) -> None:
    spend_commands(meeting)
    before = meeting.stored(redis_connection)
    meeting.ada.wait_for("snapshot", lambda s: s["version"] == before["version"])
    heard = len(meeting.ada.received["snapshot"])
    for tab in (meeting.fay, meeting.fay_again):  # both tabs share her one budget
        assert_rate_limited(tab.call("extend_timer", EXTEND))
    assert meeting.stored(redis_connection) == before, "nothing committed"

    answer = meeting.ada.call("agree_contract")
    assert answer == {"ok": True, "version": before["version"] + 1}, "Ada's budget is her own"
    meeting.ada.wait_for("snapshot", lambda s: s["version"] == answer["version"])
    since = [s["version"] for s in meeting.ada.received["snapshot"][heard:]]
    assert since == [answer["version"]], "the refused commands broadcast nothing"


def test_the_budget_comes_back_once_its_window_has_passed(meeting: LimitedMeeting) -> None:
    spend_commands(meeting)
    assert_rate_limited(meeting.fay.call("extend_timer", EXTEND))
    time.sleep(WINDOW_SECONDS)
    assert meeting.fay.call("extend_timer", EXTEND).get("ok")


def test_signals_have_a_budget_of_their_own(
    meeting: LimitedMeeting, redis_connection: redis.Redis
) -> None:
    for kind in ("pause", "clarity"):
        assert meeting.ada.call("send_signal", {"kind": kind}).get("ok"), kind
    before = meeting.stored(redis_connection)
    assert_rate_limited(meeting.ada.call("send_signal", {"kind": "advice"}))
    assert meeting.stored(redis_connection) == before
    assert sorted(before["signals"]) == ["clarity", "pause"]
    assert meeting.ada.call("agree_contract").get("ok"), "her commands budget is untouched"


def test_sync_clock_and_unknown_events_share_a_capped_budget(meeting: LimitedMeeting) -> None:
    for n in range(SYNCS_PER_WINDOW):
        assert meeting.ada.call("sync" if n % 2 else "clock").get("ok"), n
    assert_rate_limited(meeting.ada.call("clock"))
    assert_rate_limited(meeting.ada.call("sync"))
    assert_rate_limited(meeting.ada.call("no_such_event"))
    assert meeting.fay.call("sync").get("ok"), "Fay's budget is her own"


def dump_limiter_keys(connection: redis.Redis) -> dict[str, Any]:
    """Every key the limits write (found with SCAN), with its value; a key may expire meanwhile."""
    readers = {
        "string": connection.get,
        "list": lambda k: connection.lrange(k, 0, -1),  # an earlier release's, until they expire
        "zset": lambda k: connection.zrange(k, 0, -1),
        "none": lambda _: None,
    }
    return {
        key: readers[connection.type(key)](key)
        for pattern in LIMITER_KEYS
        for key in connection.scan_iter(match=pattern)
    }


def test_nothing_the_limits_write_names_anyone(
    meeting: LimitedMeeting, server: ServerProcess, redis_connection: redis.Redis
) -> None:
    before = set(dump_limiter_keys(redis_connection))
    assert meeting.ada.call("send_signal", {"kind": "pause"}).get("ok")
    assert meeting.ada.call("agree_contract").get("ok")
    assert meeting.fay.call("extend_timer", EXTEND).get("ok")
    connected = WidgetFrom(server.url, meeting.joined["participant_token"], "127.0.0.9")
    try:
        connected.wait_for("welcome")
        written = dump_limiter_keys(redis_connection)
    finally:
        connected.close()

    new = {key: value for key, value in written.items() if key not in before}
    budgets = {key.split("/")[1] for key in new if key.startswith("companion:limits:")}
    assert budgets == {"signals", "commands"}, new
    assert any(key.startswith("companion:connections:") for key in written)
    # The app's own log lines; gevent's server writes its own errors, with addresses, apart.
    app_log = [line for line in server.log().splitlines() if line.startswith("{")]
    assert app_log, "the log was written, and searched"
    text = json.dumps(written) + "\n".join(app_log)
    hidden = meeting.people() | {"127.0.0.9"}
    assert not [secret for secret in hidden if secret in text]
    tags = {key.split("/")[2] for key in new if key.startswith("companion:limits:")}
    assert len(tags) == 3, "Ada's signals and commands, and Fay's commands: three unlinked tags"


class ForwardedWidget(WidgetFrom):
    """A widget from ``source_ip`` whose handshake may say it is forwarded for someone else.

    A refused client closes its WebSocket at once and would wait 3 s for the server's close frame,
    which its reader has usually taken already; as ``Widget.close`` does, the wait is cut short."""

    def __init__(
        self, base_url: str, token: str, source_ip: str, forwarded_for: str | None = None
    ) -> None:
        self.headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        super().__init__(base_url, token, source_ip)

    def connect(self) -> ForwardedWidget:
        bound = websocket_class_from(self.source_ip)

        class QuickToClose(bound):
            def close(self, *args: Any, **options: Any) -> None:
                super().close(*args, **{**options, "timeout": 0.2})

        self.client.eio.websocket_extra_options["class_"] = QuickToClose
        self.client.connect(
            self.base_url,
            auth={"token": self.token},
            headers=self.headers,
            wait_timeout=10,
            transports=self.transports,
        )
        return self


@pytest.fixture
def token(meeting: LimitedMeeting) -> str:
    return meeting.joined["participant_token"]


def connect_from(
    opened: list[Widget], server: ServerProcess, token: str, source: str, via: str | None = None
) -> Widget:
    widget = ForwardedWidget(server.url, token, source, via)
    opened.append(widget)
    widget.wait_for("welcome")
    return widget


def connect_once_admitted(
    opened: list[Widget], server: ServerProcess, token: str, source: str, within: float
) -> None:
    """Connections are given back by handlers and sweeps that run on their own time."""
    deadline = time.monotonic() + within
    while True:
        try:
            connect_from(opened, server, token, source)
            return
        except socketio.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def refusal_from(server: ServerProcess, token: str, source: str, via: str | None = None) -> str:
    refusals: list[Any] = []

    class Refused(ForwardedWidget):
        def _refused(self, data: Any = None) -> None:
            refusals.append(data)

    with pytest.raises(socketio.exceptions.ConnectionError):
        Refused(server.url, token, source, via)
    assert refusals[0]["message"] == refusals[0]["data"]["message"]
    return refusals[0]["data"]["error"]


def test_an_address_holds_only_so_many_connections(
    server: ServerProcess, token: str, widgets: list[Widget]
) -> None:
    first = [connect_from(widgets, server, token, "127.0.0.2") for _ in range(3)]
    assert refusal_from(server, token, "127.0.0.2") == "too_many_connections"
    connect_from(widgets, server, token, "127.0.0.3")  # another address has its own count
    first[0].close()
    connect_once_admitted(widgets, server, token, "127.0.0.2", within=5)


def test_x_forwarded_for_is_believed_from_a_trusted_proxy_only(
    server: ServerProcess, token: str, widgets: list[Widget]
) -> None:
    for n in range(CONNECTIONS_PER_ADDRESS):  # forged addresses from an untrusted peer
        connect_from(widgets, server, token, "127.0.0.4", via=f"198.51.100.{n}")
    assert refusal_from(server, token, "127.0.0.4", via="198.51.100.99") == "too_many_connections"

    for _ in range(CONNECTIONS_PER_ADDRESS):  # a trusted proxy: the right-most address counts
        connect_from(widgets, server, token, "127.0.0.1", via="192.0.2.1, 203.0.113.5")
    assert refusal_from(server, token, "127.0.0.1", via="203.0.113.5") == "too_many_connections"
    connect_from(widgets, server, token, "127.0.0.1", via="203.0.113.5, 203.0.113.6")
    for _ in range(CONNECTIONS_PER_ADDRESS + 1):  # and its own connections are not counted
        connect_from(widgets, server, token, "127.0.0.1")


def test_a_crashed_process_gives_its_connections_back(
    server: ServerProcess, server_env: dict[str, str], token: str, tmp_path: Path
) -> None:
    crashing = ServerProcess({**server_env, **LIMITS_ENV}, tmp_path / "crashing.log").start()
    opened: list[Widget] = []
    try:
        for _ in range(CONNECTIONS_PER_ADDRESS):
            connect_from(opened, crashing, token, "127.0.0.5")
        crashing.kill()
        assert refusal_from(server, token, "127.0.0.5") == "too_many_connections"
        # Admitted once the dead process's last heartbeat is older than the presence timeout.
        connect_once_admitted(
            opened, server, token, "127.0.0.5", within=3 * PRESENCE_TIMEOUT_SECONDS
        )
    finally:
        crashing.stop()
        close_all(opened)
