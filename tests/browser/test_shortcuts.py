"""Keyboard shortcuts: facilitators steer with N, B, T, S and O, members signal with 1 to 6, and
"?" lists what this person's keys do now.

Each key presses the button a click would, so the server sees the same commands and the same
confirmations are asked; each press is announced in the live region, and a key that cannot act
now says why. Nothing happens while the focus is in a field, or with Ctrl, Alt or Meta held.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from tests.browser.conftest import DESKTOP, LIVE, SIDE_PANEL, OpenPage, shows_version
from tests.browser.test_accessibility import axe_report
from tests.browser.test_signals import count_of, signal, signal_commands_sent
from tests.support import CommandedMeeting, ServerProcess, close_all

# Everything the live region says from now on, each message once as it is written.
LISTEN_SCRIPT = """() => {
  window.__said = [];
  const announcer = document.getElementById("announcer");
  new MutationObserver(() => {
    if (announcer.textContent) window.__said.push(announcer.textContent);
  }).observe(announcer, { childList: true, characterData: true, subtree: true });
}"""
STEERING_KEYS = ["N", "B", "T", "S", "O", "?"]


class KeyedMeeting(CommandedMeeting):
    """Fay facilitates; Mo and Ada are members (Mo speaks first in a round). Everyone keeps a
    python client connected, so pages never change who is present."""

    def __init__(self, base_url: str) -> None:
        self.seat(base_url, "Ward leaders", "Fay", {"mo": "Mo", "ada": "Ada"})

    def open(self, page: Page, who: str) -> Page:
        address, _, token = self.urls[who].partition("#")
        page.goto(f"{address}#{token}")
        expect(page.locator(LIVE)).to_be_attached()
        shows_version(page, self.version)
        page.evaluate(LISTEN_SCRIPT)
        return page

    def held(self) -> dict[str, Any]:
        """The meeting as the server holds it now, pages' commands included."""
        facilitator = self.widgets["facilitator"]
        self.version = facilitator.call("sync")["version"]
        return facilitator.wait_for("snapshot", lambda s: s["version"] >= self.version)["meeting"]


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[KeyedMeeting]:
    scripted = KeyedMeeting(live_server.url)
    yield scripted
    close_all(list(scripted.widgets.values()))


def said(page: Page) -> str:
    return " | ".join(page.evaluate("() => window.__said"))


def expect_said(page: Page, words: str) -> None:
    page.wait_for_function("(words) => window.__said.some((s) => s.includes(words))", arg=words)


def press(page: Page, key: str, meeting: KeyedMeeting, changes: bool = True) -> dict[str, Any]:
    """Press ``key`` and return the meeting as the server then holds it: once the command it sent
    is in (and the page shows it), or, for a key that ``changes`` nothing, a moment later."""
    meeting.held()
    before = meeting.version
    page.keyboard.press(key)
    deadline = time.monotonic() + 5
    while True:
        page.wait_for_timeout(50 if changes else 300)
        held = meeting.held()
        if not changes or meeting.version > before or time.monotonic() > deadline:
            break
    assert (meeting.version > before) == changes, f"{key}: version {before} -> {meeting.version}"
    shows_version(page, meeting.version)
    return held


def timer_of(held: dict[str, Any], name: str) -> dict[str, Any]:
    return held["timers"][name]


@pytest.mark.parametrize("size", [SIDE_PANEL, DESKTOP], ids=["side-panel", "desktop"])
def test_a_facilitator_steers_a_meeting_by_keyboard(
    meeting: KeyedMeeting, open_page: OpenPage, size: dict[str, int]
) -> None:
    fay = meeting.open(open_page(**size), "facilitator")
    expect(fay.locator('#steer-controls [data-command="advance_phase"]')).to_have_attribute(
        "aria-keyshortcuts", "N"
    )

    # B at the opening: nothing to go back to, and it says so.
    assert press(fay, "b", meeting, changes=False)["phase"] == "opening"
    expect_said(fay, "This is the opening: there is no step back.")
    # O at the opening: the key override, a minute's silence.
    held = press(fay, "o", meeting)
    assert timer_of(held, "silence")["deadline_ms"] is not None
    expect_said(fay, "Silence, 1 min.")

    # N: the check-in, whose round Mo opens.
    held = press(fay, "n", meeting)
    assert held["phase"] == "check_in"
    expect_said(fay, "Next step.")
    expect_said(fay, "The meeting has moved to Check-in.")
    assert held["round"]["current"] == meeting.ids["mo"]

    # T pauses the timer that matters most now (the speaker's), and T again resumes it.
    expect(
        fay.locator('#timer-controls [data-command="pause_timer"][aria-keyshortcuts="T"]')
    ).to_have_attribute("data-args", '{"timer":"speaker"}')
    held = press(fay, "t", meeting)
    assert timer_of(held, "speaker")["deadline_ms"] is None
    assert timer_of(held, "meeting")["deadline_ms"] is not None
    expect_said(fay, "Pause: speaker timer.")
    held = press(fay, "T", meeting)  # Shift or Caps Lock: the same key
    assert timer_of(held, "speaker")["deadline_ms"] is not None
    expect_said(fay, "Resume: speaker timer.")

    # S: the next speaker. Mo's turn passes (as Mo's Skip button does) and Ada speaks.
    held = press(fay, "s", meeting)
    assert held["round"]["outcomes"] == {meeting.ids["mo"]: "skipped"}
    assert held["round"]["current"] == meeting.ids["ada"]
    expect_said(fay, "Skip Mo.")
    # O in a round: skip whoever speaks; then everyone has had their turn, and S says so.
    press(fay, "o", meeting)
    expect_said(fay, "Skip Ada, to the next speaker.")
    assert press(fay, "s", meeting, changes=False)["round"]["current"] is None
    expect_said(fay, "Everyone has spoken in this round.")

    # B: back to the opening.
    assert press(fay, "b", meeting)["phase"] == "opening"
    expect_said(fay, "Back to the previous step.")


def test_the_key_override_accepts_a_bid_ends_questions_and_asks_before_ending_the_meeting(
    meeting: KeyedMeeting, open_page: OpenPage
) -> None:
    meeting.send("facilitator", "go_to_phase", {"phase": "bidding"})
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    press(fay, "o", meeting, changes=False)
    expect_said(fay, "No bid is waiting to be accepted.")
    meeting.send("mo", "place_bid", {"title": "", "minutes": 20})
    shows_version(fay, meeting.version)

    held = press(fay, "o", meeting)
    assert [bid["status"] for bid in held["bids"]] == ["accepted"]
    expect_said(fay, "Accept Mo's bid, the first one waiting.")
    held = press(fay, "n", meeting)
    assert (held["phase"], held["work"]["presenter"]) == ("work", meeting.ids["mo"])

    # S during the questions: the floor goes to the next raised hand, if there is one.
    press(fay, "s", meeting, changes=False)
    expect_said(fay, "No hands are up.")
    meeting.send("ada", "raise_hand")
    shows_version(fay, meeting.version)
    held = press(fay, "s", meeting)
    assert held["work"]["questioner"] == meeting.ids["ada"]
    expect_said(fay, "Give the floor to the next.")

    held = press(fay, "o", meeting)  # the presenter's "I'm done", as an override
    assert held["work"]["stage"] == "actions"
    expect_said(fay, "End questions for Mo.")

    # At the learning review, O ends the meeting, after the same question the button asks.
    meeting.send("facilitator", "go_to_phase", {"phase": "learning_review"})
    meeting.send("mo", "speaker_done")
    meeting.send("ada", "speaker_done")
    shows_version(fay, meeting.version)
    questions: list[str] = []

    def answer(dialog: Dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    fay.once("dialog", lambda dialog: answer(dialog, accept=False))
    assert press(fay, "o", meeting, changes=False)["phase"] == "learning_review"
    fay.once("dialog", lambda dialog: answer(dialog, accept=True))
    assert press(fay, "o", meeting)["phase"] == "closed"
    assert questions == ["End the meeting for everyone?"] * 2
    press(fay, "n", meeting, changes=False)
    expect_said(fay, "The meeting has ended: there is no next step.")
    press(fay, "t", meeting, changes=False)
    expect_said(fay, "No timer is running.")


def test_members_send_each_signal_with_its_number_and_nothing_else_answers_them(
    meeting: KeyedMeeting, open_page: OpenPage
) -> None:
    meeting.send("facilitator", "advance_phase")  # check-in
    page = open_page(**SIDE_PANEL)
    sent = signal_commands_sent(page)
    mo = meeting.open(page, "mo")
    buttons = mo.locator('#signals [data-command="send_signal"]')
    expect(buttons).to_have_count(6)
    for index in range(6):
        expect(buttons.nth(index)).to_have_attribute("aria-keyshortcuts", str(index + 1))

    mo.keyboard.press("1")
    expect(count_of(mo, "pause")).to_have_text("1")
    expect(signal(mo, "pause")).to_have_attribute("data-state", "sent")
    expect_said(mo, "Signal: Pause, please.")
    mo.keyboard.press("3")
    expect(count_of(mo, "slow_down")).to_have_text("1")
    expect_said(mo, "Signal: Slow down.")

    # Again while it counts: told why, and nothing is sent.
    mo.keyboard.press("1")
    expect_said(mo, "Your signal still counts for")
    # Ctrl, Alt or Meta held: the key is not ours. The facilitators' keys do nothing for members.
    for key in ("Control+2", "Alt+2", "Meta+2", "n", "b", "t", "s", "o", "7"):
        mo.keyboard.press(key)
    mo.wait_for_timeout(300)
    assert len(sent) == 2, sent
    held = meeting.held()
    assert held["phase"] == "check_in" and held["round"]["outcomes"] == {}
    assert {kind: len(fades) for kind, fades in held["signals"].items()} == {
        "pause": 1,
        "slow_down": 1,
    }

    # Switched off by the facilitator: the key says so.
    meeting.send("facilitator", "switch_signal", {"kind": "advice", "on": False})
    shows_version(mo, meeting.version)
    mo.keyboard.press("4")
    expect_said(mo, "The facilitator has switched this signal off for now.")
    assert len(sent) == 2, sent


def test_keys_type_in_fields_and_do_nothing_else_there(
    meeting: KeyedMeeting, open_page: OpenPage
) -> None:
    meeting.send("facilitator", "go_to_phase", {"phase": "bidding"})
    fay = meeting.open(open_page(**DESKTOP), "facilitator")
    mo_page = open_page(**DESKTOP)
    sent = signal_commands_sent(mo_page)
    mo = meeting.open(mo_page, "mo")
    meeting.held()
    before = meeting.version

    mo.locator("#bid-title").click()
    mo.keyboard.type("1 nbtso 2?")
    expect(mo.locator("#bid-title")).to_have_value("1 nbtso 2?")
    fay.locator("#timer-minutes").fill("")
    fay.locator("#timer-minutes").press_sequentially("15")
    fay.locator("#contract-editor > summary").click()
    fay.locator("#contract-text").press_sequentially("nbtso?")
    expect(fay.locator("#contract-text")).to_have_value(re.compile(r"nbtso\?$"))
    fay.locator("#go-phase").focus()
    fay.keyboard.press("n")  # a list picks its option by letter; the meeting stays put
    fay.wait_for_timeout(300)

    meeting.held()
    assert meeting.version == before
    assert sent == []
    expect(fay.locator("#shortcut-help")).to_have_count(0)
    assert "Next step" not in said(fay), said(fay)


@pytest.mark.parametrize(
    ("who", "keys"),
    [("facilitator", STEERING_KEYS), ("mo", ["1", "2", "3", "4", "5", "6", "?"])],
    ids=["facilitator", "member"],
)
def test_question_mark_lists_this_persons_shortcuts_in_an_accessible_dialog(
    meeting: KeyedMeeting, open_page: OpenPage, axe_script: str, who: str, keys: list[str]
) -> None:
    meeting.send("facilitator", "advance_phase")  # check-in: Mo speaks
    page = meeting.open(open_page(**SIDE_PANEL), who)
    opener = (
        page.locator("#signals button").first
        if who == "mo"
        else page.locator('#steer-controls [data-command="advance_phase"]')
    )
    opener.focus()
    page.keyboard.press("Shift+Slash")  # "?" on this keyboard
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog.locator("tbody th")).to_have_text(keys)
    if who == "facilitator":

        def row(key: str) -> Locator:
            return dialog.locator("tbody tr", has=page.locator("kbd", has_text=key))

        expect(row("S")).to_contain_text("Now: Skip Mo")
        expect(row("B")).to_contain_text("Now: Back to the previous step")
        expect(row("O")).to_contain_text("Now: Skip Mo, to the next speaker")
    else:
        expect(dialog).to_contain_text("Signal: Pause, please")
    report = axe_report(page, axe_script, f"the shortcut list ({who})")
    assert not report, report

    # While it is open, keys do not reach the meeting; Escape closes it, and focus goes back.
    meeting.held()
    before = meeting.version
    page.keyboard.press("1" if who == "mo" else "n")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    meeting.held()
    assert meeting.version == before

    # Its Close button does the same.
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_an_observer_has_no_shortcuts_but_the_list(
    meeting: KeyedMeeting, open_page: OpenPage
) -> None:
    meeting.send(
        "facilitator", "set_role", {"participant_id": meeting.ids["ada"], "role": "observer"}
    )
    ada = meeting.open(open_page(**SIDE_PANEL), "ada")
    for key in ("n", "1", "t"):
        ada.keyboard.press(key)
    ada.wait_for_timeout(300)
    assert meeting.held()["phase"] == "opening"
    assert said(ada) == ""
    ada.keyboard.press("?")
    expect(ada.get_by_role("dialog", name="Keyboard shortcuts").locator("tbody th")).to_have_text(
        ["?"]
    )
