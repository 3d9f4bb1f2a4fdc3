"""The one path from a command to committed state: rules applied inside the store's transaction."""

from __future__ import annotations

from companion.domain import rules
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import Meeting
from companion.services import services
from companion.store import MeetingNotFound, StoreUnavailable
from companion.store.signal_claims import SignalSender, SignalStillCounts

UNAVAILABLE = Rejected("unavailable", "The service is briefly unavailable; try again.")
MEETING_GONE = Rejected("meeting_not_found", "This meeting no longer exists.")


def commit(meeting_id: str, command: Command) -> Meeting:
    """Apply the rules to the stored meeting atomically; storage problems become rejections."""
    sender = _signal_sender(command)
    try:
        meeting, _ = services().store.update_meeting(
            meeting_id, lambda m: rules.apply(m, command), sender=sender
        )
    except MeetingNotFound as error:
        raise Rejected(MEETING_GONE.code, MEETING_GONE.message) from error
    except StoreUnavailable as error:
        # A fresh one each time: raising the shared one would pile every traceback onto it.
        raise Rejected(UNAVAILABLE.code, UNAVAILABLE.message) from error
    except SignalStillCounts as error:
        seconds = max(1, round(error.remaining_ms / 1000))
        raise Rejected(
            "signal_still_counts",
            f"Your signal still counts for {seconds} s; you can send it again once it fades.",
        ) from error
    return meeting


def _signal_sender(command: Command) -> SignalSender | None:
    """A signal counts once for each person and kind until it fades: the store sees to that."""
    if command.name != "send_signal":
        return None
    return SignalSender(command.actor_id, str(command.args.get("kind")))
