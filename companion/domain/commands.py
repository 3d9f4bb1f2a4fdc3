"""A command is what someone asked for; an entry is what the meeting's history will say about it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from companion.domain.errors import Rejected
from companion.domain.events import Event
from companion.domain.model import Role, RosterEntry


@dataclass(frozen=True)
class Command:
    name: str
    actor_id: str
    now_ms: int
    args: Mapping[str, Any] = field(default_factory=dict)

    def arg(self, key: str) -> Any:
        """Arguments are validated at the edge; a missing one here is a caller's bug."""
        if key not in self.args:
            raise Rejected("invalid_input", f"{key}: Missing data for required field.")
        return self.args[key]


@dataclass(frozen=True)
class Entry:
    """What the activity log records for an accepted command; ``override`` marks facilitation."""

    action: str
    subject: str | None = None
    detail: str | None = None
    override: bool = False


@dataclass(frozen=True)
class Result:
    """What a rule reports beyond the state it changed: the activity line, if any, the news
    for people beyond the snapshot, and whom the command concerned (the entry a join made or
    found)."""

    entry: Entry | None = None
    events: tuple[Event, ...] = ()
    person_id: str | None = None


# Applied to a meeting or to a roster; the actor is the sender's roster entry, None only for what
# the server itself sends.
Handler = Callable[[Any, RosterEntry | None, Command], Entry | Result | None]


@dataclass(frozen=True)
class Spec:
    handler: Handler
    roles: frozenset[Role]
    by_server: bool = False  # presence: sent by the server for a widget, authorised by its link


def result_of(result: Entry | Result | None) -> Result:
    """Most rules say only what the activity log records; some have news too."""
    if isinstance(result, Result):
        return result
    return Result(entry=result)
