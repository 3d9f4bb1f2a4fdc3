"""Reporting back: at the next meeting, each member says what became of the actions they named.

Their status and a short reflection are seen by the whole set, as the actions were; only the owner
reports on their own actions.
"""

from __future__ import annotations

from companion.domain.commands import Command, Entry
from companion.domain.errors import Rejected
from companion.domain.model import ActionStatus, Meeting, Phase, RosterEntry

REPORTED = (ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.CHANGED, ActionStatus.DROPPED)
REFLECTION_MAX = 280


def report(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    if meeting.phase is Phase.CLOSED:
        raise Rejected("meeting_closed", "This meeting has ended.")
    action_id = command.arg("action_id")
    action = next((a for a in meeting.report_back if a.id == action_id), None)
    if action is None:
        raise Rejected("no_such_action", "That action is not one to report back on here.")
    if action.owner_id != actor.id:
        raise Rejected("not_yours", "Only the person who named an action reports back on it.")
    action.status = ActionStatus(command.arg("status"))
    action.reflection = command.args.get("reflection", "")
    return Entry("action_reported", subject=actor.id, detail=action.id)
