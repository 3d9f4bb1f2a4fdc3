"""Who facilitates, who takes part, who only watches, and who has been asked to leave."""

from __future__ import annotations

from companion.domain import bidding, hands, rounds
from companion.domain.commands import Command, Entry
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, Participant, Role

ASSIGNABLE = frozenset({Role.MEMBER, Role.OBSERVER, Role.CO_FACILITATOR})


def _target(meeting: Meeting, command: Command) -> Participant:
    target = meeting.participants.get(command.arg("participant_id"))
    if target is None or target.removed:
        raise Rejected("no_such_participant", "That person is not in this meeting.")
    return target


def _change_role(meeting: Meeting, participant: Participant, role: Role, now_ms: int) -> None:
    """Keep rounds, hands and bids consistent with who takes part."""
    participant.role = role
    if rounds.takes_part(participant):
        rounds.admit(meeting, participant.id, now_ms)
    else:
        stop_taking_part(meeting, participant.id, now_ms)


def stop_taking_part(meeting: Meeting, participant_id: str, now_ms: int) -> None:
    if meeting.work is not None and meeting.work.presenter_id == participant_id:
        raise Rejected("is_presenter", "The presenter keeps their part until their work ends.")
    rounds.forget(meeting, participant_id, now_ms)
    hands.forget(meeting, participant_id)
    bidding.withdraw_all(meeting, participant_id)


def hand_over(meeting: Meeting, actor: Participant, command: Command) -> Entry:
    """The lead facilitator passes the lead on and becomes a member of the set."""
    target = _target(meeting, command)
    if target.id == actor.id:
        raise Rejected("no_change", "You are already the facilitator.")
    _change_role(meeting, target, Role.FACILITATOR, command.now_ms)
    _change_role(meeting, actor, Role.MEMBER, command.now_ms)
    return Entry("facilitation_handed_over", subject=target.id, override=True)


def set_role(meeting: Meeting, actor: Participant, command: Command) -> Entry:
    target = _target(meeting, command)
    role = Role(command.arg("role"))
    if role not in ASSIGNABLE:
        raise Rejected("invalid_role", "Use hand-over to change who leads the meeting.")
    if target.role is Role.FACILITATOR:
        raise Rejected("is_lead", "The lead facilitator's role changes only by hand-over.")
    if target.role is role:
        raise Rejected("no_change", "That person already has that role.")
    _change_role(meeting, target, role, command.now_ms)
    return Entry("role_set", subject=target.id, detail=role.value, override=True)


def remove(meeting: Meeting, actor: Participant, command: Command) -> Entry:
    """Removed people are disconnected and cannot come back into this meeting."""
    target = _target(meeting, command)
    if target.role is Role.FACILITATOR or target.id == actor.id:
        raise Rejected("cannot_remove", "The lead facilitator cannot be removed.")
    stop_taking_part(meeting, target.id, command.now_ms)
    target.removed = True
    target.connections = []
    return Entry("participant_removed", subject=target.id, override=True)
