"""Redis goes away mid-meeting and comes back: commands get a clear "temporarily unavailable", the
server stays up, and once Redis is back (from its AOF) the meeting carries on with nothing lost."""

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.redis_server import RedisServer
from tests.support import ServerProcess, Widget, close_all, create_set, join_set


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


def eventually(attempt: Callable[[], Any], timeout: float = 15.0) -> Any:
    """The first truthy result of ``attempt``, retried the way a person would click again."""
    deadline = time.monotonic() + timeout
    while not (result := attempt()):
        assert time.monotonic() < deadline, "did not recover in time"
        time.sleep(0.25)
    return result


def test_a_redis_restart_loses_nothing_and_the_meeting_carries_on(
    own_redis: RedisServer, tmp_path: Path
) -> None:
    env = {"COMPANION_INSTANCE_PATH": str(tmp_path / "instance"), "REDIS_URL": own_redis.url}
    server = ServerProcess(env, tmp_path / "server.log").start()
    created = create_set(server.url, "Ward leaders", "Fay")
    tokens = {"Fay": created["facilitator_token"]}
    for name in ["Ada", "Ben"]:
        tokens[name] = join_set(server.url, created["invite_token"], name)["participant_token"]
    widgets = {name: Widget(server.url, token, reconnect=True) for name, token in tokens.items()}
    try:
        for name, event in [("Fay", "advance_phase"), ("Ada", "speaker_done")]:
            committed = widgets[name].call(event)
            assert committed.get("ok"), committed

        own_redis.kill()
        refused = widgets["Ben"].call("speaker_done")
        assert refused == {
            "error": "unavailable",
            "message": "The service is briefly unavailable; try again.",
        }
        assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 503
        assert server.process is not None and server.process.poll() is None

        own_redis.start()
        answer = eventually(lambda: (a := widgets["Ben"].call("speaker_done")).get("ok") and a)
        assert answer["version"] == committed["version"] + 1, "nothing lost, nothing skipped"
        for widget in widgets.values():
            latest = widget.wait_for("snapshot", lambda s: s["version"] == answer["version"])
            outcomes = latest["meeting"]["round"]["outcomes"]
            assert sorted(outcomes.values()) == ["done", "done"]
        assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200
    finally:
        close_all(list(widgets.values()))
        server.stop()


def test_the_embedded_redis_is_started_again_when_it_dies(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    env = {
        "COMPANION_INSTANCE_PATH": str(instance),
        "REDIS_URL": "",  # the embedded server, whatever the suite runs on
        "COMPANION_PRESENCE_TIMEOUT_SECONDS": "1.5",
    }
    server = ServerProcess(env, tmp_path / "server.log").start()
    created = create_set(server.url, "Ward leaders", "Fay")
    fay = Widget(server.url, created["facilitator_token"], reconnect=True)
    pid_file = instance / "redis" / "redis.pid"
    try:
        committed = fay.call("advance_phase")
        assert committed.get("ok"), committed
        first_pid = int(pid_file.read_text())
        os.kill(first_pid, signal.SIGKILL)

        extend = {"timer": "meeting", "seconds": 60}
        answer = eventually(lambda: (a := fay.call("extend_timer", extend)).get("ok") and a)
        assert answer["version"] == committed["version"] + 1, "nothing lost, nothing skipped"
        assert int(pid_file.read_text()) != first_pid
        assert fay.wait_for("snapshot", lambda s: s["version"] == answer["version"])
    finally:
        fay.close()
        server.stop()
