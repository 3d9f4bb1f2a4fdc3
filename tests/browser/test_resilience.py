"""The widget through trouble: Redis going away and back, and a broadcast lost on the way."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.redis_server import RedisServer
from tests.support import ServerProcess, Widget, create_set, join_set


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[tuple[RedisServer, ServerProcess]]:
    redis_server = RedisServer(tmp_path).start()
    env = {"COMPANION_INSTANCE_PATH": str(tmp_path / "instance"), "REDIS_URL": redis_server.url}
    server = ServerProcess(env, tmp_path / "server.log").start()
    yield redis_server, server
    server.stop()
    redis_server.kill()


def test_the_widget_shows_reconnecting_while_redis_is_away_and_recovers(
    own_stack: tuple[RedisServer, ServerProcess], open_page
) -> None:
    redis_server, server = own_stack
    created = create_set(server.url, "Ward leaders", "Fay")
    page: Page = open_page(320, 640)
    page.goto(created["facilitator_url"])
    expect(page.locator("#connection")).to_have_text("Live")

    redis_server.kill()
    page.get_by_role("button", name="Next step").click()
    expect(page.locator("#connection")).to_have_text("Reconnecting…")
    expect(page.get_by_role("alert")).to_have_text("The service is briefly unavailable; try again.")
    expect(page.locator("#phase-name")).to_have_text("Opening")

    redis_server.start()
    expect(page.locator("#connection")).to_have_text("Live", timeout=15000)
    page.get_by_role("button", name="Next step").click()
    expect(page.locator("#phase-name")).to_have_text("Check-in")


def change_version(frame: str | bytes) -> int | None:
    """The version in a Socket.IO frame carrying a change (``42["patch",{...}]``, or a whole
    ``42["snapshot",{...}]``), if it is one."""
    if not isinstance(frame, str) or not frame.startswith(('42["patch"', '42["snapshot"')):
        return None
    return json.loads(frame[2:])[1]["version"]


def test_a_lost_broadcast_makes_the_widget_ask_for_the_state(
    live_server: ServerProcess, open_page
) -> None:
    """Mo's widget misses the patch of Fay's first step; the next one does not follow."""
    created = create_set(live_server.url, "Ward leaders", "Fay")
    joined = join_set(live_server.url, created["invite_token"], "Mo")
    fay = Widget(live_server.url, created["facilitator_token"])
    page: Page = open_page(375, 667)
    dropped: list[int] = []
    asked: list[str] = []

    def lose_one_change(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def to_page(frame: str | bytes) -> None:
            version = change_version(frame)
            if version is not None and dropping and not dropped:
                dropped.append(version)  # the network eats this one
                return
            socket.send(frame)

        def to_server(frame: str | bytes) -> None:
            if isinstance(frame, str) and re.match(r'42\d*\["sync"', frame):  # with its ack id
                asked.append(frame)
            server.send(frame)

        server.on_message(to_page)
        socket.on_message(to_server)

    dropping = False
    page.route_web_socket("**/socket.io/**", lose_one_change)
    try:
        page.goto(joined["widget_url"])
        expect(page.locator("#connection")).to_have_text("Live")
        dropping = True
        first = fay.call("advance_phase")
        second = fay.call("extend_timer", {"timer": "meeting", "seconds": 60})
        assert first["version"] + 1 == second["version"]
        expect(page.locator("body")).to_have_attribute("data-version", str(second["version"]))
        expect(page.locator("#phase-name")).to_have_text("Check-in")
        assert dropped == [first["version"]]
        assert asked, "the gap made the widget ask for a fresh snapshot"
    finally:
        fay.close()
