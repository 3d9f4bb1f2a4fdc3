"""Countdowns agree across widgets whose own clocks are wrong.

Timers are server deadlines. Each widget measures the offset between its clock and the server's and
counts down to the deadline in server time, so people whose laptops or phones are a minute or more
out still see the same time left, turning over at the same moment. Here three widgets of one
meeting run with their ``Date`` skewed by +47 s, -93 s and 0 s, while the test reads the real time
(the server runs on this machine, on the same clock).
"""

import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, SIDE_PANEL, OpenPage
from tests.support import ServerProcess, Widget, create_set, join_set

# Date.now() and `new Date()` run `skew` ms ahead of the real clock; everything else about Date is
# untouched. performance.now() is left alone, so the test can still read real time in the page.
SKEW_SCRIPT = """
(() => {
  const skew = %d;
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const skewedNow = () => realNow() + skew;
  window.Date = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      return Reflect.construct(target, args.length ? args : [skewedNow()], newTarget);
    },
    apply() { return new RealDate(skewedNow()).toString(); },
    get(target, property, receiver) {
      return property === "now" ? skewedNow : Reflect.get(target, property, receiver);
    },
  });
})();
"""

# Every change of one timer's displayed text, with the real time (not the skewed Date) it happened.
WATCH_SCRIPT = """(name) => {
  const changes = [];
  const read = () => {
    const value = document.querySelector(`#timers [data-timer=${name}] .timer-value`);
    const text = value ? value.textContent : null;
    if (!changes.length || changes[changes.length - 1].text !== text) {
      changes.push({ text, at: performance.timeOrigin + performance.now() });
    }
  };
  new MutationObserver(read).observe(document.getElementById("timers"), {
    subtree: true, childList: true, characterData: true,
  });
  read();
  window.__timerChanges = changes;
}"""

READ_SCRIPT = """(name) => {
  const value = document.querySelector(`#timers [data-timer=${name}] .timer-value`);
  return value ? value.textContent : null;
}"""

SKEWS_MS = {"Fay": 47_000, "Mo": -93_000, "Ada": 0}
REDRAW_GRACE_MS = 150
DISPLAY = re.compile(r"^(\d+):(\d\d)( over)?( \(paused\))?$")


def displayed_seconds(text: str) -> int:
    """``4:59`` is 299 s left, ``0:03 over`` is -3 (three seconds past the deadline)."""
    match = DISPLAY.match(text)
    assert match, f"not a timer display: {text!r}"
    seconds = int(match[1]) * 60 + int(match[2])
    return -seconds if match[3] else seconds


def shown_for(remaining_ms: int) -> int:
    """What a correct widget shows for ``remaining_ms``: whole seconds rounded towards later."""
    return math.ceil(remaining_ms / 1000)


@dataclass
class Meeting:
    server: ServerProcess
    created: dict[str, Any]
    fay: Widget  # the facilitator's commands, over a plain Socket.IO client
    pages: dict[str, Page]

    def command(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a command and return the meeting as every widget will receive it."""
        answer = self.fay.call(event, payload)
        assert answer.get("ok") is True, answer
        version = answer["version"]
        for page in self.pages.values():
            expect(page.locator("body")).to_have_attribute("data-version", str(version))
        return self.fay.wait_for("snapshot", lambda s: s["version"] == version)["meeting"]

    def read_all(self, timer: str) -> list[tuple[str, float, float]]:
        """Each page's displayed value with the real time just before and after reading it."""
        readings = []
        for page in self.pages.values():
            before = time.time() * 1000
            text = page.evaluate(READ_SCRIPT, timer)
            readings.append((text, before, time.time() * 1000))
        return readings


@pytest.fixture
def meeting(live_server: ServerProcess, open_page: OpenPage) -> Iterator[Meeting]:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    links = {"Fay": created["facilitator_url"]}
    for name in ("Mo", "Ada"):
        links[name] = join_set(live_server.url, created["invite_token"], name)["widget_url"]
    sizes = {"Fay": {}, "Mo": {"phone": True}, "Ada": SIDE_PANEL}
    pages: dict[str, Page] = {}
    for name, skew in SKEWS_MS.items():
        page = open_page(**sizes[name])
        page.context.add_init_script(script=SKEW_SCRIPT % skew)
        page.goto(links[name])
        expect(page.locator("#connection")).to_have_text("Live")
        pages[name] = page
    fay = Widget(live_server.url, created["facilitator_token"])
    try:
        yield Meeting(live_server, created, fay, pages)
    finally:
        fay.close()


def assert_clocks_are_skewed(meeting: Meeting) -> None:
    """The premise: each page's Date really is off by its skew, both Date.now() and new Date()."""
    for name, page in meeting.pages.items():
        now, constructed = page.evaluate(
            "() => [Date.now() - (performance.timeOrigin + performance.now()),"
            " new Date().getTime() - (performance.timeOrigin + performance.now())]"
        )
        assert abs(now - SKEWS_MS[name]) < 250, (name, now)
        assert abs(constructed - SKEWS_MS[name]) < 250, (name, constructed)
    assert PHONE["width"] == meeting.pages["Mo"].viewport_size["width"]


def assert_readings_agree(readings: list[tuple[str, float, float]], deadline_ms: int) -> None:
    """Within a second of each other, and each within a second of the true time left.

    A display shows whole seconds rounded up and turns over just after each true second (the
    widget redraws 5 ms late on purpose, and a busy machine runs timers a little late), so a
    reading taken just after a boundary may still show the second before: REDRAW_GRACE_MS."""
    shown = [displayed_seconds(text) for text, _, _ in readings]
    assert max(shown) - min(shown) <= 1, f"widgets disagree: {readings}"
    for (text, before, after), seconds in zip(readings, shown, strict=True):
        latest_truth, earliest_truth = deadline_ms - after, deadline_ms - before
        lowest, highest = latest_truth - 1000, earliest_truth + 1000 + REDRAW_GRACE_MS
        assert lowest <= seconds * 1000 <= highest, (
            f"{text!r} shown, truly {latest_truth / 1000:.3f} to {earliest_truth / 1000:.3f} s left"
        )


def test_skewed_widgets_show_the_same_time_left(meeting: Meeting) -> None:
    assert_clocks_are_skewed(meeting)
    started = meeting.command("start_timer", {"timer": "speaker", "seconds": 300})
    speaker_deadline = started["timers"]["speaker"]["deadline_ms"]
    meeting_deadline = started["timers"]["meeting"]["deadline_ms"]
    time.sleep(1.0)  # the widgets' clock measurements (five round trips each) are in by now
    for _ in range(6):
        assert_readings_agree(meeting.read_all("speaker"), speaker_deadline)
        assert_readings_agree(meeting.read_all("meeting"), meeting_deadline)
        time.sleep(0.37)  # off the beat, so readings land at different points of each second
    for page in meeting.pages.values():
        value = page.locator("#timers [data-timer=speaker] .timer-value")
        expect(value).to_have_text(re.compile(r"^4:5\d$"))


def test_skewed_widgets_turn_each_second_over_together(meeting: Meeting) -> None:
    """Stronger than reading them: every widget changes second at the true moment, give or take
    a fraction of a second, because each redraw is timed to the deadline in server time."""
    started = meeting.command("start_timer", {"timer": "speaker", "seconds": 120})
    deadline = started["timers"]["speaker"]["deadline_ms"]
    time.sleep(0.6)
    for page in meeting.pages.values():
        page.evaluate(WATCH_SCRIPT, "speaker")
    time.sleep(3.6)
    flips: dict[int, list[float]] = {}
    for name, page in meeting.pages.items():
        before = time.time() * 1000
        changes, page_now = page.evaluate(
            "() => [window.__timerChanges, performance.timeOrigin + performance.now()]"
        )
        after = time.time() * 1000
        # The page read its clock at some moment between the two readings of ours.
        assert before - 25 <= page_now <= after + 25, "page and test share the real clock"
        for change in changes[1:]:
            seconds = displayed_seconds(change["text"])
            late_by = change["at"] - (deadline - seconds * 1000)
            assert -50 <= late_by <= 300, f"{name} showed {change['text']} {late_by:.0f} ms off"
            flips.setdefault(seconds, []).append(change["at"])
        assert len(changes) >= 4, f"{name} should have counted down three or more seconds"
    for seconds, moments in flips.items():
        assert len(moments) == len(SKEWS_MS), f"not every widget showed {seconds} s: {flips}"
        assert max(moments) - min(moments) <= 300, f"widgets turned to {seconds} s apart"


def test_a_paused_timer_is_frozen_at_the_same_value_everywhere(meeting: Meeting) -> None:
    meeting.command("start_timer", {"timer": "speaker", "seconds": 200})
    time.sleep(1.3)
    paused = meeting.command("pause_timer", {"timer": "speaker"})["timers"]["speaker"]
    assert paused["deadline_ms"] is None and paused["remaining_ms"] > 0
    expected_seconds = shown_for(paused["remaining_ms"])
    expected = f"{expected_seconds // 60}:{expected_seconds % 60:02d} (paused)"
    first = [text for text, _, _ in meeting.read_all("speaker")]
    assert first == [expected] * len(SKEWS_MS), first
    time.sleep(1.5)
    assert [text for text, _, _ in meeting.read_all("speaker")] == first, "it stays frozen"
    for page in meeting.pages.values():
        expect(page.locator("#timers [data-timer=speaker] .timer-value")).to_have_text(expected)

    resumed = meeting.command("resume_timer", {"timer": "speaker"})["timers"]["speaker"]
    time.sleep(0.5)
    readings = meeting.read_all("speaker")
    assert all("(paused)" not in text for text, _, _ in readings), readings
    assert_readings_agree(readings, resumed["deadline_ms"])


def test_an_overrun_is_counted_the_same_everywhere(meeting: Meeting) -> None:
    started = meeting.command("start_timer", {"timer": "speaker", "seconds": 1})
    deadline = started["timers"]["speaker"]["deadline_ms"]
    time.sleep(max(0.0, (deadline + 2600) / 1000 - time.time()))
    for _ in range(3):
        readings = meeting.read_all("speaker")
        assert all(text.endswith(" over") for text, _, _ in readings), readings
        assert_readings_agree(readings, deadline)
        time.sleep(0.45)
    for page in meeting.pages.values():
        timer = page.locator("#timers [data-timer=speaker]")
        expect(timer).to_have_class(re.compile(r"\bover\b"))


def test_signal_counts_fade_by_server_time_too(meeting: Meeting, open_page: OpenPage) -> None:
    """A signal counts for a minute of server time. A widget whose clock runs 90 s fast would, by
    its own clock, see the signal as faded before it even arrived."""
    ben = join_set(meeting.server.url, meeting.created["invite_token"], "Ben")
    fast: Page = open_page(**SIDE_PANEL)
    fast.context.add_init_script(script=SKEW_SCRIPT % 90_000)
    fast.goto(ben["widget_url"])
    expect(fast.locator("#connection")).to_have_text("Live")
    pages = [*meeting.pages.values(), fast]

    mo = meeting.pages["Mo"]
    mo.locator("#signals button[data-command=send_signal][data-args*='\"pause\"']").click()
    expect(mo.locator("#signal-status")).to_have_text("Sent, anonymously.")
    for page in pages:
        expect(page.locator("#signals [data-count-for=pause]")).to_have_text("1")
        expect(page.locator("#signals .signal.active")).to_have_count(1)
    fast.wait_for_timeout(1500)
    for page in pages:
        expect(page.locator("#signals [data-count-for=pause]")).to_have_text("1")
