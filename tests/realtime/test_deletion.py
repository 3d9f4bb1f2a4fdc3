"""Deleting a meeting or a set closes its live widgets, and their links open nothing afterwards."""

import pytest
import requests
import socketio

from tests.support import ServerProcess, Widget, create_set, join_set, open_widget


def delete(server: ServerProcess, path: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    response = requests.delete(f"{server.url}{path}", headers=headers, timeout=10)
    assert response.status_code == 204, response.text


def refusal_code(server: ServerProcess, token: str) -> str:
    widget = Widget(server.url, token, connect=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        widget.connect()
    assert widget.refusal is not None
    return widget.refusal["data"]["error"]


def test_widgets_of_a_deleted_meeting_are_told_and_refused_afterwards(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    mo = join_set(live_server.url, created["invite_token"], "Mo")
    elsewhere = create_set(live_server.url, "Other set", "Gus")
    member = open_widget(widgets, live_server, mo["participant_token"], wait_for="snapshot")
    bystander = open_widget(
        widgets, live_server, elsewhere["facilitator_token"], wait_for="snapshot"
    )
    delete(live_server, f"/api/meetings/{created['meeting_id']}", created["facilitator_token"])
    told = member.wait_for("meeting_deleted")
    assert told["type"] == "meeting_deleted" and told["message"]
    assert told["version"] == member.latest("snapshot")["version"]
    assert refusal_code(live_server, mo["participant_token"]) == "no_meeting"
    assert refusal_code(live_server, created["facilitator_token"]) == "no_meeting"
    assert bystander.call("sync")["ok"], "another set's meeting carries on"
    assert "meeting_deleted" not in bystander.received


def test_widgets_of_a_deleted_set_are_told_and_refused_afterwards(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    mo = join_set(live_server.url, created["invite_token"], "Mo")
    facilitator = open_widget(
        widgets, live_server, created["facilitator_token"], wait_for="snapshot"
    )
    member = open_widget(widgets, live_server, mo["participant_token"], wait_for="snapshot")
    delete(live_server, f"/api/sets/{created['set_id']}", created["facilitator_token"])
    for widget in (facilitator, member):
        assert widget.wait_for("meeting_deleted")["type"] == "meeting_deleted"
        widget.wait_closed()  # by the server, even for a widget that ignored the message
    assert refusal_code(live_server, mo["participant_token"]) == "set_not_found"
