"""The set's contract: the ground rules its members agree to, so everyone knows what holds them.

The set keeps it across meetings; a meeting carries a copy, which the store writes back to the set
whenever it changes. A member agrees once, in their first meeting, and again only if the
facilitator rewrites it: agreeing to words that have since changed would mean nothing.
"""

from __future__ import annotations

from companion.domain import rounds
from companion.domain.commands import Command, Entry
from companion.domain.default_contract import DEFAULT_CONTRACT
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, Phase, RosterEntry

__all__ = ["DEFAULT_CONTRACT", "agree", "rewrite", "still_to_agree"]

ITEMS_MAX = 12
ITEM_MAX = 200


def rewrite(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """A facilitator sets the words. Everyone is asked to agree afresh to what they now say."""
    _open(meeting)
    items = [item.strip() for item in command.arg("items")]
    if not items or not all(items) or len(items) > ITEMS_MAX:
        raise Rejected("invalid_contract", f"A contract has 1 to {ITEMS_MAX} rules, none empty.")
    if items == meeting.contract:
        raise Rejected("no_change", "The contract already says exactly this.")
    meeting.contract = items
    meeting.contract_agreed = []
    return Entry("contract_rewritten", override=True)


def agree(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """A member says they will keep to the contract as it now stands."""
    _open(meeting)
    if actor.id in meeting.contract_agreed:
        raise Rejected("already_agreed", "You have already agreed to this contract.")
    meeting.contract_agreed.append(actor.id)
    return Entry("contract_agreed")


def still_to_agree(meeting: Meeting) -> list[str]:
    """Members present who have not agreed to the contract as it stands."""
    return [
        p.id
        for p in meeting.participants.values()
        if rounds.takes_part(meeting, p.id) and p.id not in meeting.contract_agreed
    ]


def _open(meeting: Meeting) -> None:
    if meeting.phase is Phase.CLOSED:
        raise Rejected("meeting_closed", "This meeting has ended.")
