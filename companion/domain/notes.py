"""A member's own notes, to download: the actions they named and their private learnings.

Built from the set's record and, while a meeting is still open, from that meeting too, since its
actions and learnings reach the set only when it ends.
"""

from __future__ import annotations

from companion.domain import sets
from companion.domain.model import ActionStatus, LearningSet, Meeting, Phase

STATUS_WORDS = {
    ActionStatus.OPEN: "not reported on yet",
    ActionStatus.DONE: "done",
    ActionStatus.IN_PROGRESS: "in progress",
    ActionStatus.CHANGED: "changed",
    ActionStatus.DROPPED: "dropped",
}


def markdown(learning_set: LearningSet, meeting: Meeting | None, member_id: str) -> str:
    record = _with_open_meeting(learning_set, meeting)
    actions = [a for a in record.actions if a.owner_id == member_id]
    learned = [item for item in record.learnings if item.owner_id == member_id]
    lines = [f"# My notes from {_plain(learning_set.name)}", "", "## My actions", ""]
    lines += [_action_line(a.text, a.status, a.reflection) for a in actions] or ["None yet."]
    lines += ["", "## What I learned", "", "Private: nobody else in the set can see these.", ""]
    lines += [f"- {_plain(item.text)}" for item in learned] or ["None yet."]
    return "\n".join(lines) + "\n"


def _with_open_meeting(learning_set: LearningSet, meeting: Meeting | None) -> LearningSet:
    """The set as it will be once ``meeting`` ends: a copy, so nothing is changed by reading."""
    record = LearningSet(learning_set.id, learning_set.name, learning_set.created_at)
    record.actions, record.learnings = list(learning_set.actions), list(learning_set.learnings)
    if meeting is not None and meeting.phase is not Phase.CLOSED:
        sets.take_in(record, meeting)
    return record


def _action_line(text: str, status: ActionStatus, reflection: str) -> str:
    line = f"- {_plain(text)} ({STATUS_WORDS[status]})"
    return f"{line}: {_plain(reflection)}" if reflection else line


def _plain(text: str) -> str:
    """Text as written, with Markdown's own marks escaped so a note cannot turn into a link."""
    return "".join(f"\\{ch}" if ch in "\\`*_[]<>#|" else ch for ch in text)
