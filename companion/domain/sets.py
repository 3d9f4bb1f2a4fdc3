"""What a set keeps between its meetings: how a meeting starts from it, and what it gives back.

A meeting carries copies of the set's own parts (settings, contract, who agreed, the expected
members, the plan for its next meeting) and the store writes any change back at once. Actions
and learnings come back when the meeting ends: its actions, and the reports on earlier ones,
become the set's record, and each member's learnings are kept for that member alone. Taking a
meeting in twice changes nothing, so a meeting reopened and ended again is safe.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from companion.domain import roles, schedule
from companion.domain.errors import Rejected
from companion.domain.model import ActionStatus, Activity, LearningSet, Meeting, Phase, SetAction

CARRIED = ("settings", "contract", "contract_agreed", "expected_members", "next_meeting")
STILL_OPEN = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.CHANGED})


def carried(holder: LearningSet | Meeting) -> tuple[Any, ...]:
    return tuple(getattr(holder, name) for name in CARRIED)


def carry(source: LearningSet | Meeting, target: LearningSet | Meeting) -> None:
    for name in CARRIED:
        setattr(target, name, copy.deepcopy(getattr(source, name)))


def open_meeting(learning_set: LearningSet, meeting: Meeting) -> None:
    """A new meeting starts from the set, with each action still open ready to be reported on.
    Started at about the planned time, it is the planned meeting: the set's plan is done with."""
    started_ms = round(meeting.started_at * 1000)
    learning_set.next_meeting = schedule.after_start(learning_set.next_meeting, started_ms)
    carry(learning_set, meeting)
    meeting.report_back = [copy.deepcopy(a) for a in learning_set.actions if a.status in STILL_OPEN]


def take_in(learning_set: LearningSet, meeting: Meeting) -> None:
    """An ended meeting's actions, reports and learnings become the set's, replacing whatever an
    earlier taking-in of the same meeting left."""
    kept = {a.id: a for a in learning_set.actions if a.meeting_id != meeting.id}
    for reported in meeting.report_back:
        if reported.id in kept:  # not if its owner has since deleted their data
            kept[reported.id] = copy.deepcopy(reported)
    for action in meeting.actions:
        key = f"{meeting.id}.{action.id}"
        kept[key] = SetAction(key, action.owner_id, meeting.id, action.text)
    learning_set.actions = list(kept.values())
    earlier = [item for item in learning_set.learnings if item.meeting_id != meeting.id]
    learning_set.learnings = earlier + copy.deepcopy(meeting.learnings)


def as_it_will_end(learning_set: LearningSet, meeting: Meeting | None) -> LearningSet:
    """The set's record as it will be once ``meeting`` ends, when it is still open: its actions
    and learnings, and the reports made in it. A copy, so nothing is changed by reading it."""
    record = LearningSet(learning_set.id, learning_set.name, learning_set.created_at)
    record.actions, record.learnings = list(learning_set.actions), list(learning_set.learnings)
    if meeting is not None and meeting.phase is not Phase.CLOSED:
        take_in(record, meeting)
    return record


def check_invite(learning_set: LearningSet, generation: int) -> None:
    """An invite signed before the facilitator last replaced the link admits nobody."""
    if generation != learning_set.invite_generation:
        raise Rejected(
            "token_revoked",
            "This invite link has been replaced by a new one. Ask your facilitator for it.",
        )


def forget_member(learning_set: LearningSet, member_id: str) -> None:
    """A member deletes their own data: their actions, reports and learnings, and their agreement
    to the contract. Their place on the roster goes by ``roster.forget``."""
    learning_set.actions = [a for a in learning_set.actions if a.owner_id != member_id]
    learning_set.learnings = [item for item in learning_set.learnings if item.owner_id != member_id]
    learning_set.contract_agreed = [m for m in learning_set.contract_agreed if m != member_id]


def _unnamed(line: Activity, member_id: str) -> Activity:
    if member_id not in (line.actor, line.subject):
        return line
    actor = None if line.actor == member_id else line.actor
    return replace(line, actor=actor, subject=None if line.subject == member_id else line.subject)


def forget_in_meeting(meeting: Meeting, member_id: str, now_ms: int) -> None:
    """The same for one of the set's meetings, past or current: their presence, bids (and so
    their issue titles), actions, reports and learnings go; the activity log keeps its lines but
    no longer says who. In a meeting still running they stop taking part, as if removed."""
    if meeting.phase is not Phase.CLOSED:
        roles.stop_taking_part(meeting, member_id, now_ms)
    meeting.participants.pop(member_id, None)
    meeting.bids = [bid for bid in meeting.bids if bid.participant_id != member_id]
    meeting.actions = [a for a in meeting.actions if a.owner_id != member_id]
    meeting.report_back = [a for a in meeting.report_back if a.owner_id != member_id]
    meeting.learnings = [item for item in meeting.learnings if item.owner_id != member_id]
    meeting.contract_agreed = [m for m in meeting.contract_agreed if m != member_id]
    meeting.activity = [_unnamed(line, member_id) for line in meeting.activity]
    meeting.version += 1
