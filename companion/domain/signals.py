"""Anonymous non-verbal signals: anyone taking part can say "pause" or "that sounds like advice"
without being singled out.

Anonymity is structural: a signal is stored as a kind and a time, nothing else, and sending one
leaves no line in the activity log (whose lines name an actor). The handler returns no entry for
exactly that reason. Counts fade: a signal counts for the set's window, then drops away.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, Participant, Phase


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


def send(meeting: Meeting, actor: Participant, command: Command) -> None:
    """Count one signal. Returns no activity entry, so nothing ever records who sent it."""
    if meeting.phase is Phase.CLOSED:
        raise Rejected("meeting_closed", "This meeting has ended.")
    kind = command.arg("kind")
    if kind not in KINDS:
        raise Rejected("unknown_signal", "That signal is not one the set uses.")
    forget_faded(meeting, command.now_ms)
    meeting.signals.setdefault(kind, []).append(command.now_ms)


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
