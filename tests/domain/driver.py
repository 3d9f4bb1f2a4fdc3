"""Drives a meeting through the pure rules, with a clock that moves one second per command."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from companion.domain import phases, rules
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.events import Event
from companion.domain.model import Meeting, Role, RosterEntry

START_MS = 1_700_000_000_000


class MeetingDriver:
    def __init__(self) -> None:
        self.clock_ms = START_MS
        self.meeting: Meeting = phases.new_meeting("m1", "s1", "Ward leaders", self.clock_ms)
        self.meeting.roster.set_id = "s1"
        self.events: tuple[Event, ...] = ()  # what the latest command caused
        self._connections: dict[str, int] = {}

    def command(self, verb: str, actor: str, /, **args: Any) -> Command:
        self.clock_ms += 1000
        return Command(verb, actor, self.clock_ms, args)

    def run(self, verb: str, actor: str, /, **args: Any) -> Meeting:
        applied = rules.apply(self.meeting, self.command(verb, actor, **args))
        self.meeting, self.events = applied.meeting, applied.events
        return self.meeting

    def reject(self, verb: str, actor: str, /, **args: Any) -> Rejected:
        """Insist the command is refused and that the meeting is exactly as it was."""
        before = copy.deepcopy(self.meeting)
        with pytest.raises(Rejected) as rejection:
            rules.apply(self.meeting, self.command(verb, actor, **args))
        assert self.meeting == before
        return rejection.value

    def enrol(self, participant_id: str, role: Role = Role.MEMBER) -> None:
        """Onto the set's roster, as a facilitator letting them in would, unless already on it."""
        if participant_id not in self.meeting.roster.entries:
            entry = RosterEntry(participant_id, participant_id.title(), role)
            self.meeting.roster.entries[participant_id] = entry

    def join(self, participant_id: str, role: Role = Role.MEMBER) -> Meeting:
        """Onto the set's roster the first time, then into the meeting with one more widget."""
        self.enrol(participant_id, role)
        count = self._connections.get(participant_id, 0) + 1
        self._connections[participant_id] = count
        return self.run("connect", participant_id, connection_id=f"{participant_id}-{count}")

    def leave(self, participant_id: str) -> Meeting:
        connection = self.meeting.participants[participant_id].connections[-1]
        return self.run("disconnect", participant_id, connection_id=connection)


def meeting_with(members: list[str], facilitator: str = "fay") -> MeetingDriver:
    driver = MeetingDriver()
    driver.join(facilitator, Role.FACILITATOR)
    for member in members:
        driver.join(member)
    return driver
