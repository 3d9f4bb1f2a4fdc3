"""Who attended which of a set's meetings. Kept on the roster, the set's one record of its people,
so it lasts as long as the set does and goes with a person's entry when they delete their data.

A meeting's presence is its attendance: everyone who had the widget open at some point of it is in
``meeting.participants`` until it ends, even once they have gone. It is written to the roster as
the meeting ends; while it runs, it is read from the presence itself.
"""

from __future__ import annotations

from companion.domain.model import Meeting, Phase, Roster, RosterEntry, Status

# More meetings than a set holds in years of meeting monthly: the oldest marks go first.
ATTENDED_KEPT = 200


def mark(meeting: Meeting) -> None:
    """As the meeting ends, everyone active in the set who was present in it has attended it. A
    meeting reopened and ended again marks nobody twice."""
    for person_id in meeting.participants:
        entry = meeting.roster.entries.get(person_id)
        if entry is None or entry.status is not Status.ACTIVE or meeting.id in entry.attended:
            continue
        entry.attended = [*entry.attended, meeting.id][-ATTENDED_KEPT:]


def attended(meeting: Meeting, entry: RosterEntry) -> bool:
    if meeting.phase is Phase.CLOSED:
        return meeting.id in entry.attended
    return entry.id in meeting.participants


def attendees(meeting: Meeting) -> list[RosterEntry]:
    """Who attended, in the roster's order: named people only (not those who deleted their data)."""
    entries = meeting.roster.entries.values()
    return [entry for entry in entries if entry.name and attended(meeting, entry)]


def forget_meeting(roster: Roster, meeting_id: str) -> bool:
    """A deleted meeting leaves no mark. Returns whether any entry changed."""
    changed = False
    for entry in roster.entries.values():
        if meeting_id in entry.attended:
            entry.attended = [kept for kept in entry.attended if kept != meeting_id]
            changed = True
    return changed
