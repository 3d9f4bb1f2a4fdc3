"""Speaking rounds: check-in, the closing round for a presenter, and the learning review.

The round keeps everyone's place in ``order``, even while they are away; the *speaking order* shown
to the set holds only those present. The next speaker is always the first person in that order who
is present and has not yet spoken, so someone who comes back after being skipped speaks next.
"""

from __future__ import annotations

from companion.domain import roster, timers
from companion.domain.commands import Command, Entry
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, Outcome, RosterEntry, Round, RoundKind


def takes_part(meeting: Meeting, participant_id: str) -> bool:
    """Members (presenters included) speak in rounds; facilitators steer, observers watch. The
    roster says who is which."""
    return roster.takes_part(meeting.roster.entries.get(participant_id))


def present_members(meeting: Meeting) -> list[str]:
    members = [p for p in meeting.participants.values() if takes_part(meeting, p.id) and p.online]
    return [p.id for p in sorted(members, key=lambda p: p.joined_at)]


def speaking_order(meeting: Meeting) -> list[str]:
    if meeting.round is None:
        return []
    return [pid for pid in meeting.round.order if _present(meeting, pid)]


def _present(meeting: Meeting, participant_id: str) -> bool:
    participant = meeting.participants.get(participant_id)
    return participant is not None and takes_part(meeting, participant_id) and participant.online


def open_round(meeting: Meeting, kind: RoundKind, now_ms: int, last: str | None = None) -> None:
    """Start a round with everyone present; ``last`` (the presenter) always speaks last."""
    order = [pid for pid in present_members(meeting) if pid != last]
    if last is not None:
        order.append(last)
    meeting.round = Round(kind=kind, order=order)
    move_to_next_speaker(meeting, now_ms)


def close_round(meeting: Meeting) -> None:
    meeting.round = None
    timers.clear_timer(meeting, timers.SPEAKER)


def move_to_next_speaker(meeting: Meeting, now_ms: int) -> None:
    """Give the turn to the first present person who has not spoken; restart the speaker timer."""
    current_round = meeting.round
    assert current_round is not None
    waiting = [pid for pid in speaking_order(meeting) if pid not in current_round.outcomes]
    if _presenter_has_spoken(meeting):
        waiting = []  # the presenter's words close the round; nobody speaks after them
    current_round.current = waiting[0] if waiting else None
    if current_round.current is None:
        timers.clear_timer(meeting, timers.SPEAKER)
    else:
        timers.set_timer(meeting, timers.SPEAKER, meeting.settings.speaker_seconds, now_ms)


def admit(meeting: Meeting, participant_id: str, now_ms: int) -> None:
    """A late joiner goes to the end of an open round (before the presenter in a closing round).

    Once the presenter has had the last word, the closing round is complete and takes nobody new.
    """
    current_round = meeting.round
    if current_round is None:
        return
    joinable = not _presenter_has_spoken(meeting)
    if joinable and participant_id not in current_round.order and _present(meeting, participant_id):
        _set_order(meeting, [*current_round.order, participant_id])
    refresh_turn(meeting, now_ms)


def forget(meeting: Meeting, participant_id: str, now_ms: int) -> None:
    """Someone who stops taking part (made observer, removed) leaves the round entirely."""
    current_round = meeting.round
    if current_round is None:
        return
    if participant_id in current_round.order:
        current_round.order.remove(participant_id)
    current_round.outcomes.pop(participant_id, None)
    if current_round.current == participant_id:
        current_round.current = None  # the caller may not have marked them absent yet
    refresh_turn(meeting, now_ms)


def refresh_turn(meeting: Meeting, now_ms: int) -> None:
    """After presence changes: an absent speaker loses the turn; an idle round finds a speaker."""
    current_round = meeting.round
    if current_round is None:
        return
    current = current_round.current
    if current is None or not _present(meeting, current):
        move_to_next_speaker(meeting, now_ms)


def _closing_presenter(meeting: Meeting) -> str | None:
    if meeting.round and meeting.round.kind is RoundKind.CLOSING and meeting.work:
        return meeting.work.presenter_id
    return None


def _presenter_has_spoken(meeting: Meeting) -> bool:
    presenter = _closing_presenter(meeting)
    return presenter is not None and presenter in (meeting.round.outcomes if meeting.round else {})


def _set_order(meeting: Meeting, order: list[str]) -> None:
    """Every change of order goes through here, so the presenter can never lose the last place."""
    assert meeting.round is not None
    presenter = _closing_presenter(meeting)
    if presenter in order:
        order = [pid for pid in order if pid != presenter] + [presenter]
    meeting.round.order = order


def _active_round(meeting: Meeting) -> Round:
    if meeting.round is None:
        raise Rejected("no_round", "There is no speaking round at the moment.")
    return meeting.round


def _finish_turn(meeting: Meeting, actor: RosterEntry, command: Command, outcome: Outcome) -> Entry:
    current_round = _active_round(meeting)
    if current_round.current != actor.id:
        raise Rejected("not_your_turn", "It is not your turn to speak.")
    current_round.outcomes[actor.id] = outcome
    move_to_next_speaker(meeting, command.now_ms)
    return Entry(f"speaker_{outcome.value}", subject=actor.id)


def speaker_done(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    return _finish_turn(meeting, actor, command, Outcome.DONE)


def speaker_pass(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    return _finish_turn(meeting, actor, command, Outcome.PASSED)


def skip_speaker(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """The facilitator moves the turn on; the skipped person does not get it back this round."""
    current_round = _active_round(meeting)
    target = command.args.get("participant_id") or current_round.current
    if target is None or target not in current_round.order:
        raise Rejected("not_in_round", "That person is not in this round.")
    if target in current_round.outcomes:
        raise Rejected("already_spoken", "That person has already had their turn.")
    current_round.outcomes[target] = Outcome.SKIPPED
    if current_round.current == target:
        move_to_next_speaker(meeting, command.now_ms)
    return Entry("speaker_skipped", subject=target, override=True)


def move_to_end(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    current_round = _active_round(meeting)
    target = command.arg("participant_id")
    if target not in current_round.order:
        raise Rejected("not_in_round", "That person is not in this round.")
    before = list(current_round.order)
    _set_order(meeting, [pid for pid in before if pid != target] + [target])
    if current_round.order == before:
        raise Rejected("no_change", "That person already speaks last.")
    if current_round.current == target:
        move_to_next_speaker(meeting, command.now_ms)
    return Entry("round_moved_to_end", subject=target, override=True)


def reorder(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """A new speaking order: the same people, and the presenter still last in a closing round."""
    current_round = _active_round(meeting)
    proposed = list(command.arg("order"))
    present = speaking_order(meeting)
    if sorted(proposed) != sorted(present):
        raise Rejected("bad_order", "The new order must list exactly the people in the round.")
    presenter = _closing_presenter(meeting)
    if presenter is not None and presenter in proposed and proposed[-1] != presenter:
        raise Rejected("presenter_last", "The presenter always speaks last in the closing round.")
    away = [pid for pid in current_round.order if pid not in present]
    _set_order(meeting, proposed + away)
    if current_round.current is None or current_round.current not in proposed:
        move_to_next_speaker(meeting, command.now_ms)
    return Entry("round_reordered", override=True)
