"""What a presenter says they will do: named as their work ends, seen by the whole set.

Only the presenter adds to their own list: nobody else decides what the presenter will do. A
facilitator may take an action off (a slip, something said in confidence), and that shows as an
override like any other.
"""

from __future__ import annotations

from companion.domain.commands import Command, Entry
from companion.domain.errors import Rejected
from companion.domain.model import FACILITATION, Action, Meeting, Phase, RosterEntry

MAX_ACTIONS_PER_WORK = 10
TEXT_MAX = 200
NAMING_PHASES = frozenset({Phase.WORK, Phase.CLOSING_ROUND})


def actions_of(meeting: Meeting, bid_id: str) -> list[Action]:
    return [action for action in meeting.actions if action.bid_id == bid_id]


def forget_for_bid(meeting: Meeting, bid_id: str) -> None:
    """A bid deleted after interrupted work takes the actions named during it along."""
    meeting.actions = [action for action in meeting.actions if action.bid_id != bid_id]


def add(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    work = meeting.work
    if meeting.phase not in NAMING_PHASES or work is None:
        raise Rejected("not_in_work", "Actions are named during your work or its closing round.")
    if actor.id != work.presenter_id:
        raise Rejected("not_presenter", "Only the presenter names their own actions.")
    if len(actions_of(meeting, work.bid_id)) >= MAX_ACTIONS_PER_WORK:
        raise Rejected("too_many_actions", f"Keep to {MAX_ACTIONS_PER_WORK} actions at most.")
    text = command.arg("text")
    if not text:
        raise Rejected("invalid_input", "text: Say what you will do.")
    action = Action(id=f"a{meeting.next_id}", owner_id=actor.id, bid_id=work.bid_id, text=text)
    meeting.next_id += 1
    meeting.actions.append(action)
    return Entry("action_added", subject=actor.id, detail=action.id)


def remove(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    action_id = command.arg("action_id")
    action = next((a for a in meeting.actions if a.id == action_id), None)
    if action is None:
        raise Rejected("no_such_action", "That action does not exist.")
    overriding = actor.id != action.owner_id
    if overriding and actor.role not in FACILITATION:
        raise Rejected("not_yours", "Only the person who named an action can take it off.")
    meeting.actions.remove(action)
    return Entry("action_removed", subject=action.owner_id, detail=action.id, override=overriding)
