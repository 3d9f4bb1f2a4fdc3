"""The next meeting's date reaches every open widget, against a real server: a facilitator's plan
over HTTP is the meeting's next version, which every widget of the set receives at once; a refused
one sends nothing; the next meeting's widgets start with the plan still standing."""

from __future__ import annotations

from typing import Any

import requests

from tests.support import (
    ServerProcess,
    Widget,
    create_set,
    join_set,
    open_widget,
    send_accepted,
)

PLAN = {"local_start": "2027-01-12T10:00", "time_zone": "Asia/Kolkata", "minutes": 90}


def plan_request(
    server: ServerProcess, created: dict[str, Any], method: str, body: Any = None
) -> requests.Response:
    return requests.request(
        method,
        f"{server.url}/api/sets/{created['set_id']}/next-meeting",
        json=body,
        headers={"Authorization": f"Bearer {created['facilitator_token']}"},
        timeout=10,
    )


def test_every_widget_of_the_set_receives_the_plan_and_its_removal(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    mo_link = join_set(live_server.url, created["invite_token"], "Mo")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="snapshot")
    mo = open_widget(widgets, live_server, mo_link["participant_token"], wait_for="snapshot")
    version = mo.call("sync")["version"]
    assert (
        mo.wait_for("snapshot", lambda s: s["version"] == version)["meeting"]["next_meeting"]
        is None
    )

    planned = plan_request(live_server, created, "PUT", PLAN)
    assert planned.status_code == 200, planned.text
    expected = {
        k: v
        for k, v in planned.json()["next_meeting"].items()
        if k in {"local_start", "time_zone", "minutes", "starts_at_ms", "ends_at_ms"}
    }
    for widget in (fay, mo):
        snapshot = widget.wait_for("snapshot", lambda s: s["version"] == version + 1)
        assert snapshot["meeting"]["next_meeting"] == expected
    # 10:00 in Kolkata (UTC+05:30) is 04:30 UTC.
    assert expected["starts_at_ms"] == 1799728200000

    refused = plan_request(live_server, created, "PUT", {**PLAN, "minutes": 600})
    assert refused.status_code == 400 and refused.json()["error"] == "bad_length"
    assert mo.call("sync")["version"] == version + 1, "a refused plan makes no new version"

    assert plan_request(live_server, created, "DELETE").status_code == 204
    for widget in (fay, mo):
        snapshot = widget.wait_for("snapshot", lambda s: s["version"] == version + 2)
        assert snapshot["meeting"]["next_meeting"] is None


def test_the_next_meetings_widgets_start_with_a_plan_still_to_come(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="snapshot")
    assert plan_request(live_server, created, "PUT", PLAN).status_code == 200
    send_accepted(fay, "end_meeting")
    closed = fay.wait_for("snapshot", lambda s: s["meeting"]["phase"] == "closed")
    assert closed["meeting"]["next_meeting"]["local_start"] == PLAN["local_start"]

    started = requests.post(
        f"{live_server.url}/api/sets/{created['set_id']}/meetings",
        headers={"Authorization": f"Bearer {created['facilitator_token']}"},
        timeout=10,
    )
    assert started.status_code == 201, started.text
    fay.wait_for("meeting_moved")
    again = open_widget(widgets, live_server, created["facilitator_token"], wait_for="snapshot")
    meeting = again.latest("snapshot")["meeting"]
    assert meeting["id"] == started.json()["meeting_id"]
    assert meeting["next_meeting"] == closed["meeting"]["next_meeting"]
