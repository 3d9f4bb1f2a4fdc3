"""Anonymous signals in the browser: sent by keyboard and by touch, each person counted once while
theirs counts, several people made plain to the facilitators, and the facilitators' controls (a
kind switched off, counts cleared, the window changed). A presenter may hide the signals from
themselves while they present; everyone else still sees them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, WebSocket, expect

from tests.browser.conftest import (
    LIVE,
    SIDE_PANEL,
    OpenPage,
    axe_violations,
    reveal,
    shows_version,
)
from tests.support import CommandedMeeting, ServerProcess, close_all

MEMBERS = {"mo": "Mo", "ada": "Ada", "ben": "Ben", "pat": "Pat"}
HIDE_KEY = "companion.hideSignalsWhilePresenting"
STILL_COUNTS = re.compile(
    r"^Your signal still counts for \d+ s; you can send it again once it fades\.$"
)
SWITCHED_OFF = "The facilitator has switched this signal off for now."


class SignalMeeting(CommandedMeeting):
    """Fay facilitates; Mo, Ada, Ben and Pat are members. Each person keeps a python client
    connected throughout, so who is here, and so how many people make "several" (two, for four
    members), never changes as browser pages come and go."""

    def __init__(self, base_url: str) -> None:
        self.seat(base_url, "Ward leaders", "Fay", MEMBERS)
        self.version = self.send("facilitator", "advance_phase")  # check-in

    def open(self, page: Page, who: str, query: str = "") -> Page:
        """``who``'s widget in ``page``, showing the meeting as it is now."""
        address, _, token = self.urls[who].partition("#")
        page.goto(f"{address}{query}#{token}")
        expect(page.locator(LIVE)).to_be_attached()
        shows_version(page, self.version)
        return page

    def pat_presents(self) -> None:
        """From the check-in to Pat's work: Pat bids, Fay accepts it and moves on."""
        self.send("facilitator", "advance_phase")  # bidding
        self.send("pat", "place_bid", {"title": "", "minutes": 20})
        bid = next(
            b["id"] for b in self.meeting()["bids"] if b["participant_id"] == self.ids["pat"]
        )
        self.send("facilitator", "accept_bid", {"bid_id": bid})
        self.send("facilitator", "advance_phase")  # work: Pat presents

    def held(self) -> dict[str, Any]:
        """The meeting as the server holds it now, pages' commands included."""
        facilitator = self.widgets["facilitator"]
        version = facilitator.call("sync")["version"]
        return facilitator.wait_for("snapshot", lambda s: s["version"] >= version)["meeting"]

    def counted(self) -> dict[str, int]:
        """How many people's signals of each kind the server counts now, whoever sent them."""
        return {kind: len(fades) for kind, fades in self.held()["signals"].items()}


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[SignalMeeting]:
    scripted = SignalMeeting(live_server.url)
    yield scripted
    close_all(list(scripted.widgets.values()))


def signal(page: Page, kind: str) -> Locator:
    return page.locator(f'#signals [data-kind="{kind}"]')


def count_of(page: Page, kind: str) -> Locator:
    return page.locator(f'#signals [data-count-for="{kind}"]')


def signal_commands_sent(page: Page) -> list[str]:
    """Every send_signal the page puts on its socket from now on (attach before opening)."""
    sent: list[str] = []

    def watch(socket: WebSocket) -> None:
        socket.on(
            "framesent",
            lambda payload: sent.append(payload) if '"send_signal"' in str(payload) else None,
        )

    page.on("websocket", watch)
    return sent


def open_settings(page: Page) -> None:
    reveal(page, "#signal-settings")  # in a side panel, on the console's tab
    page.locator("#signal-settings > summary").click()
    expect(page.locator("#signal-settings")).to_have_attribute("open", "")


# --- Sending, and counting each person once -----------------------------------------------------


def test_members_signal_by_keyboard_and_by_touch_and_each_counts_once_while_theirs_counts(
    meeting: SignalMeeting, open_page: OpenPage
) -> None:
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    mo_page = open_page(**SIDE_PANEL)
    mo_sent = signal_commands_sent(mo_page)
    mo = meeting.open(mo_page, "mo")
    ada_page = open_page(phone=True)
    ada_sent = signal_commands_sent(ada_page)
    ada = meeting.open(ada_page, "ada")
    everyone = (fay, mo, ada)

    # Mo, by keyboard: focus the button and press Enter.
    pause = mo.get_by_role("button", name="Pause, please")
    pause.focus()
    mo.keyboard.press("Enter")
    expect(mo.locator("#signal-status")).to_have_text("Sent, anonymously.")
    for page in everyone:
        expect(count_of(page, "pause")).to_have_text("1")
    expect(signal(mo, "pause")).to_contain_text(re.compile(r"Sent · \d+\xa0s"))
    expect(signal(mo, "pause")).to_have_attribute("data-state", "sent")
    expect(pause).to_have_attribute("aria-disabled", "true")
    expect(pause).to_have_accessible_name(re.compile("^Pause, please.*sent: yours still counts"))
    expect(pause).to_be_focused()
    for page in (fay, ada):
        expect(signal(page, "pause")).not_to_contain_text("Sent")

    # Ada, on a phone: one tap.
    slow_down = ada.get_by_role("button", name="Slow down")
    slow_down.tap()
    expect(ada.locator("#signal-status")).to_have_text("Sent, anonymously.")
    for page in everyone:
        expect(count_of(page, "slow_down")).to_have_text("1")
    expect(signal(ada, "slow_down")).to_contain_text(re.compile(r"Sent · \d+\xa0s"))

    # Again while theirs still counts: nothing is sent, and each is told why.
    mo.keyboard.press("Space")
    expect(mo.locator("#signal-status")).to_have_text(STILL_COUNTS)
    expect(slow_down).to_be_disabled()  # to assistive technology: aria-disabled
    slow_down.tap(force=True)  # a finger taps it all the same
    expect(ada.locator("#signal-status")).to_have_text(STILL_COUNTS)
    assert (len(mo_sent), len(ada_sent)) == (1, 1), (mo_sent, ada_sent)
    expect(pause).to_be_focused()
    assert meeting.counted() == {"pause": 1, "slow_down": 1}
    for page in everyone:
        expect(count_of(page, "pause")).to_have_text("1")

    # Someone else's signal of the same kind does count: the count is of people.
    ada.get_by_role("button", name="Pause, please").tap()
    for page in everyone:
        expect(count_of(page, "pause")).to_have_text("2")


def test_the_server_says_why_when_a_reloaded_page_sends_a_signal_that_still_counts(
    meeting: SignalMeeting, open_page: OpenPage
) -> None:
    """After a reload the page still knows what it sent (tests/browser/test_signal_reload.py); the
    server counts Mo once all the same, and pressing it again sends nothing that counts."""
    mo = meeting.open(open_page(**SIDE_PANEL), "mo")
    mo.get_by_role("button", name="Mind the time").click()
    expect(mo.locator("#signal-status")).to_have_text("Sent, anonymously.")
    mo.reload()
    expect(mo.locator(LIVE)).to_be_attached()
    expect(count_of(mo, "time")).to_have_text("1")
    mo.get_by_role("button", name="Mind the time").click(force=True)  # aria-disabled
    expect(mo.locator("#signal-status")).to_have_text(STILL_COUNTS)
    expect(mo.locator("#command-error")).to_have_text("")
    assert meeting.counted() == {"time": 1}


# --- Several people: for the facilitators' eyes and ears -----------------------------------------


def test_when_several_people_send_the_same_signal_only_facilitators_see_it_highlighted(
    meeting: SignalMeeting, open_page: OpenPage
) -> None:
    meeting.send(
        "facilitator", "set_role", {"participant_id": meeting.ids["ben"], "role": "co_facilitator"}
    )
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    ben = meeting.open(open_page(**SIDE_PANEL), "ben")
    mo = meeting.open(open_page(**SIDE_PANEL), "mo")
    assert meeting.meeting()["signal_settings"]["highlight_at"] == 2

    meeting.send("ada", "send_signal", {"kind": "advice"})
    expect(count_of(fay, "advice")).to_have_text("1")
    expect(fay.locator("#announcer")).to_have_text("Someone signalled: That sounds like advice.")
    expect(signal(fay, "advice")).not_to_contain_text("Several")

    mo.get_by_role("button", name="That sounds like advice").click()
    for page in (fay, ben):
        expect(signal(page, "advice")).to_have_attribute("data-state", "several")
        expect(signal(page, "advice")).to_contain_text("Several")
        expect(page.locator("#announcer")).to_have_text(
            "Several people signalled: That sounds like advice."
        )
    expect(count_of(mo, "advice")).to_have_text("2")
    expect(signal(mo, "advice")).not_to_contain_text("Several")
    expect(mo.locator("#announcer")).to_have_text("Someone signalled: That sounds like advice.")

    # Once per crossing: a third person is "someone" again, and the highlight stays.
    shows_version(fay, meeting.send("pat", "send_signal", {"kind": "advice"}))
    expect(count_of(fay, "advice")).to_have_text("3")
    expect(fay.locator("#announcer")).to_have_text("Someone signalled: That sounds like advice.")
    expect(signal(fay, "advice")).to_contain_text("Several")


# --- The facilitators' controls -------------------------------------------------------------------


def test_a_facilitator_switches_a_signal_off_for_everyone_and_back_on(
    meeting: SignalMeeting, open_page: OpenPage
) -> None:
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    mo_page = open_page(phone=True)
    mo_sent = signal_commands_sent(mo_page)
    mo = meeting.open(mo_page, "mo")
    meeting.send("ada", "send_signal", {"kind": "slow_down"})
    expect(count_of(mo, "slow_down")).to_have_text("1")
    expect(mo.locator("#signal-settings")).to_be_hidden()

    open_settings(fay)
    switch = fay.get_by_role("checkbox", name="Slow down")
    expect(switch).to_be_checked()
    switch.click()
    for page in (fay, mo):
        expect(signal(page, "slow_down")).to_have_attribute("data-state", "off")
        expect(signal(page, "slow_down")).to_contain_text("Off")
        expect(count_of(page, "slow_down")).to_be_hidden()  # switching off clears its count
    button = mo.get_by_role("button", name="Slow down")
    expect(button).to_have_accessible_name(re.compile("^Slow down.*switched off$"))
    expect(button).to_have_attribute("aria-disabled", "true")
    expect(mo.locator("#activity li").first).to_have_text("Fay switched off “Slow down”.")
    expect(mo.locator("#activity li").first).to_have_class("override")
    expect(switch).not_to_be_checked()
    expect(fay.locator("#signal-settings")).to_have_attribute("open", "")  # through re-renders

    button.tap(force=True)
    expect(mo.locator("#signal-status")).to_have_text(SWITCHED_OFF)
    assert mo_sent == []
    assert meeting.counted() == {}

    switch.click()
    expect(mo.locator("#activity li").first).to_have_text("Fay switched “Slow down” back on.")
    expect(button).to_have_attribute("aria-disabled", "false")
    expect(signal(mo, "slow_down")).not_to_contain_text("Off")
    button.tap()
    expect(mo.locator("#signal-status")).to_have_text("Sent, anonymously.")
    for page in (fay, mo):
        expect(count_of(page, "slow_down")).to_have_text("1")


def test_a_facilitator_clears_the_counts_and_members_may_signal_again(
    meeting: SignalMeeting, open_page: OpenPage
) -> None:
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    mo = meeting.open(open_page(**SIDE_PANEL), "mo")
    mo.get_by_role("button", name="Pause, please").click()
    meeting.send("ada", "send_signal", {"kind": "clarity"})
    for page in (fay, mo):
        expect(page.locator("#signals .signal.active")).to_have_count(2)
    expect(signal(mo, "pause")).to_have_attribute("data-state", "sent")

    open_settings(fay)
    fay.get_by_role("button", name="Clear counts").click()
    for page in (fay, mo):
        expect(page.locator("#signals .signal.active")).to_have_count(0)
        expect(page.locator("#activity li").first).to_have_text("Fay cleared the signal counts.")
    expect(signal(mo, "pause")).to_have_attribute("data-state", "")
    expect(mo.get_by_role("button", name="Pause, please")).to_have_attribute(
        "aria-disabled", "false"
    )

    # Nothing left to clear: the facilitator is told, beside the signals.
    fay.get_by_role("button", name="Clear counts").click()
    expect(fay.locator("#signal-status")).to_have_text("There are no signals counting to clear.")
    expect(fay.locator("#command-error")).to_have_text("")

    mo.get_by_role("button", name="Pause, please").click()
    expect(mo.locator("#signal-status")).to_have_text("Sent, anonymously.")
    for page in (fay, mo):
        expect(count_of(page, "pause")).to_have_text("1")


def test_a_facilitator_sets_how_long_signals_count(
    meeting: SignalMeeting, open_page: OpenPage
) -> None:
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    mo = meeting.open(open_page(**SIDE_PANEL), "mo")
    expect(mo.locator("#signals-help")).to_contain_text("Counts fade after 60 s.")
    mo.get_by_role("button", name="I need clarity").click()
    expect(signal(mo, "clarity")).to_have_attribute("data-state", "sent")

    open_settings(fay)
    seconds = fay.get_by_label("Seconds a signal counts")
    expect(seconds).to_have_value("60")
    seconds.fill("5")
    fay.get_by_role("button", name="Save how long signals count").click()
    expect(fay.locator("#signal-status")).to_contain_text("600")  # refused, and says the range
    expect(seconds).to_have_value("5")  # kept, to be corrected

    seconds.fill("30")
    seconds.press("Enter")
    for page in (fay, mo):
        expect(page.locator("#signals-help")).to_contain_text("Counts fade after 30 s.")
        expect(page.locator("#activity li").first).to_have_text(
            "Fay set signals to count for 30 s."
        )
    # Counts start afresh with a new window: Mo's signal no longer counts, and may be sent again.
    expect(mo.locator("#signals .signal.active")).to_have_count(0)
    expect(signal(mo, "clarity")).to_have_attribute("data-state", "")
    assert meeting.held()["signal_settings"]["window_seconds"] == 30

    seconds.fill("120")
    fay.get_by_role("button", name="Save how long signals count").click()
    expect(mo.locator("#signals-help")).to_contain_text("Counts fade after 2 min.")
    expect(fay.locator("#activity li").first).to_have_text("Fay set signals to count for 2 min.")


# --- A presenter's choice ------------------------------------------------------------------------


def test_a_presenter_hides_the_signals_while_presenting_and_everyone_else_still_sees_them(
    meeting: SignalMeeting, open_page: OpenPage
) -> None:
    meeting.pat_presents()
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    mo = meeting.open(open_page(**SIDE_PANEL), "mo")
    pat = meeting.open(open_page(phone=True), "pat")
    hide = pat.get_by_role("checkbox", name="Hide signals while I present")
    expect(mo.get_by_role("checkbox", name="Hide signals while I present")).to_be_hidden()
    expect(fay.get_by_role("checkbox", name="Hide signals while I present")).to_be_hidden()

    hide.tap()
    expect(hide).to_be_checked()
    expect(pat.locator("#signals")).to_be_hidden()
    expect(pat.locator("#signals-hidden")).to_be_visible()
    assert pat.evaluate(f"localStorage.getItem('{HIDE_KEY}')") == "1"

    version = meeting.send("mo", "send_signal", {"kind": "pause"})
    expect(count_of(fay, "pause")).to_have_text("1")
    expect(fay.locator("#announcer")).to_have_text("Someone signalled: Pause, please.")
    shows_version(pat, version)
    expect(pat.locator("#announcer")).not_to_contain_text("signalled")

    # The choice is kept on this device: a reload still hides them.
    pat.reload()
    expect(pat.locator(LIVE)).to_be_attached()
    shows_version(pat, version)
    expect(hide).to_be_checked()
    expect(pat.locator("#signals")).to_be_hidden()
    expect(pat.locator("#signals-hidden")).to_be_visible()

    hide.tap()
    expect(pat.locator("#signals")).to_be_visible()
    expect(count_of(pat, "pause")).to_have_text("1")
    assert pat.evaluate(f"localStorage.getItem('{HIDE_KEY}')") is None
    shows_version(pat, meeting.send("ada", "send_signal", {"kind": "pause"}))
    expect(pat.locator("#announcer")).to_have_text("Someone signalled: Pause, please.")


def test_hidden_signals_come_back_when_the_presenter_is_no_longer_presenting(
    meeting: SignalMeeting, open_page: OpenPage
) -> None:
    page = open_page(**SIDE_PANEL)
    page.context.add_init_script(f"localStorage.setItem('{HIDE_KEY}', '1')")
    pat = meeting.open(page, "pat")
    expect(pat.locator("#signals")).to_be_visible()  # not presenting yet
    expect(pat.locator("#hide-signals-choice")).to_be_hidden()
    meeting.pat_presents()
    shows_version(pat, meeting.version)
    expect(pat.locator("#signals")).to_be_hidden()
    meeting.send("pat", "end_work")  # to the actions
    meeting.send("pat", "end_work")  # to Pat's closing round: still Pat's work
    shows_version(pat, meeting.version)
    expect(pat.locator("#signals")).to_be_hidden()
    meeting.send("facilitator", "advance_phase")  # the learning review
    shows_version(pat, meeting.version)
    expect(pat.locator("#signals")).to_be_visible()
    expect(pat.locator("#hide-signals-choice")).to_be_hidden()


# --- Accessibility and layout of every signal state -------------------------------------------

THEMES = ("light", "dark", "contrast")

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize("theme", THEMES)
def test_every_signal_state_has_no_axe_violations_at_280_px(
    meeting: SignalMeeting, open_page: OpenPage, axe_script: str, theme: str
) -> None:
    """Counting, highlighted, one kind off, a signal of yours counting, the settings open, and
    the presenter's hidden view: each in the Teams side panel, in each theme."""
    meeting.pat_presents()
    query = f"?theme={theme}"
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator", query)
    mo = meeting.open(open_page(**SIDE_PANEL), "mo", query)
    pat = meeting.open(open_page(**SIDE_PANEL), "pat", query)

    mo.get_by_role("button", name="Pause, please").click()
    meeting.send("ada", "send_signal", {"kind": "pause"})
    meeting.send("ada", "send_signal", {"kind": "clarity"})
    meeting.send("facilitator", "switch_signal", {"kind": "time", "on": False})
    pat.get_by_role("checkbox", name="Hide signals while I present").click()
    open_settings(fay)
    for page in (fay, mo, pat):
        shows_version(page, meeting.version)
    expect(signal(fay, "pause")).to_have_attribute("data-state", "several")
    expect(signal(fay, "time")).to_have_attribute("data-state", "off")
    expect(signal(mo, "pause")).to_have_attribute("data-state", "sent")
    expect(signal(mo, "time")).to_have_attribute("data-state", "off")
    expect(pat.locator("#signals-hidden")).to_be_visible()

    mo.get_by_role("button", name="Mind the time").click(force=True)  # its explanation, too
    expect(mo.locator("#signal-status")).to_have_text(SWITCHED_OFF)
    report = ""
    for who, page in (("facilitator", fay), ("member", mo), ("presenter", pat)):
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"the {who}'s view scrolls sideways at 280 px"
        for v in axe_violations(page, axe_script):
            report += f"\n{who}, {theme}: {v['id']} ({v['impact']}): {v['help']}\n    "
            report += "\n    ".join(v["nodes"])
    assert not report, f"axe-core found violations:{report}"
