"""What one person may see of a set's past: its meetings, newest first, with who attended, who
presented (if the set agreed to keep that) and each one's summary; the set's actions across its
meetings with their report-back; the viewer's own private learnings; and the attendance table.

Pure and read-only: it is given the set, its meetings (with the roster they were read with) and
who is looking, and builds plain dicts ready for JSON. Nothing here can change a past meeting. The
one rule here is the set's own choice of what its past keeps: whether it names its presenters.

    past_of_set(learning_set, meetings, kept, viewer_id) -> dict
        ``viewer_id=None`` leaves every private learning out: a record meant for more than one
        person (the set's record file) passes None.
    attendance_table(meetings, kept, viewer) -> dict
        Facilitators get everyone's line; anyone else only their own.
    keep_presenters(meeting, actor, command) -> Entry
        The ``set_record_presenters`` command: ``{"on": bool}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from companion.domain import attendance, roster, sets
from companion.domain.commands import Command, Entry
from companion.domain.errors import Rejected
from companion.domain.model import (
    Learning,
    LearningSet,
    Meeting,
    Phase,
    Roster,
    RosterEntry,
    SetAction,
    Status,
)
from companion.domain.summary import summary


def keep_presenters(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """A facilitator records what the set agreed: whether its past meetings and its record name
    who presented. It is one of the set's settings, so it holds for every past meeting at once and
    for the meetings to come. The live meeting's own closing summary is not affected."""
    keep = bool(command.arg("on"))
    if meeting.settings.record_presenters is keep:
        already = "already keeps" if keep else "already does not keep"
        raise Rejected("no_change", f"The set {already} who presented.")
    meeting.settings.record_presenters = keep
    return Entry("presenters_kept", detail="on" if keep else "off", override=True)


def past_of_set(
    learning_set: LearningSet, meetings: Sequence[Meeting], kept: Roster, viewer_id: str | None
) -> dict[str, Any]:
    """The set's past as ``viewer_id`` may see it. ``meetings`` come newest first, as the store
    gives them; the one still open (if any) is listed too, with its presence so far and no
    summary, and its actions and reports count as the set's already."""
    record_presenters = learning_set.settings.record_presenters
    still_open = next((m for m in meetings if m.phase is not Phase.CLOSED), None)
    record = sets.as_it_will_end(learning_set, still_open)
    started = {meeting.id: _started_ms(meeting) for meeting in meetings}
    actions = sorted(record.actions, key=lambda a: started.get(a.meeting_id, 0), reverse=True)
    shown_actions = [_action_view(action, kept, started) for action in actions]
    return {
        "record_presenters": record_presenters,
        "meetings": [
            _meeting_view(meeting, kept, record_presenters, shown_actions) for meeting in meetings
        ],
        "actions": shown_actions,
        "learnings": _own_learnings(record.learnings, viewer_id, started),
    }


def attendance_table(
    meetings: Sequence[Meeting], kept: Roster, viewer: RosterEntry
) -> dict[str, Any]:
    """Who attended each ended meeting, newest first. A meeting still running has no settled
    attendance yet, so it is not a column. Facilitators see everyone who has belonged to the set,
    the removed marked so; members and observers see only their own line. People who deleted
    their data have no line at all."""
    ended = [meeting for meeting in meetings if meeting.phase is Phase.CLOSED]
    kept_ids = {meeting.id for meeting in ended}
    whole = roster.facilitates(viewer)
    people = [entry for entry in kept.entries.values() if _has_a_line(entry)]
    shown = people if whole else [entry for entry in people if entry.id == viewer.id]
    shown.sort(key=lambda entry: entry.status is Status.REMOVED)
    return {
        "whole": whole,
        "meetings": [
            {"id": m.id, "started_at": m.started_at, "started_ms": _started_ms(m)} for m in ended
        ],
        "people": [_attendance_row(entry, kept_ids) for entry in shown],
    }


def _has_a_line(entry: RosterEntry) -> bool:
    """Named (not someone removed who then deleted their data), and in the set or once in it:
    a newcomer waiting in the lobby has attended nothing yet."""
    return bool(entry.name) and (entry.status is not Status.WAITING or bool(entry.attended))


def _attendance_row(entry: RosterEntry, kept_ids: set[str]) -> dict[str, Any]:
    return {
        "id": entry.id,
        "name": entry.name,
        "role": entry.role.value,
        "status": entry.status.value,
        # Newest first, as the columns are; a meeting that expired on its own clock drops out.
        "attended": [m for m in reversed(entry.attended) if m in kept_ids],
    }


def _meeting_view(
    meeting: Meeting,
    kept: Roster,
    record_presenters: bool,
    shown_actions: list[dict[str, Any]],
) -> dict[str, Any]:
    closing = summary(meeting)
    presenters = _presenters(closing, kept) if record_presenters else []
    return {
        "id": meeting.id,
        "started_at": meeting.started_at,
        "started_ms": _started_ms(meeting),
        "ended_ms": closing["ended_ms"] if closing else None,
        "phase": meeting.phase.value,
        "attended": [{"id": e.id, "name": e.name} for e in _attendees(meeting, kept)],
        "presenters": presenters,
        "summary": closing if record_presenters or closing is None else _unnamed(closing),
        "actions": [action for action in shown_actions if action["meeting_id"] == meeting.id],
    }


def _attendees(meeting: Meeting, kept: Roster) -> list[RosterEntry]:
    """Read against ``kept``, the roster the caller holds, which has the marks."""
    return attendance.attendees(replace(meeting, roster=kept))


def _presenters(closing: dict[str, Any] | None, kept: Roster) -> list[dict[str, Any]]:
    """The summary's presenters, named; a title only where its presenter shared it."""
    if closing is None:
        return []
    named = []
    for shown in closing["presenters"]:
        entry = kept.entries.get(shown["presenter"])
        if entry is None or not entry.name:
            continue
        named.append(
            {
                "id": entry.id,
                "name": entry.name,
                "title": shown["title"],
                "actions": list(shown["actions"]),
            }
        )
    return named


def _unnamed(closing: dict[str, Any]) -> dict[str, Any]:
    """The summary without who presented: no presenters list, no presenter on its rows."""
    rows = [{k: v for k, v in row.items() if k != "presenter"} for row in closing["phases"]]
    return {**{k: v for k, v in closing.items() if k != "presenters"}, "phases": rows}


def _action_view(action: SetAction, kept: Roster, started: dict[str, int]) -> dict[str, Any]:
    owner = kept.entries.get(action.owner_id)
    return {
        "id": action.id,
        "owner": action.owner_id,
        "owner_name": owner.name if owner is not None else "",
        "meeting_id": action.meeting_id,
        "meeting_started_ms": started.get(action.meeting_id),
        "text": action.text,
        "status": action.status.value,
        "reflection": action.reflection,
    }


def _own_learnings(
    learned: list[Learning], viewer_id: str | None, started: dict[str, int]
) -> list[dict[str, Any]]:
    """Private: only their owner ever sees them, and nobody's when nobody in particular looks."""
    own = [item for item in learned if viewer_id is not None and item.owner_id == viewer_id]
    own.sort(key=lambda item: started.get(item.meeting_id, 0), reverse=True)
    return [
        {
            "id": item.id,
            "meeting_id": item.meeting_id,
            "meeting_started_ms": started.get(item.meeting_id),
            "text": item.text,
        }
        for item in own
    ]


def _started_ms(meeting: Meeting) -> int:
    return round(meeting.started_at * 1000)
