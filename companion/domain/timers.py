"""Timers are deadlines in server epoch milliseconds, never counters that tick.

Every widget computes what is left from the deadline and its own clock offset, so a timer needs no
traffic while it runs and survives any restart.
"""

from __future__ import annotations

from companion.domain.commands import Command, Entry
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, RosterEntry, Timer

MEETING = "meeting"  # the end of the whole meeting
PHASE = "phase"  # a phase or work time box
SPEAKER = "speaker"  # the current speaker in a round
SILENCE = "silence"  # the moment of silence at the opening
NAMES = (MEETING, PHASE, SPEAKER, SILENCE)

DEFAULT_MEETING_MINUTES = 120
MAX_SECONDS = 8 * 3600


def remaining_ms(timer: Timer, now_ms: int) -> int:
    if timer.deadline_ms is None:
        return timer.remaining_ms or 0
    return max(0, timer.deadline_ms - now_ms)


def set_timer(meeting: Meeting, name: str, seconds: int, now_ms: int) -> None:
    meeting.timers[name] = Timer(deadline_ms=now_ms + seconds * 1000)


def clear_timer(meeting: Meeting, name: str) -> None:
    meeting.timers.pop(name, None)


def _existing(meeting: Meeting, name: str) -> Timer:
    timer = meeting.timers.get(name)
    if timer is None:
        raise Rejected("no_timer", "That timer is not running.")
    return timer


def start(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    name, seconds = command.arg("timer"), command.arg("seconds")
    set_timer(meeting, name, seconds, command.now_ms)
    return Entry("timer_started", detail=f"{name}:{seconds}", override=True)


def pause(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    name = command.arg("timer")
    timer = _existing(meeting, name)
    if timer.paused:
        raise Rejected("timer_paused", "That timer is already paused.")
    meeting.timers[name] = Timer(remaining_ms=remaining_ms(timer, command.now_ms))
    return Entry("timer_paused", detail=name, override=True)


def resume(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    name = command.arg("timer")
    timer = _existing(meeting, name)
    if not timer.paused:
        raise Rejected("timer_running", "That timer is already running.")
    meeting.timers[name] = Timer(deadline_ms=command.now_ms + (timer.remaining_ms or 0))
    return Entry("timer_resumed", detail=name, override=True)


def extend(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    name, seconds = command.arg("timer"), command.arg("seconds")
    timer = _existing(meeting, name)
    if timer.paused:
        meeting.timers[name] = Timer(remaining_ms=(timer.remaining_ms or 0) + seconds * 1000)
    else:
        base = max(timer.deadline_ms or 0, command.now_ms)
        meeting.timers[name] = Timer(deadline_ms=base + seconds * 1000)
    return Entry("timer_extended", detail=f"{name}:{seconds}", override=True)


def stop(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    name = command.arg("timer")
    _existing(meeting, name)
    clear_timer(meeting, name)
    return Entry("timer_stopped", detail=name, override=True)
