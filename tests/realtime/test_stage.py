"""The stage view's link, against a running server: it shows the meeting as every member sees it,
it is nobody in the meeting, and nothing it sends changes anything.

A stage view connects with ``auth: {"stage": <token>}``. Facilitators hold a stage link in their
``links``; anyone active in the set can ask for one over HTTP. The link stops working when the
person it was made for leaves the set, or when a facilitator replaces the set's links.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from companion.schemas import COMMAND_SCHEMAS
from companion.store import MeetingStore
from companion.store.connection import redis_client
from tests.realtime.test_authorisation_matrix import RawSocketIO, forged
from tests.support import (
    CommandedMeeting,
    ServerProcess,
    Widget,
    assert_well_formed,
    close_all,
    start_next_meeting,
    token_of,
)
from tests.test_protocol_doc import roles_table

# Valid payloads, so nothing but the stage's being a stage can be why a command is refused.
PAYLOADS: dict[str, dict[str, Any]] = {
    "go_to_phase": {"phase": "bidding"},
    "start_silence": {"seconds": 30},
    "place_bid": {"title": "From the stage", "minutes": 10},
    "set_allocation": {"mode": "asked"},
    "add_action": {"text": "Call the board"},
    "send_signal": {"kind": "pause"},
    "switch_signal": {"kind": "advice", "on": False},
    "clear_signals": {},
    "set_signal_window": {"seconds": 90},
    "set_contract": {"items": ["We listen first."]},
    "add_learning": {"text": "Ask, don't tell."},
    "start_timer": {"timer": "meeting", "seconds": 60},
    "pause_timer": {"timer": "meeting"},
    "resume_timer": {"timer": "meeting"},
    "extend_timer": {"timer": "meeting", "seconds": 60},
    "stop_timer": {"timer": "meeting"},
    "set_admission": {"mode": "open"},
}
# Commands naming a person take the member's id; those naming a bid, the member's bid.
NAMING_A_PERSON = {
    "skip_speaker",
    "move_to_end",
    "remove_hand",
    "hand_over",
    "remove_participant",
    "admit",
    "decline",
}
WATCHED_MESSAGES = {"roster", "private", "links", "waiting", "admitted", "declined", "removed"}


class StageView(Widget):
    """A python client opening the stage view with a stage link's token, as stage.js does."""

    def connect(self) -> StageView:
        auth = {"stage": self.token}
        self.client.connect(self.base_url, auth=auth, wait_timeout=10, transports=["websocket"])
        return self


def stage_token(widget: Widget) -> str:
    """The stage link a facilitator's widget holds (from its welcome, or the latest ``links``
    for someone appointed since), as its token."""
    welcome = widget.wait_for("welcome")
    url = (widget.latest("links") if widget.received["links"] else welcome)["links"]["stage_url"]
    address, _, token = url.partition("#")
    assert address.endswith("/stage"), url
    return token


def refusal(server: ServerProcess, auth: dict[str, Any]) -> str:
    """The code a connection opened with ``auth`` is refused with."""
    connection = RawSocketIO(server.url, auth)
    try:
        return connection.refusal()["data"]["error"]
    finally:
        connection.close()


class StagedMeeting(CommandedMeeting):
    """Fay's set with Mo and Cole in, in bidding, Mo's bid waiting; Cole co-facilitates."""

    def __init__(self, server: ServerProcess) -> None:
        self.created = self.seat(server.url, "Ward leaders", "Fay", {"mo": "Mo", "cole": "Cole"})
        self.set_id = self.created["set_id"]
        self.version = self.widgets["facilitator"].call("sync")["version"]
        self.send(
            "facilitator",
            "set_role",
            {"participant_id": self.ids["cole"], "role": "co_facilitator"},
        )
        self.send("facilitator", "advance_phase")
        self.send("facilitator", "advance_phase")
        self.send("mo", "place_bid", {"title": "Handing over", "minutes": 20})

    def stage(self, server: ServerProcess, who: str = "facilitator") -> StageView:
        view = StageView(server.url, stage_token(self.widgets[who]))
        view.wait_for("snapshot")
        return view


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[StagedMeeting]:
    staged = StagedMeeting(live_server)
    yield staged
    close_all(list(staged.widgets.values()))


@pytest.fixture
def stages() -> Iterator[list[StageView]]:
    opened: list[StageView] = []
    yield opened
    close_all(opened)


@pytest.fixture
def store(redis_url: str) -> MeetingStore:
    return MeetingStore(redis_client(redis_url))


def open_stage(
    stages: list[StageView], meeting: StagedMeeting, server: ServerProcess, who: str = "facilitator"
) -> StageView:
    view = meeting.stage(server, who)
    stages.append(view)
    return view


def test_facilitators_hold_a_stage_link_and_members_do_not(meeting: StagedMeeting) -> None:
    assert stage_token(meeting.widgets["facilitator"])
    assert meeting.widgets["mo"].wait_for("welcome")["links"] == {}


def test_the_stage_sees_what_a_member_sees_and_is_nobody_in_the_meeting(
    meeting: StagedMeeting, live_server: ServerProcess, stages: list[StageView]
) -> None:
    before = meeting.meeting()
    view = open_stage(stages, meeting, live_server)
    welcome = view.wait_for("welcome")
    assert welcome["view"] == "stage" and "you" not in welcome and "links" not in welcome
    assert welcome["guide"]["signals"], "the words for each signal, to label the counts"
    snapshot = view.wait_for("snapshot")
    assert snapshot["version"] == meeting.version, "opening the stage commits nothing"
    assert snapshot["meeting"]["participants"] == before["participants"], "no presence"

    meeting.send("mo", "send_signal", {"kind": "pause"})
    mine = meeting.widgets["mo"].wait_for("snapshot", lambda s: s["version"] == meeting.version)
    staged = view.wait_for("snapshot", lambda s: s["version"] == meeting.version)
    assert staged["meeting"] == mine["meeting"], "the one broadcast every widget gets"
    assert len(staged["meeting"]["signals"]["pause"]) == 1, "a count, whose is not said"
    assert not WATCHED_MESSAGES & set(view.received), view.received.keys()


def test_the_stage_hears_nothing_of_the_lobby_nor_anyones_own(
    meeting: StagedMeeting, live_server: ServerProcess, stages: list[StageView]
) -> None:
    view = open_stage(stages, meeting, live_server)
    requests.post(
        f"{live_server.url}/api/sets/{meeting.set_id}/roster/set_admission",
        json={"mode": "ask"},
        headers={"Authorization": f"Bearer {meeting.created['facilitator_token']}"},
        timeout=10,
    ).raise_for_status()
    asked = requests.post(
        f"{live_server.url}/api/join",
        json={"invite_token": meeting.created["invite_token"], "display_name": "Zed"},
        timeout=10,
    )
    assert asked.status_code == 202
    meeting.widgets["facilitator"].wait_for(
        "roster", lambda r: any(p["name"] == "Zed" for p in r["people"])
    )
    meeting.send("mo", "send_signal", {"kind": "clarity"})
    view.wait_for("snapshot", lambda s: s["version"] == meeting.version)
    assert not WATCHED_MESSAGES & set(view.received), view.received.keys()


def payload_for(command: str, meeting: StagedMeeting) -> dict[str, Any] | None:
    mo = meeting.ids["mo"]
    bid = next(b["id"] for b in meeting.meeting()["bids"] if b["participant_id"] == mo)
    if command in NAMING_A_PERSON:
        return {"participant_id": mo}
    if command in {"accept_bid", "decline_bid"}:
        return {"bid_id": bid}
    if command in {"reorder_bids", "reorder_round", "reorder_hands"}:
        return {"order": []}
    if command == "set_role":
        return {"participant_id": mo, "role": "observer"}
    return PAYLOADS.get(command)


def test_every_command_from_the_stage_is_refused_and_nothing_changes(
    meeting: StagedMeeting,
    live_server: ServerProcess,
    stages: list[StageView],
    store: MeetingStore,
) -> None:
    view = open_stage(stages, meeting, live_server)
    meeting_id = meeting.meeting()["id"]
    stored, roster = store.load_meeting(meeting_id), store.load_roster(meeting.set_id)
    for command in sorted(COMMAND_SCHEMAS):
        for payload in (payload_for(command, meeting), None, {"anything": [1, 2]}):
            answer = view.call(command, payload)
            assert_well_formed(answer)
            assert answer["error"] == "read_only", (command, answer)
    after = store.load_meeting(meeting_id)
    assert after.version == stored.version
    assert after == stored, "nothing the stage sent reached the meeting"
    assert store.load_roster(meeting.set_id) == roster
    assert view.client.connected, "refused, not thrown out"


def test_the_stage_may_read_the_meeting_and_the_clock(
    meeting: StagedMeeting, live_server: ServerProcess, stages: list[StageView]
) -> None:
    view = open_stage(stages, meeting, live_server)
    assert view.call("sync") == {"ok": True, "version": meeting.version}
    assert len(view.received["snapshot"]) >= 2
    assert view.call("clock")["ok"] is True
    assert view.call("no_such_event")["error"] == "unknown_event"


def test_the_roles_table_ticks_nothing_for_the_stage() -> None:
    assert not any(row["Stage view"] for row in roles_table().values())


def test_only_a_stage_link_opens_the_stage_and_it_opens_nothing_else(
    meeting: StagedMeeting, live_server: ServerProcess
) -> None:
    token = stage_token(meeting.widgets["facilitator"])
    for other in (
        meeting.created["facilitator_token"],
        token_of(meeting, "mo"),
        meeting.created["invite_token"],
        forged(token),
    ):
        assert refusal(live_server, {"stage": other}) == "token_invalid"
    assert refusal(live_server, {"stage": ""}) == "token_missing"
    assert refusal(live_server, {"stage": token, "token": token}) == "token_missing"
    assert refusal(live_server, {"token": token}) == "token_invalid", "not a participant's key"
    for path in (f"/api/sets/{meeting.set_id}/roster", f"/api/sets/{meeting.set_id}/stage"):
        answer = requests.get(
            f"{live_server.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert answer.status_code == 401 and answer.json()["error"] == "token_invalid"


def test_anyone_active_in_the_set_may_ask_for_a_stage_link_with_its_qr_code(
    meeting: StagedMeeting, live_server: ServerProcess, stages: list[StageView]
) -> None:
    path = f"{live_server.url}/api/sets/{meeting.set_id}/stage"
    answer = requests.get(
        path, headers={"Authorization": f"Bearer {token_of(meeting, 'mo')}"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    assert set(body) == {"set_name", "stage_url", "qr"} and body["set_name"] == "Ward leaders"
    assert body["qr"].startswith("data:image/svg+xml")
    view = StageView(live_server.url, body["stage_url"].partition("#")[2])
    stages.append(view)
    assert view.wait_for("snapshot")["version"] == meeting.version
    other = requests.get(
        f"{live_server.url}/api/sets/not-this-set/stage",
        headers={"Authorization": f"Bearer {token_of(meeting, 'mo')}"},
        timeout=10,
    )
    assert other.status_code == 404 and other.json()["error"] == "set_not_found"


def test_removing_the_person_a_stage_link_was_made_for_closes_their_stage(
    meeting: StagedMeeting, live_server: ServerProcess, stages: list[StageView]
) -> None:
    coles = open_stage(stages, meeting, live_server, "cole")
    fays = open_stage(stages, meeting, live_server)
    token = coles.token
    meeting.send("facilitator", "remove_participant", {"participant_id": meeting.ids["cole"]})
    assert coles.wait_for("stage_closed")["message"]
    coles.wait_closed()
    assert refusal(live_server, {"stage": token}) == "removed"
    fays.wait_for("snapshot", lambda s: s["version"] == meeting.version)
    assert fays.client.connected and "stage_closed" not in fays.received


def test_replacing_the_sets_links_closes_every_stage_and_hands_out_new_ones(
    meeting: StagedMeeting, live_server: ServerProcess, stages: list[StageView]
) -> None:
    view = open_stage(stages, meeting, live_server)
    replaced = requests.post(
        f"{live_server.url}/api/sets/{meeting.set_id}/invite",
        headers={"Authorization": f"Bearer {meeting.created['facilitator_token']}"},
        timeout=10,
    )
    assert replaced.status_code == 200
    assert view.wait_for("stage_closed")["message"]
    view.wait_closed()
    assert refusal(live_server, {"stage": view.token}) == "token_revoked"

    def replaced_links(who: str) -> dict[str, str]:
        new = replaced.json()["invite_url"]
        return meeting.widgets[who].wait_for("links", lambda m: m["links"]["invite_url"] == new)[
            "links"
        ]

    links, cole = replaced_links("facilitator"), replaced_links("cole")
    assert cole["stage_url"] != links["stage_url"], "a stage link is one person's"
    again = StageView(live_server.url, links["stage_url"].partition("#")[2])
    stages.append(again)
    assert again.wait_for("snapshot")["version"] == meeting.version


def test_the_stage_follows_the_set_to_its_next_meeting(
    meeting: StagedMeeting, live_server: ServerProcess, stages: list[StageView]
) -> None:
    view = open_stage(stages, meeting, live_server)
    first = view.wait_for("snapshot")["meeting"]["id"]
    meeting.send("facilitator", "end_meeting")
    closed = view.wait_for("snapshot", lambda s: s["meeting"]["phase"] == "closed")
    assert closed["meeting"]["summary"] is not None
    assert refusal(live_server, {"stage": view.token}) == "meeting_closed"
    start_next_meeting(meeting, live_server.url, meeting.set_id)
    moved = view.wait_for("meeting_moved")["meeting_id"]
    assert moved != first
    view.close()
    again = StageView(live_server.url, view.token)
    stages.append(again)
    assert again.wait_for("snapshot")["meeting"]["id"] == moved
