"""Layout of the widget where it is used: a 280 px Teams side panel, a phone, a desktop.

The widget sits beside a video call, often in a narrow panel or on a phone held in one hand, so a
busy meeting (long names, long bid titles, a queue of hands, signals, the facilitator's timers)
must never make the page scroll sideways, every control must be big enough to touch, the themes
Teams and the OS ask for must apply, and a desktop must use its width for a second column.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    DESKTOP,
    LIVE,
    PHONE,
    SIDE_PANEL,
    OpenPage,
    each_tab,
)
from tests.support import (
    CommandedMeeting,
    ServerProcess,
    close_all,
)

# Names at the 40-character limit, with and without places to break a line, and long bid titles.
SET_NAME = "Ward leaders of the North-East regional hospitals network, cohort 2026"
FACILITATOR = "Fatima Abernathy-Oyelaran Kowalczykowska"
MEMBERS = {
    "member": "Maximilian Bartholomew Featherstonehaugh",
    "presenter": "alexandra.featherstonehaugh@example.org",
    "zoe": "Zoë Ó Súilleabháin-Wolfeschlegelsteinhau",
    "sam": "Samuel Venkataraghavan-Oppenheimer Jnr.",
}
BIDS = {
    "presenter": "Handing over a team I love to a successor I did not choose, without losing the "
    "trust we have built over six years",
    "member": "Rota planning after https://intranet.example.org/operations/rota-planning-2026",
    "zoe": "Supercalifragilisticexpialidocious-ly difficult conversations with my director",
    "sam": "",
}
# Signals count for this long here; a page opened later than SIGNALS_STILL_COUNTING_S after they
# were sent clears them and sends them again (a person's signal counts once until it fades).
SIGNAL_WINDOW_S = 600
SIGNALS_STILL_COUNTING_S = SIGNAL_WINDOW_S - 60


class BusyMeeting(CommandedMeeting):
    """Clarifying questions in a crowded meeting: four bids (one presenting, one accepted, one
    pending, one declined), three hands up, signals of several kinds counting, and four timers
    (one paused) in the facilitator's console."""

    def __init__(self, base_url: str) -> None:
        self.seat(base_url, SET_NAME, FACILITATOR, MEMBERS)
        self.send("facilitator", "advance_phase")  # check-in
        self.send("facilitator", "advance_phase")  # bidding
        for role, title in BIDS.items():
            self.send(role, "place_bid", {"title": title, "minutes": 25})
        bids = {b["participant_id"]: b["id"] for b in self.meeting()["bids"]}
        self.send("facilitator", "accept_bid", {"bid_id": bids[self.ids["presenter"]]})
        self.send("facilitator", "accept_bid", {"bid_id": bids[self.ids["sam"]]})
        self.send("facilitator", "decline_bid", {"bid_id": bids[self.ids["zoe"]]})
        self.send("facilitator", "advance_phase")  # work: the presenter presents
        self.send("facilitator", "advance_phase")  # clarifying questions
        for role in ("member", "zoe", "sam"):
            self.send(role, "raise_hand")
        self.send("facilitator", "set_signal_window", {"seconds": SIGNAL_WINDOW_S})
        self.signalled_at: float | None = None
        self.signal()
        for timer, minutes in (("speaker", 3), ("phase", 40), ("silence", 1)):
            self.send("facilitator", "start_timer", {"timer": timer, "seconds": minutes * 60})
        self.send("facilitator", "pause_timer", {"timer": "phase"})

    def signal(self) -> None:
        """Signals of three kinds; they fade, so they are cleared and sent again when old."""
        if self.signalled_at is not None:
            self.send("facilitator", "clear_signals")
        for role, kind in (("member", "pause"), ("zoe", "pause"), ("sam", "clarity")):
            self.send(role, "send_signal", {"kind": kind})
        self.send("zoe", "send_signal", {"kind": "time"})
        self.signalled_at = time.monotonic()

    def open(self, page: Page, role: str, query: str = "") -> Page:
        """The person's widget, showing this meeting with its folded prompts opened."""
        if time.monotonic() - (self.signalled_at or 0) > SIGNALS_STILL_COUNTING_S:
            self.signal()
        address, _, token = self.urls[role].partition("#")
        page.goto(f"{address}{query}#{token}")
        expect(page.locator(LIVE)).to_be_attached()
        page.wait_for_function(
            "(v) => Number(document.body.dataset.version || 0) >= v", arg=self.version
        )
        details = "#framing" if role == "presenter" else "#question-prompts"
        page.locator(f"{details} > summary").click()
        expect(page.locator(details)).to_have_attribute("open", "")
        return page


@pytest.fixture(scope="module")
def busy(live_server: ServerProcess) -> Iterator[BusyMeeting]:
    """One crowded meeting for every layout check: tests only look at it (its signals, which
    fade, are sent again), so building it once keeps the file fast."""
    meeting = BusyMeeting(live_server.url)
    yield meeting
    close_all(list(meeting.widgets.values()))


def assert_busy(page: Page, role: str) -> None:
    """The view really is crowded, so a clean layout result means something."""
    expect(page.locator("#bids .person")).to_have_count(4)
    # The presenter follows the hands from the now block; the list is for everyone else.
    expect(page.locator("#hands .person")).to_have_count(0 if role == "presenter" else 3)
    expect(page.locator("#signals .signal.active")).to_have_count(3)
    if role == "facilitator":
        expect(page.locator("#timer-controls .timer-row")).to_have_count(4)
        # On its own tab in a narrow widget: counted whether that tab is open or not.
        expect(page.locator('button[aria-label="Resume: work time timer"]')).to_have_count(1)


# --- 1. No sideways scrolling ------------------------------------------------------------------

OVERFLOW = """(limit) => {
    const describe = (e) => {
        const id = e.id ? "#" + e.id : "";
        const cls = typeof e.className === "string" && e.className
            ? "." + e.className.trim().split(/\\s+/).join(".") : "";
        const text = (e.getAttribute("aria-label") || e.textContent || "").trim().slice(0, 60);
        return `${e.tagName.toLowerCase()}${id}${cls} "${text}"`;
    };
    const shown = (e) => {
        const style = getComputedStyle(e);
        return style.visibility !== "hidden" && style.display !== "none";
    };
    // How far right something inside ``e`` can be seen: an ancestor that clips its overflow
    // (a visually hidden label, say) hides whatever lies beyond its own right edge.
    const visibleRight = (e, right) => {
        for (let a = e; a && a !== document.documentElement; a = a.parentElement) {
            const style = getComputedStyle(a);
            if (style.overflowX !== "visible" || style.clip !== "auto") {
                right = Math.min(right, a.getBoundingClientRect().right);
            }
        }
        return right;
    };
    const past = [];
    for (const e of document.querySelectorAll("body *")) {
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || !shown(e)) continue;
        const right = e.parentElement ? visibleRight(e.parentElement, r.right) : r.right;
        if (right > limit + 0.5) {
            past.push(`${describe(e)}: left ${r.left.toFixed(1)}, right ${right.toFixed(1)}, ` +
                `width ${r.width.toFixed(1)}`);
        }
    }
    // Text can spill out of a box that itself fits: look at each run of text too.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!node.textContent.trim() || !parent || !shown(parent)) continue;
        range.selectNodeContents(node);
        const right = Math.max(0, ...[...range.getClientRects()].map((r) => r.right));
        if (visibleRight(parent, right) > limit + 0.5) {
            past.push(`the text "${node.textContent.trim().slice(0, 60)}" of ` +
                `${describe(parent)}: right ${right.toFixed(1)}, while its box is ` +
                `${parent.getBoundingClientRect().width.toFixed(1)} wide`);
        }
    }
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        past,
    };
}"""

SIZES: dict[str, dict[str, Any]] = {
    "side-panel": {"width": SIDE_PANEL["width"], "height": SIDE_PANEL["height"]},
    "phone": {"phone": True},
    "desktop": {"width": DESKTOP["width"], "height": DESKTOP["height"]},
}
SIZE_WIDTH = {
    "side-panel": SIDE_PANEL["width"],
    "phone": PHONE["width"],
    "desktop": DESKTOP["width"],
}


@pytest.mark.parametrize("role", ["facilitator", "member", "presenter"])
@pytest.mark.parametrize("size", SIZES)
def test_a_busy_meeting_never_scrolls_sideways(
    busy: BusyMeeting, open_page: OpenPage, size: str, role: str
) -> None:
    page = busy.open(open_page(**SIZES[size]), role)
    assert_busy(page, role)
    width = SIZE_WIDTH[size]
    for tab in each_tab(page):
        assert_no_sideways_scrolling(page, width, f"the {role}'s view at {size}, {tab} tab")


def assert_no_sideways_scrolling(page: Page, width: int, where: str) -> None:
    layout = page.evaluate(OVERFLOW, width)
    problems = [
        *(
            [f"the page was zoomed out to fit its content: innerWidth {layout['innerWidth']}"]
            if layout["innerWidth"] != width
            else []
        ),
        *(
            [f"the page scrolls sideways: scrollWidth {layout['scrollWidth']}"]
            if layout["scrollWidth"] > width
            else []
        ),
        *(f"past the right edge: {where}" for where in layout["past"]),
    ]
    assert not problems, f"{where} ({width} px):\n" + "\n".join(problems)


# --- 2. Touch targets --------------------------------------------------------------------------

SMALL_TARGETS = """() => {
    const small = [];
    for (const e of document.querySelectorAll("button, a[href], input, select, summary")) {
        const r = e.getBoundingClientRect();
        const style = getComputedStyle(e);
        if (r.width === 0 || r.height === 0 || style.visibility === "hidden") continue;
        if (e.closest(".visually-hidden")) continue;
        if (r.width < 44 || r.height < 44) {
            const text = (e.getAttribute("aria-label") || e.textContent || e.id || e.name || "")
                .trim().slice(0, 50);
            small.push(`${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""} "${text}": ` +
                `${r.width.toFixed(1)} x ${r.height.toFixed(1)}`);
        }
    }
    return small;
}"""


def assert_touch_targets(page: Page, where: str) -> int:
    """Every visible control is at least 44x44 CSS px; returns how many were measured."""
    small = page.evaluate(SMALL_TARGETS)
    assert not small, f"controls smaller than 44x44 CSS px on {where}:\n" + "\n".join(small)
    return page.locator("button:visible, a[href]:visible, input:visible, select:visible").count()


@pytest.mark.parametrize("role", ["facilitator", "member", "presenter"])
def test_every_control_of_a_busy_meeting_is_big_enough_to_touch_on_a_phone(
    busy: BusyMeeting, open_page: OpenPage, role: str
) -> None:
    page = busy.open(open_page(phone=True), role)
    assert_busy(page, role)
    measured = sum(
        assert_touch_targets(page, f"the {role}'s phone, {tab}") for tab in each_tab(page)
    )
    assert measured >= 8


def test_every_control_of_the_start_and_join_pages_is_big_enough_to_touch_on_a_phone(
    live_server: ServerProcess, open_page: OpenPage
) -> None:
    page = open_page(phone=True)
    page.goto(f"{live_server.url}/")
    assert_touch_targets(page, "the start page's form")
    page.get_by_label("Name of the set").fill(SET_NAME)
    page.get_by_label("Your name (you will facilitate)").fill(FACILITATOR)
    page.get_by_role("button", name="Create the set and start").click()
    expect(page.get_by_role("heading", name="Your meeting is ready")).to_be_visible()
    assert_touch_targets(page, "the start page's 'Your meeting is ready'")

    invite_url = page.get_by_label("Member invite link").input_value()
    page.goto(invite_url)
    expect(page.locator("#join-form")).to_be_visible()
    assert_touch_targets(page, "the join page's form")
    page.get_by_label("Your name, as the set will see it").fill(MEMBERS["member"])
    page.get_by_role("button", name="Join the meeting").click()
    expect(page.locator(LIVE)).to_be_attached()
    page.goto(invite_url)
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    assert_touch_targets(page, "the join page's 'Welcome back'")


# --- 3. Themes ---------------------------------------------------------------------------------

BACKGROUND = "() => getComputedStyle(document.body).backgroundColor"


def themed_background(
    busy: BusyMeeting, open_page: OpenPage, query: str, **os_preference: Any
) -> tuple[str | None, str]:
    """The <html> data-theme and the body's background, for a member's widget so themed."""
    page = open_page(**SIDE_PANEL, **os_preference)
    address, _, token = busy.urls["member"].partition("#")
    page.goto(f"{address}{query}#{token}")
    expect(page.locator(LIVE)).to_be_attached()
    return page.locator("html").get_attribute("data-theme"), page.evaluate(BACKGROUND)


def test_a_theme_in_the_query_sets_data_theme_and_changes_the_background(
    busy: BusyMeeting, open_page: OpenPage
) -> None:
    default = themed_background(busy, open_page, "")
    light = themed_background(busy, open_page, "?theme=light")
    dark = themed_background(busy, open_page, "?theme=dark")
    contrast = themed_background(busy, open_page, "?theme=contrast")
    assert default[0] is None
    assert (light[0], dark[0], contrast[0]) == ("light", "dark", "contrast")
    assert light[1] == default[1]
    assert len({default[1], dark[1], contrast[1]}) == 3, (default, dark, contrast)
    assert contrast[1] == "rgb(0, 0, 0)"


def test_the_os_preference_themes_the_widget_unless_the_query_says_otherwise(
    busy: BusyMeeting, open_page: OpenPage
) -> None:
    light = themed_background(busy, open_page, "")[1]
    dark = themed_background(busy, open_page, "?theme=dark")[1]
    contrast = themed_background(busy, open_page, "?theme=contrast")[1]
    assert themed_background(busy, open_page, "", color_scheme="dark") == (None, dark)
    assert themed_background(busy, open_page, "", contrast="more") == (None, contrast)
    # Teams' explicit choice wins over the OS.
    assert themed_background(busy, open_page, "?theme=light", color_scheme="dark") == (
        "light",
        light,
    )
    assert themed_background(busy, open_page, "?theme=dark", contrast="more") == ("dark", dark)


# --- 4. Two columns on a desktop ---------------------------------------------------------------


def test_on_a_desktop_the_facilitator_console_sits_beside_the_meeting(
    busy: BusyMeeting, open_page: OpenPage
) -> None:
    page = busy.open(open_page(**DESKTOP), "facilitator")
    now = page.locator("#now").bounding_box()
    console = page.locator("#console").bounding_box()
    assert now and console, "both the Now card and the console are shown"
    assert console["x"] >= now["x"] + now["width"], (
        f"the console (left {console['x']}) is not to the right of the Now card "
        f"(right {now['x'] + now['width']})"
    )
    assert console["y"] < now["y"] + now["height"], "the console starts beside the Now card"
    expect(page.locator("html")).not_to_have_attribute("data-theme", re.compile(".*"))
