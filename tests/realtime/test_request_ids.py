"""Every log line carries the id of the request it was written for: one HTTP request's lines can be
followed, a proxy's id is kept, and each Socket.IO event has an id of its own (never the
connection's, which would tie an anonymous signal to the rest of its sender's lines)."""

from __future__ import annotations

import json
from typing import Any

import requests

from tests.support import ServerProcess, Widget, create_set, join_set, open_widget, send_accepted


def log_lines(server: ServerProcess) -> list[dict[str, Any]]:
    return [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]


def test_http_lines_carry_the_requests_id_and_a_proxys_id_is_kept(
    live_server: ServerProcess,
) -> None:
    body = {"set_name": "Ward leaders", "facilitator_name": "Fay"}
    response = requests.post(f"{live_server.url}/api/sets", json=body, timeout=5)
    request_id = response.headers["X-Request-ID"]
    created = response.json()
    line = next(
        entry
        for entry in log_lines(live_server)
        if entry["event"] == "set.created" and entry.get("set_id") == created["set_id"]
    )
    assert line["request_id"] == request_id

    offered = requests.get(f"{live_server.url}/", headers={"X-Request-ID": "nginx-4f2a"}, timeout=5)
    assert offered.headers["X-Request-ID"] == "nginx-4f2a"
    odd = requests.get(f"{live_server.url}/", headers={"X-Request-ID": "a b<c>"}, timeout=5)
    assert odd.headers["X-Request-ID"] != "a b<c>" and len(odd.headers["X-Request-ID"]) == 16


def test_each_socket_event_has_an_id_of_its_own(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    mo = join_set(live_server.url, created["invite_token"], "Mo")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="snapshot")
    member = open_widget(widgets, live_server, mo["participant_token"], wait_for="snapshot")
    send_accepted(fay, "advance_phase")
    send_accepted(member, "send_signal", {"kind": "pause"})
    send_accepted(member, "send_signal", {"kind": "clarity"})
    lines = [
        entry
        for entry in log_lines(live_server)
        if entry.get("meeting_id") == created["meeting_id"]
        and entry["event"] in {"meeting.connected", "command.applied"}
    ]
    assert len(lines) == 5
    ids = [entry["request_id"] for entry in lines]
    assert len(set(ids)) == len(ids), "no two events share an id, so none can be linked"
