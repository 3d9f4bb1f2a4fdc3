"""What a change caused that someone must be told beyond the meeting's snapshot.

The rules return these beside the new state; the edge sends each to whoever it concerns, after the
write has committed. A rule never asks who will hear of it, and the edge never asks which command
ran: a new kind of news is a new event here and one sender in ``realtime.broadcast``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Removed:
    """A facilitator took someone off the set's roster: their widgets close, their link stops."""

    person_id: str


@dataclass(frozen=True)
class Admitted:
    """Someone waiting in the lobby was let in: their waiting widget moves into the meeting."""

    person_id: str


@dataclass(frozen=True)
class Declined:
    """Someone waiting in the lobby was turned away: their waiting widget says so and closes."""

    person_id: str


@dataclass(frozen=True)
class RoleChanged:
    """Someone's role on the roster changed: what only facilitators get (the invite link, the
    lobby) now reaches them, or no longer does."""

    person_id: str


@dataclass(frozen=True)
class RosterChanged:
    """The roster as facilitators see it (who waits, who was removed, how people join) changed."""


@dataclass(frozen=True)
class PrivateChanged:
    """What only this person may see (their learnings) changed."""

    person_id: str


Event = Removed | Admitted | Declined | RoleChanged | RosterChanged | PrivateChanged
