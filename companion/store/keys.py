"""Every Redis key the app uses is named here, so docs/data.md has one place to check."""

from __future__ import annotations

PREFIX = "companion"


def learning_set(set_id: str) -> str:
    return f"{PREFIX}:set:{set_id}"


def meeting(meeting_id: str) -> str:
    return f"{PREFIX}:meeting:{meeting_id}"


def signal_secret(meeting_id: str) -> str:
    """The meeting's random half of the key that hides who sent a signal; deleted when it ends."""
    return f"{PREFIX}:meeting:{meeting_id}:signal-secret"


def signal_claim(meeting_id: str, tag: str) -> str:
    """One person's signal of one kind still counting, under a tag only the app could recompute,
    and only while the meeting's secret exists; it expires as the signal fades."""
    return f"{PREFIX}:meeting:{meeting_id}:signal-claim:{tag}"


def set_meetings(set_id: str) -> str:
    """A Redis set of the ids of a set's meetings, so deleting the set can find them all."""
    return f"{PREFIX}:set:{set_id}:meetings"


def server_processes() -> str:
    """A sorted set: each live server process id, scored by its last heartbeat (epoch ms)."""
    return f"{PREFIX}:processes"


def process_meetings(process_id: str) -> str:
    """The meetings in which one server process holds (or held) widget connections."""
    return f"{PREFIX}:process:{process_id}:meetings"


# The rate limiter's moving windows, each under a tag that only the app's key can make.
RATE_LIMITS_PREFIX = f"{PREFIX}:limits"


def rate_window(budget: str, tag: str) -> str:
    """One sender's recent events in one budget (``companion.guards.limits``): the times of as
    many as its rates count, for as long as its longest window."""
    return f"{RATE_LIMITS_PREFIX}:window/{budget}/{tag}"


def address_connections(tag: str) -> str:
    """A sorted set per client address (named by a tag, never the address): its live Socket.IO
    connections' leases, scored by when each was taken."""
    return f"{PREFIX}:connections:{tag}"


def roster(set_id: str) -> str:
    """The set's roster, apart from the set: every meeting command reads it, and it stays small
    while the set's record grows over months."""
    return f"{PREFIX}:set:{set_id}:roster"


def identity_sets(tenant_id: str, object_id: str) -> str:
    """A Redis set of the ids of the sets whose roster holds this verified Teams identity, so a
    facilitator's home finds their sets on any device. Set ids only; each roster has the last
    word on read, so an id left behind by a change is filtered out there."""
    return f"{PREFIX}:identity:{tenant_id}:{object_id}:sets"
