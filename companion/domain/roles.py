"""Roles and removal while a meeting is open: the roster changes, and the meeting follows.

Who may do what is the roster's rule (``companion.domain.roster``); what it means for the meeting
in progress (rounds, raised hands, bids, the presenter's place) is decided here.
"""

from __future__ import annotations

from companion.domain import bidding, hands, roster, rounds
from companion.domain.commands import Command, Entry, Result
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, RosterEntry

ASSIGNABLE = roster.ASSIGNABLE


def follow_role(meeting: Meeting, participant_id: str, now_ms: int) -> None:
    """Keep rounds, hands and bids consistent with who takes part now."""
    if rounds.takes_part(meeting, participant_id):
        rounds.admit(meeting, participant_id, now_ms)
    else:
        stop_taking_part(meeting, participant_id, now_ms)


def stop_taking_part(meeting: Meeting, participant_id: str, now_ms: int) -> None:
    if meeting.work is not None and meeting.work.presenter_id == participant_id:
        raise Rejected("is_presenter", "The presenter keeps their part until their work ends.")
    rounds.forget(meeting, participant_id, now_ms)
    hands.forget(meeting, participant_id)
    bidding.withdraw_all(meeting, participant_id)


def hand_over(meeting: Meeting, actor: RosterEntry, command: Command) -> Result:
    result = roster.hand_over(meeting.roster, actor, command)
    assert result.person_id is not None
    follow_role(meeting, result.person_id, command.now_ms)
    follow_role(meeting, actor.id, command.now_ms)
    entry = Entry("facilitation_handed_over", subject=result.person_id, override=True)
    return Result(entry=entry, events=result.events)


def set_role(meeting: Meeting, actor: RosterEntry, command: Command) -> Result:
    result = roster.set_role(meeting.roster, actor, command)
    assert result.person_id is not None
    follow_role(meeting, result.person_id, command.now_ms)
    role = command.arg("role")
    entry = Entry("role_set", subject=result.person_id, detail=role, override=True)
    return Result(entry=entry, events=result.events)


def remove(meeting: Meeting, actor: RosterEntry, command: Command) -> Result:
    """Removed people are disconnected and cannot come back into the set, nor this meeting."""
    result = roster.remove(meeting.roster, actor, command)
    assert result.person_id is not None
    stop_taking_part(meeting, result.person_id, command.now_ms)
    present = meeting.participants.get(result.person_id)
    if present is not None:
        present.connections = []
    entry = Entry("participant_removed", subject=result.person_id, override=True)
    return Result(entry=entry, events=result.events)
