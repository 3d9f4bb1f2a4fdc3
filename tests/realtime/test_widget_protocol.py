"""The widget's newer messages over the wire, against a real server process: the clock, the richer
``welcome``, and the commands for going back, ordering hands, naming actions and sending signals.

Each command is tried by the person allowed to send it and by someone who is not, and malformed
payloads are shown to change nothing: the version a ``sync`` reports stays where it was.
"""

import re
import time
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support import ServerProcess, Widget, create_set, join_set, open_widget

SIGNAL_KINDS = {"pause", "clarity", "slow_down", "advice", "refocus", "time"}
PHASES = {"opening", "check_in", "bidding", "work", "closing_round", "learning_review", "closed"}
STAGES = {"presenting", "clarifying", "open_questions", "actions"}
SIGNAL_WINDOW_MS = 60_000


@dataclass
class Meeting:
    """A set with three members, each with a widget open: enough for hands, actions and signals."""

    created: dict[str, Any]
    ids: dict[str, str]
    fay: Widget
    mo: Widget
    ada: Widget
    ben: Widget

    @property
    def everyone(self) -> list[Widget]:
        return [self.fay, self.mo, self.ada, self.ben]

    def version(self) -> int:
        """The meeting's current version, asked of the server rather than taken from a snapshot."""
        answer = self.fay.call("sync")
        assert answer["ok"] is True, answer
        return answer["version"]

    def seen_by_all(self, version: int) -> list[dict[str, Any]]:
        """The snapshot of ``version`` as every widget received it."""
        return [w.wait_for("snapshot", lambda s: s["version"] == version) for w in self.everyone]


@pytest.fixture
def meeting(live_server: ServerProcess, widgets: list[Widget]) -> Meeting:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    joined = {
        n: join_set(live_server.url, created["invite_token"], n) for n in ("Mo", "Ada", "Ben")
    }
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="welcome")
    others = {
        n: open_widget(widgets, live_server, j["participant_token"], wait_for="welcome")
        for n, j in joined.items()
    }
    ids = {"Fay": created["participant_id"]} | {n: j["participant_id"] for n, j in joined.items()}
    state = Meeting(created, ids, fay, others["Mo"], others["Ada"], others["Ben"])
    everyone_online = state.fay.wait_for(
        "snapshot", lambda s: sum(p["online"] for p in s["meeting"]["participants"]) == 4
    )
    assert len(everyone_online["meeting"]["participants"]) == 4
    return state


def accepted(answer: dict[str, Any]) -> int:
    assert answer.get("ok") is True and isinstance(answer.get("version"), int), answer
    return answer["version"]


def refused(answer: dict[str, Any], code: str) -> None:
    assert set(answer) == {"error", "message"}, answer
    assert answer["error"] == code, answer
    assert answer["message"].strip()


def into_mos_work(state: Meeting) -> dict[str, Any]:
    """Mo bids, Fay accepts and opens Mo's work: the meeting is in work with Mo presenting."""
    version = accepted(state.mo.call("place_bid", {"title": "", "minutes": 20}))
    bid = state.fay.wait_for("snapshot", lambda s: s["version"] == version)["meeting"]["bids"][0]
    accepted(state.fay.call("accept_bid", {"bid_id": bid["id"]}))
    version = accepted(state.fay.call("go_to_phase", {"phase": "work"}))
    work = state.fay.wait_for("snapshot", lambda s: s["version"] == version)["meeting"]
    assert work["phase"] == "work" and work["work"]["presenter"] == state.ids["Mo"]
    return work


# --- clock -------------------------------------------------------------------------------------


def test_the_clock_answers_the_servers_time(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    """Server and test share a machine and a clock, so the answer must fall between our readings."""
    created = create_set(live_server.url, "Set", "Fay")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="welcome")
    for _ in range(5):
        before = time.time() * 1000
        answer = fay.call("clock")
        after = time.time() * 1000
        assert set(answer) == {"ok", "server_now_ms"}, answer
        assert answer["ok"] is True
        assert isinstance(answer["server_now_ms"], int)
        assert before - 5 <= answer["server_now_ms"] <= after + 5, (before, answer, after)
        assert after - before < 1000, "a clock round trip on one machine is quick"


def test_the_clock_changes_nothing_and_refuses_a_payload(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Set", "Fay")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="welcome")
    version = fay.wait_for("snapshot")["version"]
    snapshots = len(fay.received["snapshot"])
    assert fay.call("clock", {"anything": 1})["error"] == "invalid_input"
    assert fay.call("clock")["ok"] is True
    assert fay.call("sync") == {"ok": True, "version": version}
    fay.wait_for("snapshot", lambda _: len(fay.received["snapshot"]) > snapshots)
    assert fay.latest("snapshot")["version"] == version


# --- welcome -----------------------------------------------------------------------------------


def test_welcome_says_who_you_are_and_carries_the_guide(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    mo_link = join_set(live_server.url, created["invite_token"], "Mo")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="welcome")
    mo = open_widget(widgets, live_server, mo_link["participant_token"], wait_for="welcome")
    fay_welcome, mo_welcome = fay.wait_for("welcome"), mo.wait_for("welcome")

    assert fay_welcome["type"] == mo_welcome["type"] == "welcome"
    assert fay_welcome["set_id"] == mo_welcome["set_id"] == created["set_id"]
    assert fay_welcome["you"] == {
        "id": created["participant_id"],
        "role": "facilitator",
        "name": "Fay",
    }
    assert mo_welcome["you"] == {"id": mo_link["participant_id"], "role": "member", "name": "Mo"}
    assert isinstance(mo_welcome["version"], int)
    assert mo_welcome["links"] == {}

    for guide in (fay_welcome["guide"], mo_welcome["guide"]):
        assert set(guide) >= {"phases", "stages", "signals", "prompts"}
        assert set(guide["phases"]) == PHASES
        assert set(guide["stages"]) == STAGES
        assert all(isinstance(t, str) and t for t in [*guide["phases"].values()])
        signals = guide["signals"]
        assert len(signals) == 6
        assert {s["kind"] for s in signals} == SIGNAL_KINDS
        for signal in signals:
            assert set(signal) == {"kind", "label", "meaning"}
            assert all(isinstance(signal[k], str) and signal[k].strip() for k in signal)
        prompts = guide["prompts"]
        assert set(prompts) == {"framing", "clarifying", "open", "reframes"}
        for kind in ("framing", "clarifying", "open"):
            assert prompts[kind] and all(isinstance(p, str) and p for p in prompts[kind])
        assert prompts["reframes"]
        for pair in prompts["reframes"]:
            assert len(pair) == 2 and all(isinstance(p, str) and p for p in pair)
    assert fay_welcome["guide"] == mo_welcome["guide"], "the words are the same for everyone"


# --- previous_phase ----------------------------------------------------------------------------


def test_previous_phase_steps_back_for_the_facilitator_only(meeting: Meeting) -> None:
    refused(meeting.fay.call("previous_phase"), "at_opening")
    forward = accepted(meeting.fay.call("advance_phase"))
    assert meeting.fay.wait_for("snapshot", lambda s: s["version"] == forward)
    refused(meeting.mo.call("previous_phase"), "not_allowed")
    assert meeting.version() == forward, "a refused command changes nothing"

    back = accepted(meeting.fay.call("previous_phase"))
    assert back == forward + 1
    for snapshot in meeting.seen_by_all(back):
        assert snapshot["meeting"]["phase"] == "opening"
        last = snapshot["meeting"]["activity"][-1]
        assert last["action"] == "phase_moved" and last["detail"] == "opening"
        assert last["override"] is True and last["actor"] == meeting.ids["Fay"]


def test_previous_phase_goes_back_a_work_stage(meeting: Meeting) -> None:
    into_mos_work(meeting)
    version = accepted(meeting.fay.call("advance_phase"))
    stage = meeting.fay.wait_for("snapshot", lambda s: s["version"] == version)
    assert stage["meeting"]["work"]["stage"] == "clarifying"
    version = accepted(meeting.fay.call("previous_phase"))
    back = meeting.mo.wait_for("snapshot", lambda s: s["version"] == version)["meeting"]
    assert back["phase"] == "work" and back["work"]["stage"] == "presenting"


def test_previous_phase_reopens_a_closed_meeting_at_its_learning_review(meeting: Meeting) -> None:
    closed = accepted(meeting.fay.call("end_meeting"))
    ended = meeting.fay.wait_for("snapshot", lambda s: s["version"] == closed)["meeting"]
    assert ended["phase"] == "closed"
    reopened = accepted(meeting.fay.call("previous_phase"))
    for snapshot in meeting.seen_by_all(reopened):
        assert snapshot["meeting"]["phase"] == "learning_review"
        assert snapshot["meeting"]["round"]["kind"] == "learning_review"
    accepted(meeting.ada.call("send_signal", {"kind": "time"}))


def test_previous_phase_takes_no_arguments(meeting: Meeting) -> None:
    forward = accepted(meeting.fay.call("advance_phase"))
    for payload in ({"phase": "opening"}, {"extra": True}, ["x"], "back"):
        refused(meeting.fay.call("previous_phase", payload), "invalid_input")
    assert meeting.version() == forward


# --- reorder_hands -----------------------------------------------------------------------------


def test_reorder_hands_keeps_the_facilitators_order(meeting: Meeting) -> None:
    into_mos_work(meeting)
    accepted(meeting.ada.call("raise_hand"))
    raised = accepted(meeting.ben.call("raise_hand"))
    hands = meeting.fay.wait_for("snapshot", lambda s: s["version"] == raised)
    ada, ben = meeting.ids["Ada"], meeting.ids["Ben"]
    assert hands["meeting"]["work"]["hands"] == [ada, ben]

    refused(meeting.ada.call("reorder_hands", {"order": [ben, ada]}), "not_allowed")
    refused(meeting.fay.call("reorder_hands", {"order": [ada, ben]}), "no_change")
    refused(meeting.fay.call("reorder_hands", {"order": [ben]}), "bad_order")
    refused(
        meeting.fay.call("reorder_hands", {"order": [ben, ada, meeting.ids["Mo"]]}), "bad_order"
    )
    refused(meeting.fay.call("reorder_hands", {"order": ben}), "invalid_input")
    refused(meeting.fay.call("reorder_hands", {"order": [ben, ada], "x": 1}), "invalid_input")
    refused(meeting.fay.call("reorder_hands", {"order": ["x"] * 51}), "invalid_input")
    assert meeting.version() == raised

    reordered = accepted(meeting.fay.call("reorder_hands", {"order": [ben, ada]}))
    assert reordered == raised + 1
    for snapshot in meeting.seen_by_all(reordered):
        assert snapshot["meeting"]["work"]["hands"] == [ben, ada]
        last = snapshot["meeting"]["activity"][-1]
        assert last["action"] == "hands_reordered" and last["override"] is True


def test_reorder_hands_outside_work_is_refused(meeting: Meeting) -> None:
    version = meeting.version()
    refused(meeting.fay.call("reorder_hands", {"order": []}), "not_in_work")
    assert meeting.version() == version


# --- add_action / remove_action ----------------------------------------------------------------


def test_only_the_presenter_names_actions(meeting: Meeting) -> None:
    refused(meeting.mo.call("add_action", {"text": "Too early"}), "not_in_work")
    work = into_mos_work(meeting)
    refused(meeting.ada.call("add_action", {"text": "Not mine to say"}), "not_presenter")
    refused(meeting.fay.call("add_action", {"text": "Facilitators do not"}), "not_allowed")
    assert meeting.version() == work["activity"][-1]["version"]

    added = accepted(meeting.mo.call("add_action", {"text": "  Call the ward manager  "}))
    for snapshot in meeting.seen_by_all(added):
        actions = snapshot["meeting"]["actions"]
        assert len(actions) == 1
        assert actions[0]["text"] == "Call the ward manager"
        assert actions[0]["owner"] == meeting.ids["Mo"]
        assert actions[0]["bid_id"] == work["work"]["bid_id"]
        assert snapshot["meeting"]["activity"][-1]["action"] == "action_added"


def test_actions_are_taken_off_by_their_owner_or_a_facilitator(meeting: Meeting) -> None:
    into_mos_work(meeting)
    first = accepted(meeting.mo.call("add_action", {"text": "First"}))
    second = accepted(meeting.mo.call("add_action", {"text": "Second"}))
    actions = meeting.fay.wait_for("snapshot", lambda s: s["version"] == second)
    first_id, second_id = (a["id"] for a in actions["meeting"]["actions"])
    assert first < second

    refused(meeting.ada.call("remove_action", {"action_id": first_id}), "not_yours")
    refused(meeting.mo.call("remove_action", {"action_id": "a999"}), "no_such_action")
    assert meeting.version() == second

    own = accepted(meeting.mo.call("remove_action", {"action_id": first_id}))
    snapshot = meeting.ada.wait_for("snapshot", lambda s: s["version"] == own)["meeting"]
    assert [a["id"] for a in snapshot["actions"]] == [second_id]
    assert snapshot["activity"][-1]["action"] == "action_removed"
    assert "override" not in snapshot["activity"][-1], "not an override: left out"

    override = accepted(meeting.fay.call("remove_action", {"action_id": second_id}))
    snapshot = meeting.mo.wait_for("snapshot", lambda s: s["version"] == override)["meeting"]
    assert snapshot["actions"] == []
    assert snapshot["activity"][-1]["action"] == "action_removed"
    assert snapshot["activity"][-1]["override"] is True
    assert snapshot["activity"][-1]["subject"] == meeting.ids["Mo"]


MALFORMED_ACTIONS = [
    {"text": "x" * 201},
    {"text": ""},
    {"text": "   "},
    {"text": 5},
    {"text": "Line\nbreak"},
    {"text": "Fine", "owner": "someone"},
    {},
    None,
    ["Fine"],
]


def test_malformed_actions_change_nothing(meeting: Meeting) -> None:
    into_mos_work(meeting)
    version = meeting.version()
    for payload in MALFORMED_ACTIONS:
        refused(meeting.mo.call("add_action", payload), "invalid_input")
        assert meeting.version() == version, payload
    assert meeting.fay.latest("snapshot")["meeting"]["actions"] == []


def test_an_action_of_exactly_200_characters_is_accepted(meeting: Meeting) -> None:
    into_mos_work(meeting)
    added = accepted(meeting.mo.call("add_action", {"text": "y" * 200}))
    actions = meeting.fay.wait_for("snapshot", lambda s: s["version"] == added)["meeting"][
        "actions"
    ]
    assert [a["text"] for a in actions] == ["y" * 200]


def test_remove_action_refuses_malformed_payloads(meeting: Meeting) -> None:
    into_mos_work(meeting)
    version = meeting.version()
    for payload in ({}, {"action_id": 7}, {"action_id": "a" * 33}, {"action_id": "a1", "x": 1}):
        refused(meeting.fay.call("remove_action", payload), "invalid_input")
    assert meeting.version() == version


# --- send_signal -------------------------------------------------------------------------------


def test_a_signal_reaches_everyone_and_names_nobody(
    meeting: Meeting, live_server: ServerProcess
) -> None:
    before = meeting.fay.latest("snapshot")
    assert before["meeting"]["signals"] == {}
    sent_at = time.time() * 1000
    answer = meeting.ada.call("send_signal", {"kind": "pause"})
    version = accepted(answer)
    assert set(answer) == {"ok", "version"}, "the acknowledgement says nothing more"
    assert version == before["version"] + 1
    for snapshot in meeting.seen_by_all(version):
        signals = snapshot["meeting"]["signals"]
        assert set(signals) == {"pause"}
        assert len(signals["pause"]) == 1
        fades_in = signals["pause"][0] - sent_at
        assert SIGNAL_WINDOW_MS - 2000 <= fades_in <= SIGNAL_WINDOW_MS + 2000, fades_in
        assert snapshot["meeting"]["activity"] == before["meeting"]["activity"], "no activity line"
        assert meeting.ids["Ada"] not in repr(signals)
    # Only the sender was acknowledged: the others received the change (a patch), and what they
    # got on opening (their welcome, snapshot, private part, and for the facilitator, the roster).
    for widget in (meeting.fay, meeting.mo, meeting.ben):
        opening = {"welcome", "snapshot", "patch", "private"} | (
            {"roster"} if widget is meeting.fay else set()
        )
        assert set(widget.received) <= opening, set(widget.received)
    assert len(meeting.fay.received["roster"]) == 1, "a signal is no news for the roster"
    signal_lines = [line for line in live_server.log().splitlines() if '"send_signal"' in line]
    assert signal_lines, "the command name is logged"
    assert all(meeting.ids["Ada"] not in line for line in signal_lines)


def test_signals_add_up_per_kind(meeting: Meeting) -> None:
    accepted(meeting.ada.call("send_signal", {"kind": "pause"}))
    accepted(meeting.ben.call("send_signal", {"kind": "pause"}))
    last = accepted(meeting.mo.call("send_signal", {"kind": "advice"}))
    signals = meeting.fay.wait_for("snapshot", lambda s: s["version"] == last)["meeting"]["signals"]
    assert set(signals) == {"pause", "advice"}
    assert len(signals["pause"]) == 2 and len(signals["advice"]) == 1
    assert signals["pause"] == sorted(signals["pause"])


def test_only_members_send_signals(meeting: Meeting) -> None:
    version = meeting.version()
    refused(meeting.fay.call("send_signal", {"kind": "pause"}), "not_allowed")
    assert meeting.version() == version


MALFORMED_SIGNALS = [
    {"kind": "dance"},
    {"kind": "pause", "from": "Ada"},
    {"kind": "PAUSE"},
    {"kind": 1},
    {},
    None,
    ["pause"],
    "pause",
]


def test_malformed_signals_change_nothing(meeting: Meeting) -> None:
    version = meeting.version()
    for payload in MALFORMED_SIGNALS:
        refused(meeting.ada.call("send_signal", payload), "invalid_input")
        assert meeting.version() == version, payload
    assert meeting.fay.latest("snapshot")["meeting"]["signals"] == {}


def test_no_signals_once_the_meeting_has_closed(meeting: Meeting) -> None:
    closed = accepted(meeting.fay.call("end_meeting"))
    refused(meeting.ada.call("send_signal", {"kind": "time"}), "meeting_closed")
    assert meeting.version() == closed


def test_a_members_signal_counts_once_until_it_fades(meeting: Meeting) -> None:
    version = accepted(meeting.ada.call("send_signal", {"kind": "clarity"}))
    answer = meeting.ada.call("send_signal", {"kind": "clarity"})
    refused(answer, "signal_still_counts")
    assert re.search(r"still counts for (59|60) s", answer["message"]), answer
    assert meeting.version() == version, "a refused signal changes nothing"
    last = accepted(meeting.ben.call("send_signal", {"kind": "clarity"}))
    signals = meeting.fay.wait_for("snapshot", lambda s: s["version"] == last)["meeting"]["signals"]
    assert len(signals["clarity"]) == 2, "two people, two counts"


def test_the_snapshot_says_how_signals_are_set(meeting: Meeting) -> None:
    settings = meeting.fay.latest("snapshot")["meeting"]["signal_settings"]
    assert settings == {"window_seconds": 60, "off": [], "highlight_at": 2}


# --- steering signals: switch_signal, clear_signals, set_signal_window -------------------------


def test_the_facilitator_switches_a_signal_off_and_on_for_all_to_see(meeting: Meeting) -> None:
    accepted(meeting.ada.call("send_signal", {"kind": "advice"}))
    off = accepted(meeting.fay.call("switch_signal", {"kind": "advice", "on": False}))
    for snapshot in meeting.seen_by_all(off):
        shown = snapshot["meeting"]
        assert shown["signal_settings"]["off"] == ["advice"]
        assert "advice" not in shown["signals"]
        last = shown["activity"][-1]
        assert (last["action"], last["detail"], last["override"]) == ("signal_off", "advice", True)
    refused(meeting.ben.call("send_signal", {"kind": "advice"}), "signal_off")
    refused(meeting.fay.call("switch_signal", {"kind": "advice", "on": False}), "no_change")
    on = accepted(meeting.fay.call("switch_signal", {"kind": "advice", "on": True}))
    assert meeting.seen_by_all(on)[0]["meeting"]["signal_settings"]["off"] == []
    accepted(meeting.ada.call("send_signal", {"kind": "advice"}))


def test_the_facilitator_clears_the_counts_and_everyone_may_signal_again(
    meeting: Meeting,
) -> None:
    accepted(meeting.ada.call("send_signal", {"kind": "pause"}))
    accepted(meeting.ben.call("send_signal", {"kind": "time"}))
    cleared = accepted(meeting.fay.call("clear_signals"))
    for snapshot in meeting.seen_by_all(cleared):
        assert snapshot["meeting"]["signals"] == {}
        assert snapshot["meeting"]["activity"][-1]["action"] == "signals_cleared"
    refused(meeting.fay.call("clear_signals", {"kind": "pause"}), "nothing_to_clear")
    again = accepted(meeting.ada.call("send_signal", {"kind": "pause"}))
    assert meeting.fay.wait_for("snapshot", lambda s: s["version"] == again)["meeting"]["signals"]


def test_the_facilitator_sets_how_long_signals_count(meeting: Meeting) -> None:
    version = accepted(meeting.fay.call("set_signal_window", {"seconds": 30}))
    for snapshot in meeting.seen_by_all(version):
        assert snapshot["meeting"]["signal_settings"]["window_seconds"] == 30
    sent_at = time.time() * 1000
    sent = accepted(meeting.mo.call("send_signal", {"kind": "slow_down"}))
    fades = meeting.fay.wait_for("snapshot", lambda s: s["version"] == sent)["meeting"]["signals"]
    assert 28_000 <= fades["slow_down"][0] - sent_at <= 32_000


STEERING = [
    ("switch_signal", {"kind": "pause", "on": False}),
    ("clear_signals", {}),
    ("set_signal_window", {"seconds": 30}),
]


@pytest.mark.parametrize(("event", "payload"), STEERING)
def test_members_cannot_steer_signals(meeting: Meeting, event: str, payload: Any) -> None:
    version = accepted(meeting.ada.call("send_signal", {"kind": "pause"}))
    refused(meeting.ben.call(event, payload), "not_allowed")
    assert meeting.version() == version


MALFORMED_STEERING = [
    ("switch_signal", {"kind": "pause"}),
    ("switch_signal", {"kind": "pause", "on": "false"}),
    ("switch_signal", {"kind": "pause", "on": 0}),
    ("switch_signal", {"kind": "dance", "on": False}),
    ("switch_signal", {"kind": "pause", "on": False, "for": "Ada"}),
    ("clear_signals", {"kind": "dance"}),
    ("clear_signals", {"kind": 3}),
    ("clear_signals", ["pause"]),
    ("set_signal_window", {"seconds": 9}),
    ("set_signal_window", {"seconds": 601}),
    ("set_signal_window", {"seconds": "30"}),
    ("set_signal_window", {"seconds": 30.5}),
    ("set_signal_window", {}),
]


@pytest.mark.parametrize(("event", "payload"), MALFORMED_STEERING)
def test_malformed_steering_changes_nothing(meeting: Meeting, event: str, payload: Any) -> None:
    version = meeting.version()
    refused(meeting.fay.call(event, payload), "invalid_input")
    assert meeting.version() == version
