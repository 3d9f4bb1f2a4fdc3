"""A set meets again: the facilitator ends one meeting and starts the next, against a real server.

Widgets still open on the ended meeting are told to move; the same links lead everyone to the new
meeting, which starts from the set's contract, who agreed to it, and its settings.
"""

from typing import Any

import requests

from tests.support import ServerProcess, Widget, create_set, join_set, open_widget, send_accepted


def start_next(server: ServerProcess, created: dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{server.url}/api/sets/{created['set_id']}/meetings",
        headers={"Authorization": f"Bearer {created['facilitator_token']}"},
        timeout=10,
    )


def test_the_next_meeting_carries_the_contract_and_its_agreement(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    mo_link = join_set(live_server.url, created["invite_token"], "Mo")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="welcome")
    mo = open_widget(widgets, live_server, mo_link["participant_token"], wait_for="welcome")

    rules = ["We listen.", "We ask; we do not tell."]
    send_accepted(fay, "set_contract", {"items": rules})
    agreed = send_accepted(mo, "agree_contract")
    shown = fay.wait_for("snapshot", lambda s: s["version"] == agreed)["meeting"]["contract"]
    assert shown == {"items": rules, "agreed": [mo_link["participant_id"]]}
    send_accepted(fay, "set_signal_window", {"seconds": 45})

    refused = start_next(live_server, created)
    assert refused.status_code == 409 and refused.json()["error"] == "meeting_open"
    send_accepted(fay, "end_meeting")
    started = start_next(live_server, created)
    assert started.status_code == 201, started.text
    next_id = started.json()["meeting_id"]

    for widget in (fay, mo):
        moved = widget.wait_for("meeting_moved")
        assert moved["meeting_id"] == next_id and moved["message"]

    again = open_widget(widgets, live_server, mo_link["participant_token"], wait_for="welcome")
    meeting = again.wait_for("snapshot")["meeting"]
    assert meeting["id"] == next_id and meeting["phase"] == "opening"
    assert meeting["contract"] == {"items": rules, "agreed": [mo_link["participant_id"]]}
    assert meeting["signal_settings"]["window_seconds"] == 45
    answer = again.call("agree_contract")
    assert answer["error"] == "already_agreed", "agreed once, in the first meeting"
