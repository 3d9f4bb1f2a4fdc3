"""Nobody acts beyond their role, proven against a running server.

Every client command is sent by every kind of sender the roles table in docs/protocol.md has a
column for: the facilitator, a co-facilitator, a member, the presenter and an observer of one
meeting; someone removed from it (the server closes their widget and refuses their link); a
participant of another set naming this meeting's ids; and connections with no token, a forged
token, or an invite token. Each (command, sender) is a case of its own.

Allowed means the rules did not turn the sender away for who they are: the command may still fail
for another reason (``no_round``, ``wrong_phase``), so the error code is checked, not just ok or
error. Refused means ``not_allowed`` (``not_presenter`` for a member who is not presenting) and the
meeting in Redis exactly as it was.

One server and one prepared meeting serve every case. The meeting is brought to where each role
has something to do (the set's second meeting, in the middle of the presenter's work, with hands
up, a bid waiting, actions named today and last time's to report on), saved, and put back as saved
(as its next version, through the store) before each case: so a command one case may carry out,
ending the meeting or handing over the lead, never changes what the next case sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
import websocket

from companion.domain import roster
from companion.domain.model import BidStatus, Meeting
from companion.schemas import COMMAND_SCHEMAS
from companion.store import MeetingStore
from companion.store.connection import redis_client
from tests.support import (
    CommandedMeeting,
    ServerProcess,
    Widget,
    assert_well_formed,
    close_all,
    create_set,
    join_set,
    start_next_meeting,
    token_of,
)
from tests.test_protocol_doc import PRESENTER_ONLY, TICK, roles_table

TABLE = roles_table()
COMMANDS = sorted(COMMAND_SCHEMAS)
MEMBERS = {"cora": "Cora", "mel": "Mel", "pia": "Pia", "obi": "Obi", "rex": "Rex", "ada": "Ada"}
# Who plays each role of the meeting, and the column of the table that speaks for them.
SENDER_OF_ROLE = {
    "facilitator": "facilitator",
    "co_facilitator": "cora",
    "member": "mel",
    "presenter": "pia",
    "observer": "obi",
}
COLUMN_OF_ROLE = {
    "facilitator": "Facilitator",
    "co_facilitator": "Co-facilitator",
    "member": "Member",
    "presenter": "Presenter",
    "observer": "Observer",
}
# Codes that say "not you": none may answer a ticked cell, given a payload that is the sender's own.
REFUSALS = frozenset({"not_allowed", "not_presenter", "not_yours", "not_your_turn"})
# What another meeting makes of this meeting's ids, whatever state it is in.
UNKNOWN_THERE = {
    "accept_bid": "no_such_bid",
    "decline_bid": "no_such_bid",
    "remove_action": "no_such_action",
    "report_back": "no_such_action",
    "remove_learning": "no_such_learning",
    "set_role": "no_such_participant",
    "remove_participant": "no_such_participant",
    "hand_over": "no_such_participant",
    "admit": "not_waiting",
    "decline": "not_waiting",
}
CREDENTIALS = {"no_token": "token_missing", "forged_token": "token_invalid"}
CREDENTIALS |= {"invite_token": "token_invalid"}


def ticked(command: str, column: str) -> bool:
    return TABLE[command][column] == TICK


# --- The prepared meeting -----------------------------------------------------------------------


class PreparedMeeting(CommandedMeeting):
    """Fay's set at its second meeting. In the first, Cora, Mel and Pia each presented and named an
    action. In this one Cora co-facilitates, Obi observes, Rex has been removed (the server has
    closed his widget), Mel has presented and named an action, Pia
    is presenting (clarifying questions, one action named), Ada's bid waits, and Ada's and Mel's
    hands are up."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.set_id = self.seat(base_url, "Matrix set", "Fay", MEMBERS)["set_id"]
        self.version = self.widgets["facilitator"].call("sync")["version"]
        self._first_meeting()
        start_next_meeting(self, base_url, self.set_id)
        self._second_meeting_so_far()

    def _first_meeting(self) -> None:
        self.send("facilitator", "advance_phase")  # check-in
        self.send("facilitator", "advance_phase")  # bidding
        for who in ("cora", "mel", "pia"):
            self.send(who, "place_bid", {"title": f"{who}'s first issue", "minutes": 10})
        for bid in self.meeting()["bids"]:
            self.send("facilitator", "accept_bid", {"bid_id": bid["id"]})
        for who in ("cora", "mel", "pia"):
            self.send("facilitator", "advance_phase")  # their work
            self.send(who, "end_work")  # on to their actions
            self.send(who, "add_action", {"text": f"{who}'s first action"})
            self.send("facilitator", "advance_phase")  # their closing round
        self.send("facilitator", "end_meeting")

    def _second_meeting_so_far(self) -> None:
        ids = self.ids
        self.send(
            "facilitator", "set_role", {"participant_id": ids["cora"], "role": "co_facilitator"}
        )
        self.send("facilitator", "set_role", {"participant_id": ids["obi"], "role": "observer"})
        self.send("facilitator", "remove_participant", {"participant_id": ids["rex"]})
        self.send("facilitator", "advance_phase")  # check-in
        self.send("facilitator", "advance_phase")  # bidding
        for who in ("mel", "pia", "ada"):
            self.send(who, "place_bid", {"title": f"{who}'s issue", "minutes": 10})
        bids = {b["participant_id"]: b["id"] for b in self.meeting()["bids"]}
        for who in ("mel", "pia"):
            self.send("facilitator", "accept_bid", {"bid_id": bids[ids[who]]})
        self.send("facilitator", "advance_phase")  # Mel's work
        self.send("mel", "end_work")
        self.send("mel", "add_action", {"text": "Mel's action today"})
        self.send("facilitator", "advance_phase")  # Mel's closing round
        self.send("facilitator", "advance_phase")  # Pia's work
        self.send("pia", "add_action", {"text": "Pia's action today"})
        self.send("facilitator", "advance_phase")  # clarifying questions
        self.send("ada", "raise_hand")
        self.send("mel", "raise_hand")
        self.send("ada", "send_signal", {"kind": "pause"})


@dataclass(frozen=True)
class Items:
    """The ids in the saved meeting that commands name: whose is whose."""

    meeting_id: str
    people: dict[str, str]
    waiting_bid: str
    actions_today: dict[str, str]  # by owner (who named one today)
    to_report: dict[str, str]  # last meeting's actions, by owner

    @classmethod
    def of(cls, saved: Meeting, people: dict[str, str]) -> Items:
        who = {pid: name for name, pid in people.items()}
        waiting = next(b.id for b in saved.bids if b.status is BidStatus.PENDING)
        return cls(
            meeting_id=saved.id,
            people=people,
            waiting_bid=waiting,
            actions_today={who[a.owner_id]: a.id for a in saved.actions},
            to_report={who[a.owner_id]: a.id for a in saved.report_back},
        )


def payload(command: str, sender: str, items: Items) -> dict[str, Any] | None:
    """What ``sender`` would plausibly send: valid input, naming real things in the meeting, and
    the sender's own action wherever only an owner may act on one (a facilitator who never
    presented owns none, so reports on an action that is nobody's)."""
    people = items.people
    fixed: dict[str, dict[str, Any]] = {
        "go_to_phase": {"phase": "bidding"},
        "start_silence": {"seconds": 30},
        "skip_speaker": {},
        "move_to_end": {"participant_id": people["mel"]},
        "reorder_round": {"order": [people["mel"], people["ada"], people["pia"]]},
        "place_bid": {"title": "Another issue", "minutes": 10},
        "accept_bid": {"bid_id": items.waiting_bid},
        "decline_bid": {"bid_id": items.waiting_bid},
        "reorder_bids": {"order": []},
        "set_allocation": {"mode": "asked"},
        "set_record_presenters": {"on": False},
        "remove_hand": {"participant_id": people["ada"]},
        "reorder_hands": {"order": [people["mel"], people["ada"]]},
        "add_action": {"text": "Call the board"},
        "remove_action": {"action_id": items.actions_today.get(sender, items.actions_today["mel"])},
        "send_signal": {"kind": "clarity"},
        "switch_signal": {"kind": "advice", "on": False},
        "clear_signals": {},
        "set_signal_window": {"seconds": 90},
        "set_contract": {"items": ["We listen first."]},
        "report_back": {
            "action_id": items.to_report.get(sender, f"{items.meeting_id}.a999"),
            "status": "done",
            "reflection": "It went well.",
        },
        "add_learning": {"text": "Ask, don't tell."},
        "remove_learning": {"learning_id": f"{items.meeting_id}.l999"},
        "start_timer": {"timer": "meeting", "seconds": 60},
        "pause_timer": {"timer": "meeting"},
        "resume_timer": {"timer": "meeting"},
        "extend_timer": {"timer": "meeting", "seconds": 60},
        "stop_timer": {"timer": "phase"},
        "hand_over": {"participant_id": people["cora"]},
        "set_role": {"participant_id": people["ada"], "role": "observer"},
        "remove_participant": {"participant_id": people["ada"]},
        "admit": {"participant_id": people["ada"]},
        "decline": {"participant_id": people["ada"]},
        "set_admission": {"mode": "ask"},
    }
    return fixed.get(command)


class RawSocketIO:
    """Socket.IO spoken by hand over one WebSocket, so that a connection the server refused can go
    on sending events: python-socketio's client, like the widget, stops at the refusal."""

    def __init__(self, base_url: str, auth: dict[str, str] | None) -> None:
        url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(url, timeout=10)
        self.auth = auth
        self.acks: dict[int, Any] = {}
        self.sent = 0
        opened = self.ws.recv()
        assert opened.startswith("0"), opened

    def refusal(self) -> dict[str, Any]:
        """Ask to join the namespace with our ``auth``; the refusal, which must come. Packets are
        handled in order, so it also proves every event sent before it has been dealt with."""
        self.ws.send("40" + ("" if self.auth is None else json.dumps(self.auth)))
        while True:
            packet = self.ws.recv()
            if packet == "2":  # the server's ping
                self.ws.send("3")
            elif packet.startswith("43"):
                digits = "".join(ch for ch in packet[2:] if ch.isdigit())
                self.acks[int(digits)] = packet
            elif packet.startswith("44"):
                return json.loads(packet[2:])
            else:
                raise AssertionError(f"an unauthenticated connection got {packet!r}")

    def emit(self, event: str, data: dict[str, Any] | None) -> int:
        """Send ``event`` asking for an acknowledgement; returns the id it would come back with."""
        self.sent += 1
        arguments = [event] if data is None else [event, data]
        self.ws.send(f"42{self.sent}{json.dumps(arguments)}")
        return self.sent

    def close(self) -> None:
        self.ws.close()


def forged(token: str) -> str:
    """The same token with one character of its signature changed."""
    spot = len(token) - 6
    return token[:spot] + ("A" if token[spot] != "A" else "B") + token[spot + 1 :]


# --- Fixtures -----------------------------------------------------------------------------------


@dataclass
class World:
    store: MeetingStore
    meeting: PreparedMeeting
    saved: Meeting
    items: Items
    outsiders: dict[str, Widget]  # another set's facilitator and member
    other_saved: Meeting
    strangers: dict[str, RawSocketIO]  # refused connections, by the credential they offered

    def put_back(self, saved: Meeting | None = None) -> Meeting:
        """The meeting exactly as prepared, as its next version (or as it is, if it is so), with
        every widget but Rex's connected: an allowed ``remove_participant`` or ``hand_over`` in an
        earlier case may have had the server close someone's."""
        saved = saved or self.saved

        def as_saved(current: Meeting) -> Meeting:
            """The roster too, which a case may have changed in the meeting or alone."""
            same = replace(current, version=saved.version, roster=saved.roster) == saved
            if same and replace(current.roster, version=saved.roster.version) == saved.roster:
                return current
            roster = replace(saved.roster, version=current.roster.version + 1)
            return replace(saved, version=current.version + 1, roster=roster)

        restored = self.store.update_meeting(saved.id, as_saved)[0]
        if saved is self.saved and self._reopen_closed_widgets():
            restored = self.store.update_meeting(saved.id, as_saved)[0]
        return restored

    def _reopen_closed_widgets(self) -> bool:
        closed = [
            who
            for who, widget in self.meeting.widgets.items()
            if who != "rex" and not widget.client.connected
        ]
        for who in closed:
            self.meeting.widgets[who] = Widget(self.meeting.base_url, token_of(self.meeting, who))
        return bool(closed)

    def stored(self, meeting_id: str | None = None) -> Meeting:
        """As stored, with its set's roster: a refused command changes neither."""
        return self.store.load_meeting(meeting_id or self.saved.id)

    def widget(self, sender: str) -> Widget:
        return self.meeting.widgets[sender]


@pytest.fixture(scope="module")
def server(live_server: ServerProcess) -> ServerProcess:
    """The session's server: its settings let tests send commands at machine speed."""
    return live_server


def strangers_of(server: ServerProcess, meeting: PreparedMeeting) -> dict[str, RawSocketIO]:
    created = create_set(server.url, "A set to steal an invite from", "Ivo")
    offered = {
        "no_token": None,
        "forged_token": {"token": forged(token_of(meeting, "facilitator"))},
        "invite_token": {"token": created["invite_token"]},
    }
    return {name: RawSocketIO(server.url, auth) for name, auth in offered.items()}


def outsiders_of(server: ServerProcess, store: MeetingStore) -> tuple[dict[str, Widget], Meeting]:
    created = create_set(server.url, "Another set", "Olga")
    joined = join_set(server.url, created["invite_token"], "Otto")
    outsiders = {
        "facilitator": Widget(server.url, created["facilitator_token"]),
        "member": Widget(server.url, joined["participant_token"]),
    }
    outsiders["facilitator"].call("sync")
    return outsiders, store.load_meeting(created["meeting_id"])


@pytest.fixture(scope="module")
def world(server: ServerProcess, redis_url: str) -> Iterator[World]:
    store = MeetingStore(redis_client(redis_url))
    meeting = PreparedMeeting(server.url)
    saved = store.load_meeting(meeting.meeting()["id"])
    outsiders, other_saved = outsiders_of(server, store)
    strangers = strangers_of(server, meeting)
    yield World(
        store,
        meeting,
        saved,
        Items.of(saved, meeting.ids),
        outsiders,
        other_saved,
        strangers,
    )
    for stranger in strangers.values():
        stranger.close()
    close_all([*meeting.widgets.values(), *outsiders.values()])


# --- The matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(SENDER_OF_ROLE))
@pytest.mark.parametrize("command", COMMANDS)
def test_each_role_in_the_meeting_may_send_exactly_what_the_table_ticks(
    world: World, command: str, role: str
) -> None:
    sender = SENDER_OF_ROLE[role]
    before = world.put_back()
    answer = world.widget(sender).call(command, payload(command, sender, world.items))
    assert_well_formed(answer)
    if ticked(command, COLUMN_OF_ROLE[role]):
        assert answer.get("error") not in REFUSALS | {"invalid_input"}, answer
        return
    narrowed = role == "member" and command in PRESENTER_ONLY
    assert answer["error"] == ("not_presenter" if narrowed else "not_allowed"), answer
    assert world.stored() == before, f"{role}'s refused {command} changed the meeting"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_removed_participant_is_refused_every_command(world: World, command: str) -> None:
    """The server closed Rex's widget when he was removed, and refuses his link from then on:
    whatever he sends on a new connection goes nowhere."""
    assert not ticked(command, "Removed")
    before = world.put_back()
    again = RawSocketIO(world.meeting.base_url, {"token": token_of(world.meeting, "rex")})
    try:
        sent = again.emit(command, payload(command, "rex", world.items))
        assert again.refusal()["data"]["error"] == "removed"
        assert sent not in again.acks, f"{command} was answered: {again.acks[sent]}"
    finally:
        again.close()
    assert world.stored() == before


@pytest.mark.parametrize("command", COMMANDS)
def test_a_participant_of_another_meeting_only_ever_touches_their_own(
    world: World, command: str
) -> None:
    """They send it with the most power they have there: as their set's facilitator whenever a
    facilitator may send it."""
    assert not ticked(command, "Another meeting")
    before = world.put_back()
    world.put_back(world.other_saved)
    as_facilitator = ticked(command, "Facilitator")
    sender = world.outsiders["facilitator" if as_facilitator else "member"]
    data = payload(command, "facilitator" if as_facilitator else "mel", world.items)
    answer = sender.call(command, data)
    assert_well_formed(answer)
    assert world.stored() == before, f"another meeting's {command} changed this meeting"
    if command in UNKNOWN_THERE:
        assert answer["error"] == UNKNOWN_THERE[command], answer
    if answer.get("ok"):
        theirs = world.stored(world.other_saved.id)
        lobby = command in roster.LOBBY_COMMANDS  # versioned by their set's roster
        assert (theirs.roster if lobby else theirs).version == answer["version"]


@pytest.mark.parametrize("credential", list(CREDENTIALS))
@pytest.mark.parametrize("command", COMMANDS)
def test_an_unauthenticated_connection_is_refused_and_its_commands_go_nowhere(
    world: World, command: str, credential: str
) -> None:
    assert not ticked(command, "Unauthenticated")
    before = world.put_back()
    stranger = world.strangers[credential]
    sent = stranger.emit(command, payload(command, "facilitator", world.items))
    refusal = stranger.refusal()
    assert refusal["data"]["error"] == CREDENTIALS[credential], refusal
    assert refusal["message"] and refusal["data"]["message"], refusal
    assert sent not in stranger.acks, f"{command} was answered: {stranger.acks[sent]}"
    assert world.stored() == before


# --- Around the matrix --------------------------------------------------------------------------


def test_a_removed_participant_cannot_connect_again(world: World) -> None:
    world.put_back()
    again = RawSocketIO(world.meeting.base_url, {"token": token_of(world.meeting, "rex")})
    try:
        assert again.refusal()["data"]["error"] == "removed"
    finally:
        again.close()


def test_the_server_closes_a_removed_participants_open_widget(world: World) -> None:
    """Removal ends what the meeting shares with them, not only what they may do: a widget that
    ignored ``removed`` would otherwise go on receiving every snapshot, names and all."""
    rex = world.widget("rex")
    assert rex.wait_for("removed")["message"]
    rex.wait_closed()


NARROWER = [
    # (who, command, whose thing, what it takes first, the code)
    ("mel", "remove_action", "pia", None, "not_yours"),
    ("mel", "report_back", "cora", None, "not_yours"),
    ("ada", "speaker_done", None, {"phase": "check_in"}, "not_your_turn"),
    ("ada", "end_work", None, None, "not_presenter"),
]


@pytest.mark.parametrize(("sender", "command", "owner", "phase", "code"), NARROWER)
def test_a_member_is_held_to_their_own_actions_and_turn(
    world: World, sender: str, command: str, owner: str | None, phase: Any, code: str
) -> None:
    """Within a ticked cell the rules look further: whose action it is, whose turn."""
    world.put_back()
    if phase is not None:  # Mel speaks first in the check-in, so it is not Ada's turn
        world.widget("facilitator").call("go_to_phase", phase)
    before = world.stored()
    data = payload(command, owner or sender, world.items)
    answer = world.widget(sender).call(command, data)
    assert answer.get("error") == code, answer
    assert world.stored() == before
