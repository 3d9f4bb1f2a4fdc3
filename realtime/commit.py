"""The one path from a command to committed state: rules applied inside the store's transaction."""

from __future__ import annotations

from companion.domain import rules
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import Meeting
from companion.services import services
from companion.store import MeetingNotFound, StoreUnavailable

UNAVAILABLE = Rejected("unavailable", "The service is briefly unavailable; try again.")
MEETING_GONE = Rejected("meeting_not_found", "This meeting no longer exists.")


def commit(meeting_id: str, command: Command) -> Meeting:
    """Apply the rules to the stored meeting atomically; storage problems become rejections."""
    try:
        meeting, _ = services().store.update_meeting(meeting_id, lambda m: rules.apply(m, command))
    except MeetingNotFound as error:
        raise MEETING_GONE from error
    except StoreUnavailable as error:
        raise UNAVAILABLE from error
    return meeting
