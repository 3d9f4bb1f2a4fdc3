"""Timers as deadlines in epoch milliseconds, and the facilitators' controls over them."""

import pytest

from companion.domain import timers
from companion.domain.model import Role, Timer
from tests.domain.driver import MeetingDriver, meeting_with


@pytest.fixture
def driver() -> MeetingDriver:
    driver = meeting_with(["ada"])
    driver.run("start_timer", "fay", timer="phase", seconds=300)
    return driver


def phase_timer(driver: MeetingDriver) -> Timer:
    return driver.meeting.timers[timers.PHASE]


@pytest.mark.parametrize(
    ("timer", "now_ms", "left"),
    [
        (Timer(deadline_ms=10_000), 4_000, 6_000),
        (Timer(deadline_ms=10_000), 12_000, 0),
        (Timer(remaining_ms=7_000), 99_000, 7_000),
        (Timer(), 0, 0),
    ],
)
def test_remaining_time_comes_from_the_deadline_or_what_was_left(
    timer: Timer, now_ms: int, left: int
) -> None:
    assert timers.remaining_ms(timer, now_ms) == left


def test_start_sets_a_deadline(driver: MeetingDriver) -> None:
    assert phase_timer(driver) == Timer(deadline_ms=driver.clock_ms + 300_000)
    assert not phase_timer(driver).paused
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.detail, latest.override) == ("timer_started", "phase:300", True)


def test_start_again_restarts_the_timer(driver: MeetingDriver) -> None:
    driver.run("pause_timer", "fay", timer="phase")
    driver.run("start_timer", "fay", timer="phase", seconds=60)
    assert phase_timer(driver) == Timer(deadline_ms=driver.clock_ms + 60_000)


def test_pause_keeps_what_was_left(driver: MeetingDriver) -> None:
    started = driver.clock_ms
    driver.run("pause_timer", "fay", timer="phase")
    elapsed = driver.clock_ms - started
    assert phase_timer(driver) == Timer(remaining_ms=300_000 - elapsed)
    assert phase_timer(driver).paused
    assert driver.meeting.activity[-1].action == "timer_paused"
    assert driver.reject("pause_timer", "fay", timer="phase").code == "timer_paused"


def test_resume_sets_a_new_deadline_from_what_was_left(driver: MeetingDriver) -> None:
    driver.run("pause_timer", "fay", timer="phase")
    left = phase_timer(driver).remaining_ms
    driver.clock_ms += 600_000  # a long pause costs nothing
    driver.run("resume_timer", "fay", timer="phase")
    assert phase_timer(driver) == Timer(deadline_ms=driver.clock_ms + left)
    assert driver.meeting.activity[-1].action == "timer_resumed"
    assert driver.reject("resume_timer", "fay", timer="phase").code == "timer_running"


def test_extend_a_running_timer_moves_its_deadline(driver: MeetingDriver) -> None:
    deadline = phase_timer(driver).deadline_ms
    driver.run("extend_timer", "fay", timer="phase", seconds=60)
    assert phase_timer(driver) == Timer(deadline_ms=deadline + 60_000)
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.detail, latest.override) == ("timer_extended", "phase:60", True)


def test_extend_an_expired_timer_counts_from_now(driver: MeetingDriver) -> None:
    driver.clock_ms += 3_600_000
    driver.run("extend_timer", "fay", timer="phase", seconds=60)
    assert phase_timer(driver) == Timer(deadline_ms=driver.clock_ms + 60_000)


def test_extend_a_paused_timer_adds_to_what_is_left(driver: MeetingDriver) -> None:
    driver.run("pause_timer", "fay", timer="phase")
    left = phase_timer(driver).remaining_ms
    driver.run("extend_timer", "fay", timer="phase", seconds=60)
    assert phase_timer(driver) == Timer(remaining_ms=left + 60_000)


def test_stop_removes_the_timer(driver: MeetingDriver) -> None:
    driver.run("stop_timer", "fay", timer="phase")
    assert timers.PHASE not in driver.meeting.timers
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.detail, latest.override) == ("timer_stopped", "phase", True)


@pytest.mark.parametrize(
    ("verb", "args"),
    [
        ("pause_timer", {"timer": "speaker"}),
        ("resume_timer", {"timer": "speaker"}),
        ("extend_timer", {"timer": "speaker", "seconds": 30}),
        ("stop_timer", {"timer": "speaker"}),
    ],
)
def test_a_timer_that_is_not_running_is_refused(
    driver: MeetingDriver, verb: str, args: dict
) -> None:
    assert driver.reject(verb, "fay", **args).code == "no_timer"


@pytest.mark.parametrize(
    ("verb", "args"),
    [
        ("start_timer", {"timer": "phase"}),
        ("extend_timer", {"timer": "phase"}),
        ("pause_timer", {}),
    ],
)
def test_missing_arguments_are_invalid_input(driver: MeetingDriver, verb: str, args: dict) -> None:
    assert driver.reject(verb, "fay", **args).code == "invalid_input"


def test_a_co_facilitator_controls_timers(driver: MeetingDriver) -> None:
    driver.join("cole", Role.CO_FACILITATOR)
    driver.run("pause_timer", "cole", timer="phase")
    assert phase_timer(driver).paused
    assert driver.meeting.activity[-1].actor == "cole"


@pytest.mark.parametrize(
    ("verb", "args"),
    [
        ("start_timer", {"timer": "phase", "seconds": 60}),
        ("pause_timer", {"timer": "phase"}),
        ("resume_timer", {"timer": "phase"}),
        ("extend_timer", {"timer": "phase", "seconds": 60}),
        ("stop_timer", {"timer": "phase"}),
    ],
)
@pytest.mark.parametrize("role", [Role.MEMBER, Role.OBSERVER])
def test_only_facilitators_control_timers(
    driver: MeetingDriver, verb: str, args: dict, role: Role
) -> None:
    driver.join("pat", role)
    assert driver.reject(verb, "pat", **args).code == "not_allowed"
