"""Membership that holds, against a running server: the lobby, and removal on every path.

Once a facilitator removes someone, their link is refused everywhere with ``removed`` but for
their own data; whatever they try next (the old link, the invite they kept, a new name, a new
device) lands them in the lobby at best, where they receive nothing of the set, and the
facilitators decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests
import socketio

from tests.support import ServerProcess, Widget, create_set, open_widget, send_accepted

CONTRACT_WORDS = "Marigold confidences stay in this room"


@dataclass
class Set:
    """Fay's set, which asks her before anyone joins; Mo let in and in the meeting."""

    server: ServerProcess
    created: dict[str, Any]
    mo: dict[str, Any]
    fay: Widget

    @property
    def set_id(self) -> str:
        return self.created["set_id"]

    def http(self, method: str, path: str, token: str | None = None, **options: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = f"{self.server.url}{path}"
        return requests.request(method, url, headers=headers, timeout=10, **options)

    def join(self, name: str, tokens: list[str] | None = None, came_by: str = "invite") -> Any:
        body = {
            "invite_token": self.created["invite_token"],
            "display_name": name,
            "participant_tokens": tokens or [],
            "came_by": came_by,
        }
        return self.http("POST", "/api/join", json=body)

    def roster(self) -> dict[str, dict[str, Any]]:
        people = self.http("GET", f"/api/sets/{self.set_id}/roster", self.fay_token).json()
        return {person["id"]: person for person in people["people"]}

    @property
    def fay_token(self) -> str:
        return self.created["facilitator_token"]


def refusal_of(server: ServerProcess, token: str) -> dict[str, Any]:
    """What a widget opening with ``token`` is told when the server refuses it."""
    widget = Widget(server.url, token, connect=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        widget.connect()
    assert widget.refusal is not None
    return widget.refusal


@pytest.fixture
def a_set(live_server: ServerProcess, widgets: list[Widget]) -> Set:
    created = create_set(live_server.url, "Ward leaders", "Fay", admission="ask")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="welcome")
    send_accepted(fay, "set_contract", {"items": [CONTRACT_WORDS]})
    body = {"invite_token": created["invite_token"], "display_name": "Mo"}
    asked = requests.post(f"{live_server.url}/api/join", json=body, timeout=10)
    assert asked.status_code == 202 and asked.json()["status"] == "waiting", asked.text
    mo = asked.json()
    send_accepted(fay, "admit", {"participant_id": mo["participant_id"]})
    return Set(live_server, created, mo, fay)


def test_someone_waiting_hears_nothing_of_the_set_until_let_in(
    a_set: Set, widgets: list[Widget]
) -> None:
    asked = a_set.join("Ida").json()
    ida = open_widget(widgets, a_set.server, asked["participant_token"], wait_for="waiting")
    waiting = ida.wait_for("waiting")
    assert waiting["you"] == {"id": asked["participant_id"], "name": "Ida"}
    assert set(ida.received) == {"waiting"}, "no welcome, snapshot, roster or anything else"
    heard = repr(dict(ida.received))
    for secret in ("Ward leaders", "Fay", "Mo", CONTRACT_WORDS):
        assert secret not in heard
    for event, payload in (
        ("sync", None),
        ("raise_hand", None),
        ("send_signal", {"kind": "pause"}),
    ):
        assert ida.call(event, payload)["error"] == "waiting"
    roster = a_set.fay.wait_for("roster", lambda r: any(p["name"] == "Ida" for p in r["people"]))
    ida_there = next(p for p in roster["people"] if p["name"] == "Ida")
    assert (ida_there["status"], ida_there["came_by"]) == ("waiting", "invite")

    send_accepted(a_set.fay, "admit", {"participant_id": asked["participant_id"]})
    assert ida.wait_for("admitted")["message"]
    ida.close()
    inside = open_widget(widgets, a_set.server, asked["participant_token"], wait_for="welcome")
    assert inside.wait_for("welcome")["you"]["name"] == "Ida"
    inside.wait_for("snapshot", lambda s: CONTRACT_WORDS in s["meeting"]["contract"]["items"])


def test_someone_turned_away_is_told_at_once_and_forgotten(
    a_set: Set, widgets: list[Widget]
) -> None:
    asked = a_set.join("Zed").json()
    zed = open_widget(widgets, a_set.server, asked["participant_token"], wait_for="waiting")
    send_accepted(a_set.fay, "decline", {"participant_id": asked["participant_id"]})
    assert zed.wait_for("declined")["message"]
    zed.wait_closed()
    assert asked["participant_id"] not in a_set.roster()
    assert refusal_of(a_set.server, asked["participant_token"])["data"]["error"] == "not_a_member"


def test_only_a_facilitator_lets_people_in(a_set: Set, widgets: list[Widget]) -> None:
    asked = a_set.join("Ida").json()
    mo = open_widget(widgets, a_set.server, a_set.mo["participant_token"], wait_for="welcome")
    answer = mo.call("admit", {"participant_id": asked["participant_id"]})
    assert answer["error"] == "not_allowed"
    path = f"/api/sets/{a_set.set_id}/roster/admit"
    body = {"participant_id": asked["participant_id"]}
    over_http = a_set.http("POST", path, a_set.mo["participant_token"], json=body)
    assert (over_http.status_code, over_http.json()["error"]) == (403, "not_allowed")
    assert a_set.roster()[asked["participant_id"]]["status"] == "waiting"


def removed(a_set: Set, widgets: list[Widget]) -> Widget:
    """Mo, removed by Fay in the meeting; his open widget as the server left it."""
    mo = open_widget(widgets, a_set.server, a_set.mo["participant_token"], wait_for="welcome")
    send_accepted(a_set.fay, "remove_participant", {"participant_id": a_set.mo["participant_id"]})
    return mo


def test_removal_holds_on_every_path_with_the_old_link(a_set: Set, widgets: list[Widget]) -> None:
    mo_widget = removed(a_set, widgets)
    assert mo_widget.wait_for("removed")["message"]
    mo_widget.wait_closed()
    token, set_id = a_set.mo["participant_token"], a_set.set_id
    assert refusal_of(a_set.server, token)["data"]["error"] == "removed"
    rejoin = {"invite_token": a_set.created["invite_token"], "participant_tokens": [token]}
    refused = {
        "rejoin": a_set.http("POST", "/api/rejoin", json=rejoin),
        "history": a_set.http("GET", f"/api/sets/{set_id}/history", token),
        "invite QR": a_set.http("GET", f"/api/sets/{set_id}/invite-qr", token),
        "roster": a_set.http("GET", f"/api/sets/{set_id}/roster", token),
        "admit": a_set.http("POST", f"/api/sets/{set_id}/roster/admit_all", token),
        "next meeting": a_set.http("POST", f"/api/sets/{set_id}/meetings", token),
        "new invite": a_set.http("POST", f"/api/sets/{set_id}/invite", token),
        "delete meeting": a_set.http(
            "DELETE", f"/api/meetings/{a_set.created['meeting_id']}", token
        ),
        "delete set": a_set.http("DELETE", f"/api/sets/{set_id}", token),
    }
    for path, response in refused.items():
        assert (response.status_code, response.json()["error"]) == (403, "removed"), path
    sets = a_set.http("POST", "/api/facilitated-sets", json={"participant_tokens": [token]})
    assert sets.json() == {"sets": []}
    # What is theirs alone stays theirs.
    assert a_set.http("GET", "/api/me/notes.md", token).status_code == 200
    assert a_set.http("DELETE", "/api/me", token).status_code == 204


def test_asking_again_with_the_kept_invite_and_a_new_name_waits_flagged(
    a_set: Set, widgets: list[Widget]
) -> None:
    removed(a_set, widgets)
    mo_id, token = a_set.mo["participant_id"], a_set.mo["participant_token"]
    asked = a_set.join("Morris", tokens=[token])
    assert asked.status_code == 202
    assert (asked.json()["participant_id"], asked.json()["status"]) == (mo_id, "waiting")
    flagged = a_set.fay.wait_for(
        "roster", lambda r: any(p.get("removed_before") for p in r["people"])
    )
    mo = next(p for p in flagged["people"] if p["id"] == mo_id)
    assert (mo["name"], mo["former_name"], mo["removed_before"]) == ("Morris", "Mo", True)
    waiting = open_widget(widgets, a_set.server, token, wait_for="waiting")
    assert set(waiting.received) == {"waiting"}
    # Letting everyone new in does not let him back: that is decided for him alone.
    newcomer = a_set.join("Ida").json()
    send_accepted(a_set.fay, "admit_all")
    assert a_set.roster()[newcomer["participant_id"]]["status"] == "active"
    assert a_set.roster()[mo_id]["status"] == "waiting"
    send_accepted(a_set.fay, "decline", {"participant_id": mo_id})
    waiting.wait_for("declined")
    assert (a_set.roster()[mo_id]["status"], a_set.roster()[mo_id]["name"]) == ("removed", "Mo")
    assert refusal_of(a_set.server, token)["data"]["error"] == "removed"


def test_even_a_set_that_lets_people_in_at_once_never_lets_back_someone_removed(
    a_set: Set, widgets: list[Widget]
) -> None:
    removed(a_set, widgets)
    send_accepted(a_set.fay, "set_admission", {"mode": "open"})
    asked = a_set.join("Mo", tokens=[a_set.mo["participant_token"]])
    assert (asked.status_code, asked.json()["status"]) == (202, "waiting")
    assert a_set.join("Ida").json()["status"] == "active", "a newcomer does go straight in"


def test_a_new_device_and_a_new_name_are_a_stranger_in_the_lobby(
    a_set: Set, widgets: list[Widget]
) -> None:
    """Without Teams sign-in the set cannot know it is Mo: he waits like anyone new, and the
    facilitators, who see every name, decide (docs/security.md)."""
    removed(a_set, widgets)
    asked = a_set.join("Stranger")
    assert (asked.status_code, asked.json()["status"]) == (202, "waiting")
    assert asked.json()["participant_id"] != a_set.mo["participant_id"]
    stranger = open_widget(widgets, a_set.server, asked.json()["participant_token"], "waiting")
    assert "Ward leaders" not in repr(dict(stranger.received))


def test_only_a_facilitator_lets_someone_removed_back_in(a_set: Set, widgets: list[Widget]) -> None:
    removed(a_set, widgets)
    send_accepted(a_set.fay, "admit", {"participant_id": a_set.mo["participant_id"]})
    back = open_widget(widgets, a_set.server, a_set.mo["participant_token"], wait_for="welcome")
    assert back.wait_for("welcome")["you"]["name"] == "Mo"


def test_a_co_facilitator_removed_loses_the_sets_role_too(
    a_set: Set, widgets: list[Widget]
) -> None:
    mo_id, token = a_set.mo["participant_id"], a_set.mo["participant_token"]
    open_widget(widgets, a_set.server, token, wait_for="welcome")
    send_accepted(a_set.fay, "set_role", {"participant_id": mo_id, "role": "co_facilitator"})
    assert a_set.http("GET", f"/api/sets/{a_set.set_id}/roster", token).status_code == 200
    send_accepted(a_set.fay, "remove_participant", {"participant_id": mo_id})
    for path in (f"/api/sets/{a_set.set_id}/roster", f"/api/sets/{a_set.set_id}/invite-qr"):
        assert a_set.http("GET", path, token).json()["error"] == "removed", path


def test_roles_and_removal_over_http_reach_every_open_widget(
    a_set: Set, widgets: list[Widget]
) -> None:
    mo_id, token = a_set.mo["participant_id"], a_set.mo["participant_token"]
    mo = open_widget(widgets, a_set.server, token, wait_for="welcome")
    path = f"/api/sets/{a_set.set_id}/roster"
    appointed = a_set.http(
        "POST",
        f"{path}/set_role",
        a_set.fay_token,
        json={"participant_id": mo_id, "role": "co_facilitator"},
    )
    assert appointed.status_code == 200, appointed.text
    a_set.fay.wait_for(
        "snapshot",
        lambda s: any(
            p["id"] == mo_id and p["role"] == "co_facilitator" for p in s["meeting"]["participants"]
        ),
    )
    assert mo.wait_for("links")["links"]["invite_url"], "appointed: the invite reaches them at once"
    mo.wait_for("roster")
    out = a_set.http(
        "POST", f"{path}/remove_participant", a_set.fay_token, json={"participant_id": mo_id}
    )
    assert out.status_code == 200
    assert mo.wait_for("removed")["message"]
    mo.wait_closed()
    a_set.fay.wait_for(
        "snapshot", lambda s: mo_id not in {p["id"] for p in s["meeting"]["participants"]}
    )
