"""Redis Sentinel: the primary is killed with ``kill -9`` in the middle of a meeting served by two
processes. Sentinel promotes the replica; both processes follow it, for their store and for the
message queue; a widget whose connection dropped meanwhile comes back by itself; commands go on;
and every command acknowledged and replicated before the kill is in the state after it."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from companion.store import MeetingStore
from companion.store.connection import redis_client
from realtime.queue import CHANNEL
from tests.redis_sentinel import DATABASE, ReplicatedRedis, eventually, ports_in_range
from tests.support import UNHURRIED, ServerProcess, Widget, close_all, create_set, join_set

UNAVAILABLE = {"error": "unavailable", "message": "The service is briefly unavailable; try again."}
# Commands acknowledged before the kill: the meeting's timer extended by 1, 2, ... seconds, each a
# line of the meeting's activity with its version, so the state after shows which are kept.
BEFORE_THE_KILL = 6


@pytest.fixture
def replicated(tmp_path: Path) -> Iterator[ReplicatedRedis]:
    redis_set = ReplicatedRedis(tmp_path)
    try:
        yield redis_set.start()
    finally:
        redis_set.stop()


@pytest.fixture
def two_servers(replicated: ReplicatedRedis, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    """Two processes on the Sentinel's address, sharing an instance folder (and so the key)."""
    env = {
        "COMPANION_INSTANCE_PATH": str(tmp_path / "instance"),
        "REDIS_URL": replicated.url,
        **UNHURRIED,
    }
    servers = [
        ServerProcess(env, tmp_path / f"server-{n}.log", port=port)
        for n, port in enumerate(ports_in_range(2))
    ]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(ServerProcess.start, servers))
        yield servers
    finally:
        for server in servers:
            server.stop()


def extend(widget: Widget, seconds: int) -> dict[str, Any]:
    return widget.call("extend_timer", {"timer": "meeting", "seconds": seconds})


def heard(widget: Widget, version: int) -> None:
    """Until the widget has a change of ``version``, whole or as a patch, as broadcast."""
    eventually(
        lambda: any(
            message.get("version") == version
            for event in ("snapshot", "patch")
            for message in list(widget.received[event])
        ),
        f"a broadcast of version {version}",
        timeout=10,
    )


def drop_connection(widget: Widget) -> None:
    """The network goes under the widget's WebSocket, as when a phone loses its signal."""
    widget.client.eio.ws.sock.shutdown(socket.SHUT_RDWR)


def test_a_killed_primary_fails_over_and_keeps_every_replicated_command(
    replicated: ReplicatedRedis, two_servers: list[ServerProcess]
) -> None:
    first, second = two_servers
    created = create_set(first.url, "Ward leaders", "Fay")
    ada = join_set(first.url, created["invite_token"], "Ada")["participant_token"]
    ben = join_set(second.url, created["invite_token"], "Ben")["participant_token"]
    fay = created["facilitator_token"]
    # Fay has a tab on each process; Ada and Ben one each. All reconnect as the widget does.
    fay_on = {
        "first": Widget(first.url, fay, reconnect=True),
        "second": Widget(second.url, fay, reconnect=True),
    }
    ada_widget = Widget(first.url, ada, reconnect=True)
    ben_widget = Widget(second.url, ben, reconnect=True)
    widgets = [*fay_on.values(), ada_widget, ben_widget]
    try:
        acknowledged: dict[int, str] = {}
        for seconds in range(1, BEFORE_THE_KILL + 1):
            answer = extend(fay_on["first" if seconds % 2 else "second"], seconds)
            assert answer.get("ok"), answer
            acknowledged[answer["version"]] = f"meeting:{seconds}"
        last = max(acknowledged)
        for widget in widgets:
            heard(widget, last)

        replicated.wait_until_replicated()
        on_the_replica = MeetingStore(redis_client(f"redis://127.0.0.1:{replicated.replica.port}"))
        replica_store = MeetingStore(
            redis_client(f"redis://127.0.0.1:{replicated.replica.port}/{DATABASE}")
        )
        assert replica_store.load_meeting(created["meeting_id"]).version == last
        assert on_the_replica.redis.dbsize() == 0, "the URL's database, not database 0"

        killed_at = time.monotonic()
        replicated.primary.kill()
        drop_connection(ada_widget)

        # Until a replica is promoted, a command is refused as briefly unavailable: never lost,
        # never half done. Then it is acknowledged, by the new primary.
        refused = 0
        while (answer := extend(fay_on["second"], 100)) == UNAVAILABLE:
            assert time.monotonic() - killed_at < 20, "no failover within 20 s"
            refused += 1
            time.sleep(0.2)
        assert answer.get("ok"), answer
        assert refused >= 1, "Sentinel waits a second before it calls the primary down"
        assert replicated.primary_port() == replicated.replica.port
        assert answer["version"] > last

        kept = replica_store.load_meeting(created["meeting_id"])
        lines = {(entry.version, entry.detail) for entry in kept.activity}
        assert set(acknowledged.items()) <= lines, "every acknowledged command is kept"
        assert (answer["version"], "meeting:100") in lines

        # Ada's widget reconnected by itself: refused while Redis had no primary, welcomed since.
        ada_widget.wait_for("welcome", lambda _: len(ada_widget.received["welcome"]) == 2)
        eventually(lambda: ada_widget.client.connected, "Ada's widget connected again")
        refusal = ada_widget.refusal or {}
        assert refusal.get("data") == UNAVAILABLE, "its first tries came while there was no primary"

        # Both processes' queue listeners subscribed to the new primary, so a command on either
        # reaches the widgets on the other, without any of them asking for the state.
        new_primary = replicated.replica.client()
        eventually(
            lambda: new_primary.pubsub_numsub(CHANNEL)[0][1] == 2,
            "both queue listeners resubscribed",
        )
        on_second = extend(fay_on["second"], 200)
        assert on_second.get("ok") and on_second["version"] > answer["version"], on_second
        for widget in (fay_on["first"], ada_widget):
            heard(widget, on_second["version"])
        on_first = extend(fay_on["first"], 300)
        assert on_first.get("ok") and on_first["version"] > on_second["version"], on_first
        for widget in (fay_on["second"], ben_widget):
            heard(widget, on_first["version"])

        # Every widget can take the whole state again, as it asks after a gap.
        for widget in widgets:
            synced = widget.call("sync")
            assert synced == {"ok": True, "version": on_first["version"]}, synced
            snapshot = widget.wait_for("snapshot", lambda s: s["version"] == on_first["version"])
            shown = {
                (line["version"], line.get("detail")) for line in snapshot["meeting"]["activity"]
            }
            assert (on_first["version"], "meeting:300") in shown
    finally:
        close_all(widgets)
