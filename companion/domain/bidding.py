"""Bids for time to work on an issue, the accepted queue, and the proposed time allocation."""

from __future__ import annotations

from companion.domain import actions, timers
from companion.domain.commands import Command, Entry
from companion.domain.errors import Rejected
from companion.domain.model import Allocation, Bid, BidStatus, Meeting, Phase, RosterEntry

OPEN_FOR_BIDS = frozenset(
    {Phase.OPENING, Phase.CHECK_IN, Phase.BIDDING, Phase.WORK, Phase.CLOSING_ROUND}
)
ACTIVE = frozenset({BidStatus.PENDING, BidStatus.ACCEPTED, BidStatus.WORKING})
QUEUED = frozenset({BidStatus.ACCEPTED, BidStatus.WORKING})


def find_bid(meeting: Meeting, bid_id: str) -> Bid:
    for bid in meeting.bids:
        if bid.id == bid_id:
            return bid
    raise Rejected("no_such_bid", "That bid does not exist.")


def active_bid_of(meeting: Meeting, participant_id: str) -> Bid | None:
    return next(
        (b for b in meeting.bids if b.participant_id == participant_id and b.status in ACTIVE),
        None,
    )


def accepted_queue(meeting: Meeting) -> list[Bid]:
    """Accepted bids in presenting order. Bids are kept in order of arrival at the server, so that
    breaks ties; a facilitator's reorder swaps accepted bids between their places."""
    return [b for b in meeting.bids if b.status in QUEUED]


def next_presentation(meeting: Meeting) -> Bid | None:
    return next((b for b in meeting.bids if b.status is BidStatus.ACCEPTED), None)


def place(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    if meeting.phase not in OPEN_FOR_BIDS:
        raise Rejected("bidding_closed", "Bids are no longer taken in this meeting.")
    if active_bid_of(meeting, actor.id) is not None:
        raise Rejected("already_bid", "You already have a bid; withdraw it to make another.")
    bid = Bid(
        id=f"b{meeting.next_id}",
        participant_id=actor.id,
        title=command.arg("title"),
        minutes=command.arg("minutes"),
        arrived_ms=command.now_ms,
        share_title=bool(command.args.get("share_title", False)),
    )
    meeting.next_id += 1
    meeting.bids.append(bid)
    return Entry("bid_placed", subject=actor.id, detail=bid.id)


def withdraw(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    bid = active_bid_of(meeting, actor.id)
    if bid is None:
        raise Rejected("no_bid", "You have no bid to withdraw.")
    if bid.status is BidStatus.WORKING:
        raise Rejected("bid_in_progress", "Your work is under way; say you are done instead.")
    _forget_bid(meeting, bid)
    return Entry("bid_withdrawn", subject=actor.id, detail=bid.id)


def _forget_bid(meeting: Meeting, bid: Bid) -> None:
    """A withdrawn bid leaves nothing behind: its title stays private, any actions named during
    interrupted work on it go too, and placing and withdrawing over and over cannot grow the
    meeting without bound."""
    meeting.bids.remove(bid)
    actions.forget_for_bid(meeting, bid.id)


def withdraw_all(meeting: Meeting, participant_id: str) -> None:
    """For someone who stops taking part: their waiting bids are dropped, not left to block.

    A declined bid is waiting too, since a facilitator may still accept it.
    """
    waiting = {BidStatus.PENDING, BidStatus.ACCEPTED, BidStatus.DECLINED}
    for bid in list(meeting.bids):
        if bid.participant_id == participant_id and bid.status in waiting:
            _forget_bid(meeting, bid)


def accept(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    bid = find_bid(meeting, command.arg("bid_id"))
    if bid.status not in {BidStatus.PENDING, BidStatus.DECLINED}:
        raise Rejected("bid_not_open", "Only a waiting or declined bid can be accepted.")
    if active_bid_of(meeting, bid.participant_id) not in (None, bid):
        raise Rejected("already_bid", "That member already has another bid.")
    bid.status = BidStatus.ACCEPTED
    return Entry("bid_accepted", subject=bid.participant_id, detail=bid.id, override=True)


def decline(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    bid = find_bid(meeting, command.arg("bid_id"))
    if bid.status not in {BidStatus.PENDING, BidStatus.ACCEPTED}:
        raise Rejected("bid_not_open", "Only a waiting or accepted bid can be declined.")
    bid.status = BidStatus.DECLINED
    return Entry("bid_declined", subject=bid.participant_id, detail=bid.id, override=True)


def reorder(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """A new presenting order for the accepted bids that have not started yet."""
    slots = [i for i, b in enumerate(meeting.bids) if b.status is BidStatus.ACCEPTED]
    proposed = list(command.arg("order"))
    by_id = {meeting.bids[i].id: meeting.bids[i] for i in slots}
    if sorted(proposed) != sorted(by_id):
        raise Rejected("bad_order", "The new order must list exactly the accepted bids.")
    for slot, bid_id in zip(slots, proposed, strict=True):
        meeting.bids[slot] = by_id[bid_id]
    return Entry("bids_reordered", override=True)


def set_allocation(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    mode = Allocation(command.arg("mode"))
    if meeting.settings.allocation is mode:
        raise Rejected("no_change", "That is already how time is shared.")
    meeting.settings.allocation = mode
    return Entry("allocation_set", detail=mode.value, override=True)


def propose_allocation(meeting: Meeting, now_ms: int) -> dict[str, int]:
    """Minutes for each accepted bid still to finish, from the time left before the review.

    ``equal`` splits the time evenly; ``asked`` gives each what they asked for, scaled down in
    proportion when it does not all fit. Nothing is proposed without a meeting timer.
    """
    meeting_timer = meeting.timers.get(timers.MEETING)
    queue = accepted_queue(meeting)
    if meeting_timer is None or not queue:
        return {}
    reserve_ms = meeting.settings.review_reserve_minutes * 60_000
    available = max(0, timers.remaining_ms(meeting_timer, now_ms) - reserve_ms) // 60_000
    if meeting.settings.allocation is Allocation.EQUAL:
        return {b.id: available // len(queue) for b in queue}
    asked = sum(b.minutes for b in queue)
    if asked <= available:
        return {b.id: b.minutes for b in queue}
    return {b.id: b.minutes * available // asked for b in queue}
