"""Whether a stage link still opens the stage view: a shared screen that shows the meeting as every
member sees it, and can change nothing.

A stage link names the person it was made for. It opens the view only while that person is active
in the set, so someone removed cannot keep watching the meeting through a link they kept; and only
until a facilitator replaces the set's links, which retires every stage link with the invite.
"""

from __future__ import annotations

from companion.domain import roster
from companion.domain.errors import Rejected
from companion.domain.model import LearningSet, RosterEntry

REPLACED = "This stage link has been replaced. Open the stage view again from the widget."


def check_stage_link(
    learning_set: LearningSet, person: RosterEntry | None, generation: int, now_ms: int
) -> RosterEntry:
    """The person the link was made for, if it still opens the view; else why it does not."""
    if generation != learning_set.invite_generation:
        raise Rejected("token_revoked", REPLACED)
    return roster.check_standing(person, now_ms)
