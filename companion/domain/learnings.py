"""Key learnings from the learning review: up to three each, private to the person who wrote them.

They never appear in the snapshot everyone receives, nor in the activity log: recording one writes
no line at all, so not even the fact of it is shown. The owner alone is sent their own.
"""

from __future__ import annotations

from typing import Any

from companion.domain.commands import Command, Result
from companion.domain.errors import Rejected
from companion.domain.events import PrivateChanged
from companion.domain.model import Learning, Meeting, Phase, RosterEntry

PER_MEETING = 3
TEXT_MAX = 200


def add(meeting: Meeting, actor: RosterEntry, command: Command) -> Result:
    if meeting.phase is not Phase.LEARNING_REVIEW:
        raise Rejected("not_review", "Learnings are recorded during the learning review.")
    if len(own(meeting, actor.id)) >= PER_MEETING:
        raise Rejected("too_many_learnings", f"Keep to {PER_MEETING} key learnings.")
    learning_id = f"{meeting.id}.l{meeting.next_id}"
    meeting.next_id += 1
    meeting.learnings.append(Learning(learning_id, actor.id, meeting.id, command.arg("text")))
    return Result(events=(PrivateChanged(actor.id),))


def remove(meeting: Meeting, actor: RosterEntry, command: Command) -> Result:
    """Someone else's learning is "not found" too: its existence is nobody else's business."""
    learning_id = command.arg("learning_id")
    mine = next((item for item in own(meeting, actor.id) if item.id == learning_id), None)
    if mine is None:
        raise Rejected("no_such_learning", "You have no such learning in this meeting.")
    meeting.learnings.remove(mine)
    return Result(events=(PrivateChanged(actor.id),))


def own(meeting: Meeting, participant_id: str) -> list[Learning]:
    return [item for item in meeting.learnings if item.owner_id == participant_id]


def private_view(meeting: Meeting, participant_id: str) -> dict[str, Any]:
    """What only ``participant_id`` may see of this meeting."""
    return {"learnings": [{"id": i.id, "text": i.text} for i in own(meeting, participant_id)]}
