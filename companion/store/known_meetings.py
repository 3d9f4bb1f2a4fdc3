"""What this process last read or wrote of each meeting, so that a command need not read it first.

A meeting's command runs its rules on the meeting and roster as this process last knew them, and
the one checked write (``companion.store.checked_write``) then makes sure Redis still holds exactly
that: if another process (or anything else) wrote meanwhile, nothing is written, the script hands
back what Redis holds now, and the rules run again on it. So what is kept here can be out of date,
never wrong: nothing is written, and no refusal answered, on the strength of it alone.

The stored JSON text is what the checked write compares; beside it, the meeting decoded from that
text (the one this process wrote, or decoded once since), so that a command does not decode the
meeting and roster again. That decoded meeting is shared: the rules and every caller copy before
they change anything (``shapes.copied``) and nothing may change it in place. With the text, the
meeting's signal secret as last read (it is needed for every signal's hidden claim,
and is dropped once the meeting ends), when this process last renewed the time to live of the
meeting's set, roster, index and secret, and whether another process writes the meeting too (then
it is read before each command, as without this: a stale copy would cost a refused script call).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import orjson

from companion.domain.codec import meeting_from_dict, roster_from_dict
from companion.domain.model import Meeting

# Meetings kept per process, the least recently used dropped first: some 5 KB each.
CAPACITY = 4096


@dataclass(frozen=True)
class Known:
    """A meeting as Redis held it when this process last read or wrote it."""

    set_id: str
    meeting: str
    roster: str
    secret: str | None
    set_renewed_at: float | None = None  # time.monotonic(); None: not by this process
    # Another process wrote it since this one last did: read it before the next command, until
    # a read finds nobody else wrote.
    shared: bool = False
    # The meeting decoded from ``meeting`` and ``roster``. Not a constructor argument, so any
    # ``dataclasses.replace`` (a new text) starts without it, and it can never be out of step.
    _decoded: Meeting | None = field(init=False, default=None, compare=False, repr=False)

    def decoded(self) -> Meeting:
        meeting = self._decoded
        if meeting is None:
            kept = roster_from_dict(orjson.loads(self.roster))
            meeting = meeting_from_dict(orjson.loads(self.meeting), kept)
            self.remember(meeting)
        return meeting

    def remember(self, meeting: Meeting) -> Known:
        """Keeps ``meeting`` as the decoding of this text: only ever the meeting that was
        encoded to it (or decoded from it), which is why it is set once, never replaced."""
        object.__setattr__(self, "_decoded", meeting)
        return self


class KnownMeetings:
    """A bounded, thread-safe map from meeting id to what is known of it."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._known: OrderedDict[str, Known] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, meeting_id: str) -> Known | None:
        with self._lock:
            known = self._known.get(meeting_id)
            if known is not None:
                self._known.move_to_end(meeting_id)
            return known

    def put(self, meeting_id: str, known: Known) -> None:
        with self._lock:
            self._known[meeting_id] = known
            self._known.move_to_end(meeting_id)
            while len(self._known) > self._capacity:
                self._known.popitem(last=False)

    def forget(self, meeting_id: str) -> None:
        with self._lock:
            self._known.pop(meeting_id, None)

    def __len__(self) -> int:
        return len(self._known)
