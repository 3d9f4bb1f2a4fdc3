"""A countdown never shows more time than is left.

A timer is a server deadline, and the widget shows what is left in whole seconds rounded up, so
that it reads 0:00 exactly as the deadline passes and counts the overrun after it (``0:01 over``).
Rounded up, a displayed value stays right until the very end of its second; the redraw that
replaces it must come by then. It used to come just after (5 ms late on purpose, and later still
however late the browser ran it), so for those moments every countdown showed one second more
than was left. This watches every change of a countdown against a known deadline.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LIVE, OpenPage
from tests.browser.test_time import displayed_seconds
from tests.support import ServerProcess, Widget, create_set

# Every change of the speaker timer's text, with the moment (this machine's clock, which the
# server shares) it happened.
WATCH_SCRIPT = """() => {
  const changes = [];
  const read = () => {
    const value = document.querySelector("#timers [data-timer=speaker] .timer-value");
    const text = value ? value.textContent : null;
    const last = changes[changes.length - 1];
    if (!last || last.text !== text) changes.push({ text, at: Date.now() });
  };
  new MutationObserver(read).observe(document.getElementById("timers"), {
    subtree: true, childList: true, characterData: true,
  });
  read();
  window.__changes = changes;
}"""
# A display may turn over a little before its second ends, never after; but not so early that a
# person would see it: this much at most.
EARLIEST_MS = 100


@pytest.fixture
def facilitator(live_server: ServerProcess, open_page: OpenPage) -> Iterator[tuple[Page, Widget]]:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    page = open_page()
    page.goto(created["facilitator_url"])
    expect(page.locator(LIVE)).to_be_attached()
    commands = Widget(live_server.url, created["facilitator_token"])
    try:
        yield page, commands
    finally:
        commands.close()


def shown_for(remaining_ms: float) -> int:
    """The remaining time rounded up to whole seconds; negative past the deadline."""
    return math.ceil(remaining_ms / 1000)


def test_a_countdown_never_shows_more_than_is_left(facilitator: tuple[Page, Widget]) -> None:
    page, fay = facilitator
    page.wait_for_timeout(800)  # the widget's clock measurement (five round trips) is in
    page.evaluate(WATCH_SCRIPT)
    answer = fay.call("start_timer", {"timer": "speaker", "seconds": 3})
    assert answer.get("ok"), answer
    started = fay.wait_for("snapshot", lambda s: s["version"] == answer["version"])
    deadline = started["meeting"]["timers"]["speaker"]["deadline_ms"]
    time.sleep(max(0.0, (deadline + 2300) / 1000 - time.time()))
    changes, read_at = page.evaluate("() => [window.__changes, Date.now()]")

    shown = [(displayed_seconds(c["text"]), c["at"]) for c in changes if c["text"] is not None]
    assert [seconds for seconds, _ in shown][-6:] == [3, 2, 1, 0, -1, -2], shown
    until = [at for _, at in shown[1:]] + [read_at]
    for (seconds, since), replaced_at in zip(shown, until, strict=True):
        # Shown from `since` until `replaced_at`: right all along if right at both ends.
        assert seconds <= shown_for(deadline - since), (
            f"{seconds} s shown {deadline - since} ms before the deadline: {shown}"
        )
        second_ends = deadline - (seconds - 1) * 1000
        assert replaced_at <= second_ends, (
            f"{seconds} s shown {replaced_at - second_ends} ms after its second ended: {shown}"
        )
    for (seconds, _), (_, at) in itertools.pairwise(shown):
        second_ends = deadline - (seconds - 1) * 1000
        assert at >= second_ends - EARLIEST_MS, (
            f"{seconds} s replaced {second_ends - at} ms before its second ended: {shown}"
        )
