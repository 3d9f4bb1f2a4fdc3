"""Anonymous non-verbal signals: anyone taking part can say "pause" or "that sounds like advice"
without being singled out.

Anonymity is structural: a signal is stored as a kind and a time, nothing else, and sending one
leaves no line in the activity log (whose lines name an actor). The handler returns no entry for
exactly that reason. Counts fade: a signal counts for the set's window, then drops away.

That each person's signal counts once per kind and window is kept outside the meeting, by the store,
under a key nobody can trace back to a person; ``signal_rounds`` is the part of it that belongs to
the meeting: a facilitator who clears or switches off a kind starts its round afresh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from companion.domain.commands import Command, Entry
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, Phase, RosterEntry
from companion.domain.rounds import takes_part


@dataclass(frozen=True)
class Signal:
    kind: str
    label: str  # what the button and the count say
    meaning: str  # a longer hint, for the button's description


CATALOGUE = (
    Signal("pause", "Pause, please", "I would like us to stop for a moment."),
    Signal("clarity", "I need clarity", "I have lost the thread and would like it made clearer."),
    Signal("slow_down", "Slow down", "Things are moving too fast for me to follow well."),
    Signal("advice", "That sounds like advice", "We seem to be telling, not asking."),
    Signal("refocus", "Back to the issue", "We have drifted from the presenter's issue."),
    Signal("time", "Mind the time", "Time is getting short for what is left."),
)
KINDS = tuple(signal.kind for signal in CATALOGUE)
WINDOW_MIN_SECONDS = 10
WINDOW_MAX_SECONDS = 600


def send(meeting: Meeting, actor: RosterEntry, command: Command) -> None:
    """Count one signal. Returns no activity entry, so nothing ever records who sent it."""
    _open(meeting)
    kind = _known(command.arg("kind"))
    if kind in meeting.signals_off:
        raise Rejected("signal_off", "The facilitator has switched this signal off for now.")
    forget_faded(meeting, command.now_ms)
    meeting.signals.setdefault(kind, []).append(command.now_ms)


def switch(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """A facilitator switches a kind off (its count goes with it) or back on, for this meeting."""
    _open(meeting)
    kind, on = _known(command.arg("kind")), bool(command.arg("on"))
    if on == (kind not in meeting.signals_off):
        raise Rejected("no_change", f"That signal is already {'on' if on else 'off'}.")
    if on:
        meeting.signals_off.remove(kind)
    else:
        meeting.signals_off.append(kind)
        _start_afresh(meeting, [kind])
    return Entry("signal_on" if on else "signal_off", detail=kind, override=True)


def clear(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """A facilitator wipes the counts of one kind, or of all (``kind`` None), so everyone can
    signal afresh: after a pause has been taken, say."""
    _open(meeting)
    kind = command.args.get("kind")
    kinds = list(KINDS) if kind is None else [_known(kind)]
    forget_faded(meeting, command.now_ms)
    if not any(meeting.signals.get(k) for k in kinds):
        raise Rejected("nothing_to_clear", "There are no signals counting to clear.")
    _start_afresh(meeting, kinds)
    return Entry("signals_cleared", detail=kind, override=True)


def set_window(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """How long a signal counts. Counts start afresh, so nobody's signal counts twice or is lost
    between the old window and the new."""
    _open(meeting)
    seconds = int(command.arg("seconds"))
    if not WINDOW_MIN_SECONDS <= seconds <= WINDOW_MAX_SECONDS:
        raise Rejected(
            "out_of_range",
            f"A signal can count for {WINDOW_MIN_SECONDS} to {WINDOW_MAX_SECONDS} seconds.",
        )
    if seconds == meeting.settings.signal_window_seconds:
        raise Rejected("no_change", f"Signals already count for {seconds} seconds.")
    meeting.settings.signal_window_seconds = seconds
    _start_afresh(meeting, list(KINDS))
    return Entry("signal_window_set", detail=str(seconds), override=True)


def round_of(meeting: Meeting, kind: str) -> int:
    """The round of ``kind`` a signal sent now falls in; the store counts a person once in it."""
    return meeting.signal_rounds.get(kind, 0)


def highlight_at(meeting: Meeting) -> int:
    """How many people sending the same signal is "several": a third of the members here, and
    never fewer than two, so one person can never raise the alarm alone."""
    here = sum(1 for p in meeting.participants.values() if p.online and takes_part(meeting, p.id))
    return max(2, math.ceil(here / 3))


def _start_afresh(meeting: Meeting, kinds: list[str]) -> None:
    for kind in kinds:
        meeting.signals.pop(kind, None)
        meeting.signal_rounds[kind] = round_of(meeting, kind) + 1


def _known(kind: str) -> str:
    if kind not in KINDS:
        raise Rejected("unknown_signal", "That signal is not one the set uses.")
    return kind


def _open(meeting: Meeting) -> None:
    if meeting.phase is Phase.CLOSED:
        raise Rejected("meeting_closed", "This meeting has ended.")


def forget_faded(meeting: Meeting, now_ms: int) -> None:
    """Drop signals older than the window, so a meeting never carries more than it shows."""
    oldest = now_ms - meeting.settings.signal_window_seconds * 1000
    meeting.signals = {
        kind: kept
        for kind, times in meeting.signals.items()
        if (kept := [t for t in times if t > oldest])
    }


def fading_times(meeting: Meeting, now_ms: int) -> dict[str, list[int]]:
    """For each kind with signals still counting, the server time at which each one fades."""
    window_ms = meeting.settings.signal_window_seconds * 1000
    return {
        kind: fades
        for kind, times in meeting.signals.items()
        if (fades := sorted(t + window_ms for t in times if t + window_ms > now_ms))
    }
