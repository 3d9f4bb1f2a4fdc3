"""After a reload, a member's own signal that still counts shows as sent, exactly as before.

The server never says whose a signal is, not even to its sender's other widgets. The page that
sent it remembers it itself, for this browser tab only (sessionStorage), and checks it against
each snapshot: a signal that has faded, been cleared, switched off or restarted by a new window
is forgotten, however many other changes came between.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LIVE, SIDE_PANEL, OpenPage
from tests.browser.test_signals import (
    STILL_COUNTS,
    SignalMeeting,
    count_of,
    signal,
    signal_commands_sent,
)
from tests.support import ServerProcess, close_all


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[SignalMeeting]:
    scripted = SignalMeeting(live_server.url)
    yield scripted
    close_all(list(scripted.widgets.values()))


def assert_shown_as_sent(page: Page, kind: str, name: str) -> None:
    expect(signal(page, kind)).to_have_attribute("data-state", "sent")
    expect(signal(page, kind)).to_contain_text(re.compile(r"Sent · \d+\xa0s"))
    button = page.get_by_role("button", name=name)
    expect(button).to_have_attribute("aria-disabled", "true")
    expect(button).to_have_accessible_name(re.compile(r"sent: yours still counts$"))


def reopen(page: Page, meeting: SignalMeeting, who: str) -> None:
    """The same tab goes back to the widget, as a reload or the back button does."""
    address, _, token = meeting.urls[who].partition("#")
    page.goto(f"{address}#{token}")
    expect(page.locator(LIVE)).to_be_attached()


def test_a_signal_that_still_counts_shows_as_sent_after_a_reload(
    meeting: SignalMeeting, open_page: OpenPage
) -> None:
    page = open_page(**SIDE_PANEL)
    sent = signal_commands_sent(page)
    mo = meeting.open(page, "mo")
    mo.get_by_role("button", name="Pause, please").click()
    expect(mo.locator("#signal-status")).to_have_text("Sent, anonymously.")
    assert_shown_as_sent(mo, "pause", "Pause, please")

    mo.reload()
    expect(mo.locator(LIVE)).to_be_attached()
    expect(count_of(mo, "pause")).to_have_text("1")
    assert_shown_as_sent(mo, "pause", "Pause, please")
    for other in ("clarity", "slow_down", "advice", "refocus", "time"):
        expect(signal(mo, other)).to_have_attribute("data-state", "")

    # Pressed again, it says why on the spot, sends nothing, and the count stays one person's.
    mo.get_by_role("button", name="Pause, please").click(force=True)  # aria-disabled, yet pressable
    expect(mo.locator("#signal-status")).to_have_text(STILL_COUNTS)
    assert len(sent) == 1, sent
    assert meeting.counted() == {"pause": 1}

    # What the tab keeps: kinds and times, for this meeting; nothing about who.
    kept = mo.evaluate("() => ({ ...window.sessionStorage })")
    assert json.dumps(kept).count(meeting.ids["mo"]) == 0
    assert "pause" in json.dumps(kept)
    assert mo.evaluate("() => JSON.stringify(window.localStorage)").count("pause") == 0


def test_a_signal_cleared_while_the_page_was_away_is_not_shown_as_sent_on_return(
    meeting: SignalMeeting, open_page: OpenPage
) -> None:
    """Mo's page is away while the facilitator clears the count, Ada signals the same kind and
    so much else happens that the clearing is no longer in the snapshot's activity. The count is
    Ada's now, not Mo's: Mo may signal again."""
    mo = meeting.open(open_page(**SIDE_PANEL), "mo")
    mo.get_by_role("button", name="Pause, please").click()
    assert_shown_as_sent(mo, "pause", "Pause, please")
    mo.goto("about:blank")

    meeting.send("facilitator", "clear_signals", {"kind": "pause"})
    meeting.send("ada", "send_signal", {"kind": "pause"})
    for minutes in range(1, 13):
        meeting.send("facilitator", "start_timer", {"timer": "speaker", "seconds": minutes * 60})
    actions = [entry["action"] for entry in meeting.meeting()["activity"]]
    assert "signals_cleared" not in actions, actions

    reopen(mo, meeting, "mo")
    expect(count_of(mo, "pause")).to_have_text("1")
    expect(signal(mo, "pause")).to_have_attribute("data-state", "")
    expect(mo.get_by_role("button", name="Pause, please")).to_have_attribute(
        "aria-disabled", "false"
    )
    mo.get_by_role("button", name="Pause, please").click()
    expect(mo.locator("#signal-status")).to_have_text("Sent, anonymously.")
    assert meeting.counted() == {"pause": 2}


def test_a_signal_still_counting_when_the_page_returns_stays_sent_whatever_came_between(
    meeting: SignalMeeting, open_page: OpenPage
) -> None:
    mo = meeting.open(open_page(**SIDE_PANEL), "mo")
    mo.get_by_role("button", name="I need clarity").click()
    assert_shown_as_sent(mo, "clarity", "I need clarity")
    mo.goto("about:blank")
    meeting.send("ada", "send_signal", {"kind": "clarity"})
    for minutes in range(1, 13):
        meeting.send("facilitator", "start_timer", {"timer": "speaker", "seconds": minutes * 60})

    reopen(mo, meeting, "mo")
    expect(count_of(mo, "clarity")).to_have_text("2")
    assert_shown_as_sent(mo, "clarity", "I need clarity")
