"""``sync`` and ``clock`` take no payload: anything sent with them is refused, as a malformed
command is, and answering nothing else changes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import ServerProcess, Widget, create_set, open_widget


@pytest.mark.parametrize("event", ["sync", "clock"])
@pytest.mark.parametrize("payload", [{"x": 1}, "junk", 7, [1, 2], {"token": "t"}])
def test_a_payload_is_refused(
    live_server: ServerProcess, widgets: list[Widget], event: str, payload: Any
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="snapshot")
    snapshots = len(fay.received["snapshot"])
    answer = fay.call(event, payload)
    assert answer["error"] == "invalid_input" and answer["message"]
    assert len(fay.received["snapshot"]) == snapshots, "a refused sync sends nothing"


@pytest.mark.parametrize("event", ["sync", "clock"])
@pytest.mark.parametrize("payload", [None, {}])
def test_nothing_or_an_empty_object_is_answered(
    live_server: ServerProcess, widgets: list[Widget], event: str, payload: Any
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="snapshot")
    assert fay.call(event, payload)["ok"] is True
