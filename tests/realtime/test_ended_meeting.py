"""Between meetings a link still opens the set: the ended meeting, looked at without being
present in it, so its attendance stays as it was; nothing in it can be changed, and the next
meeting, once started, takes the widget along."""

from __future__ import annotations

import requests

from tests.support import ServerProcess, Widget, create_set, join_set, open_widget, send_accepted


def test_a_link_opened_after_the_meeting_ended_looks_at_it_without_taking_part(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    ada_link = join_set(live_server.url, created["invite_token"], "Ada")
    bob_link = join_set(live_server.url, created["invite_token"], "Bob")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="welcome")
    ada = open_widget(widgets, live_server, ada_link["participant_token"], wait_for="welcome")
    ended = send_accepted(fay, "end_meeting")
    ada.close()  # she was there, and goes
    ended_at = fay.wait_for("snapshot", lambda s: s["version"] > ended)["version"]

    bob = open_widget(widgets, live_server, bob_link["participant_token"], wait_for="welcome")
    assert bob.latest("welcome")["looking"] is True
    seen = bob.wait_for("snapshot")
    assert seen["version"] == ended_at and seen["meeting"]["phase"] == "closed"
    assert [p["name"] for p in seen["meeting"]["participants"]] == ["Fay", "Ada"]
    assert seen["meeting"]["summary"] is not None
    answer = bob.call("send_signal", {"kind": "time"})
    assert answer["error"] == "meeting_closed"
    bob.close()
    later = open_widget(widgets, live_server, created["facilitator_token"], wait_for="welcome")
    assert later.wait_for("snapshot")["version"] == ended_at  # looking and leaving wrote nothing

    started = requests.post(
        f"{live_server.url}/api/sets/{created['set_id']}/meetings",
        headers={"Authorization": f"Bearer {created['facilitator_token']}"},
        timeout=5,
    )
    assert started.status_code == 201
    moved = later.wait_for("meeting_moved")
    assert moved["meeting_id"] == started.json()["meeting_id"]


def test_a_live_meeting_still_welcomes_people_as_present(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="welcome")
    assert fay.latest("welcome")["looking"] is False
    assert fay.wait_for("snapshot")["meeting"]["participants"][0]["online"] is True
