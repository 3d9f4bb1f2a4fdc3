"""A facilitator's home in Chromium: the sets this device remembers, each with its next date, open
actions, people waiting and a button that opens its meeting or starts the next; at the side
panel's width, on a phone and on a desktop, by keyboard and by touch, with zero axe violations.

Fay facilitates two sets. "Ward leaders" has its first meeting open. "Night shift" met once (Ada
presented and named an action), has its next meeting planned, and Wren waits in its lobby.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ARTIFACTS,
    DESKTOP,
    LIVE,
    OpenPage,
    assert_no_axe_violations,
)
from tests.support import (
    ServerProcess,
    Widget,
    ask_to_join,
    close_all,
    create_set,
    join_set,
    send_accepted,
)

NARROW = {"width": 280, "height": 800}
# A month ahead, at ten o'clock London time.
PLANNED_DAY = datetime.now(UTC) + timedelta(days=30)
PLAN = {
    "local_start": f"{PLANNED_DAY:%Y-%m-%d}T10:00",
    "time_zone": "Europe/London",
    "minutes": 90,
}


@dataclass
class FaysSets:
    ward: dict[str, Any]
    night: dict[str, Any]
    widgets: list[Widget]

    def links(self) -> list[dict[str, str]]:
        """As the widget remembers them, newest first: Night shift was opened last."""
        return [
            {"set_id": s["set_id"], "token": s["facilitator_token"], "name": "Fay"}
            for s in (self.night, self.ward)
        ]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def meet_once(server: ServerProcess, night: dict[str, Any], widgets: list[Widget]) -> None:
    """Ada presents and names an action; the meeting ends; the next is planned; Wren asks in."""
    ada_link = join_set(server.url, night["invite_token"], "Ada")
    fay = Widget(server.url, night["facilitator_token"])
    ada = Widget(server.url, ada_link["participant_token"])
    widgets += [fay, ada]
    fay.wait_for("welcome")
    placed = send_accepted(ada, "place_bid", {"title": "Rota gaps", "minutes": 20})
    bid = fay.wait_for("snapshot", lambda s: s["version"] >= placed)["meeting"]["bids"][0]["id"]
    send_accepted(fay, "accept_bid", {"bid_id": bid})
    send_accepted(fay, "go_to_phase", {"phase": "work"})
    send_accepted(ada, "add_action", {"text": "Ask HR for the rota data"})
    send_accepted(fay, "end_meeting")
    base = f"{server.url}/api/sets/{night['set_id']}"
    headers = bearer(night["facilitator_token"])
    planned = requests.put(f"{base}/next-meeting", json=PLAN, headers=headers, timeout=10)
    assert planned.status_code == 200, planned.text
    switched = requests.post(
        f"{base}/roster/set_admission", json={"mode": "ask"}, headers=headers, timeout=10
    )
    assert switched.status_code == 200, switched.text
    ask_to_join(server.url, night["invite_token"], "Wren")


@pytest.fixture
def fays_sets(live_server: ServerProcess) -> Iterator[FaysSets]:
    widgets: list[Widget] = []
    ward = create_set(live_server.url, "Ward leaders", "Fay")
    night = create_set(live_server.url, "Night shift", "Fay")
    meet_once(live_server, night, widgets)
    yield FaysSets(ward, night, widgets)
    close_all(widgets)


def open_home(page: Page, server: ServerProcess, links: list[dict[str, str]]) -> Page:
    """The home page on a device that remembers ``links``, as the widget leaves them."""
    page.goto(f"{server.url}/privacy")
    page.evaluate(
        "(links) => localStorage.setItem('companion.links', JSON.stringify(links))", links
    )
    page.goto(f"{server.url}/home")
    expect(page.locator("#home-loading")).to_be_hidden()
    return page


def facts(card: Any) -> dict[str, str]:
    terms = card.locator("dt").all_inner_texts()
    values = card.locator("dd").all_inner_texts()
    return dict(zip(terms, values, strict=True))


def assert_fits(page: Page, where: str) -> None:
    """Nothing wider than the screen, and every control big enough for a finger."""
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, where
    for control in page.locator(".home-set .button, .home-set button").all():
        box = control.bounding_box()
        assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= width, where


@pytest.mark.parametrize(
    "size", [NARROW, "phone", DESKTOP], ids=["side-panel-280", "phone", "desktop"]
)
def test_the_home_lists_both_sets_with_their_facts(
    fays_sets: FaysSets,
    live_server: ServerProcess,
    open_page: OpenPage,
    axe_script: str,
    size: Any,
) -> None:
    # Fay is in London, but on the desktop she is away in New York: her own clock comes first.
    away = size is DESKTOP
    zone = {"timezone_id": "America/New_York" if away else "Europe/London"}
    page = open_page(phone=True, **zone) if size == "phone" else open_page(**size, **zone)
    open_home(page, live_server, fays_sets.links())
    cards = page.locator(".home-set")
    expect(cards).to_have_count(2)
    assert cards.locator("h2").all_inner_texts() == ["Night shift", "Ward leaders"]
    night, ward = facts(cards.nth(0)), facts(cards.nth(1))
    assert night["Open actions"] == "1" and ward["Open actions"] == "0"
    assert night["Waiting to join"] == "1 person" and ward["Waiting to join"] == "Nobody"
    assert (night["Meeting"], ward["Meeting"]) == ("Ended", "Open now: Opening")
    assert str(PLANNED_DAY.year) in night["Next meeting"]
    assert "90 minutes" in night["Next meeting"]
    assert ("London time" in night["Next meeting"]) is away
    assert ward["Next meeting"] == "Not planned yet"
    expect(cards.nth(0).get_by_role("button", name="Start the next meeting")).to_be_visible()
    opened = cards.nth(1).get_by_role("link", name="Open the meeting")
    assert opened.get_attribute("href").endswith(f"/w#{fays_sets.ward['facilitator_token']}")
    expect(page.locator("#home-empty")).to_be_hidden()
    assert_fits(page, f"home at {size}")
    assert_no_axe_violations(page, axe_script, f"the home at {size}")
    ARTIFACTS.mkdir(exist_ok=True)
    label = size if size == "phone" else f"{size['width']}"
    page.screenshot(path=str(ARTIFACTS / f"home-{label}.png"), full_page=True)


def test_start_the_next_meeting_by_keyboard_and_it_opens(
    fays_sets: FaysSets, live_server: ServerProcess, open_page: OpenPage
) -> None:
    page = open_home(open_page(**NARROW), live_server, fays_sets.links())
    start = page.locator(".home-set").nth(0).get_by_role("button", name="Start the next meeting")
    start.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/w#{fays_sets.night['facilitator_token']}")
    expect(page.locator(LIVE)).to_be_attached()
    expect(page.locator("#phase-name")).to_have_text("Opening")
    history = requests.get(
        f"{live_server.url}/api/sets/{fays_sets.night['set_id']}/history",
        headers=bearer(fays_sets.night["facilitator_token"]),
        timeout=10,
    ).json()
    assert [m["phase"] for m in history["meetings"]] == ["opening", "closed"], "a new meeting"


def test_the_open_meeting_opens_by_touch_on_a_phone(
    fays_sets: FaysSets, live_server: ServerProcess, open_page: OpenPage
) -> None:
    page = open_home(open_page(phone=True), live_server, fays_sets.links())
    page.locator(".home-set").nth(1).get_by_role("link", name="Open the meeting").tap()
    page.wait_for_url(f"**/w#{fays_sets.ward['facilitator_token']}")
    expect(page.locator(LIVE)).to_be_attached()


def test_a_device_with_no_sets_says_so_and_how_to_start_one(
    live_server: ServerProcess, open_page: OpenPage, axe_script: str
) -> None:
    for page in (open_page(**NARROW), open_page(phone=True)):
        open_home(page, live_server, [])
        expect(page.get_by_role("heading", name="No sets on this device yet")).to_be_visible()
        expect(page.locator("#home-sets")).to_be_hidden()
        expect(page.get_by_role("link", name="Start a set")).to_have_attribute("href", "/")
        assert_no_axe_violations(page, axe_script, "the empty home")


def test_the_widget_links_a_facilitator_to_the_home(
    fays_sets: FaysSets, live_server: ServerProcess, open_page: OpenPage, axe_script: str
) -> None:
    page = open_page(**NARROW)
    page.goto(fays_sets.ward["facilitator_url"])
    expect(page.locator(LIVE)).to_be_attached()
    page.locator("#tab-steer").click()
    expect(page.locator("#record-card")).to_be_visible()
    assert_no_axe_violations(page, axe_script, "the Console with the record card at 280 px")
    for button, extension, start in (
        ("Download as a document", "md", b"# The record of Ward leaders\n"),
        ("Download for a spreadsheet", "csv", b"\xef\xbb\xbfmeeting_id,meeting_date,record,"),
    ):
        with page.expect_download() as downloading:
            page.get_by_role("button", name=button).click()
        download = downloading.value
        assert download.suggested_filename.endswith(f".{extension}")
        with open(download.path(), "rb") as saved:
            assert saved.read().startswith(start), "saved byte for byte"
        expect(page.locator("#record-status")).to_contain_text("saved to your downloads")
    page.get_by_role("link", name="All the sets you facilitate").click()
    page.wait_for_url("**/home")
    expect(page.locator(".home-set h2")).to_have_text(["Ward leaders"])
