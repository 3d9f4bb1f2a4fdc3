"""The raise-hand queue for questions during someone's work.

First come, first served, with one fairness rule: anyone who has not yet been called on in this
work period goes ahead of anyone who has. Within each group, the earlier hand goes first.

The rule is applied when a hand goes up, so ``work.hands`` is the queue itself. That is what lets a
facilitator reorder it: their order is kept exactly as they gave it.
"""

from __future__ import annotations

from companion.domain.commands import Command, Entry
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, RosterEntry, Work, WorkStage

QUESTION_STAGES = frozenset({WorkStage.PRESENTING, WorkStage.CLARIFYING, WorkStage.OPEN_QUESTIONS})


def queue(work: Work) -> list[str]:
    """The order in which raised hands will be called."""
    return list(work.hands)


def _place_in_queue(work: Work, participant_id: str) -> int:
    """Someone not yet called on goes ahead of everyone who has been; anyone else goes last.

    Nobody's standing changes while their hand is up (being called takes the hand down), so
    placing people as they arrive keeps the queue fair for as long as they wait.
    """
    if participant_id in work.asked:
        return len(work.hands)
    return next((i for i, pid in enumerate(work.hands) if pid in work.asked), len(work.hands))


def _current_work(meeting: Meeting) -> Work:
    if meeting.work is None or meeting.round is not None:
        raise Rejected("not_in_work", "Hands are raised only during someone's work.")
    return meeting.work


def raise_hand(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    work = _current_work(meeting)
    if work.stage not in QUESTION_STAGES:
        raise Rejected("questions_over", "The presenter has finished taking questions.")
    if actor.id == work.presenter_id:
        raise Rejected("presenter_cannot_raise", "As presenter, you have the floor already.")
    if actor.id in work.hands:
        raise Rejected("hand_already_raised", "Your hand is already up.")
    work.hands.insert(_place_in_queue(work, actor.id), actor.id)
    return Entry("hand_raised", subject=actor.id)


def lower_hand(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    work = _current_work(meeting)
    if actor.id not in work.hands:
        raise Rejected("hand_not_raised", "Your hand is not up.")
    work.hands.remove(actor.id)
    return Entry("hand_lowered", subject=actor.id)


def call_next(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """The facilitator gives the floor to the first present person in the queue."""
    work = _current_work(meeting)
    present = [pid for pid in queue(work) if meeting.participants[pid].online]
    if not present:
        raise Rejected("no_hands", "Nobody present has a hand up.")
    chosen = present[0]
    work.hands.remove(chosen)
    work.questioner = chosen
    if chosen not in work.asked:
        work.asked.append(chosen)
    return Entry("hand_called", subject=chosen, override=True)


def remove_hand(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    work = _current_work(meeting)
    target = command.arg("participant_id")
    if target not in work.hands:
        raise Rejected("hand_not_raised", "That person's hand is not up.")
    work.hands.remove(target)
    return Entry("hand_removed", subject=target, override=True)


def reorder(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """A facilitator's new order for the raised hands: the same people, in the order given."""
    work = _current_work(meeting)
    proposed = list(command.arg("order"))
    if sorted(proposed) != sorted(work.hands):
        raise Rejected("bad_order", "The new order must list exactly the raised hands.")
    if proposed == work.hands:
        raise Rejected("no_change", "The hands are already in that order.")
    work.hands = proposed
    return Entry("hands_reordered", override=True)


def clear_hands(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    work = _current_work(meeting)
    if not work.hands:
        raise Rejected("no_hands", "No hands are up.")
    work.hands.clear()
    return Entry("hands_cleared", override=True)


def forget(meeting: Meeting, participant_id: str) -> None:
    if meeting.work is not None:
        if participant_id in meeting.work.hands:
            meeting.work.hands.remove(participant_id)
        if meeting.work.questioner == participant_id:
            meeting.work.questioner = None
