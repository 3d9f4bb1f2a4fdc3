"""The stage view in a browser: readable from across a room, in step with the meeting, accessible at
every size, and reached from the facilitator's widget.

Every page here opens the stage with the facilitator's stage link, as a big screen or Teams'
meeting stage would; the meeting is driven by python clients (``ScriptedMeeting``), so the pages
never change who is present. The stage at 1920x1080 is saved to docs/screenshots/stage-1920.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LIVE, SCREENSHOTS, OpenPage, reveal, shows_version
from tests.browser.test_accessibility import ScriptedMeeting, axe_report
from tests.support import ServerProcess, close_all

BIG_SCREEN = {"width": 1920, "height": 1080}
# Each size the stage must pass axe-core at, with a theme of its own so the themes are covered too.
SIZES: dict[str, tuple[dict[str, int], str]] = {
    "1920": (BIG_SCREEN, "?theme=light"),
    "1280": ({"width": 1280, "height": 800}, "?theme=dark"),
    "375": ({"width": 375, "height": 667}, "?theme=contrast"),
    "280": ({"width": 280, "height": 800}, ""),
}
STATES = ("opening", "check_in", "clarifying", "closing_round", "closed")
BODY_TEXT_MIN_PX = 32

# Every piece of text a person can see on the page, with its computed size: the stage is read
# from across a room, so none of it may be small print.
TEXT_SIZES = """() => {
  const sizes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const element = node.parentElement;
    if (!node.textContent.trim() || element.closest(".visually-hidden, noscript")) continue;
    if (!element.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    sizes.push([node.textContent.trim().slice(0, 40), size]);
  }
  return sizes;
}"""


def stage_url(meeting: ScriptedMeeting, query: str = "") -> str:
    """The facilitator's stage link, from their welcome, with ``query`` before its fragment."""
    url = meeting.widgets["facilitator"].wait_for("welcome")["links"]["stage_url"]
    address, _, token = url.partition("#")
    return f"{address}{query}#{token}"


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[ScriptedMeeting]:
    scripted = ScriptedMeeting(live_server.url)
    yield scripted
    close_all(list(scripted.widgets.values()))


def open_stage(open_page: OpenPage, meeting: ScriptedMeeting, size: dict[str, int]) -> Page:
    page = open_page(size["width"], size["height"])
    page.goto(stage_url(meeting))
    page.wait_for_selector(LIVE)
    shows_version(page, meeting.version)
    return page


def assert_large_type(page: Page) -> None:
    sizes = page.evaluate(TEXT_SIZES)
    assert sizes, "the stage shows something"
    small = [(text, size) for text, size in sizes if size < BODY_TEXT_MIN_PX]
    assert not small, f"text under {BODY_TEXT_MIN_PX} px at 1920x1080: {small}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_stage_shows_the_meeting_in_large_type_as_it_moves(
    open_page: OpenPage, meeting: ScriptedMeeting
) -> None:
    page = open_stage(open_page, meeting, BIG_SCREEN)
    expect(page.locator("#set-name")).to_have_text("Ward leaders")
    expect(page.locator("#phase-name")).to_have_text("Opening")
    expect(page.locator("#timers .timer.primary")).to_contain_text("Meeting")
    expect(page.locator("#stage-queue-heading")).to_have_text("Bids for time")
    expect(page.locator("#stage-queue-list")).to_contain_text("Pat Presenter")
    expect(page.locator("#stage-queue-list")).to_contain_text("“Handing over a team I love”")
    assert_large_type(page)

    meeting.go_to("check_in")
    shows_version(page, meeting.version)
    expect(page.locator("#phase-name")).to_have_text("Check-in")
    expect(page.locator('#speakers [data-role="Speaking"]')).to_have_text("Mo Member")
    expect(page.locator('#speakers [data-role="Next"]')).not_to_have_text("—")
    expect(page.locator("#stage-queue-heading")).to_have_text("Speaking order")
    expect(page.locator("#stage-queue-list .current")).to_contain_text("Mo Member")
    expect(page.locator("#stage-queue-list .current")).to_contain_text("speaking now")
    meeting.send("member", "speaker_done")
    shows_version(page, meeting.version)
    mo = page.locator(f'#stage-queue-list [data-person="{meeting.ids["member"]}"]')
    expect(mo).to_contain_text("spoke")
    assert_large_type(page)

    meeting.go_to("clarifying")
    shows_version(page, meeting.version)
    expect(page.locator("#phase-name")).to_have_text("Work")
    expect(page.locator("#stage-name")).to_have_text("Clarifying questions")
    expect(page.locator('#speakers [data-role="Presenting"]')).to_have_text("Pat Presenter")
    expect(page.locator("#stage-queue-heading")).to_have_text("Raised hands")
    expect(page.locator("#stage-queue-list")).to_contain_text("Mo Member")
    expect(page.locator("#stage-queue-list")).to_contain_text("Ben Bidder")
    expect(page.locator('[data-count-for="pause"]')).to_have_text("2")
    expect(page.locator('[data-count-for="clarity"]')).to_have_text("0")
    expect(page.locator('#stage-signal-list [data-kind="time"]')).to_have_count(0)  # switched off
    meeting.send("facilitator", "start_timer", {"timer": "speaker", "seconds": 120})
    shows_version(page, meeting.version)
    expect(page.locator("#timers .timer.primary")).to_contain_text("Speaker")
    expect(page.locator("#timers .timer.primary .timer-value")).to_have_text("2:00")
    expect(page.locator("#timers .timer.primary .timer-value")).to_have_text("1:59")
    assert_large_type(page)
    page.evaluate("document.fonts.ready")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "stage-1920.png"))


class StageTour:
    """A stage page at each size, all open on one scripted meeting as it moves on."""

    def __init__(self, browser: Browser, meeting: ScriptedMeeting) -> None:
        self.meeting = meeting
        self.errors: list[str] = []
        self.contexts: list[BrowserContext] = []
        self.pages: dict[str, Page] = {}
        for name, (size, query) in SIZES.items():
            context = browser.new_context(viewport=size)
            self.contexts.append(context)
            page = context.new_page()
            page.on("pageerror", lambda error, at=name: self.errors.append(f"{at}: {error}"))
            page.goto(stage_url(meeting, query))
            self.pages[name] = page
        for page in self.pages.values():
            page.wait_for_selector(LIVE)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def stage_tour(browser: Browser, meeting: ScriptedMeeting) -> Iterator[StageTour]:
    tour = StageTour(browser, meeting)
    yield tour
    tour.close()


def test_the_stage_has_no_axe_violations_at_any_size_in_any_state(
    stage_tour: StageTour, axe_script: str
) -> None:
    report = ""
    for state in STATES:
        stage_tour.meeting.go_to(state)
        for name, page in stage_tour.pages.items():
            shows_version(page, stage_tour.meeting.version)
            report += axe_report(page, axe_script, f"the stage at {name} px, {state}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the stage scrolls sideways at {name} px, {state}"
    assert not stage_tour.errors, stage_tour.errors
    assert not report, f"axe-core found violations:{report}"


def widget_stage_card(open_page: OpenPage, meeting: ScriptedMeeting, **size: Any) -> Page:
    page = open_page(**size)
    page.goto(meeting.urls["facilitator"])
    page.wait_for_selector(LIVE)
    reveal(page, "#stage-card")
    return page


def test_the_facilitator_opens_the_stage_or_shows_its_qr_code_from_the_widget(
    open_page: OpenPage, meeting: ScriptedMeeting, axe_script: str
) -> None:
    page = widget_stage_card(open_page, meeting, width=1280, height=800)
    card = page.locator("#stage-card")
    expect(card).to_be_visible()
    expect(page.locator("#share-to-stage")).to_be_hidden()  # only in a Teams side panel
    link = page.get_by_role("link", name="Open the stage view")
    expect(link).to_have_attribute("href", re.compile(r"/stage#."))
    expect(link).to_have_attribute("target", "_blank")
    with page.context.expect_page() as opened:
        link.click()
    stage = opened.value
    stage.wait_for_selector(LIVE)
    expect(stage.locator("#phase-name")).to_have_text("Opening")

    page.get_by_role("button", name="Show its QR code").click()
    dialog = page.locator("#stage-qr-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#stage-qr-set-name")).to_have_text("Ward leaders")
    expect(page.locator("#stage-qr-link")).to_contain_text("/stage#")
    assert page.locator("#stage-qr-image").evaluate("(img) => img.naturalWidth > 0")
    report = axe_report(page, axe_script, "the stage view's QR code")
    assert not report, f"axe-core found violations:{report}"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Show its QR code")).to_be_focused()


def test_members_get_no_stage_card(open_page: OpenPage, meeting: ScriptedMeeting) -> None:
    page = open_page(1280, 800)
    page.goto(meeting.urls["member"])
    page.wait_for_selector(LIVE)
    shows_version(page, meeting.version)
    expect(page.locator("#stage-card")).to_be_hidden()
