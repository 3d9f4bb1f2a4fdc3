"""Eight people clicking at once: no update is lost, and no version is skipped or repeated.

Eight real Socket.IO clients fire 500 commands each at a real server process. Afterwards the stored
meeting must equal the serial application, in version order, of exactly the commands that were
accepted, replayed through the same rules from the state before the burst.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import redis

from companion.domain import rules
from companion.domain.codec import meeting_to_dict
from companion.domain.commands import Command
from companion.domain.model import Meeting
from companion.schemas import COMMAND_SCHEMAS
from companion.store import MeetingStore
from tests.support import ServerProcess, Widget, close_all, create_set, join_set

CLIENTS = 8
COMMANDS_PER_CLIENT = 500
MEMBER_MOVES = ["raise_hand", "lower_hand", "place_bid", "withdraw_bid", "end_work"]
PRESENTER_MOVES = ["raise_hand", "withdraw_bid", "speaker_done"]  # all refused: questions go on
FACILITATOR_MOVES = ["call_next", "remove_hand", "extend_timer", "clear_hands", "accept_bid"]


@dataclass
class Sent:
    participant_id: str
    event: str
    payload: dict[str, Any] | None
    answer: dict[str, Any]


class Burst:
    """A meeting in its clarifying questions, with a facilitator and seven members online."""

    def __init__(self, server: ServerProcess) -> None:
        created = create_set(server.url, "Load", "Fay")
        tokens = [created["facilitator_token"]]
        for n in range(CLIENTS - 1):
            tokens.append(
                join_set(server.url, created["invite_token"], f"M{n}")["participant_token"]
            )
        self.meeting_id = created["meeting_id"]
        self.widgets = [Widget(server.url, token) for token in tokens]
        self.ids = [w.wait_for("welcome")["you"]["id"] for w in self.widgets]
        self.facilitator = self.widgets[0]
        self._setup()

    def _setup(self) -> None:
        presenter = self.widgets[1]
        self._ok(presenter, "place_bid", {"title": "", "minutes": 30})
        bid = self.facilitator.wait_for("snapshot", lambda s: s["meeting"]["bids"])
        self._ok(self.facilitator, "accept_bid", {"bid_id": bid["meeting"]["bids"][0]["id"]})
        self._ok(self.facilitator, "go_to_phase", {"phase": "work"})
        self._ok(self.facilitator, "advance_phase")

    @staticmethod
    def _ok(widget: Widget, event: str, payload: dict[str, Any] | None = None) -> None:
        answer = widget.call(event, payload)
        assert answer.get("ok"), answer

    def fire(self, index: int) -> list[Sent]:
        """One person's 500 clicks, as fast as the server answers them."""
        widget, pick = self.widgets[index], random.Random(index)
        sent = []
        for _ in range(COMMANDS_PER_CLIENT):
            event, payload = self._choose(index, pick)
            sent.append(Sent(self.ids[index], event, payload, widget.call(event, payload)))
        return sent

    def _choose(self, index: int, pick: random.Random) -> tuple[str, dict[str, Any] | None]:
        if index == 0:
            event = pick.choice(FACILITATOR_MOVES)
            payloads = {
                "remove_hand": {"participant_id": pick.choice(self.ids[1:])},
                "extend_timer": {"timer": "meeting", "seconds": pick.randint(1, 60)},
                "accept_bid": {"bid_id": f"b{pick.randint(1, 40)}"},
            }
            return event, payloads.get(event)
        event = pick.choice(PRESENTER_MOVES if index == 1 else MEMBER_MOVES)
        if event == "place_bid":
            return event, {"title": "", "minutes": pick.randint(5, 40)}
        return event, None


@pytest.fixture
def burst(live_server: ServerProcess) -> Iterator[Burst]:
    burst = Burst(live_server)
    yield burst
    close_all(burst.widgets)


def replay(before: Meeting, accepted: list[Sent], at_ms: dict[int, int]) -> Meeting:
    """The same rules, one command at a time, at the moments the server stamped on them."""
    meeting = before
    for version, sent in enumerate(accepted, start=before.version + 1):
        arguments = COMMAND_SCHEMAS[sent.event]().load(sent.payload or {})
        command = Command(sent.event, sent.participant_id, at_ms[version], arguments)
        meeting = rules.apply(meeting, command).meeting
    return meeting


def stamps_seen(widgets: list[Widget]) -> dict[int, int]:
    """Each committed version's server time, from the activity line every broadcast carries."""
    return {
        entry["version"]: entry["at_ms"]
        for widget in widgets
        for snapshot in widget.received["snapshot"]
        for entry in snapshot["meeting"]["activity"]
    }


def test_concurrent_commands_equal_their_serial_application(
    burst: Burst, redis_connection: redis.Redis
) -> None:
    store = MeetingStore(redis_connection)
    before = store.load_meeting(burst.meeting_id)
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = [s for batch in pool.map(burst.fire, range(CLIENTS)) for s in batch]
    after = store.load_meeting(burst.meeting_id)

    accepted = sorted((s for s in results if s.answer.get("ok")), key=lambda s: s.answer["version"])
    rejected = [s for s in results if not s.answer.get("ok")]
    assert len(results) == CLIENTS * COMMANDS_PER_CLIENT
    assert all(s.answer.get("error") and s.answer.get("message") for s in rejected)
    versions = [s.answer["version"] for s in accepted]
    assert versions == list(range(before.version + 1, after.version + 1)), "none skipped or reused"
    assert len(accepted) > 1000 and len(rejected) > 100, "the mix exercised both outcomes"

    for widget in burst.widgets:
        widget.wait_for("snapshot", lambda s: s["version"] == after.version, timeout=60)
        seen = [s["version"] for s in widget.received["snapshot"]]
        assert len(seen) == len(set(seen)), "each version reached each widget once"
        assert max(seen) == after.version
    replayed = replay(before, accepted, stamps_seen(burst.widgets))
    assert meeting_to_dict(replayed) == meeting_to_dict(after)
