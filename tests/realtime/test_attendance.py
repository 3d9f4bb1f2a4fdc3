"""Attendance and the set's past, through a running server: widgets open and close, the meeting is
ended by its facilitator's command, and who attended lands on the set's roster in Redis, as the
history and attendance endpoints then say. The set's choice not to keep its presenters is a
facilitator's command like any other."""

from __future__ import annotations

from typing import Any

import requests

from companion.store import MeetingStore
from companion.store.connection import redis_client
from tests.support import (
    ServerProcess,
    Widget,
    create_set,
    join_set,
    open_widget,
    send_accepted,
)


def read(server: ServerProcess, set_id: str, what: str, token: str) -> dict[str, Any]:
    response = requests.get(
        f"{server.url}/api/sets/{set_id}/{what}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def start_next(server: ServerProcess, set_id: str, token: str) -> str:
    response = requests.post(
        f"{server.url}/api/sets/{set_id}/meetings",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["meeting_id"]


def test_who_came_to_a_meeting_is_on_the_roster_once_it_ends(
    live_server: ServerProcess, widgets: list[Widget], redis_url: str
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    set_id, fay_token = created["set_id"], created["facilitator_token"]
    joined = {name: join_set(live_server.url, created["invite_token"], name) for name in "ABC"}
    token = {name: person["participant_token"] for name, person in joined.items()}
    ids = {name: person["participant_id"] for name, person in joined.items()}
    ids["F"] = created["participant_id"]
    store = MeetingStore(redis_client(redis_url))

    fay = open_widget(widgets, live_server, fay_token, wait_for="welcome")
    ada = open_widget(widgets, live_server, token["A"], wait_for="welcome")
    bob = open_widget(widgets, live_server, token["B"], wait_for="welcome")
    send_accepted(fay, "advance_phase")
    send_accepted(fay, "advance_phase")  # the bidding
    send_accepted(ada, "place_bid", {"title": "Rota gaps", "minutes": 20, "share_title": True})
    bid = fay.wait_for("snapshot", lambda s: s["meeting"]["bids"])["meeting"]["bids"][0]
    send_accepted(fay, "accept_bid", {"bid_id": bid["id"]})
    send_accepted(fay, "advance_phase")  # Ada's work
    send_accepted(ada, "end_work")
    send_accepted(ada, "add_action", {"text": "Ask HR for the data"})
    bob.close()  # went early: attended all the same
    roster_before = store.load_roster(set_id)
    assert all(entry.attended == [] for entry in roster_before.entries.values())
    assert [
        p["name"]
        for p in read(live_server, set_id, "history", token["A"])["meetings"][0]["attended"]
    ] == ["Fay", "A", "B"], "while it runs, attendance is its presence"

    ended = send_accepted(fay, "end_meeting")
    summary = fay.wait_for("snapshot", lambda s: s["version"] == ended)["meeting"]["summary"]
    first = created["meeting_id"]
    kept = store.load_roster(set_id)
    assert {pid for pid, entry in kept.entries.items() if entry.attended == [first]} == {
        ids["F"],
        ids["A"],
        ids["B"],
    }
    assert kept.entries[ids["C"]].attended == []
    assert kept.version == roster_before.version + 1

    assert ada.call("set_record_presenters", {"on": False})["error"] == "not_allowed"
    assert fay.call("set_record_presenters", {"on": "no"})["error"] == "invalid_input"
    off = send_accepted(fay, "set_record_presenters", {"on": False})
    shown = ada.wait_for("snapshot", lambda s: s["version"] == off)["meeting"]
    assert shown["record_presenters"] is False
    assert shown["summary"] == summary, "the meeting's own closing summary is unchanged"
    assert store.load_set(set_id).settings.record_presenters is False
    past = read(live_server, set_id, "history", token["A"])
    assert past["record_presenters"] is False and past["meetings"][0]["presenters"] == []
    assert [a["text"] for a in past["actions"]] == ["Ask HR for the data"]

    second = start_next(live_server, set_id, fay_token)
    for widget in (fay, ada):
        widget.wait_for("meeting_moved")
    fay2 = open_widget(widgets, live_server, fay_token, wait_for="welcome")
    cy = open_widget(widgets, live_server, token["C"], wait_for="welcome")
    assert fay2.wait_for("snapshot")["meeting"]["record_presenters"] is False, "the set's"
    cy.wait_for("snapshot")
    send_accepted(fay2, "end_meeting")

    table = read(live_server, set_id, "attendance", fay_token)
    assert [m["id"] for m in table["meetings"]] == [second, first]
    assert {row["name"]: row["attended"] for row in table["people"]} == {
        "Fay": [second, first],
        "A": [first],
        "B": [first],
        "C": [second],
    }
    own = read(live_server, set_id, "attendance", token["B"])
    assert own["whole"] is False and [row["name"] for row in own["people"]] == ["B"]
