"""``kill -9`` in the middle of a meeting: clients come back by themselves to the last committed
state, nothing acknowledged is lost, and people who did not come back are no longer shown here."""

from pathlib import Path
from typing import Any

import redis

from companion.store import MeetingStore
from tests.support import ServerProcess, Widget, close_all, create_set, join_set

SHARED = ["phase", "work", "bids", "timers", "activity"]


def online(snapshot: dict[str, Any]) -> dict[str, bool]:
    return {p["name"]: p["online"] for p in snapshot["meeting"]["participants"]}


def test_a_server_killed_mid_meeting_loses_nothing(
    server_env: dict[str, str], redis_connection: redis.Redis, tmp_path: Path
) -> None:
    # Long enough for the widgets that reconnect to be back before anyone is marked away (the
    # client waits 1 s ± 0.5 s, and twice that after an attempt the restarting server refused):
    # a speaker marked away has their timer paused, which would move its deadline.
    env = {**server_env, "COMPANION_PRESENCE_TIMEOUT_SECONDS": "6"}
    first = ServerProcess(env, tmp_path / "first.log").start()
    created = create_set(first.url, "Ward leaders", "Fay")
    tokens = {"Fay": created["facilitator_token"]}
    for name in ["Ada", "Ben", "Cy"]:
        tokens[name] = join_set(first.url, created["invite_token"], name)["participant_token"]
    # Cy's phone will not come back after the crash; everyone else's widget reconnects.
    widgets = {
        name: Widget(first.url, token, reconnect=name != "Cy") for name, token in tokens.items()
    }
    second = ServerProcess(env, tmp_path / "second.log", port=first.port)
    try:
        widgets["Fay"].wait_for(
            "snapshot", lambda s: all(online(s).values()) and len(online(s)) == 4
        )
        version = 0
        for name, event in [("Fay", "advance_phase"), ("Ada", "speaker_done")]:
            answer = widgets[name].call(event)
            assert answer.get("ok"), answer
            version = answer["version"]
        before = widgets["Fay"].wait_for("snapshot", lambda s: s["version"] == version)

        first.kill()
        assert MeetingStore(redis_connection).load_meeting(created["meeting_id"]).version == version
        second.start()

        for name in ["Fay", "Ada", "Ben"]:
            widget = widgets[name]
            widget.wait_for("welcome", lambda _, w=widget: len(w.received["welcome"]) == 2)
        # The three come back one by one, and Cy is marked away once her server's heartbeat has
        # stopped: in whichever order, the meeting reaches exactly this presence.
        expected = {"Fay": True, "Ada": True, "Ben": True, "Cy": False}
        back = widgets["Fay"].wait_for(
            "snapshot", lambda s: s["version"] > version and online(s) == expected, timeout=20
        )
        for field in SHARED:
            assert back["meeting"][field] == before["meeting"][field], field
        round_before, round_back = before["meeting"]["round"], back["meeting"]["round"]
        assert round_back["current"] == round_before["current"]
        assert round_back["outcomes"] == round_before["outcomes"]
        assert round_back["speaking_order"] == round_before["speaking_order"][:-1], "Cy is away"

        answer = widgets["Ben"].call("speaker_done")
        assert answer.get("ok") and answer["version"] > back["version"], answer
        for name in ["Fay", "Ada", "Ben"]:
            widgets[name].wait_for("snapshot", lambda s: s["version"] == answer["version"])
    finally:
        close_all(list(widgets.values()))
        second.stop()
        first.stop()
