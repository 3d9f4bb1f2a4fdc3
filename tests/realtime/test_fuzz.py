"""Bad input never corrupts a meeting: random events with malformed payloads, fired at a running
server from a facilitator's and a member's connection.

Hypothesis picks the event (a command, ``sync`` or ``clock``, an unknown name, one with odd
characters, a very long one) and its payload (nothing, numbers, strings near the 16 KiB message
cap, lists, nested junk, bytes, NaN and infinities, which Python's json sends; or the command's own
fields holding junk, plausible values or the meeting's real ids, so that some get through and move
the meeting on). After each example: the answer has a documented shape and never says
``internal_error``; a refusal changed nothing; the server still answers; a valid command still
reaches another widget; and the meeting read back from Redis keeps the invariants the domain's
property test checks, with a version that only ever grew.

Messages above the cap, event names the Socket.IO libraries keep for themselves, extra arguments
and numbers too long to read each have a test of their own below the fuzzing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import socketio
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from companion.domain.model import Meeting, Phase, Role
from companion.schemas import COMMAND_SCHEMAS
from companion.store import MeetingStore
from companion.store.connection import redis_client
from realtime import MAX_MESSAGE_BYTES
from tests.domain.test_properties import assert_consistent
from tests.support import (
    ServerProcess,
    Widget,
    assert_well_formed,
    close_all,
    create_set,
    join_set,
)

ANSWER_SECONDS = 5  # a live server answers in milliseconds; anything slower is a hang
KNOWN = [*sorted(COMMAND_SCHEMAS), "sync", "clock"]
# Names python-socketio's server routes to the app's own connect, disconnect and catch-all
# handlers: each has a test of its own below, so the fuzzing leaves them out.
LIFECYCLE = ("connect", "disconnect", "*")
ODD_NAMES = [
    "",
    " ",
    "connect_error",
    "message",
    "__proto__",
    "constructor",
    "ADVANCE_PHASE",
    "advance_phase ",
    "advance_phase\x00",
    "place_bid\n",
    "sync/../clock",
    "😀",
    "\u202eesahp_ecnavda",
    "<script>alert(1)</script>",
]
NEAR_THE_CAP = [4_000, 8_000, 12_000, 15_000, 16_000, 16_200, 16_300]
# What each field of a command takes, more or less: enough for many commands to be accepted.
PLAUSIBLE: dict[str, list[Any]] = {
    "phase": [
        "opening",
        "check_in",
        "bidding",
        "work",
        "closing_round",
        "learning_review",
        "closed",
    ],
    "seconds": [1, 10, 60, 600, 601, 28_800, 0, -1],
    "minutes": [1, 20, 180, 181, 0],
    "timer": ["meeting", "phase", "speaker", "silence", "coffee"],
    "kind": ["pause", "clarity", "slow_down", "advice", "refocus", "time", None, "dance"],
    "on": [True, False, "true", 1],
    "role": ["member", "observer", "co_facilitator", "facilitator"],
    "mode": ["equal", "asked", "EQUAL"],
    "status": ["done", "in_progress", "changed", "dropped", "open"],
    "title": ["", "A rota nobody likes", " padded ", "x" * 120, "x" * 121],
    "text": ["Talk to the team", "x" * 200, "x" * 201, "", "\u200b"],
    "reflection": ["", "It went well.", "x" * 281],
    "items": [["We listen."], [], [""], ["x" * 200] * 12, ["x"] * 13],
    "share_title": [True, False, None],
}


def json_size(event: str, data: Any) -> int:
    """How long python-socketio's text packet for ``event`` will be: what the cap is measured on.
    Bytes travel apart, each as an attachment, leaving a placeholder in the text."""
    arguments = [event] if data is None else [event, data]
    placeholder = {"_placeholder": True, "num": 0}
    return len("421" + json.dumps(arguments, separators=(",", ":"), default=lambda _: placeholder))


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of ``choices``, each as often as its weight says (``one_of`` takes each alike)."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(min_value=0, max_value=len(pool) - 1).flatmap(lambda i: pool[i])


LEAVES = weighted(
    (1, st.none()),
    (1, st.booleans()),
    # engineio refuses to read a number of more than 100 digits: see the test of its own below
    (1, st.integers(min_value=-(10**99), max_value=10**99)),
    (1, st.floats()),
    (2, st.text(max_size=40)),
    (1, st.binary(max_size=40)),
)
JUNK = weighted(
    (
        6,
        st.recursive(
            LEAVES,
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.text(max_size=12), inner, max_size=4)
            ),
            max_leaves=10,
        ),
    ),
    (1, st.sampled_from(NEAR_THE_CAP).map(lambda n: "x" * n)),
)
# Most events are ones the server defines, so that many payloads reach the rules.
EVENT_NAMES = weighted(
    (4, st.sampled_from(KNOWN)),
    (1, st.sampled_from(ODD_NAMES)),
    (1, st.text(max_size=40).filter(lambda name: name not in LIFECYCLE)),
    (1, st.integers(min_value=1_000, max_value=8_000).map(lambda n: "e" * n)),
)


def field_values(field: str, ids: list[str]) -> st.SearchStrategy[Any]:
    """Mostly what the field takes (real ids for an id or an order), sometimes junk."""
    if field == "order":
        plausible = st.lists(st.sampled_from(ids), max_size=5)
    elif field.endswith("_id"):
        plausible = st.sampled_from(ids)
    else:
        plausible = st.sampled_from(PLAUSIBLE[field])
    return weighted((6, plausible), (1, JUNK))


def payloads(event: str, ids: list[str]) -> st.SearchStrategy[Any]:
    """Junk of any shape, or the command's own fields holding what they take or junk: all the
    required ones, or some of them left out, or with an unknown one besides."""
    fields = COMMAND_SCHEMAS[event]().fields if event in COMMAND_SCHEMAS else {}
    required = {name: field_values(name, ids) for name, spec in fields.items() if spec.required}
    optional = {name: field_values(name, ids) for name, spec in fields.items() if not spec.required}
    return weighted(
        (1, JUNK),
        (1, st.fixed_dictionaries({}, optional=required | optional)),
        (1, st.fixed_dictionaries(required, optional=optional | {"extra": JUNK})),
        (4, st.fixed_dictionaries(required, optional=optional)),
    )


# --- The meeting under fire ---------------------------------------------------------------------


@dataclass
class FuzzedMeeting:
    """Fay facilitates; Ada and Ben are members; Otto only watches the snapshots arrive (no id of
    his is ever offered to the fuzzing, so nothing aims at him). The ids offered include bid,
    action and learning ids the meeting is likely to hand out."""

    store: MeetingStore
    meeting_id: str
    widgets: dict[str, Widget]  # by participant id
    senders: dict[str, Widget]
    onlooker: Widget
    ids: list[str]
    version: int = 0
    probes: int = 0

    def stored(self) -> Meeting:
        return self.store.load_meeting(self.meeting_id)

    def lead(self) -> Widget:
        meeting = self.stored()
        lead = next(p for p in meeting.roster.entries.values() if p.role is Role.FACILITATOR)
        return self.widgets[lead.id]


@pytest.fixture(scope="module")
def server(live_server: ServerProcess) -> ServerProcess:
    """The session's server: its settings let tests send commands at machine speed."""
    return live_server


@pytest.fixture(scope="module")
def fuzzed(server: ServerProcess, redis_url: str) -> Iterator[FuzzedMeeting]:
    created = create_set(server.url, "Fuzz set", "Fay")
    tokens = {created["participant_id"]: created["facilitator_token"]}
    for name in ("Ada", "Ben", "Otto"):
        joined = join_set(server.url, created["invite_token"], name)
        tokens[joined["participant_id"]] = joined["participant_token"]
    widgets = {pid: Widget(server.url, token) for pid, token in tokens.items()}
    fay, ada, ben, otto = widgets
    meeting_id = created["meeting_id"]
    made_up = [f"b{n}" for n in range(1, 30, 3)] + [f"a{n}" for n in range(2, 30, 3)]
    made_up += [f"{meeting_id}.l{n}" for n in range(3, 30, 3)]
    meeting = FuzzedMeeting(
        store=MeetingStore(redis_client(redis_url)),
        meeting_id=meeting_id,
        widgets=widgets,
        senders={"facilitator": widgets[fay], "member": widgets[ada]},
        onlooker=widgets[otto],
        ids=[fay, ada, ben, *made_up],
    )
    meeting.version = meeting.stored().version
    yield meeting
    close_all(list(widgets.values()))


def answer_to(widget: Widget, event: str, data: Any) -> Any:
    """The acknowledgement, which must come: a message the server drops is a failure too."""
    try:
        return widget.client.call(event, data, timeout=ANSWER_SECONDS)
    except socketio.exceptions.TimeoutError:
        raise AssertionError(f"no answer to {event[:60]!r} within {ANSWER_SECONDS} s") from None


def assert_answer_documented(event: str, answer: Any) -> None:
    if event == "clock" and isinstance(answer, dict) and answer.get("ok") is True:
        assert set(answer) == {"ok", "server_now_ms"}, answer
    else:
        assert_well_formed(answer)
    assert answer.get("error") != "internal_error", answer


def valid_command(meeting: FuzzedMeeting) -> tuple[str, dict[str, Any] | None]:
    """A command the lead may always send: mostly a timer; every fifth time a step through the
    meeting (from its end, back to the opening), so the fuzzing meets every phase."""
    meeting.probes += 1
    if meeting.probes % 5:
        return "start_timer", {"timer": "speaker", "seconds": 1 + meeting.probes % 600}
    if meeting.stored().phase is Phase.CLOSED:
        return "go_to_phase", {"phase": "opening"}
    return "advance_phase", None


def assert_still_serving(meeting: FuzzedMeeting) -> None:
    """The server answers, a valid command still reaches another widget, and the meeting in
    Redis is whole."""
    assert meeting.onlooker.call("clock")["ok"] is True
    changed = meeting.lead().call(*valid_command(meeting))
    assert changed.get("ok"), changed
    meeting.onlooker.wait_for("snapshot", lambda s: s["version"] >= changed["version"])
    stored = meeting.stored()
    assert stored.version >= changed["version"] > meeting.version
    assert_consistent(stored)
    meeting.version = stored.version


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_random_events_and_malformed_payloads_never_corrupt_the_meeting(
    fuzzed: FuzzedMeeting, data: st.DataObject
) -> None:
    sender = data.draw(st.sampled_from(sorted(fuzzed.senders)), label="sender")
    name = data.draw(EVENT_NAMES, label="event")
    payload = data.draw(payloads(name, fuzzed.ids), label="payload")
    assume(json_size(name, payload) < MAX_MESSAGE_BYTES)
    before = fuzzed.stored()

    answer = answer_to(fuzzed.senders[sender], name, payload)

    assert_answer_documented(name, answer)
    event(f"answered {answer.get('error', 'ok')}")
    event(f"in {before.phase.value}")
    after = fuzzed.stored()
    if answer.get("ok") and name in COMMAND_SCHEMAS:
        assert after.version == answer["version"] == before.version + 1
    else:
        assert after == before, f"{name!r} answered {answer} yet changed the meeting"
    assert_still_serving(fuzzed)


# --- What the fuzzing leaves to tests of their own ----------------------------------------------


@dataclass
class SmallMeeting:
    """A fresh meeting: Fay facilitates, Ada is a member, Otto watches."""

    store: MeetingStore
    meeting_id: str
    widgets: dict[str, Widget]

    def stored(self) -> Meeting:
        return self.store.load_meeting(self.meeting_id)

    def online(self, who: str) -> bool:
        participant_id = self.widgets[who].wait_for("welcome")["you"]["id"]
        return self.stored().participants[participant_id].online


@pytest.fixture
def small(server: ServerProcess, redis_url: str) -> Iterator[SmallMeeting]:
    created = create_set(server.url, "Small set", "Fay")
    widgets = {"fay": Widget(server.url, created["facilitator_token"])}
    for name in ("ada", "otto"):
        joined = join_set(server.url, created["invite_token"], name.title())
        widgets[name] = Widget(server.url, joined["participant_token"])
    yield SmallMeeting(MeetingStore(redis_client(redis_url)), created["meeting_id"], widgets)
    close_all(list(widgets.values()))


def release(widget: Widget) -> None:
    """python-engineio's client leaves the socket of a connection the server closed open; shut
    it, or it is left for the garbage collector to complain about."""
    socket_ = getattr(widget.client.eio, "ws", None)
    if socket_ is not None:
        socket_.shutdown()


# After the oversized message: a valid command from someone else, which everyone must still get.
VALID_FROM_ANOTHER = {
    "fay": ("ada", "place_bid", {"title": "A fair size", "minutes": 10}),
    "ada": ("fay", "start_timer", {"timer": "speaker", "seconds": 60}),
}


@pytest.mark.parametrize("sender", sorted(VALID_FROM_ANOTHER))
def test_a_message_above_the_cap_is_cut_off_without_affecting_anyone_else(
    small: SmallMeeting, sender: str
) -> None:
    """engineio closes a connection whose message is longer than the cap, before any handler
    reads it; a refusal would do too. Either way the others carry on as if nothing happened."""
    widget = small.widgets[sender]
    settled = threading.Event()
    answers: list[Any] = []

    def answered(*answer: Any) -> None:
        answers.append(answer)
        settled.set()

    widget.client.on("disconnect", lambda *_: settled.set())
    oversized = {"title": "x" * MAX_MESSAGE_BYTES, "minutes": 10}
    assert json_size("place_bid", oversized) > MAX_MESSAGE_BYTES
    widget.client.emit("place_bid", oversized, callback=answered)

    assert settled.wait(10), "the oversized message was neither refused nor cut off"
    if answers:
        assert_well_formed(answers[0][0])
        assert answers[0][0]["error"], answers
    else:
        release(widget)
    other, command, data = VALID_FROM_ANOTHER[sender]
    changed = small.widgets[other].call(command, data)
    assert changed.get("ok"), changed
    small.widgets["otto"].wait_for("snapshot", lambda s: s["version"] >= changed["version"])
    after = small.stored()
    assert all(len(bid.title) < 100 for bid in after.bids), "the oversized bid got in"
    assert_consistent(after)


@pytest.mark.parametrize("event", LIFECYCLE)
def test_an_event_named_like_a_lifecycle_event_is_refused_as_unknown(
    small: SmallMeeting, event: str
) -> None:
    """A client may name its event anything; the server's own connect, disconnect and catch-all
    handlers must not run for it."""
    before = small.stored()
    answer = answer_to(small.widgets["ada"], event, None)
    assert answer == {"error": "unknown_event", "message": "That action is not recognised."}
    assert small.online("ada"), "the member's widget is still open, so they are still here"
    assert small.stored() == before


@pytest.mark.parametrize("event", ["advance_phase", "place_bid", "sync", "clock"])
def test_extra_arguments_are_refused_as_invalid_input(small: SmallMeeting, event: str) -> None:
    """python-socketio sends a tuple as several arguments; a handler takes one payload."""
    before = small.stored()
    answer = answer_to(small.widgets["fay"], event, ({"title": "x", "minutes": 5}, "more"))
    assert answer.get("error") == "invalid_input", answer
    assert answer["message"]
    assert small.stored() == before


def test_a_number_too_long_to_read_is_refused_not_ignored(small: SmallMeeting) -> None:
    """engineio will not read a number of more than 100 digits (a guard against slow parsing);
    the sender must still hear that their command was refused."""
    before = small.stored()
    answer = answer_to(small.widgets["ada"], "place_bid", {"title": "x", "minutes": 10**100})
    assert answer.get("error") == "invalid_input", answer
    assert small.stored() == before
