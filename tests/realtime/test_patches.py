"""After its first snapshot, each widget is sent every change as a patch (docs/protocol.md), against
real server processes and real widgets: what the patches make of the meeting is what a fresh
snapshot shows; a newcomer, a reconnect and a ``sync`` get the whole snapshot; a lost patch makes
the widget ask for one; a meeting whose widgets are on two processes still gets patches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from companion.store.connection import redis_client
from tests.realtime.test_redis_restart import eventually
from tests.realtime.test_stage import StageView, stage_token
from tests.redis_server import RedisServer
from tests.support import (
    ServerProcess,
    Widget,
    comparable,
    create_set,
    join_set,
    open_widget,
    send_accepted,
)


class LosingWidget(Widget):
    """A widget whose network loses the next patch it is sent, once asked to."""

    loses_next_patch = False

    def _record(self, event: str, data: Any = None) -> None:
        if event == "patch" and self.loses_next_patch:
            self.loses_next_patch = False
            return
        super()._record(event, data)


def fresh(widget: Widget) -> dict[str, Any]:
    """A fresh snapshot of the meeting as it is now: the one the server answers ``sync`` with."""
    version = widget.call("sync")["version"]
    return widget.wait_for(
        "snapshot", lambda s: s["type"] == "snapshot" and s["version"] == version
    )


def holds(widget: Widget, version: int) -> dict[str, Any]:
    """The state the widget holds once it reached ``version``."""
    return widget.wait_for("snapshot", lambda s: s["version"] == version)


@pytest.fixture
def seated(live_server: ServerProcess, widgets: list[Widget]) -> dict[str, Any]:
    """Fay's set with Mo in, both widgets open and up to date."""
    created = create_set(live_server.url, "Ward leaders", "Fay")
    joined = join_set(live_server.url, created["invite_token"], "Mo")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="snapshot")
    mo = Widget(live_server.url, joined["participant_token"])
    widgets.append(mo)
    version = mo.wait_for("snapshot")["version"]
    holds(fay, version)
    return {"created": created, "fay": fay, "mo": mo, "token": joined["participant_token"]}


def test_each_change_after_the_first_snapshot_is_a_patch_that_makes_a_fresh_snapshot(
    seated: dict[str, Any],
) -> None:
    fay, mo = seated["fay"], seated["mo"]
    first = len(mo.received["snapshot"])
    versions = [
        send_accepted(fay, "advance_phase"),
        send_accepted(fay, "start_timer", {"timer": "phase", "seconds": 300}),
        send_accepted(mo, "send_signal", {"kind": "pause"}),
    ]
    for version in versions:
        patch = mo.wait_for("patch", lambda p, v=version: p["version"] == v)
        assert patch["type"] == "patch" and patch["from"] == version - 1
        assert set(patch) <= {"type", "version", "from", "set", "unset", "splice"}
        assert {"server_now_ms", "allocation"} <= set(patch["set"])
    assert [s["type"] for s in mo.received["snapshot"][first:]] == ["patch"] * 3
    assert mo.syncs_asked == 0
    now = fresh(fay)
    assert now["version"] == versions[-1]
    for widget in (fay, mo):
        assert comparable(holds(widget, versions[-1])) == comparable(now)


def test_a_patch_is_a_fraction_of_the_snapshot(seated: dict[str, Any]) -> None:
    fay, mo = seated["fay"], seated["mo"]
    for _ in range(12):  # enough lines that the activity log slides
        send_accepted(fay, "extend_timer", {"timer": "meeting", "seconds": 60})
    version = send_accepted(fay, "extend_timer", {"timer": "meeting", "seconds": 60})
    patch = mo.wait_for("patch", lambda p: p["version"] == version)
    whole = len(json.dumps(fresh(fay)))
    assert patch["splice"]["activity"][0] == [0, 1, []], "the oldest line falls off"
    assert len(json.dumps(patch)) * 3 < whole, (len(json.dumps(patch)), whole)


def test_a_newcomer_gets_the_whole_snapshot_and_the_others_a_patch(
    live_server: ServerProcess, seated: dict[str, Any], widgets: list[Widget]
) -> None:
    fay = seated["fay"]
    joined = join_set(live_server.url, seated["created"]["invite_token"], "Ida")
    ida = open_widget(widgets, live_server, joined["participant_token"], wait_for="snapshot")
    arrived = ida.received["snapshot"][0]
    assert arrived["type"] == "snapshot" and "patch" not in ida.received
    patch = fay.wait_for("patch", lambda p: p["version"] == arrived["version"])
    assert patch["splice"]["participants"] == [[2, 0, [arrived["meeting"]["participants"][2]]]]
    assert arrived["meeting"]["participants"][2]["name"] == "Ida"
    assert comparable(holds(fay, arrived["version"])) == comparable(arrived)


def test_a_lost_patch_makes_the_widget_ask_for_a_snapshot_and_ignore_patches_until_then(
    live_server: ServerProcess, seated: dict[str, Any], widgets: list[Widget]
) -> None:
    fay = seated["fay"]
    mo = LosingWidget(live_server.url, seated["token"])
    widgets.append(mo)
    mo.wait_for("snapshot")
    mo.loses_next_patch = True
    lost = send_accepted(fay, "advance_phase")
    after = send_accepted(fay, "extend_timer", {"timer": "meeting", "seconds": 60})
    resent = mo.wait_for("snapshot", lambda s: s["type"] == "snapshot" and s["version"] >= after)
    assert mo.syncs_asked == 1
    assert not [s for s in mo.received["snapshot"] if s["version"] == lost], "never held"
    assert mo.wait_for("patch", lambda p: p["version"] == after)["from"] == lost
    assert comparable(resent) == comparable(fresh(fay))
    later = send_accepted(fay, "extend_timer", {"timer": "meeting", "seconds": 60})
    assert holds(mo, later)["type"] == "patch", "patches follow the snapshot again"


def test_a_reconnecting_widget_gets_a_whole_snapshot(seated: dict[str, Any]) -> None:
    fay, mo = seated["fay"], seated["mo"]
    send_accepted(fay, "advance_phase")
    mo.close()
    missed = send_accepted(fay, "extend_timer", {"timer": "meeting", "seconds": 60})
    mo.connect()
    again = mo.wait_for("snapshot", lambda s: s["version"] > missed)
    assert again["type"] == "snapshot", "a new connection starts from the whole state"
    assert again["meeting"]["phase"] == "check_in"
    assert comparable(again) == comparable(holds(fay, again["version"]))


def test_the_stage_view_follows_the_patches_too(seated: dict[str, Any]) -> None:
    fay = seated["fay"]
    stage = StageView(fay.base_url, stage_token(fay))
    try:
        stage.wait_for("snapshot")
        version = send_accepted(fay, "advance_phase")
        assert stage.wait_for("patch", lambda p: p["version"] == version)["from"] == version - 1
        assert comparable(holds(stage, version)) == comparable(holds(fay, version))
        assert stage.syncs_asked == 0
    finally:
        stage.close()


def test_a_change_is_published_by_the_write_that_commits_it(
    seated: dict[str, Any], redis_url: str
) -> None:
    """One round trip per command: the meeting's script writes the change and publishes its
    patch to the other processes, and no second PUBLISH follows (``realtime.announced``)."""
    fay, mo = seated["fay"], seated["mo"]
    room = f'"room":"meeting:{mo.received["snapshot"][0]["meeting"]["id"]}"'
    marker = "end-of-the-change"
    watcher = redis_client(redis_url)
    with watcher.monitor() as monitor:
        version = send_accepted(fay, "extend_timer", {"timer": "meeting", "seconds": 60})
        holds(mo, version)
        redis_client(redis_url).echo(marker)
        seen = []
        while (command := monitor.next_command())["command"] != f"ECHO {marker}":
            seen.append(command)
    published = [
        c for c in seen if c["command"].upper().startswith("PUBLISH") and room in c["command"]
    ]
    assert len(published) == 1, [c["command"][:80] for c in published]
    assert published[0]["client_type"] == "lua", "published by the script that wrote it"
    assert f'"version":{version}' in published[0]["command"]
    assert mo.received["snapshot"][-1]["type"] == "patch"


@pytest.fixture
def two_servers(server_env: dict[str, str], tmp_path: Path) -> Iterator[list[ServerProcess]]:
    servers = [ServerProcess(server_env, tmp_path / f"server-{n}.log").start() for n in (1, 2)]
    yield servers
    for server in servers:
        server.stop()


def test_changes_made_on_either_of_two_processes_go_out_as_patches(
    two_servers: list[ServerProcess],
) -> None:
    """Each process's view of the meeting follows what the other broadcasts, so a change made
    on either is a patch from the version before, not a whole snapshot."""
    first, second = two_servers
    created = create_set(first.url, "Ward leaders", "Fay")
    joined = join_set(second.url, created["invite_token"], "Ada")
    fay = Widget(first.url, created["facilitator_token"])
    ada = Widget(second.url, joined["participant_token"])
    try:
        version = ada.wait_for("snapshot")["version"]
        holds(fay, version)
        wholes = {w: len(w.received["snapshot"]) for w in (fay, ada)}
        for kind in ("pause", "clarity", "slow_down"):
            version = send_accepted(fay, "extend_timer", {"timer": "meeting", "seconds": 60})
            holds(ada, version)
            version = send_accepted(ada, "send_signal", {"kind": kind})
            holds(fay, version)
        for widget in (fay, ada):
            arrived = widget.received["snapshot"][wholes[widget] :]
            assert [s["type"] for s in arrived] == ["patch"] * 6, [s["type"] for s in arrived]
            assert widget.syncs_asked == 0
        assert comparable(holds(fay, version)) == comparable(holds(ada, version))
    finally:
        fay.close()
        ada.close()


def test_after_redis_comes_back_the_next_change_goes_whole(tmp_path: Path) -> None:
    """Redis may come back without its latest writes (a failover to a replica that lagged), so
    no patch builds on what the server sent before it lost touch."""
    redis_server = RedisServer(tmp_path).start()
    env = {"COMPANION_INSTANCE_PATH": str(tmp_path / "instance"), "REDIS_URL": redis_server.url}
    server = ServerProcess(env, tmp_path / "server.log").start()
    created = create_set(server.url, "Ward leaders", "Fay")
    fay = Widget(server.url, created["facilitator_token"], reconnect=True)
    try:
        fay.wait_for("snapshot")
        before = send_accepted(fay, "advance_phase")
        assert fay.wait_for("patch", lambda p: p["version"] == before)
        redis_server.kill()
        redis_server.start()
        answer = eventually(lambda: (a := fay.call("advance_phase")).get("ok") and a)
        again = fay.wait_for("snapshot", lambda s: s["version"] == answer["version"])
        assert again["type"] == "snapshot"
        assert not [p for p in fay.received["patch"] if p["version"] == answer["version"]]
    finally:
        fay.close()
        server.stop()
        redis_server.kill()
