"""A member's own notes, to download: the actions they named and their private learnings.

Built from the set's record and, while a meeting is still open, from that meeting too, since its
actions and learnings reach the set only when it ends.
"""

from __future__ import annotations

from companion.domain import sets
from companion.domain.markdown import plain
from companion.domain.model import ActionStatus, LearningSet, Meeting

STATUS_WORDS = {
    ActionStatus.OPEN: "not reported on yet",
    ActionStatus.DONE: "done",
    ActionStatus.IN_PROGRESS: "in progress",
    ActionStatus.CHANGED: "changed",
    ActionStatus.DROPPED: "dropped",
}


def markdown(learning_set: LearningSet, meeting: Meeting | None, member_id: str) -> str:
    record = sets.as_it_will_end(learning_set, meeting)
    actions = [a for a in record.actions if a.owner_id == member_id]
    learned = [item for item in record.learnings if item.owner_id == member_id]
    lines = [f"# My notes from {plain(learning_set.name)}", "", "## My actions", ""]
    lines += [_action_line(a.text, a.status, a.reflection) for a in actions] or ["None yet."]
    lines += ["", "## What I learned", "", "Private: nobody else in the set can see these.", ""]
    lines += [f"- {plain(item.text)}" for item in learned] or ["None yet."]
    return "\n".join(lines) + "\n"


def _action_line(text: str, status: ActionStatus, reflection: str) -> str:
    line = f"- {plain(text)} ({STATUS_WORDS[status]})"
    return f"{line}: {plain(reflection)}" if reflection else line
