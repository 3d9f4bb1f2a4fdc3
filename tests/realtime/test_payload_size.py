"""A snapshot stays small: a meeting of 8 members with 4 bids, a full activity log and the round
done, is at most 4 KB of JSON as it crosses the wire (compact, as Socket.IO encodes it).

A widget is sent the whole snapshot as it connects, after a ``sync`` and when the server cannot
send a patch, so its size is what opening the widget, or recovering, costs each phone; each
change after that is a patch (tests/realtime/test_patches.py, docs/performance.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support import CommandedMeeting, ServerProcess, close_all

SNAPSHOT_BUDGET_BYTES = 4 * 1024
MEMBERS = {
    f"m{n}": name
    for n, name in enumerate(
        [
            "Adaeze Okafor",
            "Benedikt Schmidt",
            "Chiara Lombardi",
            "Dmitri Volkov",
            "Eleanor Whitfield",
            "Farida Haddad",
            "Gustavo Pereira",
            "Hannah Lindqvist",
        ]
    )
}
TITLES = [
    "Rota gaps on the night shift",
    "A difficult conversation with my manager",
    "Whether to apply for the new post",
    "Getting the team to share the load",
]


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[CommandedMeeting]:
    seated = CommandedMeeting()
    seated.seat(live_server.url, "Ward leaders' learning set", "Fay Adeyemi", MEMBERS)
    yield seated
    close_all(list(seated.widgets.values()))


def wire_size(message: dict) -> int:
    return len(json.dumps(message, separators=(",", ":")).encode())


def test_a_snapshot_of_8_members_and_4_bids_is_at_most_4_kb(meeting: CommandedMeeting) -> None:
    meeting.send("facilitator", "advance_phase")  # the check-in round
    for who in MEMBERS:
        meeting.send(who, "speaker_done")
    for who, title in zip(list(MEMBERS)[:4], TITLES, strict=True):
        meeting.send(who, "place_bid", {"title": title, "minutes": 20, "share_title": True})
    for who in list(MEMBERS)[4:6]:
        meeting.send(who, "send_signal", {"kind": "slow_down"})
    meeting.meeting()
    snapshot = meeting.widgets["m7"].wait_for("snapshot", lambda s: s["version"] >= meeting.version)
    assert len(snapshot["meeting"]["participants"]) == 9
    assert len(snapshot["meeting"]["bids"]) == 4
    size = wire_size(snapshot)
    assert size <= SNAPSHOT_BUDGET_BYTES, f"{size} bytes"
