"""What this process last read or wrote of each meeting, so that a command need not read it first.

A meeting's command runs its rules on the meeting and roster as this process last knew them, and
the one checked write (``companion.store.checked_write``) then makes sure Redis still holds exactly
that: if another process (or anything else) wrote meanwhile, nothing is written, the script hands
back what Redis holds now, and the rules run again on it. So what is kept here can be out of date,
never wrong: nothing is written, and no refusal answered, on the strength of it alone.

Only the stored JSON text is kept, never the decoded meeting, so no code can change it in place.
With it, the meeting's signal secret as last read (it is needed for every signal's hidden claim,
and is dropped once the meeting ends), when this process last renewed the time to live of the
meeting's set, roster, index and secret, and whether another process writes the meeting too (then
it is read before each command, as without this: a stale copy would cost a refused script call).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

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

    def decoded(self) -> Meeting:
        kept = roster_from_dict(orjson.loads(self.roster))
        return meeting_from_dict(orjson.loads(self.meeting), kept)


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
