"""Two meetings of one set against a real server: actions named in the first come back for
report-back in the second; private learnings reach nobody else; a member's deletion of their own
data really removes it from Redis."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
import redis
import requests
import socketio

from tests.support import ServerProcess, Widget, create_set, join_set, open_widget, send_accepted


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def snapshot_at(widget: Widget, version: int) -> dict[str, Any]:
    return widget.wait_for("snapshot", lambda s: s["version"] >= version)["meeting"]


def words_of_its_own(tag: str) -> dict[str, str]:
    """Names, a title and an action found nowhere else, so a search of Redis finds only these."""
    names = {k: f"{k.title()}{tag}" for k in ("fay", "ada", "bob")}
    return names | {"title": f"Rota gaps {tag}", "action": f"Ask HR for the rota data {tag}"}


def run_first_meeting(server: ServerProcess, widgets: list[Widget], names: dict[str, str]) -> Any:
    """Ada presents ``names["title"]`` and names ``names["action"]``; then the learning review."""
    created = create_set(server.url, "Ward leaders", names["fay"])
    links = {k: join_set(server.url, created["invite_token"], names[k]) for k in ("ada", "bob")}
    fay = open_widget(widgets, server, created["facilitator_token"], wait_for="welcome")
    ada = open_widget(widgets, server, links["ada"]["participant_token"], wait_for="welcome")
    bob = open_widget(widgets, server, links["bob"]["participant_token"], wait_for="welcome")
    placed = send_accepted(ada, "place_bid", {"title": names["title"], "minutes": 20})
    bid = snapshot_at(fay, placed)["bids"][0]["id"]
    send_accepted(fay, "accept_bid", {"bid_id": bid})
    send_accepted(fay, "go_to_phase", {"phase": "work"})
    send_accepted(ada, "add_action", {"text": names["action"]})
    send_accepted(fay, "go_to_phase", {"phase": "learning_review"})
    return created, links, fay, ada, bob


def test_actions_come_back_and_learnings_stay_private(
    live_server: ServerProcess, widgets: list[Widget], redis_connection: redis.Redis
) -> None:
    tag = secrets.token_hex(3)
    names = words_of_its_own(tag)
    created, links, fay, ada, bob = run_first_meeting(live_server, widgets, names)
    secret = f"Bob's private learning {tag}"
    added = send_accepted(bob, "add_learning", {"text": secret})
    mine = bob.wait_for("private", lambda p: p["version"] >= added)
    assert [item["text"] for item in mine["learnings"]] == [secret]
    send_accepted(fay, "end_meeting")

    started = requests.post(
        f"{live_server.url}/api/sets/{created['set_id']}/meetings",
        headers=bearer(created["facilitator_token"]),
        timeout=10,
    )
    assert started.status_code == 201, started.text
    ada_again = open_widget(widgets, live_server, links["ada"]["participant_token"], "welcome")
    fay_again = open_widget(widgets, live_server, created["facilitator_token"], "welcome")
    meeting = ada_again.wait_for("snapshot")["meeting"]
    [due] = meeting["report_back"]
    assert (due["owner"], due["text"], due["status"]) == (
        links["ada"]["participant_id"],
        names["action"],
        "open",
    )
    send_accepted(fay_again, "advance_phase")  # the check-in, where members report back
    reported = send_accepted(
        ada_again, "report_back", {"action_id": due["id"], "status": "done", "reflection": "Got it"}
    )
    [shown] = snapshot_at(fay_again, reported)["report_back"]
    assert (shown["status"], shown["reflection"]) == ("done", "Got it")

    # Bob's learning reached Bob alone: no other widget received it, in any message.
    for widget in (fay, ada, ada_again, fay_again):
        assert secret not in json.dumps(widget.received), "a private learning leaked"
    assert secret in json.dumps(bob.received["private"])
    notes = requests.get(
        f"{live_server.url}/api/me/notes.md",
        headers=bearer(links["bob"]["participant_token"]),
        timeout=10,
    )
    assert notes.status_code == 200 and secret in notes.text
    assert notes.headers["Content-Type"].startswith("text/markdown")
    ada_notes = requests.get(
        f"{live_server.url}/api/me/notes.md",
        headers=bearer(links["ada"]["participant_token"]),
        timeout=10,
    )
    assert secret not in ada_notes.text
    assert f"{names['action']} (done): Got it" in ada_notes.text

    history = requests.get(
        f"{live_server.url}/api/sets/{created['set_id']}/history",
        headers=bearer(links["bob"]["participant_token"]),
        timeout=10,
    ).json()
    assert [m["phase"] for m in history["meetings"]] == ["check_in", "closed"]
    [presenter] = history["meetings"][1]["summary"]["presenters"]
    assert presenter["title"] is None, "Ada did not choose to share her title"
    assert presenter["actions"] == [names["action"]]


def test_deleting_my_data_removes_it_from_redis(
    live_server: ServerProcess, widgets: list[Widget], redis_connection: redis.Redis
) -> None:
    tag = secrets.token_hex(3)
    names = words_of_its_own(tag)
    created, links, fay, ada, _ = run_first_meeting(live_server, widgets, names)
    send_accepted(ada, "add_learning", {"text": f"Ada learned {tag}"})
    send_accepted(fay, "end_meeting")

    refused = requests.delete(
        f"{live_server.url}/api/me", headers=bearer(created["facilitator_token"]), timeout=10
    )
    assert refused.status_code == 409 and refused.json()["error"] == "is_lead"
    deleted = requests.delete(
        f"{live_server.url}/api/me", headers=bearer(links["ada"]["participant_token"]), timeout=10
    )
    assert deleted.status_code == 204
    assert ada.wait_for("removed")["message"]

    stored = {
        key: redis_connection.get(key)
        for key in redis_connection.scan_iter("companion:*")
        if redis_connection.type(key) == "string"
    }
    text = json.dumps(stored)
    for gone in (names["ada"], f"Ada learned {tag}", names["title"], names["action"]):
        assert gone not in text, f"{gone!r} is still in Redis"
    assert names["bob"] in text and names["fay"] in text, "everyone else's data stays"
    again = requests.get(
        f"{live_server.url}/api/me/notes.md",
        headers=bearer(links["ada"]["participant_token"]),
        timeout=10,
    )
    assert again.status_code == 403 and again.json()["error"] == "not_a_member"
    refused_widget = Widget(live_server.url, links["ada"]["participant_token"], connect=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        refused_widget.connect()
    assert refused_widget.refusal is not None
    assert "not_a_member" in json.dumps(refused_widget.refusal)
