"""Accessibility of every page and view: axe-core in every theme, the keyboard, and announcements.

The widget is used beside a video call by people who may rely on a screen reader, a keyboard or a
high-contrast theme, so each view a person can reach is checked the way they would meet it: with
axe-core (WCAG rules, colour contrast per theme), by keyboard alone (Tab, Enter, Space, with a
visible focus ring that survives other people's changes), and through the live region that speaks
the meeting's changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    DESKTOP,
    LIVE,
    PHONE,
    SIDE_PANEL,
    OpenPage,
    axe_violations,
    reveal,
    shows_version,
)
from tests.support import (
    CommandedMeeting,
    ServerProcess,
    close_all,
    create_set,
    join_set,
)

# How each theme is chosen: a query string (as Teams sets it) or the OS preference, emulated. Each
# theme is looked at in a different one of the widget's sizes, so the sizes are covered too.
THEMES: dict[str, tuple[str, dict[str, Any]]] = {
    "light": ("?theme=light", {"viewport": DESKTOP}),
    "dark": ("?theme=dark", {"viewport": SIDE_PANEL}),
    "contrast": ("?theme=contrast", {"viewport": PHONE}),
    "os-dark": ("", {"viewport": SIDE_PANEL, "color_scheme": "dark"}),
    "os-contrast": ("", {"viewport": PHONE, "contrast": "more"}),
}
ROLES = ("facilitator", "member", "presenter", "observer")
# The meeting states checked, in the order one meeting passes through them.
STATES = (
    "opening",
    "check_in",
    "clarifying",
    "actions",
    "closing_round",
    "learning_review",
    "closed",
)

PHASE_OF = {
    "opening": "opening",
    "check_in": "check_in",
    "clarifying": "work",
    "actions": "work",
    "closing_round": "closing_round",
    "learning_review": "learning_review",
    "closed": "closed",
}


def with_query(url: str, query: str) -> str:
    """``http://host/w#token`` with ``?theme=...`` put before the fragment."""
    address, _, fragment = url.partition("#")
    return f"{address}{query}#{fragment}"


def axe_report(page: Page, axe_script: str, where: str) -> str:
    """axe-core's violations on the page as one readable block, empty when there are none."""
    return "".join(
        f"\n{where}: {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in axe_violations(page, axe_script)
    )


# --- One meeting walked through its states, with a page per role and theme open on it ---------


class ScriptedMeeting(CommandedMeeting):
    """A meeting driven by python clients, one per person, from the opening to its close.

    Every person keeps a python client connected, so browser pages coming and going never change
    who is present (and so never change a round's speaker). Mo connects first among the members,
    so Mo speaks first in the check-in; Pat presents; Ben raises a hand, signals and bids; Olly
    observes. During the questions Mo signals as Ben did, which makes "several" for Fay, and Fay
    switches one kind of signal off.
    """

    def __init__(self, base_url: str) -> None:
        people = {
            "member": "Mo Member",
            "presenter": "Pat Presenter",
            "ben": "Ben Bidder",
            "observer": "Olly Observer",
        }
        self.seat(base_url, "Ward leaders", "Fay Facilitator", people)
        observer = {"participant_id": self.ids["observer"], "role": "observer"}
        self.version = self.send("facilitator", "set_role", observer)
        self.state = "opening"
        self.send("presenter", "place_bid", {"title": "Handing over a team I love", "minutes": 20})
        self.send("ben", "place_bid", {"title": "", "minutes": 15})

    def bid_of(self, role: str) -> str:
        return next(
            b["id"] for b in self.meeting()["bids"] if b["participant_id"] == self.ids[role]
        )

    def go_to(self, state: str) -> None:
        """Walk forward, one state at a time, until the meeting is in ``state``."""
        assert STATES.index(state) >= STATES.index(self.state), "meetings only move forward"
        while self.state != state:
            self.state = STATES[STATES.index(self.state) + 1]
            getattr(self, f"_enter_{self.state}")()

    def _enter_check_in(self) -> None:
        self.send("facilitator", "advance_phase")

    def start_questions(self) -> None:
        """From the check-in to Pat's clarifying questions, with no hand up yet."""
        self.send("facilitator", "advance_phase")  # bidding
        self.send("facilitator", "accept_bid", {"bid_id": self.bid_of("presenter")})
        self.send("facilitator", "advance_phase")  # work: Pat presents
        self.send("facilitator", "advance_phase")  # clarifying questions

    def _enter_clarifying(self) -> None:
        self.start_questions()
        self.send("member", "raise_hand")
        self.send("ben", "raise_hand")
        self.send("ben", "send_signal", {"kind": "pause"})
        self.send("member", "send_signal", {"kind": "pause"})
        self.send("facilitator", "switch_signal", {"kind": "time", "on": False})

    def _enter_actions(self) -> None:
        self.send("presenter", "end_work")
        self.send("presenter", "add_action", {"text": "Ask Sam to shadow me for two weeks"})

    def _enter_closing_round(self) -> None:
        self.send("presenter", "end_work")

    def _enter_learning_review(self) -> None:
        self.send("facilitator", "go_to_phase", {"phase": "learning_review"})
        self.send("member", "add_learning", {"text": "Ask before I fix"})

    def _enter_closed(self) -> None:
        self.send("facilitator", "end_meeting")


# What each view must show in each state, so axe is run on the state it claims to check.
SHOWN: dict[str, dict[str, str]] = {
    "opening": {
        "facilitator": "#steer-controls >> text=Next step",
        "member": "#bid-box[open] #bid-form",
        "presenter": "#bid-actions >> text=Withdraw my bid",
        "observer": "#your-places >> text=You are observing",
    },
    "check_in": {
        "facilitator": "#speaking-order >> text=Mo Member",
        "member": "#your-turn >> text=It's your turn to speak.",
        "presenter": "#your-places >> text=You speak 2nd",
        "observer": "#speakers >> text=Mo Member",
    },
    "clarifying": {
        "facilitator": '#signals [data-kind="pause"][data-state="several"]',
        "member": "#your-actions >> text=Lower my hand",
        "presenter": "#framing[open] >> text=Questions to frame your issue",
        "observer": "#hands >> text=Ben Bidder",
    },
    "actions": {
        "facilitator": "#named-actions >> text=Ask Sam to shadow me",
        "member": "#named-actions >> text=Ask Sam to shadow me",
        "presenter": "#my-actions >> text=Ask Sam to shadow me",
        "observer": "#stage-name >> text=Actions",
    },
    "closing_round": {
        "facilitator": "#round-card >> text=Speaking order",
        "member": "#your-turn >> text=It's your turn to speak.",
        "presenter": "#my-actions >> text=Ask Sam to shadow me",
        "observer": "#work-summary >> text=Closing round for Pat Presenter",
    },
    "learning_review": {
        "facilitator": "#learnings-heading >> text=Your key learnings",
        "member": "#learning-list >> text=Ask before I fix",
        "presenter": "#learning-form",
        "observer": "#phase-name >> text=Learning review",
    },
    "closed": {
        "facilitator": "#steer-controls >> text=Start the next meeting",
        "member": "#summary-presenters >> text=Pat Presenter",
        "presenter": "#summary-presenters >> text=Ask Sam to shadow me",
        "observer": "#summary-card >> text=Meeting summary",
    },
}

# The <details> each person opens on entering a state: the bid form, the question prompts, the
# presenter's framing prompts.
OPENED: dict[str, dict[str, tuple[str, ...]]] = {
    "opening": {"member": ("#bid-box",), "facilitator": ("#contract-editor",)},
    "clarifying": {
        "facilitator": ("#question-prompts", "#signal-settings"),
        "member": ("#question-prompts",),
        "presenter": ("#framing",),
    },
    "closed": {"member": ("#your-data-box",)},
}


class AxeTour:
    """A page per role in each theme, all open on one scripted meeting as it moves on.

    Opening twenty pages once and letting the meeting move under them keeps the whole matrix to a
    few seconds per state; it also reaches the closed state, which a page opened afterwards could
    not see (a closed meeting refuses new connections).
    """

    def __init__(self, browser: Browser, base_url: str, finished: list[ScriptedMeeting]) -> None:
        self.base_url = base_url
        self.finished = finished
        self.opened: set[str] = set()  # the states whose disclosures have been opened
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []
        self.pages: dict[tuple[str, str], Page] = {}
        for theme, (_, options) in THEMES.items():
            for role in ROLES:
                # A context of its own each: a page in the background of a shared one is slowed.
                context = browser.new_context(**options)
                self.contexts.append(context)
                page = context.new_page()
                page.on(
                    "pageerror",
                    lambda error, at=(role, theme): self.errors.append(f"{at}: {error}"),
                )
                self.pages[role, theme] = page
        self.meeting = self._open_meeting()

    def _open_meeting(self) -> ScriptedMeeting:
        meeting = ScriptedMeeting(self.base_url)
        self.finished.append(meeting)
        self.opened.clear()
        for (role, theme), page in self.pages.items():
            # Only the navigation is awaited here, so the twenty pages load side by side.
            page.goto(with_query(meeting.urls[role], THEMES[theme][0]), wait_until="commit")
        for page in self.pages.values():
            expect(page.locator(LIVE)).to_be_attached()
        return meeting

    def at(self, state: str) -> ScriptedMeeting:
        """The meeting in ``state``, every page showing it; a fresh one if this one is past it."""
        if STATES.index(state) < STATES.index(self.meeting.state):
            self.meeting = self._open_meeting()
        self.meeting.go_to(state)
        for page in self.pages.values():
            shows_version(page, self.meeting.version)
        if state not in self.opened:
            self.opened.add(state)
            self._open_disclosures(state)
        return self.meeting

    def _open_disclosures(self, state: str) -> None:
        """Open the folded parts a person would open in this state, so axe sees them too."""
        for (role, _), page in self.pages.items():
            for details in OPENED.get(state, {}).get(role, ()):
                reveal(page, details)
                page.locator(f"{details} > summary").click()
                expect(page.locator(details)).to_have_attribute("open", "")
            if page.locator("#tab-now").is_visible():
                page.locator("#tab-now").click()  # back to the meeting, whose views come next

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="module")
def finished_meetings() -> Iterator[list[ScriptedMeeting]]:
    """Meetings whose python clients are closed together at the end: each close waits up to
    3 s for the server's close handshake, which would otherwise be paid once per test."""
    meetings: list[ScriptedMeeting] = []
    yield meetings
    close_all([widget for meeting in meetings for widget in meeting.widgets.values()])


@pytest.fixture(scope="module")
def tour(
    browser: Browser, live_server: ServerProcess, finished_meetings: list[ScriptedMeeting]
) -> Iterator[AxeTour]:
    """Shared by the whole state-by-theme matrix: building it is the slow part, checking is not."""
    tour = AxeTour(browser, live_server.url, finished_meetings)
    yield tour
    tour.close()


def assert_theme_applied(page: Page, theme: str) -> None:
    """A ?theme= page carries it on <html>; an OS-chosen theme leaves <html> without one."""
    query = THEMES[theme][0]
    html = page.locator("html")
    if query:
        expect(html).to_have_attribute("data-theme", query.removeprefix("?theme="))
    else:
        expect(html).not_to_have_attribute("data-theme", re.compile(".*"))


@pytest.mark.parametrize(("state", "theme"), [(s, t) for s in STATES for t in THEMES])
def test_every_widget_view_has_no_axe_violations(
    tour: AxeTour, axe_script: str, state: str, theme: str
) -> None:
    tour.at(state)
    report = ""
    for role in ROLES:
        page = tour.pages[role, theme]
        assert_theme_applied(page, theme)
        expect(page.locator("body")).to_have_attribute("data-phase", PHASE_OF[state])
        expect(page.locator(SHOWN[state][role]).first).to_be_visible()
        report += axe_report(page, axe_script, f"the {role}'s widget, {state}, {theme} theme")
    assert not tour.errors, tour.errors
    assert not report, f"axe-core found violations:{report}"


# --- The start and join pages, in every theme --------------------------------------------------


def open_themed(open_page: OpenPage, theme: str) -> Page:
    """A page in its own context, at the theme's size, with the theme's OS preference."""
    options = dict(THEMES[theme][1])
    viewport = options.pop("viewport")
    return open_page(viewport["width"], viewport["height"], **options)


@pytest.mark.parametrize("theme", THEMES)
def test_the_start_page_has_no_axe_violations_before_and_after_creating_a_set(
    live_server: ServerProcess, open_page: OpenPage, axe_script: str, theme: str
) -> None:
    page = open_themed(open_page, theme)
    page.goto(f"{live_server.url}/{THEMES[theme][0]}")
    assert_theme_applied(page, theme)
    expect(page.get_by_role("button", name="Create the set and start")).to_be_visible()
    report = axe_report(page, axe_script, f"the start page's form, {theme} theme")

    page.get_by_label("Name of the set").fill("Ward leaders")
    page.get_by_label("Your name (you will facilitate)").fill("Fay Facilitator")
    page.get_by_role("button", name="Create the set and start").click()
    expect(page.get_by_role("heading", name="Your meeting is ready")).to_be_focused()
    expect(page.get_by_role("link", name="Open the meeting")).to_have_attribute(
        "href", re.compile(re.escape(f"/w{THEMES[theme][0]}#"))
    )
    report += axe_report(page, axe_script, f"the start page's 'Your meeting is ready', {theme}")
    assert not report, f"axe-core found violations:{report}"


@pytest.mark.parametrize("theme", THEMES)
def test_the_join_page_has_no_axe_violations_as_a_form_and_as_welcome_back(
    live_server: ServerProcess, open_page: OpenPage, axe_script: str, theme: str
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay Facilitator")
    joined = join_set(live_server.url, created["invite_token"], "Mo Member")
    query = THEMES[theme][0]
    page = open_themed(open_page, theme)
    page.goto(with_query(created["invite_url"], query))
    assert_theme_applied(page, theme)
    expect(page.get_by_label("Your name, as the set will see it")).to_be_visible()
    report = axe_report(page, axe_script, f"the join page's form, {theme} theme")

    # Having opened Mo's widget, this browser is offered to continue as Mo.
    page.goto(with_query(joined["widget_url"], query))
    expect(page.locator(LIVE)).to_be_attached()
    page.goto(with_query(created["invite_url"], query))
    expect(page.get_by_role("heading", name="Welcome back")).to_be_focused()
    expect(page.get_by_role("link", name="Continue as Mo Member")).to_be_visible()
    expect(page.locator("#join-form")).to_be_hidden()
    report += axe_report(page, axe_script, f"the join page's 'Welcome back', {theme} theme")
    assert not report, f"axe-core found violations:{report}"


# --- The keyboard ------------------------------------------------------------------------------

FOCUSED = """() => {
    const e = document.activeElement;
    const style = getComputedStyle(e);
    return {
        name: (e.getAttribute("aria-label") || e.textContent || e.id || e.tagName).trim(),
        tag: e.tagName.toLowerCase(),
        outlineStyle: style.outlineStyle,
        outlineWidth: parseFloat(style.outlineWidth),
    };
}"""


def focused(page: Page) -> dict[str, Any]:
    return page.evaluate(FOCUSED)


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab, as a keyboard user does, until focus is on the element ``selector`` names."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        passed.append(focused(page)["name"][:40])
    pytest.fail(f"Tab never reached {selector}; it went through {passed}")


def assert_focus_visible(page: Page, where: str) -> None:
    """The focused control draws a focus ring: an outline of at least 2 CSS px."""
    now = focused(page)
    assert now["tag"] != "body", f"{where}: focus was lost to the page"
    assert now["outlineStyle"] != "none" and now["outlineWidth"] >= 2, (
        f"{where}: the focused {now['tag']} {now['name']!r} shows no focus ring "
        f"(outline-style {now['outlineStyle']}, outline-width {now['outlineWidth']}px)"
    )


def assert_focus_not_lost(page: Page, where: str) -> None:
    assert focused(page)["tag"] != "body", f"{where}: focus was lost to document.body"


@pytest.fixture
def meeting(
    live_server: ServerProcess, finished_meetings: list[ScriptedMeeting]
) -> ScriptedMeeting:
    """A fresh meeting per keyboard or announcement test: each moves it in its own way."""
    scripted = ScriptedMeeting(live_server.url)
    finished_meetings.append(scripted)
    return scripted


def open_widget(open_page: OpenPage, meeting: ScriptedMeeting, role: str) -> Page:
    """The person's widget at the side panel's size, showing the meeting as it is now."""
    page = open_page(**SIDE_PANEL) if role != "facilitator" else open_page(**DESKTOP)
    page.goto(meeting.urls[role])
    expect(page.locator(LIVE)).to_be_attached()
    shows_version(page, meeting.version)
    return page


def test_a_member_raises_and_lowers_a_hand_by_keyboard_and_keeps_focus_through_changes(
    open_page: OpenPage, meeting: ScriptedMeeting
) -> None:
    meeting.go_to("check_in")
    meeting.start_questions()
    page = open_widget(open_page, meeting, "member")
    raise_hand = page.get_by_role("button", name="Raise my hand")
    lower_hand = page.get_by_role("button", name="Lower my hand")

    tab_to(page, "#your-actions button")
    expect(raise_hand).to_be_focused()
    assert_focus_visible(page, "Raise my hand, reached by Tab")
    page.keyboard.press("Space")
    expect(lower_hand).to_be_focused()
    assert_focus_visible(page, "Lower my hand, after Space")
    meeting.widgets["facilitator"].wait_for(
        "snapshot", lambda s: (s["meeting"]["work"] or {}).get("hands") == [meeting.ids["member"]]
    )

    # Ben's hand goes up: Mo's widget re-renders under the keyboard and keeps its focus.
    shows_version(page, meeting.send("ben", "raise_hand"))
    expect(page.locator("#hands .person")).to_have_count(2)
    expect(lower_hand).to_be_focused()
    assert_focus_visible(page, "Lower my hand, after Ben raised his")

    # Fay gives Mo the floor: the control is relabelled, and focus stays on it.
    shows_version(page, meeting.send("facilitator", "call_next"))
    expect(page.locator("#speakers")).to_contain_text("Mo Member (you)")
    expect(raise_hand).to_be_focused()
    assert_focus_visible(page, "Raise my hand, after Fay gave Mo the floor")

    page.keyboard.press("Enter")
    expect(lower_hand).to_be_focused()
    expect(page.locator("#hands .person")).to_have_count(2)
    expect(page.locator("#hands")).to_contain_text("Mo Member (you)")


def test_a_member_signals_and_opens_the_prompts_by_keyboard(
    open_page: OpenPage, meeting: ScriptedMeeting
) -> None:
    meeting.go_to("check_in")
    meeting.start_questions()
    page = open_widget(open_page, meeting, "member")

    tab_to(page, '#signals button[data-key="signal:pause"]')
    assert_focus_visible(page, "the Pause signal, reached by Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#signal-status")).to_have_text("Sent, anonymously.")
    meeting.widgets["facilitator"].wait_for(
        "snapshot", lambda s: len(s["meeting"]["signals"].get("pause", [])) == 1
    )
    expect(page.locator('#signals [data-count-for="pause"]')).to_have_text("1")
    expect(page.get_by_role("button", name="Pause, please")).to_be_focused()

    prompts = page.locator("#question-prompts")
    expect(prompts).not_to_have_attribute("open", "")
    tab_to(page, "#question-prompts > summary")
    assert_focus_visible(page, "the question prompts' summary")
    page.keyboard.press("Enter")
    expect(prompts).to_have_attribute("open", "")
    expect(prompts.locator("#question-list li").first).to_be_visible()

    # The question prompts are refilled on each snapshot; focus and openness survive it.
    shows_version(page, meeting.send("ben", "raise_hand"))
    expect(prompts).to_have_attribute("open", "")
    assert_focus_visible(page, "the question prompts' summary, after Ben raised his hand")


def test_a_member_asks_for_time_by_keyboard(open_page: OpenPage, meeting: ScriptedMeeting) -> None:
    meeting.go_to("check_in")
    meeting.send("facilitator", "advance_phase")  # bidding: the bid form is open
    page = open_widget(open_page, meeting, "member")
    expect(page.locator("#bid-box")).to_have_attribute("open", "")

    tab_to(page, "#bid-title")
    assert_focus_visible(page, "the bid's title field")
    page.keyboard.type("Saying no to my director")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Minutes you would like")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("25")
    page.keyboard.press("Enter")

    bids = meeting.widgets["facilitator"].wait_for(
        "snapshot",
        lambda s: any(b["participant_id"] == meeting.ids["member"] for b in s["meeting"]["bids"]),
    )["meeting"]["bids"]
    mine = next(b for b in bids if b["participant_id"] == meeting.ids["member"])
    assert (mine["title"], mine["minutes"], mine["status"]) == (
        "Saying no to my director",
        25,
        "pending",
    )
    expect(page.locator("#bids")).to_contain_text("“Saying no to my director” · 25 min asked")
    expect(page.locator("#your-places")).to_contain_text("Your bid is waiting for the facilitator.")


def test_placing_a_bid_by_keyboard_leaves_focus_somewhere_useful(
    open_page: OpenPage, meeting: ScriptedMeeting
) -> None:
    """The form folds away once the bid is placed; the keyboard user must not be sent back to
    the top of the page (document.body), but land by what happened (e.g. "Withdraw my bid")."""
    meeting.go_to("check_in")
    meeting.send("facilitator", "advance_phase")
    page = open_widget(open_page, meeting, "member")
    tab_to(page, "#bid-title")
    page.keyboard.type("Saying no to my director")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Withdraw my bid")).to_be_visible()
    expect(page.locator("#bid-box")).to_be_hidden()
    assert_focus_not_lost(page, "after placing a bid with Enter in the bid form")


def test_a_presenter_frames_names_actions_and_finishes_by_keyboard(
    open_page: OpenPage, meeting: ScriptedMeeting
) -> None:
    meeting.go_to("check_in")
    meeting.start_questions()
    page = open_widget(open_page, meeting, "presenter")

    framing = page.locator("#framing")
    tab_to(page, "#framing > summary")
    assert_focus_visible(page, "the framing prompts' summary")
    page.keyboard.press("Space")
    expect(framing).to_have_attribute("open", "")

    tab_to(page, '#your-actions button[data-key="end-work"]')
    expect(page.get_by_role("button", name="I'm done with questions")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#stage-name")).to_have_text("Actions")
    expect(page.get_by_role("button", name="I'm done", exact=True)).to_be_focused()

    tab_to(page, "#action-text")
    page.keyboard.type("Ask Sam to shadow me for two weeks")
    page.keyboard.press("Enter")
    expect(page.locator("#my-actions")).to_contain_text("Ask Sam to shadow me for two weeks")
    expect(page.get_by_label("An action you will take")).to_be_focused()
    expect(page.get_by_label("An action you will take")).to_have_value("")
    meeting.widgets["facilitator"].wait_for(
        "snapshot",
        lambda s: (
            [a["text"] for a in s["meeting"]["actions"]] == ["Ask Sam to shadow me for two weeks"]
        ),
    )


def test_a_facilitator_steers_accepts_and_times_by_keyboard(
    open_page: OpenPage, meeting: ScriptedMeeting
) -> None:
    page = open_widget(open_page, meeting, "facilitator")
    next_step = page.get_by_role("button", name="Next step")

    tab_to(page, '#steer-controls button[data-command="advance_phase"]')
    assert_focus_visible(page, "Next step, reached by Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#phase-name")).to_have_text("Check-in")
    expect(next_step).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#phase-name")).to_have_text("Bidding")
    expect(next_step).to_be_focused()
    assert_focus_visible(page, "Next step, after two steps")

    # A member's bid arrives while Fay's focus is on Next step: it stays there.
    shows_version(page, meeting.send("member", "place_bid", {"title": "Rotas", "minutes": 10}))
    expect(page.locator("#bids")).to_contain_text("Rotas")
    expect(next_step).to_be_focused()

    pat_bid = meeting.bid_of("presenter")
    tab_to(page, f'#bids button[data-command="accept_bid"][data-args*="{pat_bid}"]')
    accept = page.get_by_role("button", name="Accept Pat Presenter's bid", exact=True)
    expect(accept).to_be_focused()
    assert_focus_visible(page, "Accept Pat's bid, reached by Tab")
    page.keyboard.press("Enter")
    meeting.widgets["facilitator"].wait_for(
        "snapshot",
        lambda s: any(
            b["id"] == pat_bid and b["status"] == "accepted" for b in s["meeting"]["bids"]
        ),
    )
    expect(page.locator("#bids")).to_contain_text("presents 1st")
    assert_focus_not_lost(page, "after accepting a bid with Enter")
    assert page.evaluate("document.getElementById('bids-card').contains(document.activeElement)")

    tab_to(page, "#timer-minutes")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    # Seven minutes, counting down from the moment it started.
    expect(page.locator('#timers [data-timer="speaker"]')).to_contain_text(re.compile("[67]:[0-5]"))

    def speaker_ms(snapshot: dict[str, Any]) -> int:
        timer = snapshot["meeting"]["timers"].get("speaker") or {"deadline_ms": None}
        started = timer["deadline_ms"] is not None
        return timer["deadline_ms"] - snapshot["meeting"]["server_now_ms"] if started else 0

    started = meeting.widgets["facilitator"].wait_for("snapshot", lambda s: speaker_ms(s) > 360_000)
    assert speaker_ms(started) <= 7 * 60_000
    expect(page.locator("#timer-controls")).to_contain_text("Speaker")


# --- Announcements -----------------------------------------------------------------------------


def test_the_announcer_speaks_phase_changes_turns_the_floor_and_signals(
    open_page: OpenPage, meeting: ScriptedMeeting
) -> None:
    """Beyond the check-in's first "your turn" (test_first_meeting): what the others hear, the
    turn passing on, the presenter's turn, a new stage, the floor, and anonymous signals."""
    fay = open_widget(open_page, meeting, "facilitator")
    ben = open_widget(open_page, meeting, "ben")
    pat = open_widget(open_page, meeting, "presenter")
    for page in (fay, ben, pat):
        announcer = page.locator("#announcer")
        expect(announcer).to_have_attribute("aria-live", "polite")
        expect(announcer).to_have_attribute("aria-atomic", "true")

    meeting.send("facilitator", "advance_phase")
    expect(fay.locator("#announcer")).to_have_text(
        "The meeting has moved to Check-in. Mo Member is speaking now."
    )
    expect(ben.locator("#announcer")).to_contain_text("moved to Check-in")

    meeting.send("member", "speaker_done")
    expect(pat.locator("#announcer")).to_have_text("It's your turn to speak.")
    expect(pat.locator("#your-turn")).to_have_text("It's your turn to speak.")
    for page in (fay, ben):
        expect(page.locator("#announcer")).to_have_text("Pat Presenter is speaking now.")

    meeting.send("member", "send_signal", {"kind": "pause"})
    for page in (fay, ben, pat):
        expect(page.locator("#announcer")).to_have_text("Someone signalled: Pause, please.")

    meeting.start_questions()
    expect(pat.locator("#announcer")).to_have_text("Now: Clarifying questions.")
    expect(pat.locator("#your-turn")).to_have_text(
        "You are presenting. You decide when you are done."
    )

    meeting.send("ben", "raise_hand")
    shows_version(fay, meeting.send("facilitator", "call_next"))
    expect(ben.locator("#announcer")).to_have_text("You have the floor: ask your question.")
    expect(fay.locator("#announcer")).to_have_text("Ben Bidder has the floor.")


def test_the_presenter_hears_that_it_is_their_turn_when_work_begins(
    open_page: OpenPage, meeting: ScriptedMeeting
) -> None:
    meeting.go_to("check_in")
    meeting.send("facilitator", "advance_phase")
    meeting.send("facilitator", "accept_bid", {"bid_id": meeting.bid_of("presenter")})
    pat = open_widget(open_page, meeting, "presenter")
    mo = open_widget(open_page, meeting, "member")
    meeting.send("facilitator", "advance_phase")
    expect(pat.locator("#announcer")).to_have_text(
        "The meeting has moved to Work. You are presenting. You decide when you are done."
    )
    expect(mo.locator("#announcer")).to_have_text("The meeting has moved to Work.")
