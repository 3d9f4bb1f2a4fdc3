"""Who is in the meeting and which widgets they have open.

Presence feeds the rounds: a late joiner goes to the end of an open round, and a speaker who leaves
loses the turn but keeps their place.
"""

from __future__ import annotations

from companion.domain import rounds
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, Participant, Phase, Role


def connect(meeting: Meeting, actor: Participant | None, command: Command) -> None:
    """A widget opened. Newcomers join with the name and role they have in the set."""
    if meeting.phase is Phase.CLOSED:
        raise Rejected("meeting_closed", "This meeting has ended.")
    if actor is not None and actor.removed:
        raise Rejected("removed", "You have been removed from this meeting.")
    connection_id = command.arg("connection_id")
    if actor is None:
        actor = Participant(
            id=command.actor_id,
            name=command.arg("name"),
            role=_newcomer_role(meeting, Role(command.arg("role"))),
            joined_at=command.now_ms / 1000,
        )
        meeting.participants[actor.id] = actor
    if connection_id not in actor.connections:
        actor.connections.append(connection_id)
    rounds.admit(meeting, actor.id, command.now_ms)


def _newcomer_role(meeting: Meeting, role: Role) -> Role:
    """One lead per meeting: a second facilitator arriving co-facilitates until handed the lead."""
    has_lead = any(
        p.role is Role.FACILITATOR and not p.removed for p in meeting.participants.values()
    )
    return Role.CO_FACILITATOR if role is Role.FACILITATOR and has_lead else role


def disconnect(meeting: Meeting, actor: Participant | None, command: Command) -> None:
    """A widget closed. With none left open the person is away, and keeps their place."""
    connection_id = command.arg("connection_id")
    if actor is None or connection_id not in actor.connections:
        raise Rejected("not_connected", "That connection is not part of this meeting.")
    actor.connections.remove(connection_id)
    rounds.refresh_turn(meeting, command.now_ms)


def drop_connections(meeting: Meeting, actor: Participant | None, command: Command) -> None:
    """A server process died without closing its sockets: forget every connection it held.

    Connection ids begin with the id of the process that holds them, so ``prefix`` names exactly
    that process's connections. People with no connection left are away, and keep their place.
    """
    prefix = command.arg("prefix")
    dropped = 0
    for participant in meeting.participants.values():
        kept = [c for c in participant.connections if not c.startswith(prefix)]
        dropped += len(participant.connections) - len(kept)
        participant.connections = kept
    if not dropped:
        raise Rejected("no_change", "No connection of that process is left in this meeting.")
    rounds.refresh_turn(meeting, command.now_ms)
