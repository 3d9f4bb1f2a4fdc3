"""A command is what someone asked for; an entry is what the meeting's history will say about it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from companion.domain.errors import Rejected
from companion.domain.model import Meeting, Participant, Role


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


Handler = Callable[[Meeting, Participant, Command], Entry | None]


@dataclass(frozen=True)
class Spec:
    handler: Handler
    roles: frozenset[Role]
    newcomer_allowed: bool = False  # only "connect": the actor may not be in the meeting yet
