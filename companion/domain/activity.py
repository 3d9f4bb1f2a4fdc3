"""The visible history of a meeting: every accepted command leaves a line, overrides included."""

from __future__ import annotations

from companion.domain.commands import Entry
from companion.domain.model import Activity, Meeting

KEPT_ENTRIES = 30  # enough to see what just happened; the snapshot must stay small


def record(meeting: Meeting, actor_id: str, at_ms: int, entry: Entry) -> None:
    meeting.activity.append(
        Activity(
            version=meeting.version,
            at_ms=at_ms,
            actor=actor_id,
            action=entry.action,
            subject=entry.subject,
            detail=entry.detail,
            override=entry.override,
        )
    )
    del meeting.activity[:-KEPT_ENTRIES]
