"""A real server process driven by python-socketio clients through the documented API."""

import pytest
import requests
import socketio

from tests.support import ServerProcess, Widget, create_set, join_set, names_online, open_widget


def test_connecting_delivers_a_welcome_and_a_versioned_snapshot(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    fay = open_widget(widgets, live_server, created["facilitator_token"])
    welcome = fay.wait_for("welcome")
    assert welcome["type"] == "welcome"
    assert welcome["you"] == {"id": created["participant_id"], "role": "facilitator", "name": "Fay"}
    assert welcome["set_id"] == created["set_id"]
    assert welcome["links"]["invite_url"].split("#")[0].endswith("/join")
    snapshot = fay.wait_for("snapshot")
    assert snapshot["type"] == "snapshot"
    assert snapshot["version"] >= 2
    assert snapshot["meeting"]["id"] == created["meeting_id"]
    assert snapshot["meeting"]["phase"] == "opening"
    assert names_online(snapshot) == {"Fay"}


def test_presence_is_broadcast_to_everyone_in_the_meeting(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    mo = join_set(live_server.url, created["invite_token"], "Mo")
    fay = open_widget(widgets, live_server, created["facilitator_token"])
    fay.wait_for("snapshot", lambda s: names_online(s) == {"Fay"})
    member = open_widget(widgets, live_server, mo["participant_token"])
    both = fay.wait_for("snapshot", lambda s: names_online(s) == {"Fay", "Mo"})
    assert member.wait_for("snapshot", lambda s: s["version"] == both["version"])
    assert member.wait_for("welcome")["links"] == {}, "members are not handed the invite link"
    member.close()
    after = fay.wait_for("snapshot", lambda s: s["version"] > both["version"])
    assert names_online(after) == {"Fay"}
    away = [p for p in after["meeting"]["participants"] if p["name"] == "Mo"]
    assert away == [{"id": mo["participant_id"], "name": "Mo", "role": "member", "online": False}]


def test_meetings_never_hear_each_other(live_server: ServerProcess, widgets: list[Widget]) -> None:
    first = create_set(live_server.url, "First set", "Fay")
    second = create_set(live_server.url, "Second set", "Gus")
    fay = open_widget(widgets, live_server, first["facilitator_token"])
    fay.wait_for("snapshot")
    gus = open_widget(widgets, live_server, second["facilitator_token"])
    gus.wait_for("snapshot")
    ida = join_set(live_server.url, second["invite_token"], "Ida")
    open_widget(widgets, live_server, ida["participant_token"])
    gus.wait_for("snapshot", lambda s: names_online(s) == {"Gus", "Ida"})
    seen_by_fay = {s["meeting"]["id"] for s in fay.received["snapshot"]}
    assert seen_by_fay == {first["meeting_id"]}
    assert all("Ida" not in repr(s) for s in fay.received["snapshot"])


@pytest.mark.parametrize(
    ("auth", "code"),
    [
        (None, "token_missing"),
        ({"token": "forged"}, "token_invalid"),
        ({"token": 5}, "token_missing"),
    ],
)
def test_connections_without_a_valid_token_are_refused(
    live_server: ServerProcess, auth: object, code: str
) -> None:
    client = socketio.Client(reconnection=False)
    refusals: list[object] = []
    client.on("connect_error", refusals.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, auth=auth, wait_timeout=5, transports=["websocket"])
    assert refusals and refusals[0]["data"]["error"] == code
    assert refusals[0]["data"]["message"] == refusals[0]["message"]


def test_an_invite_token_does_not_open_the_widget(live_server: ServerProcess) -> None:
    created = create_set(live_server.url, "Set", "Fay")
    widget = Widget(live_server.url, created["invite_token"], connect=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        widget.connect()
    assert widget.refusal["data"]["error"] == "token_invalid"


def test_a_token_in_the_query_string_is_ignored(live_server: ServerProcess) -> None:
    created = create_set(live_server.url, "Set", "Fay")
    client = socketio.Client(reconnection=False)
    refusals: list[object] = []
    client.on("connect_error", refusals.append)
    url = f"{live_server.url}?token={created['facilitator_token']}"
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(url, wait_timeout=5, transports=["websocket"])
    assert refusals[0]["data"]["error"] == "token_missing"


def test_unknown_events_get_an_error_and_change_nothing(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Set", "Fay")
    fay = open_widget(widgets, live_server, created["facilitator_token"])
    before = fay.wait_for("snapshot")
    assert fay.call("make_me_king", {"now": True}) == {
        "error": "unknown_event",
        "message": "That action is not recognised.",
    }
    assert fay.call("sync") == {"ok": True, "version": before["version"]}
    assert fay.latest("snapshot")["version"] == before["version"]


def test_sync_resends_the_current_snapshot(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Set", "Fay")
    fay = open_widget(widgets, live_server, created["facilitator_token"])
    fay.wait_for("snapshot")
    count = len(fay.received["snapshot"])
    fay.call("sync")
    fay.wait_for("snapshot", lambda _: len(fay.received["snapshot"]) > count)
    assert fay.latest("snapshot")["meeting"]["id"] == created["meeting_id"]


def test_the_server_logs_no_names(live_server: ServerProcess, widgets: list[Widget]) -> None:
    created = create_set(live_server.url, "Confidential Set Title", "Zebedee Quill")
    joined = join_set(live_server.url, created["invite_token"], "Ottoline Frost")
    open_widget(widgets, live_server, created["facilitator_token"]).wait_for("snapshot")
    open_widget(widgets, live_server, joined["participant_token"]).wait_for("snapshot")
    requests.get(f"{live_server.url}/healthz", timeout=5)
    log = live_server.log()
    assert created["meeting_id"] in log, "the log does record meeting ids"
    for secret in (
        "Confidential Set Title",
        "Zebedee Quill",
        "Ottoline Frost",
        created["facilitator_token"],
        joined["participant_token"],
    ):
        assert secret not in log
