"""The one path from a command to committed state: rules applied inside the store's transaction.

A meeting's command runs the meeting's rules; a command on the roster alone (the lobby, a role
changed while no meeting is open) runs the roster's. Either way the caller gets the committed
state and the events the change caused, to send once the write has committed; storage problems
become rejections here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from companion.domain import roster, rules
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.events import Event
from companion.domain.model import Meeting, Roster
from companion.services import services
from companion.store import MeetingNotFound, SetNotFound, StoreUnavailable
from companion.store.checked_write import EventCount, RateLimited
from companion.store.meetings import Announce
from companion.store.signal_claims import SignalSender, SignalStillCounts

UNAVAILABLE = Rejected("unavailable", "The service is briefly unavailable; try again.")
RATE_LIMITED = Rejected(
    "rate_limited", "You are sending too much too fast. Slow down, and try again in a moment."
)
MEETING_GONE = Rejected("meeting_not_found", "This meeting no longer exists.")
SET_GONE = Rejected("set_not_found", "This set no longer exists.")


@dataclass(frozen=True)
class Committed:
    """A meeting as committed, and what its change caused."""

    meeting: Meeting
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class RosterCommitted:
    roster: Roster
    events: tuple[Event, ...] = ()
    person_id: str | None = None


def commit(
    meeting_id: str,
    command: Command,
    set_id: str | None = None,
    counted: EventCount | None = None,
    announce: Announce | None = None,
) -> Committed:
    """Apply the meeting's rules to the stored meeting atomically. The events are those of the
    attempt that committed: a retried write runs the rules again on what it found. ``counted``:
    the sender's budget, spent in the same write (``guards.limits.participant_count``)."""
    caused: list[tuple[Event, ...]] = [()]

    def change(meeting: Meeting) -> Meeting:
        applied = rules.apply(meeting, command)
        caused[0] = applied.events
        return applied.meeting

    with storage_as_rejections():
        meeting, _ = services().store.update_meeting(
            meeting_id,
            change,
            sender=_signal_sender(command),
            set_id=set_id,
            counted=counted,
            announce=announce,
        )
    return Committed(meeting, caused[0])


def commit_to_roster(
    set_id: str, command: Command, invite_generation: int | None = None
) -> RosterCommitted:
    """Apply the roster's rules to the set's stored roster atomically."""
    applied: list[roster.RosterApplied] = []

    def change(kept: Roster) -> Roster:
        applied[:] = [roster.apply(kept, command)]
        changed = applied[0].roster.version != kept.version
        return applied[0].roster if changed else kept

    with storage_as_rejections():
        kept, _ = services().store.update_roster(set_id, change, invite_generation)
    result = applied[0]
    return RosterCommitted(kept, result.events, result.person_id)


@contextmanager
def storage_as_rejections() -> Iterator[None]:
    """What the store raises, as the rejection the sender is answered with."""
    try:
        yield
    except MeetingNotFound as error:
        raise Rejected(MEETING_GONE.code, MEETING_GONE.message) from error
    except SetNotFound as error:
        raise Rejected(SET_GONE.code, SET_GONE.message) from error
    except StoreUnavailable as error:
        # A fresh one each time: raising the shared one would pile every traceback onto it.
        raise Rejected(UNAVAILABLE.code, UNAVAILABLE.message) from error
    except RateLimited as error:
        raise Rejected(RATE_LIMITED.code, RATE_LIMITED.message) from error
    except SignalStillCounts as error:
        seconds = max(1, round(error.remaining_ms / 1000))
        raise Rejected(
            "signal_still_counts",
            f"Your signal still counts for {seconds} s; you can send it again once it fades.",
        ) from error


def _signal_sender(command: Command) -> SignalSender | None:
    """A signal counts once for each person and kind until it fades: the store sees to that."""
    if command.name != "send_signal":
        return None
    return SignalSender(command.actor_id, str(command.args.get("kind")))
