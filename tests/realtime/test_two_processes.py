"""Two server processes, one meeting: broadcasts cross processes through Redis, and every widget
converges on every step whichever process it is connected to."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import ServerProcess, Widget, close_all, converge, create_set, join_set


@pytest.fixture
def two_servers(server_env: dict[str, str], tmp_path: Path) -> Iterator[list[ServerProcess]]:
    servers = [ServerProcess(server_env, tmp_path / f"server-{n}.log").start() for n in (1, 2)]
    yield servers
    for server in servers:
        server.stop()


def test_clients_on_two_processes_converge_on_every_step(
    two_servers: list[ServerProcess],
) -> None:
    first, second = two_servers
    created = create_set(first.url, "Ward leaders", "Fay")
    people = {"Fay": (first, created["facilitator_token"])}
    for name, server in [("Ada", second), ("Ben", first), ("Cy", second)]:
        joined = join_set(server.url, created["invite_token"], name)
        people[name] = (server, joined["participant_token"])
    widgets = {name: Widget(server.url, token) for name, (server, token) in people.items()}
    try:
        ids = {name: w.wait_for("welcome")["you"]["id"] for name, w in widgets.items()}
        everyone = len(widgets)
        version = converge(
            widgets, lambda m: sum(p["online"] for p in m["participants"]) == everyone
        )
        steps: list[tuple[str, str, Any]] = [
            ("Fay", "advance_phase", None),
            ("Ada", "speaker_done", None),
            ("Ben", "speaker_pass", None),
            ("Cy", "speaker_done", None),
            ("Fay", "advance_phase", None),
            ("Ada", "place_bid", {"title": "", "minutes": 20}),
            ("Cy", "place_bid", {"title": "", "minutes": 15}),
            ("Fay", "accept_bid", "first bid"),
            ("Fay", "go_to_phase", {"phase": "work"}),
            ("Fay", "advance_phase", None),
            ("Ben", "raise_hand", None),
            ("Cy", "raise_hand", None),
            ("Fay", "call_next", None),
            ("Ada", "end_work", None),
        ]
        for name, event, payload in steps:
            if payload == "first bid":
                payload = {"bid_id": widgets["Fay"].latest("snapshot")["meeting"]["bids"][0]["id"]}
            answer = widgets[name].call(event, payload)
            assert answer.get("ok"), f"{name} {event}: {answer}"
            assert answer["version"] == version + 1, "each step is exactly one new version"
            version = converge(widgets, lambda m: True, version=answer["version"])
        final = widgets["Fay"].latest("snapshot")["meeting"]
        assert final["phase"] == "work"
        assert final["work"]["presenter"] == ids["Ada"]
    finally:
        close_all(list(widgets.values()))
