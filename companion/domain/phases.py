"""The order of a meeting, and every move between phases.

Only facilitators move between phases, and each such move is recorded as an override that everyone
sees. The one exception is the presenter ending their own work.
"""

from __future__ import annotations

from companion.domain import attendance, bidding, rounds, timers
from companion.domain.commands import Command, Entry
from companion.domain.errors import Rejected
from companion.domain.model import (
    FACILITATION,
    BidStatus,
    Meeting,
    Phase,
    PhaseSpan,
    RosterEntry,
    RoundKind,
    Work,
    WorkStage,
)

ORDER = list(Phase)
STAGES = list(WorkStage)
ROUND_OF_PHASE = {
    Phase.CHECK_IN: RoundKind.CHECK_IN,
    Phase.CLOSING_ROUND: RoundKind.CLOSING,
    Phase.LEARNING_REVIEW: RoundKind.LEARNING_REVIEW,
}
MAX_SILENCE_SECONDS = 600

# Shown in the widget under the phase name. Our own words; the presenter is the only expert.
GUIDANCE = {
    Phase.OPENING: "We recall the agreement that keeps this set safe and, if we wish, take a quiet "
    "moment to arrive.",
    Phase.CHECK_IN: "One at a time, each person says briefly how they are arriving today and, if "
    "they worked last time, what happened with their actions.",
    Phase.BIDDING: "Anyone who would like time to work on an issue today asks for it now.",
    Phase.WORK: "The presenter has the floor. Ask questions that help them think; leave the "
    "answers with them.",
    Phase.CLOSING_ROUND: "Each person offers the presenter a short reflection. The presenter "
    "speaks last and names what they will do.",
    Phase.LEARNING_REVIEW: "What did today teach us, about our issues, ourselves and how we work "
    "as a set?",
    Phase.CLOSED: "This meeting has ended. Thank you for your attention and care.",
}
STAGE_GUIDANCE = {
    WorkStage.PRESENTING: "The presenter describes their issue. Listen without interrupting.",
    WorkStage.CLARIFYING: "Questions of fact, so everyone understands the situation.",
    WorkStage.OPEN_QUESTIONS: "Open questions that move the presenter's thinking on. No advice, "
    "no stories of our own.",
    WorkStage.ACTIONS: "The presenter says what they will do next.",
}


def new_meeting(meeting_id: str, set_id: str, set_name: str, now_ms: int) -> Meeting:
    """A meeting opens on the contract reminder, with a default length the set can change."""
    meeting = Meeting(meeting_id, set_id, set_name, started_at=now_ms / 1000, version=1)
    meeting.phase_log.append(PhaseSpan(Phase.OPENING, now_ms))
    timers.set_timer(meeting, timers.MEETING, timers.DEFAULT_MEETING_MINUTES * 60, now_ms)
    return meeting


def advance(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """The facilitator's "next": the next work stage, or the next phase in the meeting's order."""
    if meeting.phase is Phase.CLOSED:
        raise Rejected("meeting_closed", "This meeting has ended.")
    if meeting.phase is Phase.WORK and meeting.work is not None:
        stage = meeting.work.stage
        if stage is not WorkStage.ACTIONS:
            _move_to_stage(meeting.work, STAGES[STAGES.index(stage) + 1])
            return Entry("stage_moved", detail=meeting.work.stage.value, override=True)
    target, bid_id = _next_after(meeting)
    enter(meeting, target, command.now_ms, bid_id)
    return Entry("phase_moved", detail=target.value, override=True)


def _next_after(meeting: Meeting) -> tuple[Phase, str | None]:
    """Bidding and each closing round lead to the next accepted bid's work, or to the review."""
    if meeting.phase in (Phase.BIDDING, Phase.CLOSING_ROUND):
        upcoming = bidding.next_presentation(meeting)
        if upcoming is not None:
            return Phase.WORK, upcoming.id
        return Phase.LEARNING_REVIEW, None
    if meeting.phase is Phase.WORK:
        return Phase.CLOSING_ROUND, None
    return ORDER[ORDER.index(meeting.phase) + 1], None


def back(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """The facilitator's "back": the previous work stage, or the nearest earlier phase that can
    be entered. A closing round needs its presenter and work needs a bid to work on, so "back"
    from the learning review with nobody waiting returns to bidding. From *Closed* it reopens the
    meeting at its learning review."""
    work = meeting.work
    if meeting.phase is Phase.WORK and work is not None and work.stage is not WorkStage.PRESENTING:
        work.stage = STAGES[STAGES.index(work.stage) - 1]
        return Entry("stage_moved", detail=work.stage.value, override=True)
    for target in reversed(ORDER[: ORDER.index(meeting.phase)]):
        enterable, bid_id = _enterable(meeting, target)
        if enterable:
            returning = meeting.phase is Phase.CLOSING_ROUND
            enter(meeting, target, command.now_ms, bid_id)
            if returning and meeting.work is not None:
                meeting.work.stage = WorkStage.ACTIONS  # back to where the work had got to
            return Entry("phase_moved", detail=target.value, override=True)
    raise Rejected("at_opening", "The meeting is at its opening already.")


def _enterable(meeting: Meeting, target: Phase) -> tuple[bool, str | None]:
    """Whether ``target`` can be entered now, and for work, the bid to work on."""
    if target is Phase.CLOSING_ROUND:
        return meeting.work is not None, None
    if target is Phase.WORK:
        try:
            return True, _bid_to_work_on(meeting, None)
        except Rejected:
            return False, None
    return True, None


def go_to(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """The facilitator skips ahead or returns to any phase."""
    target = Phase(command.arg("phase"))
    bid_id = command.args.get("bid_id")
    if target is Phase.WORK:
        bid_id = _bid_to_work_on(meeting, bid_id)
    elif target is Phase.CLOSING_ROUND and meeting.work is None:
        raise Rejected("no_presenter", "There is no presenter to hold a closing round for.")
    if target is meeting.phase and (target is not Phase.WORK or bid_id == _working_bid(meeting)):
        raise Rejected("no_change", "The meeting is already there.")
    enter(meeting, target, command.now_ms, bid_id)
    return Entry("phase_moved", detail=target.value, override=True)


def _working_bid(meeting: Meeting) -> str | None:
    return meeting.work.bid_id if meeting.work else None


def _bid_to_work_on(meeting: Meeting, bid_id: str | None) -> str:
    if bid_id is None:
        bid_id = _working_bid(meeting)
        upcoming = bidding.next_presentation(meeting)
        bid_id = bid_id or (upcoming.id if upcoming else None)
    if bid_id is None:
        raise Rejected("no_presenter", "Accept a bid first: nobody is waiting to work.")
    bid = bidding.find_bid(meeting, bid_id)
    if bid.status not in bidding.QUEUED | {BidStatus.DONE}:
        raise Rejected("bid_not_accepted", "Only an accepted bid can be worked on.")
    if not rounds.takes_part(meeting, bid.participant_id):
        raise Rejected("no_presenter", "Only a member can present; this person no longer is one.")
    return bid_id


def end_work(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    """The presenter decides when to stop: questions end, then their actions end the work.

    A facilitator may do the same, and that is recorded as an override.
    """
    work = meeting.work
    if meeting.phase is not Phase.WORK or work is None:
        raise Rejected("not_in_work", "Nobody is working at the moment.")
    overriding = actor.id != work.presenter_id
    if overriding and actor.role not in FACILITATION:
        raise Rejected("not_presenter", "Only the presenter decides when their work ends.")
    if work.stage is not WorkStage.ACTIONS:
        _move_to_stage(work, WorkStage.ACTIONS)
        return Entry("questions_ended", subject=work.presenter_id, override=overriding)
    enter(meeting, Phase.CLOSING_ROUND, command.now_ms)
    return Entry("work_ended", subject=work.presenter_id, override=overriding)


def _move_to_stage(work: Work, stage: WorkStage) -> None:
    """Questions end with the actions stage, whoever moves the work there."""
    work.stage = stage
    if stage is WorkStage.ACTIONS:
        work.hands.clear()
        work.questioner = None


def start_silence(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    if meeting.phase is not Phase.OPENING:
        raise Rejected("wrong_phase", "The moment of silence belongs to the opening.")
    seconds = command.arg("seconds")
    if not 10 <= seconds <= MAX_SILENCE_SECONDS:
        raise Rejected("invalid_input", "seconds: Choose between 10 seconds and 10 minutes.")
    timers.set_timer(meeting, timers.SILENCE, seconds, command.now_ms)
    return Entry("silence_started", detail=str(seconds))


def end_meeting(meeting: Meeting, actor: RosterEntry, command: Command) -> Entry:
    if meeting.phase is Phase.CLOSED:
        raise Rejected("meeting_closed", "This meeting has already ended.")
    enter(meeting, Phase.CLOSED, command.now_ms)
    return Entry("meeting_ended", override=True)


def enter(meeting: Meeting, target: Phase, now_ms: int, bid_id: str | None = None) -> None:
    """Leave the current phase and set up the next: its round, its presenter, its timers."""
    _leave(meeting, target, bid_id)
    meeting.phase = target
    timers.clear_timer(meeting, timers.PHASE)
    timers.clear_timer(meeting, timers.SILENCE)
    if target is Phase.WORK:
        assert bid_id is not None
        _start_work(meeting, bid_id, now_ms)
    presenter = meeting.work.presenter_id if meeting.work else None
    if target in ROUND_OF_PHASE:
        last = presenter if target is Phase.CLOSING_ROUND else None
        rounds.open_round(meeting, ROUND_OF_PHASE[target], now_ms, last=last)
    if target is Phase.CLOSED:
        meeting.timers.clear()
        meeting.signals.clear()  # nobody is left to act on them
        attendance.mark(meeting)
    worked_on = meeting.work.bid_id if meeting.work is not None else None
    meeting.phase_log.append(PhaseSpan(target, now_ms, worked_on))


def _leave(meeting: Meeting, target: Phase, bid_id: str | None) -> None:
    """Work stays with its presenter into their closing round; anywhere else it is put away."""
    rounds.close_round(meeting)
    work = meeting.work
    if work is None:
        return
    bid = bidding.find_bid(meeting, work.bid_id)
    if target is Phase.CLOSING_ROUND:
        bid.status = BidStatus.DONE
        work.hands, work.questioner = [], None
        return
    if target is Phase.WORK and bid_id == work.bid_id:
        work.stage, work.hands, work.questioner = WorkStage.PRESENTING, [], None
        return
    if bid.status is BidStatus.WORKING:
        bid.status = BidStatus.ACCEPTED  # interrupted: it can be taken up again later
    meeting.work = None


def _start_work(meeting: Meeting, bid_id: str, now_ms: int) -> None:
    bid = bidding.find_bid(meeting, bid_id)
    minutes = bidding.propose_allocation(meeting, now_ms).get(bid.id) or bid.minutes
    bid.status = BidStatus.WORKING
    if meeting.work is None or meeting.work.bid_id != bid_id:
        meeting.work = Work(bid_id=bid.id, presenter_id=bid.participant_id)
    timers.set_timer(meeting, timers.PHASE, minutes * 60, now_ms)
