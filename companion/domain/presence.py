"""Who is in the meeting and which widgets they have open.

Presence feeds the rounds: a late joiner goes to the end of an open round, and a speaker who leaves
loses the turn but keeps their place.
"""

from __future__ import annotations

from companion.domain import roster, rounds
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, Participant, Phase, RosterEntry


def connect(meeting: Meeting, actor: RosterEntry | None, command: Command) -> None:
    """A widget opened. Only someone active on the set's roster comes in; a newcomer's presence
    begins now, under the name and role the roster gives them."""
    if meeting.phase is Phase.CLOSED:
        raise Rejected("meeting_closed", "This meeting has ended.")
    person = roster.check_standing(actor, command.now_ms)
    connection_id = command.arg("connection_id")
    present = meeting.participants.get(person.id)
    if present is None:
        present = Participant(id=person.id, joined_at=command.now_ms / 1000)
        meeting.participants[person.id] = present
    if connection_id not in present.connections:
        present.connections.append(connection_id)
    rounds.admit(meeting, person.id, command.now_ms)


def disconnect(meeting: Meeting, actor: RosterEntry | None, command: Command) -> None:
    """A widget closed. With none left open the person is away, and keeps their place."""
    connection_id = command.arg("connection_id")
    present = meeting.participants.get(command.actor_id)
    if present is None or connection_id not in present.connections:
        raise Rejected("not_connected", "That connection is not part of this meeting.")
    present.connections.remove(connection_id)
    rounds.refresh_turn(meeting, command.now_ms)


def drop_connections(meeting: Meeting, actor: RosterEntry | None, command: Command) -> None:
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
