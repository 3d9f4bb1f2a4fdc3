"""A whole meeting over the documented protocol: a facilitator and four members, two presenters."""

from collections.abc import Iterator
from typing import Any

import pytest
import socketio

from tests.support import ServerProcess, Widget, close_all, create_set, join_set

MEMBERS = ["Ada", "Ben", "Cy", "Di"]


class LiveMeeting:
    """Real Socket.IO clients, one per person, all in one meeting."""

    def __init__(self, server: ServerProcess) -> None:
        created = create_set(server.url, "Ward leaders", "Fay")
        self.ids = {"Fay": created["participant_id"]}
        self.widgets = {"Fay": Widget(server.url, created["facilitator_token"])}
        for name in MEMBERS:
            joined = join_set(server.url, created["invite_token"], name)
            self.ids[name] = joined["participant_id"]
            self.widgets[name] = Widget(server.url, joined["participant_token"])
        self.version = self.everyone_sees(
            lambda m: sum(p["online"] for p in m["participants"]) == 5
        )

    def send(self, name: str, event: str, payload: dict[str, Any] | None = None) -> int:
        """Send a command, insist it is accepted, and wait until every widget shows the result."""
        answer = self.widgets[name].call(event, payload)
        assert answer.get("ok"), f"{name} {event}: {answer}"
        assert answer["version"] > self.version
        self.version = answer["version"]
        self.everyone_sees(lambda _: True)
        return answer["version"]

    def refused(self, name: str, event: str, payload: dict[str, Any] | None = None) -> str:
        answer = self.widgets[name].call(event, payload)
        assert "error" in answer and answer["message"], answer
        return answer["error"]

    def everyone_sees(self, predicate: Any) -> int:
        """Every widget receives a snapshot at the current version that satisfies ``predicate``."""
        version = getattr(self, "version", 0)
        for widget in self.widgets.values():
            widget.wait_for(
                "snapshot", lambda s: s["version"] >= version and predicate(s["meeting"])
            )
        return max(w.latest("snapshot")["version"] for w in self.widgets.values())

    def state(self) -> dict[str, Any]:
        return self.widgets["Fay"].latest("snapshot")["meeting"]

    def speak_round(self) -> list[str]:
        """Each speaker in turn says done; returns the order in which they spoke."""
        spoken = []
        while (current := self.state()["round"]["current"]) is not None:
            name = next(n for n, pid in self.ids.items() if pid == current)
            self.send(name, "speaker_done")
            spoken.append(name)
        return spoken

    def close(self) -> None:
        close_all(list(self.widgets.values()))


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[LiveMeeting]:
    live = LiveMeeting(live_server)
    yield live
    live.close()


def test_a_full_meeting_from_opening_to_closed(meeting: LiveMeeting) -> None:
    ids = meeting.ids
    assert meeting.state()["phase"] == "opening"
    assert meeting.refused("Ada", "advance_phase") == "not_allowed"
    meeting.send("Fay", "start_silence", {"seconds": 60})
    assert "silence" in meeting.state()["timers"]

    meeting.send("Fay", "advance_phase")
    assert meeting.state()["phase"] == "check_in"
    assert meeting.state()["round"]["speaking_order"] == [ids[n] for n in MEMBERS]
    assert meeting.refused("Ben", "speaker_done") == "not_your_turn"
    assert meeting.speak_round() == MEMBERS

    meeting.send("Fay", "advance_phase")
    assert meeting.state()["phase"] == "bidding"
    meeting.send("Cy", "place_bid", {"title": "", "minutes": 20})
    meeting.send("Ada", "place_bid", {"title": "Rota gaps", "minutes": 25})
    meeting.send("Di", "place_bid", {"title": "Budget", "minutes": 15})
    meeting.send("Di", "withdraw_bid")
    bids = {b["participant_id"]: b["id"] for b in meeting.state()["bids"]}
    meeting.send("Fay", "accept_bid", {"bid_id": bids[ids["Cy"]]})
    meeting.send("Fay", "accept_bid", {"bid_id": bids[ids["Ada"]]})
    assert set(meeting.state()["allocation"]["minutes"]) == {bids[ids["Cy"]], bids[ids["Ada"]]}

    for presenter, others in (("Cy", ["Ada", "Ben", "Di"]), ("Ada", ["Ben", "Cy", "Di"])):
        meeting.send("Fay", "advance_phase")
        work = meeting.state()["work"]
        assert meeting.state()["phase"] == "work" and work["presenter"] == ids[presenter]
        assert work["stage"] == "presenting"
        meeting.send("Fay", "advance_phase")
        meeting.send(others[0], "raise_hand")
        meeting.send(others[1], "raise_hand")
        meeting.send("Fay", "call_next")
        assert meeting.state()["work"]["questioner"] == ids[others[0]]
        meeting.send("Fay", "advance_phase")
        assert meeting.state()["work"]["stage"] == "open_questions"
        assert meeting.refused(others[2], "end_work") == "not_presenter"
        meeting.send(presenter, "end_work")
        assert meeting.state()["work"]["stage"] == "actions"
        meeting.send(presenter, "end_work")
        state = meeting.state()
        assert state["phase"] == "closing_round"
        assert state["round"]["speaking_order"][-1] == ids[presenter]
        assert meeting.speak_round()[-1] == presenter

    meeting.send("Fay", "advance_phase")
    assert meeting.state()["phase"] == "learning_review"
    for name in MEMBERS:
        meeting.send(name, "speaker_pass")
    meeting.send("Fay", "advance_phase")
    final = meeting.state()
    assert final["phase"] == "closed"
    assert final["round"] is None and final["work"] is None
    moves = [a for a in final["activity"] if a["action"] == "phase_moved"]
    assert moves[-1]["detail"] == "closed" and moves[-1]["override"] is True
    assert all(w.latest("snapshot")["version"] == meeting.version for w in meeting.widgets.values())


def test_bad_commands_get_clear_errors_and_change_nothing(meeting: LiveMeeting) -> None:
    before = meeting.version
    cases = [
        ("Ada", "go_to_phase", {"phase": "closed"}, "not_allowed"),
        ("Fay", "go_to_phase", {"phase": "nowhere"}, "invalid_input"),
        ("Fay", "go_to_phase", {"phase": "work"}, "no_presenter"),
        ("Ada", "place_bid", {"title": "x", "minutes": "ten"}, "invalid_input"),
        ("Ada", "place_bid", {"title": "x", "minutes": 10, "extra": 1}, "invalid_input"),
        ("Ada", "place_bid", ["not", "an", "object"], "invalid_input"),
        ("Ada", "place_bid", {"title": "x" * 500, "minutes": 10}, "invalid_input"),
        ("Fay", "accept_bid", {"bid_id": "b999"}, "no_such_bid"),
        ("Ben", "raise_hand", None, "not_in_work"),
        ("Fay", "pause_timer", {"timer": "speaker"}, "no_timer"),
    ]
    for name, event, payload, code in cases:
        assert meeting.refused(name, event, payload) == code, (event, payload)
    assert meeting.widgets["Fay"].call("sync")["version"] == before


def test_removed_participant_is_told_and_refused(meeting: LiveMeeting) -> None:
    meeting.send("Fay", "remove_participant", {"participant_id": meeting.ids["Di"]})
    removed = meeting.widgets["Di"].wait_for("removed")
    assert removed["type"] == "removed" and removed["message"]
    assert removed["version"] == meeting.version
    names = {p["name"] for p in meeting.state()["participants"]}
    assert "Di" not in names
    di = meeting.widgets["Di"]
    di.wait_closed()  # by the server: Di hears nothing more of the meeting
    again = Widget(di.base_url, di.token, connect=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        again.connect()
    assert again.refusal is not None and again.refusal["data"]["error"] == "removed"
