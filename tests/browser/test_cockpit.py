"""The widget as a cockpit: what matters now is on the first screen, and pages stay short.

A facilitator steering a live meeting from a 280 px Teams panel, or a member on a phone who wants
to signal "pause" now, must not have to scroll for it. So for every role and every step of one
meeting, at the side panel's size and a phone's, this measures the elements' boxes against the
viewport: the "now" block (phase and step, who speaks, the timer) and the viewer's own next
actions must lie wholly inside the first screen, and the page must stay within its height budget
while every part of the widget can still be reached through its tabs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import ARTIFACTS, LIVE, SCREENSHOTS, axe_violations, shows_version
from tests.support import CommandedMeeting, ServerProcess, ask_to_join, close_all, create_set

PANEL = {"width": 280, "height": 800}
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"panel": PANEL, "phone": PHONE}
ROLES = ("facilitator", "co_facilitator", "member", "presenter", "observer")
STEPS = (
    "opening",
    "check_in",
    "bidding",
    "presenting",
    "clarifying",
    "open_questions",
    "actions",
    "closing_round",
    "learning_review",
    "closed",
)
WORK_STEPS = {"presenting", "clarifying", "open_questions", "actions"}
# Page height budgets at the side panel's size, in viewport heights.
HEIGHT_BUDGET = {"facilitator": 2.0, "co_facilitator": 2.0, "member": 1.5, "presenter": 1.5}


class WalkedMeeting(CommandedMeeting):
    """One meeting walked through every step. Mo connects first of the members, so Mo speaks
    first in the check-in; Pat bids and presents; Ben bids too; Cora co-facilitates; Olly
    observes. Everyone keeps a python client connected, so pages never change who is present."""

    def __init__(self, base_url: str) -> None:
        people = {
            "member": "Mo Member",
            "presenter": "Pat Presenter",
            "ben": "Ben Bidder",
            "co_facilitator": "Cora Cofacilitator",
            "observer": "Olly Observer",
        }
        self.seat(base_url, "Ward leaders", "Fay Facilitator", people)
        for role in ("co_facilitator", "observer"):
            self.send("facilitator", "set_role", {"participant_id": self.ids[role], "role": role})
        self.send("facilitator", "start_timer", {"timer": "meeting", "seconds": 90 * 60})
        self.step = "opening"

    def bid_of(self, role: str) -> str:
        return next(
            b["id"] for b in self.meeting()["bids"] if b["participant_id"] == self.ids[role]
        )

    def go_to(self, step: str) -> None:
        while self.step != step:
            self.step = STEPS[STEPS.index(self.step) + 1]
            getattr(self, f"_enter_{self.step}")()

    def _enter_check_in(self) -> None:
        self.send("facilitator", "advance_phase")

    def _enter_bidding(self) -> None:
        self.send("facilitator", "advance_phase")
        self.send("presenter", "place_bid", {"title": "Handing over a team I love", "minutes": 20})
        self.send("ben", "place_bid", {"title": "", "minutes": 15})

    def _enter_presenting(self) -> None:
        self.send("facilitator", "accept_bid", {"bid_id": self.bid_of("presenter")})
        self.send("facilitator", "advance_phase")

    def _enter_clarifying(self) -> None:
        self.send("facilitator", "advance_phase")
        self.send("member", "raise_hand")
        self.send("ben", "send_signal", {"kind": "pause"})

    def _enter_open_questions(self) -> None:
        self.send("facilitator", "advance_phase")

    def _enter_actions(self) -> None:
        self.send("presenter", "end_work")
        self.send("presenter", "add_action", {"text": "Ask Sam to shadow me for two weeks"})

    def _enter_closing_round(self) -> None:
        self.send("presenter", "end_work")

    def _enter_learning_review(self) -> None:
        self.send("facilitator", "go_to_phase", {"phase": "learning_review"})

    def _enter_closed(self) -> None:
        self.send("facilitator", "end_meeting")


def must_show(role: str, step: str) -> dict[str, str]:
    """The viewer's "now" block and their primary actions at ``step``, by what they are."""
    shown = {"the now block": "#now"}
    if role in ("facilitator", "co_facilitator"):
        if step != "opening":
            shown["back"] = '#steer-controls [data-command="previous_phase"]'
        if step != "closed":
            shown["next"] = '#steer-controls [data-command="advance_phase"]'
        if step == "closed":
            shown["the next meeting"] = '#steer-controls [data-key="next-meeting"]'
        else:
            shown["the key override"] = '#steer-controls [data-key="key-override"]'
    if role in ("member", "presenter") and step != "closed":
        presenting = role == "presenter" and step in WORK_STEPS | {"closing_round"}
        if not presenting:
            shown["the signals"] = "#signals"
    if role == "member" and step == "bidding":
        shown["a bid"] = '#bid-form button[type="submit"]'
    if role == "member" and step == "check_in":
        shown["I'm done"] = '#your-actions [data-command="speaker_done"]'
    if role == "presenter" and step in WORK_STEPS:
        shown["ending their work"] = '#your-actions [data-command="end_work"]'
    return shown


def outside_first_screen(page: Page, selector: str) -> str | None:
    """Why ``selector`` is not wholly on the first screen, or None when it is."""
    box = page.evaluate(
        """(selector) => {
          const element = document.querySelector(selector);
          if (!element) return null;
          const r = element.getBoundingClientRect();
          const hidden = !element.checkVisibility() || r.width === 0 || r.height === 0;
          return { top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, left: r.left,
                   right: r.right, hidden, width: innerWidth, height: innerHeight };
        }""",
        selector,
    )
    if box is None:
        return "missing"
    if box["hidden"]:
        return "hidden"
    inside = box["top"] >= 0 and box["left"] >= 0 and box["right"] <= box["width"] + 0.5
    if inside and box["bottom"] <= box["height"] + 0.5:
        return None
    return f"at {box['top']:.0f}-{box['bottom']:.0f} px of {box['height']} px"


def page_height(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


class Cockpit:
    """A page per role and viewport, all open on one meeting as it moves on."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []
        self.pages: dict[tuple[str, str], Page] = {}
        self.errors: list[str] = []
        self.finished: list[WalkedMeeting] = []
        sizes = {**VIEWPORTS, "desktop": DESKTOP}
        for role in ROLES:
            for size, viewport in sizes.items():
                options: dict[str, Any] = {"viewport": viewport}
                if size == "phone":
                    options |= {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
                context = browser.new_context(**options)
                self.contexts.append(context)
                page = context.new_page()
                page.on(
                    "pageerror", lambda error, at=(role, size): self.errors.append(f"{at}: {error}")
                )
                self.pages[role, size] = page
        self.meeting = self._open_meeting()

    def note(self, where: tuple[str, str], error: Exception) -> None:
        self.errors.append(f"{where}: {error}")

    def _open_meeting(self) -> WalkedMeeting:
        """A new meeting, every page open on it: a meeting only moves forward."""
        meeting = WalkedMeeting(self.base_url)
        self.finished.append(meeting)
        for (role, _), page in self.pages.items():
            page.goto(meeting.urls[role], wait_until="commit")
        for page in self.pages.values():
            expect(page.locator(LIVE)).to_be_attached()
        return meeting

    def at(self, step: str) -> None:
        if STEPS.index(step) < STEPS.index(self.meeting.step):
            self.meeting = self._open_meeting()
        self.meeting.go_to(step)
        for page in self.pages.values():
            shows_version(page, self.meeting.version)

    def keep_pictures(self, role: str, size: str, step: str) -> None:
        """What the failing page looked like, for whoever reads the failure."""
        ARTIFACTS.mkdir(exist_ok=True)
        self.pages[role, size].screenshot(
            path=ARTIFACTS / f"cockpit-{step}-{role}-{size}.png", full_page=True
        )

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        close_all([widget for meeting in self.finished for widget in meeting.widgets.values()])


@pytest.fixture(scope="module")
def cockpit(browser: Browser, live_server: ServerProcess) -> Iterator[Cockpit]:
    opened = Cockpit(browser, live_server.url)
    yield opened
    opened.close()


@pytest.mark.parametrize("step", STEPS)
def test_the_first_screen_holds_what_matters_now(cockpit: Cockpit, step: str) -> None:
    cockpit.at(step)
    problems = []
    for role in ROLES:
        for size in VIEWPORTS:
            page = cockpit.pages[role, size]
            for what, selector in must_show(role, step).items():
                if (why := outside_first_screen(page, selector)) is not None:
                    problems.append(f"{role} at {size}: {what} ({selector}) is {why}")
                    cockpit.keep_pictures(role, size, step)
    assert not problems, "\n".join(problems)
    assert not cockpit.errors, cockpit.errors


@pytest.mark.parametrize("step", STEPS)
def test_pages_stay_short_at_the_side_panels_size(cockpit: Cockpit, step: str) -> None:
    cockpit.at(step)
    heights = {role: page_height(cockpit.pages[role, "panel"]) for role in HEIGHT_BUDGET}
    over = {
        role: f"{height} px, {height / PANEL['height']:.2f} screens"
        for role, height in heights.items()
        if height > HEIGHT_BUDGET[role] * PANEL["height"]
    }
    for role in over:
        cockpit.keep_pictures(role, "panel", step)
    assert not over, over


@pytest.mark.parametrize("step", STEPS)
def test_every_view_has_no_axe_violation_at_each_size(
    cockpit: Cockpit, axe_script: str, step: str
) -> None:
    cockpit.at(step)
    found = [
        f"{role} at {size}: {v['id']}: {v['help']} {v['nodes']}"
        for (role, size), page in cockpit.pages.items()
        for v in axe_violations(page, axe_script)
    ]
    assert not found, "\n".join(found)


def test_pictures_of_each_role_at_each_size_for_the_docs(cockpit: Cockpit) -> None:
    """docs/screenshots/cockpit-<role>-<size>.png: each view during the clarifying questions."""
    cockpit.at("clarifying")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for (role, size), page in cockpit.pages.items():
        page.evaluate("window.scrollTo(0, 0)")
        path = SCREENSHOTS / f"cockpit-{role}-{size}.png"
        page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 10_000, f"{path} is nearly empty"


# --- Tabs: every part of the widget within reach, and the choice kept -------------------------


@pytest.fixture
def small_meeting(live_server: ServerProcess) -> Iterator[CommandedMeeting]:
    meeting = CommandedMeeting()
    meeting.seat(live_server.url, "Ward leaders", "Fay Facilitator", {"member": "Mo Member"})
    yield meeting
    close_all(list(meeting.widgets.values()))


def open_at(browser: Browser, url: str, viewport: dict[str, int]) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(url)
    expect(page.locator(LIVE)).to_be_attached()
    return context, page


# Each tab, and what it holds, for whom.
PANELS = {
    "facilitator": {
        "Now": "#you-card",
        "Set": "#participants",
        "Console": "#go-form",
        "You": "#your-data-box",
    },
    "member": {"Now": "#you-card", "Set": "#participants", "You": "#your-data-box"},
}


@pytest.mark.parametrize("role", PANELS)
def test_in_a_side_panel_every_part_is_one_tab_away(
    browser: Browser, small_meeting: CommandedMeeting, axe_script: str, role: str
) -> None:
    context, page = open_at(browser, small_meeting.urls[role], PANEL)
    try:
        tabs = page.get_by_role("tablist").get_by_role("tab")
        expect(tabs).to_have_text(list(PANELS[role]))
        for name, inside in PANELS[role].items():
            page.get_by_role("tab", name=name).click()
            expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")
            expect(page.locator(inside)).to_be_visible()
            others = [held for other, held in PANELS[role].items() if other != name]
            for held in others:
                expect(page.locator(held)).to_be_hidden()
            assert not axe_violations(page, axe_script), f"the {name} tab"
        expect(page.locator("#now")).to_be_visible()  # above the tabs, whichever is open
    finally:
        context.close()


def test_tabs_answer_the_arrow_keys(browser: Browser, small_meeting: CommandedMeeting) -> None:
    context, page = open_at(browser, small_meeting.urls["facilitator"], PANEL)
    try:
        page.get_by_role("tab", name="Now").focus()
        page.keyboard.press("ArrowRight")
        expect(page.get_by_role("tab", name="Set")).to_be_focused()
        expect(page.locator("#participants")).to_be_visible()
        page.keyboard.press("End")
        expect(page.get_by_role("tab", name="You")).to_be_focused()
        page.keyboard.press("ArrowRight")
        expect(page.get_by_role("tab", name="Now")).to_be_focused()
        expect(page.locator("#you-card")).to_be_visible()
    finally:
        context.close()


def test_the_open_tab_and_disclosures_stay_as_they_were(
    browser: Browser, small_meeting: CommandedMeeting
) -> None:
    context, page = open_at(browser, small_meeting.urls["facilitator"], PANEL)
    try:
        page.get_by_role("tab", name="Set").click()
        page.locator("#lobby-settings summary").click()
        expect(page.locator("#lobby-settings")).to_have_attribute("open", "")

        shows_version(page, small_meeting.send("facilitator", "advance_phase"))  # a re-render
        context.set_offline(True)
        expect(page.locator("#connection")).not_to_have_attribute("data-state", "live")
        context.set_offline(False)
        expect(page.locator(LIVE)).to_be_attached()  # reconnected
        shows_version(page, small_meeting.send("facilitator", "advance_phase"))
        expect(page.get_by_role("tab", name="Set")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#participants")).to_be_visible()
        expect(page.locator("#lobby-settings")).to_have_attribute("open", "")

        page.reload()
        expect(page.locator(LIVE)).to_be_attached()
        expect(page.get_by_role("tab", name="Set")).to_have_attribute("aria-selected", "true")
    finally:
        context.close()


def test_a_desktop_shows_every_panel_and_no_tabs(
    browser: Browser, small_meeting: CommandedMeeting
) -> None:
    context, page = open_at(browser, small_meeting.urls["facilitator"], DESKTOP)
    try:
        expect(page.locator("#tabs")).to_be_hidden()
        for inside in PANELS["facilitator"].values():
            expect(page.locator(inside)).to_be_visible()
        assert page.locator('[role="tabpanel"]').count() == 0, "plain regions, not tab panels"
    finally:
        context.close()


def test_a_facilitator_is_shown_who_waits_from_the_first_screen(
    browser: Browser, live_server: ServerProcess
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay", admission="ask")
    context, page = open_at(browser, created["facilitator_url"], PANEL)
    try:
        ask_to_join(live_server.url, created["invite_token"], "Nia Newcomer")
        notice = page.get_by_role("button", name="1 person is waiting to join")
        expect(notice).to_be_visible()
        expect(page.get_by_role("tab", name="Set (1 waiting)")).to_be_visible()
        notice.click()
        expect(page.get_by_role("tab", name="Set (1 waiting)")).to_have_attribute(
            "aria-selected", "true"
        )
        expect(page.locator("#lobby-waiting")).to_contain_text("Nia Newcomer")
    finally:
        context.close()


def test_the_keyboard_shortcuts_are_listed_from_a_button_too(
    browser: Browser, small_meeting: CommandedMeeting
) -> None:
    context, page = open_at(browser, small_meeting.urls["member"], PANEL)
    try:
        page.get_by_role("tab", name="You").click()
        button = page.get_by_role("button", name="Show the keyboard shortcuts")
        button.click()
        listing = page.get_by_role("dialog")
        expect(listing).to_be_visible()
        expect(listing).to_contain_text("Pause, please")  # a member's signal keys
        page.keyboard.press("Escape")
        expect(listing).to_be_hidden()
        expect(button).to_be_focused()
    finally:
        context.close()
