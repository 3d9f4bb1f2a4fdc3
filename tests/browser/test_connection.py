"""The widget's connection in Chromium: always shown, recovered by itself, always the same person.

A phone on a train, a laptop lid closed, a page reloaded, an invite link opened a second time: each
must bring the person back as themselves, showing the meeting as it is now, and never add a second
copy of them to the set.
"""

import contextlib
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import PHONE, SIDE_PANEL, OpenPage
from tests.support import ServerProcess, Widget, create_set, join_set

NOT_LIVE = re.compile(r"^(offline|reconnecting)$")


@dataclass
class Set:
    """A set with Fay facilitating (over a Socket.IO client) and Mo, a member, to open in pages."""

    created: dict[str, Any]
    mo: dict[str, Any]
    fay: Widget

    def snapshot_where(self, predicate: Any, timeout: float = 15.0) -> dict[str, Any]:
        return self.fay.wait_for("snapshot", lambda s: predicate(s["meeting"]), timeout)["meeting"]

    def entries_for(self, meeting: dict[str, Any], name: str) -> list[dict[str, Any]]:
        return [p for p in meeting["participants"] if p["name"] == name]


@pytest.fixture
def a_set(live_server: ServerProcess) -> Iterator[Set]:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    mo = join_set(live_server.url, created["invite_token"], "Mo")
    fay = Widget(live_server.url, created["facilitator_token"])
    fay.wait_for("snapshot")
    try:
        yield Set(created, mo, fay)
    finally:
        fay.close()


def mo_is(a_set: Set, online: bool) -> Any:
    """A snapshot predicate: Mo is in the meeting exactly once, here or away as asked."""

    def check(meeting: dict[str, Any]) -> bool:
        entries = a_set.entries_for(meeting, "Mo")
        return len(entries) == 1 and entries[0]["online"] is online

    return check


def assert_mo_once_and_here(a_set: Set, timeout: float = 15.0) -> None:
    """The facilitator's current view, once it settles: Mo here, once, with the same id as ever."""
    deadline = time.monotonic() + timeout
    while True:
        meeting = a_set.fay.latest("snapshot")["meeting"]
        entries = a_set.entries_for(meeting, "Mo")
        if [(e["id"], e["online"]) for e in entries] == [(a_set.mo["participant_id"], True)]:
            break
        assert time.monotonic() < deadline, f"Mo is not here exactly once: {entries}"
        time.sleep(0.1)
    names = sorted(p["name"] for p in meeting["participants"])
    assert names == ["Fay", "Mo"], names
    # Never two of them, at any moment the facilitator saw.
    for snapshot in list(a_set.fay.received["snapshot"]):
        entries = a_set.entries_for(snapshot["meeting"], "Mo")
        assert len(entries) <= 1, f"Mo twice at version {snapshot['version']}: {entries}"


def expect_live_as_mo(page: Page, a_set: Set) -> None:
    expect(page.locator("#connection")).to_have_text("Live", timeout=15000)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    me = page.locator(f'#participants [data-person="{a_set.mo["participant_id"]}"]')
    expect(me).to_contain_text("Mo (you)")
    expect(page.locator("#participants .person", has_text="Mo")).to_have_count(1)


def test_going_offline_shows_and_coming_back_resyncs_by_itself(
    a_set: Set, open_page: OpenPage
) -> None:
    page: Page = open_page(375, 667)
    page.goto(a_set.mo["widget_url"])
    status = page.locator("#connection")
    expect(status).to_have_text("Live")
    expect(status).to_be_in_viewport()
    expect(page.locator("#phase-name")).to_have_text("Opening")

    page.context.set_offline(True)
    expect(status).to_have_attribute("data-state", NOT_LIVE)
    expect(status).not_to_have_text("Live")
    expect(status).to_be_in_viewport()
    a_set.snapshot_where(mo_is(a_set, online=False))

    moved = a_set.fay.call("advance_phase")
    assert moved["ok"] is True, moved
    timer = a_set.fay.call("start_timer", {"timer": "speaker", "seconds": 90})
    assert timer["version"] == moved["version"] + 1
    page.wait_for_timeout(700)
    expect(page.locator("#phase-name")).to_have_text("Opening")  # nothing arrives while offline
    expect(status).to_have_attribute("data-state", NOT_LIVE)

    page.context.set_offline(False)
    expect(status).to_have_text("Live", timeout=15000)
    expect(status).to_have_attribute("data-state", "live")
    expect(page.locator("#phase-name")).to_have_text("Check-in")
    expect(page.locator("#timers [data-timer=speaker]")).to_be_visible()
    current = int(page.locator("body").get_attribute("data-version") or 0)
    assert current >= timer["version"], "the widget holds the state made while it was away"
    assert_mo_once_and_here(a_set)


IN_VIEW = """(element) => {
  const box = element.getBoundingClientRect();
  return box.height > 0 && box.bottom > 0 && box.top < window.innerHeight;
}"""


def test_the_connection_state_stays_in_view_when_scrolled(a_set: Set, open_page: OpenPage) -> None:
    """Someone reading the activity at the foot of a phone or the Teams panel must still see that
    the widget has lost its connection, or they act on a stale meeting without knowing."""
    out_of_view = []
    for label, size in (("phone", PHONE), ("side panel", SIDE_PANEL)):
        page: Page = open_page(size["width"], size["height"])
        page.goto(a_set.mo["widget_url"])
        status = page.locator("#connection")
        expect(status).to_have_text("Live")
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        assert page.evaluate("() => window.scrollY") > 0, "the widget is taller than the screen"
        page.context.set_offline(True)
        expect(status).to_have_attribute("data-state", NOT_LIVE)
        if not status.evaluate(IN_VIEW):
            out_of_view.append(f"{label} {size['width']}x{size['height']}")
    assert out_of_view == [], f"offline, scrolled down, no connection state in view: {out_of_view}"


def test_a_command_made_offline_is_not_sent_later_behind_the_users_back(
    a_set: Set, open_page: OpenPage
) -> None:
    """docs/protocol.md: "A command is never retried for the user: they see the error and decide."
    Two impatient clicks on "Next step" while offline must not move the meeting on twice, for
    everyone, when the network returns: the facilitator never saw them take effect."""
    page: Page = open_page()
    page.goto(a_set.created["facilitator_url"])
    status = page.locator("#connection")
    expect(status).to_have_text("Live")
    page.context.set_offline(True)
    expect(status).to_have_attribute("data-state", NOT_LIVE)
    offline_version = a_set.fay.latest("snapshot")["version"]
    next_step = page.get_by_role("button", name="Next step")
    if next_step.is_enabled():
        next_step.click()
        next_step.click()
    page.wait_for_timeout(2000)
    told = page.locator("#command-error").text_content() or ""

    page.context.set_offline(False)
    expect(status).to_have_text("Live", timeout=15000)
    page.wait_for_timeout(1500)
    moves = {
        entry["version"]: entry["detail"]
        for snapshot in a_set.fay.received["snapshot"]
        for entry in snapshot["meeting"]["activity"]
        if entry["version"] > offline_version and entry["action"] == "phase_moved"
    }
    assert moves == {}, f"clicks made offline were applied after reconnecting: {moves}"
    expect(page.locator("#phase-name")).to_have_text("Opening")
    assert told.strip() or not next_step.is_enabled(), "offline, the click was silently queued"


def test_a_reload_comes_back_as_the_same_person(a_set: Set, open_page: OpenPage) -> None:
    page: Page = open_page()
    page.goto(a_set.mo["widget_url"])
    expect_live_as_mo(page, a_set)
    here = a_set.snapshot_where(mo_is(a_set, online=True))
    before = a_set.fay.latest("snapshot")["version"]
    assert a_set.entries_for(here, "Mo")[0]["id"] == a_set.mo["participant_id"]

    for _ in range(2):
        page.reload()
        expect_live_as_mo(page, a_set)
    a_set.fay.wait_for("snapshot", lambda s: s["version"] >= before + 4)  # two leaves, two joins
    assert_mo_once_and_here(a_set)
    remembered = page.evaluate("() => JSON.parse(localStorage.getItem('companion.links'))")
    assert remembered == [
        {"set_id": a_set.created["set_id"], "token": a_set.mo["participant_token"], "name": "Mo"}
    ]


class PhoneNetwork:
    """A TCP relay standing in for a phone's mobile network between the browser and the server.

    ``drop()`` cuts every connection through it at once, as losing signal in a tunnel does, and
    resets new ones until ``restore()``. The browser still believes it is online, so only the
    widget's own reconnecting can bring it back. (Playwright's WebSocket routing cannot fail a
    handshake the way a network does: a mocked socket closed cleanly leaves the client waiting.)
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.cut = False
        self.open_sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                phone_side, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.cut:
                reset(phone_side)
                continue
            server_side = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.open_sockets += [phone_side, server_side]
            for source, sink in ((phone_side, server_side), (server_side, phone_side)):
                threading.Thread(target=relay, args=(source, sink), daemon=True).start()

    def drop(self) -> None:
        with self.lock:
            self.cut = True
            dropped, self.open_sockets = self.open_sockets, []
        for sock in dropped:  # wakes both relays at once; each closes its side
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.cut = False

    def close(self) -> None:
        self.drop()
        self.listener.close()


def reset(sock: socket.socket) -> None:
    """Refuse with a TCP reset, as an unreachable network does: the attempt fails at once."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()


def relay(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    for sock in (source, sink):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    source.close()


@pytest.fixture
def phone_network(live_server: ServerProcess) -> Iterator[PhoneNetwork]:
    network = PhoneNetwork(live_server.port)
    yield network
    network.close()


def test_a_dropped_phone_reconnects_as_the_same_person(
    a_set: Set, open_page: OpenPage, phone_network: PhoneNetwork
) -> None:
    facilitator: Page = open_page(1024, 768)
    facilitator.goto(a_set.created["facilitator_url"])
    phone: Page = open_page(phone=True)
    token = a_set.mo["participant_token"]
    phone.goto(f"{phone_network.url}/w#{token}")
    expect_live_as_mo(phone, a_set)
    mo_row = facilitator.locator(f'#participants [data-person="{a_set.mo["participant_id"]}"]')
    expect(mo_row).to_contain_text("here")

    phone_network.drop()
    status = phone.locator("#connection")
    expect(status).to_have_attribute("data-state", "reconnecting")  # online, but not connected
    expect(status).to_have_text("Reconnecting…")
    expect(mo_row).to_contain_text("away", timeout=15000)
    facilitator.get_by_role("button", name="Next step").click()
    expect(facilitator.locator("#phase-name")).to_have_text("Check-in")
    phone.wait_for_timeout(2500)  # a retry or two is refused while the signal is gone
    expect(phone.locator("#phase-name")).to_have_text("Opening")
    expect(status).to_have_attribute("data-state", "reconnecting")

    phone_network.restore()
    expect_live_as_mo(phone, a_set)
    expect(phone.locator("#phase-name")).to_have_text("Check-in")
    expect(mo_row).to_contain_text("here", timeout=15000)
    expect(facilitator.locator("#participants .person", has_text="Mo")).to_have_count(1)
    assert_mo_once_and_here(a_set)


def test_the_invite_on_a_known_device_offers_to_continue_as_that_person(
    a_set: Set, open_page: OpenPage
) -> None:
    page: Page = open_page()
    page.goto(a_set.mo["widget_url"])
    expect_live_as_mo(page, a_set)  # the widget remembers the link on this device

    page.goto(a_set.created["invite_url"])
    welcome_back = page.locator("#welcome-back")
    expect(welcome_back).to_be_visible()
    expect(page.locator("#join-form")).to_be_hidden()
    continue_link = page.locator("#continue-link")
    expect(continue_link).to_have_text("Continue as Mo")
    assert (continue_link.get_attribute("href") or "").endswith(
        "/w#" + a_set.mo["participant_token"]
    )
    expect(page.locator("#welcome-back-heading")).to_be_focused()

    continue_link.click()
    expect_live_as_mo(page, a_set)
    assert_mo_once_and_here(a_set)

    page.goto(a_set.created["invite_url"])
    expect(welcome_back).to_be_visible()
    page.locator("#someone-else").click()
    expect(welcome_back).to_be_hidden()
    expect(page.locator("#join-form")).to_be_visible()
    expect(page.get_by_label("Your name, as the set will see it")).to_be_focused()
    page.get_by_label("Your name, as the set will see it").fill("Ida")
    page.get_by_role("button", name="Join the meeting").click()
    expect(page.locator("#connection")).to_have_text("Live")
    expect(page.locator("#participants")).to_contain_text("Ida (you)")
    both = a_set.snapshot_where(lambda m: {p["name"] for p in m["participants"]} >= {"Mo", "Ida"})
    assert len(a_set.entries_for(both, "Mo")) == 1 and len(both["participants"]) == 3


def test_the_invite_on_a_new_device_shows_the_join_form_at_once(
    a_set: Set, open_page: OpenPage
) -> None:
    page: Page = open_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(a_set.created["invite_url"])
    expect(page.locator("#join-form")).to_be_visible()
    expect(page.locator("#welcome-back")).to_be_hidden()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#welcome-back")).to_be_hidden()
    assert not [url for url in asked if url.endswith("/api/rejoin")], "nothing to ask about"


def test_a_link_to_another_set_does_not_stand_in_for_this_one(
    a_set: Set, open_page: OpenPage, live_server: ServerProcess
) -> None:
    other = create_set(live_server.url, "Another set", "Gus")
    page: Page = open_page()
    page.goto(other["facilitator_url"])
    expect(page.locator("#connection")).to_have_text("Live")
    answers: list[int] = []
    page.on(
        "response", lambda r: answers.append(r.status) if r.url.endswith("/api/rejoin") else None
    )
    page.goto(a_set.created["invite_url"])
    expect(page.locator("#join-form")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert answers == [404], "the device asked, and the server did not recognise it"
    expect(page.locator("#welcome-back")).to_be_hidden()
    expect(page.locator("#join-form")).to_be_visible()


def test_the_widget_asks_nothing_of_the_internet(
    a_set: Set, open_page: OpenPage, live_server: ServerProcess
) -> None:
    origin = live_server.url
    socket_origin = "ws://" + origin.removeprefix("http://")
    seen: list[str] = []

    def record(request: Request) -> None:
        seen.append(request.url)

    facilitator: Page = open_page(1024, 768)
    member: Page = open_page(phone=True)
    for page in (facilitator, member):
        page.on("request", record)
        page.on("websocket", lambda socket: seen.append(socket.url))

    facilitator.goto(a_set.created["facilitator_url"])
    expect(facilitator.locator("#connection")).to_have_text("Live")
    member.goto(a_set.created["invite_url"])
    member.get_by_label("Your name, as the set will see it").fill("Ida")
    member.get_by_role("button", name="Join the meeting").click()
    expect(member.locator("#connection")).to_have_text("Live")

    facilitator.get_by_role("button", name="Next step").click()
    expect(member.locator("#phase-name")).to_have_text("Check-in")
    member.locator("#signals button[data-command=send_signal]").first.click()
    expect(member.locator("#signal-status")).to_have_text("Sent, anonymously.")
    expect(facilitator.locator("#signals .signal.active")).to_have_count(1)
    facilitator.reload()
    expect(facilitator.locator("#connection")).to_have_text("Live")
    for page in (facilitator, member):
        page.wait_for_load_state("networkidle")

    assert any(url.startswith(socket_origin + "/socket.io/") for url in seen), seen
    assert any(url.endswith(".css") for url in seen) and any(url.endswith(".js") for url in seen)
    elsewhere = [
        url for url in seen if not url.startswith((origin + "/", socket_origin + "/", "data:"))
    ]
    assert elsewhere == [], f"requests that left the server: {elsewhere}"
