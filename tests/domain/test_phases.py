"""The order of the meeting, moves between phases and work stages, and who may make them."""

import pytest

from companion.domain import phases, timers
from companion.domain.model import BidStatus, Phase, Role, RoundKind, WorkStage
from tests.domain.driver import START_MS, MeetingDriver, meeting_with


@pytest.fixture
def driver() -> MeetingDriver:
    """Fay facilitates; Ada and Bob are members; Ada has an accepted bid, Bob a pending one."""
    driver = meeting_with(["ada", "bob"])
    driver.run("place_bid", "ada", title="Rota", minutes=20)
    driver.run("place_bid", "bob", title="", minutes=15)
    driver.run("accept_bid", "fay", bid_id="b1")
    return driver


@pytest.fixture
def working(driver: MeetingDriver) -> MeetingDriver:
    """Ada is presenting."""
    driver.run("go_to_phase", "fay", phase="work")
    return driver


def test_a_new_meeting_opens_on_the_contract_with_a_meeting_timer() -> None:
    meeting = MeetingDriver().meeting
    assert meeting.phase is Phase.OPENING
    assert meeting.version == 1
    assert (meeting.round, meeting.work) == (None, None)
    expected_deadline = START_MS + timers.DEFAULT_MEETING_MINUTES * 60_000
    assert meeting.timers[timers.MEETING].deadline_ms == expected_deadline


def test_advancing_walks_the_meeting_in_its_order(driver: MeetingDriver) -> None:
    driver.run("accept_bid", "fay", bid_id="b2")
    seen = [driver.meeting.phase]
    presenters = []
    while driver.meeting.phase is not Phase.CLOSED:
        driver.run("advance_phase", "fay")
        if driver.meeting.phase is not seen[-1]:
            seen.append(driver.meeting.phase)
        work = driver.meeting.work
        if driver.meeting.phase is Phase.WORK and work.presenter_id not in presenters:
            presenters.append(work.presenter_id)
    assert seen == [
        Phase.OPENING,
        Phase.CHECK_IN,
        Phase.BIDDING,
        Phase.WORK,
        Phase.CLOSING_ROUND,
        Phase.WORK,
        Phase.CLOSING_ROUND,
        Phase.LEARNING_REVIEW,
        Phase.CLOSED,
    ]
    assert presenters == ["ada", "bob"]
    assert [bid.status for bid in driver.meeting.bids] == [BidStatus.DONE, BidStatus.DONE]


def test_advancing_in_work_moves_through_the_stages_before_the_closing_round(
    working: MeetingDriver,
) -> None:
    stages = [working.meeting.work.stage]
    while working.meeting.phase is Phase.WORK:
        working.run("advance_phase", "fay")
        if working.meeting.phase is Phase.WORK:
            stages.append(working.meeting.work.stage)
    assert stages == list(WorkStage)
    assert working.meeting.phase is Phase.CLOSING_ROUND
    assert working.meeting.activity[-1].action == "phase_moved"
    assert [a.detail for a in working.meeting.activity[-4:-1]] == [
        "clarifying",
        "open_questions",
        "actions",
    ]


def test_bidding_without_an_accepted_bid_leads_to_the_learning_review() -> None:
    driver = meeting_with(["ada"])
    driver.run("go_to_phase", "fay", phase="bidding")
    driver.run("advance_phase", "fay")
    assert driver.meeting.phase is Phase.LEARNING_REVIEW
    assert driver.meeting.round.kind is RoundKind.LEARNING_REVIEW


@pytest.mark.parametrize(
    ("verb", "args", "action"),
    [
        ("advance_phase", {}, "phase_moved"),
        ("go_to_phase", {"phase": "learning_review"}, "phase_moved"),
        ("end_meeting", {}, "meeting_ended"),
    ],
)
def test_every_facilitator_move_is_recorded_as_an_override(
    driver: MeetingDriver, verb: str, args: dict, action: str
) -> None:
    before = driver.meeting.version
    driver.run(verb, "fay", **args)
    latest = driver.meeting.activity[-1]
    assert driver.meeting.version == before + 1
    assert (latest.version, latest.actor, latest.action) == (before + 1, "fay", action)
    assert latest.override
    assert latest.at_ms == driver.clock_ms


def test_a_co_facilitator_moves_phases_too(driver: MeetingDriver) -> None:
    driver.join("cole", Role.CO_FACILITATOR)
    driver.run("advance_phase", "cole")
    assert driver.meeting.phase is Phase.CHECK_IN
    assert driver.meeting.activity[-1].actor == "cole"
    assert driver.meeting.activity[-1].override


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        (Phase.CHECK_IN, RoundKind.CHECK_IN),
        (Phase.BIDDING, None),
        (Phase.LEARNING_REVIEW, RoundKind.LEARNING_REVIEW),
        (Phase.CLOSED, None),
    ],
)
def test_go_to_phase_reaches_any_phase_with_its_round(
    driver: MeetingDriver, target: Phase, kind: RoundKind | None
) -> None:
    driver.run("go_to_phase", "fay", phase=target.value)
    assert driver.meeting.phase is target
    assert (driver.meeting.round.kind if driver.meeting.round else None) is kind
    assert driver.meeting.work is None
    assert driver.meeting.activity[-1].detail == target.value


def test_go_to_work_takes_the_next_accepted_bid(working: MeetingDriver) -> None:
    work = working.meeting.work
    assert (work.bid_id, work.presenter_id, work.stage) == ("b1", "ada", WorkStage.PRESENTING)
    assert working.meeting.bids[0].status is BidStatus.WORKING
    assert working.meeting.round is None


def test_go_to_work_on_a_named_bid(driver: MeetingDriver) -> None:
    driver.run("accept_bid", "fay", bid_id="b2")
    driver.run("go_to_phase", "fay", phase="work", bid_id="b2")
    assert driver.meeting.work.presenter_id == "bob"
    assert driver.meeting.bids[0].status is BidStatus.ACCEPTED


def test_interrupted_work_goes_back_into_the_queue(working: MeetingDriver) -> None:
    working.run("go_to_phase", "fay", phase="bidding")
    assert working.meeting.work is None
    assert working.meeting.bids[0].status is BidStatus.ACCEPTED
    working.run("advance_phase", "fay")
    assert working.meeting.phase is Phase.WORK
    assert working.meeting.work.presenter_id == "ada"


def test_switching_work_to_another_bid_requeues_the_first(working: MeetingDriver) -> None:
    working.run("accept_bid", "fay", bid_id="b2")
    working.run("go_to_phase", "fay", phase="work", bid_id="b2")
    assert working.meeting.work.presenter_id == "bob"
    assert [b.status for b in working.meeting.bids] == [BidStatus.ACCEPTED, BidStatus.WORKING]


def test_go_to_the_closing_round_finishes_the_work(working: MeetingDriver) -> None:
    working.run("go_to_phase", "fay", phase="closing_round")
    assert working.meeting.phase is Phase.CLOSING_ROUND
    assert working.meeting.work.presenter_id == "ada"
    assert working.meeting.bids[0].status is BidStatus.DONE
    assert working.meeting.round.kind is RoundKind.CLOSING


def test_a_finished_work_can_be_taken_up_again(working: MeetingDriver) -> None:
    working.run("go_to_phase", "fay", phase="closing_round")
    working.run("go_to_phase", "fay", phase="work", bid_id="b1")
    assert working.meeting.phase is Phase.WORK
    assert working.meeting.round is None
    assert working.meeting.work.stage is WorkStage.PRESENTING
    assert working.meeting.bids[0].status is BidStatus.WORKING


def test_the_work_gets_the_proposed_minutes_on_its_phase_timer(driver: MeetingDriver) -> None:
    driver.run("accept_bid", "fay", bid_id="b2")
    # 70 minutes and 30 seconds, seen one second later: 60 whole minutes after the 10 reserved.
    driver.run("start_timer", "fay", timer="meeting", seconds=70 * 60 + 30)
    driver.run("go_to_phase", "fay", phase="work")
    assert driver.meeting.timers[timers.PHASE].deadline_ms == driver.clock_ms + 30 * 60_000


def test_the_work_falls_back_to_the_minutes_asked_without_a_meeting_timer(
    driver: MeetingDriver,
) -> None:
    driver.run("stop_timer", "fay", timer="meeting")
    driver.run("go_to_phase", "fay", phase="work")
    assert driver.meeting.timers[timers.PHASE].deadline_ms == driver.clock_ms + 20 * 60_000


def test_leaving_a_phase_clears_its_timers(working: MeetingDriver) -> None:
    assert timers.PHASE in working.meeting.timers
    working.run("go_to_phase", "fay", phase="learning_review")
    assert timers.PHASE not in working.meeting.timers
    assert timers.MEETING in working.meeting.timers
    working.run("end_meeting", "fay")
    assert working.meeting.phase is Phase.CLOSED
    assert working.meeting.timers == {}
    assert working.meeting.round is None


def test_the_presenter_ends_questions_then_their_work(working: MeetingDriver) -> None:
    working.run("raise_hand", "bob")
    working.run("call_next", "fay")
    working.run("end_work", "ada")
    work = working.meeting.work
    assert working.meeting.phase is Phase.WORK
    assert (work.stage, work.hands, work.questioner) == (WorkStage.ACTIONS, [], None)
    latest = working.meeting.activity[-1]
    assert (latest.action, latest.subject, latest.override) == ("questions_ended", "ada", False)
    working.run("end_work", "ada")
    assert working.meeting.phase is Phase.CLOSING_ROUND
    assert working.meeting.bids[0].status is BidStatus.DONE
    latest = working.meeting.activity[-1]
    assert (latest.action, latest.override) == ("work_ended", False)


@pytest.mark.parametrize("facilitator", ["fay", "cole"])
def test_a_facilitator_ending_the_work_is_an_override(
    working: MeetingDriver, facilitator: str
) -> None:
    working.join("cole", Role.CO_FACILITATOR)
    working.run("end_work", facilitator)
    assert working.meeting.work.stage is WorkStage.ACTIONS
    assert working.meeting.activity[-1].override
    working.run("end_work", facilitator)
    assert working.meeting.phase is Phase.CLOSING_ROUND
    assert working.meeting.activity[-1].override


def test_only_the_presenter_ends_their_work(working: MeetingDriver) -> None:
    assert working.reject("end_work", "bob").code == "not_presenter"
    working.join("obi", Role.OBSERVER)
    assert working.reject("end_work", "obi").code == "not_allowed"


@pytest.mark.parametrize("phase", ["opening", "closing_round"])
def test_end_work_outside_work_is_refused(working: MeetingDriver, phase: str) -> None:
    working.run("go_to_phase", "fay", phase=phase)
    assert working.reject("end_work", "ada").code == "not_in_work"


def test_the_moment_of_silence_belongs_to_the_opening(driver: MeetingDriver) -> None:
    driver.run("start_silence", "fay", seconds=60)
    assert driver.meeting.timers[timers.SILENCE].deadline_ms == driver.clock_ms + 60_000
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.detail, latest.override) == ("silence_started", "60", False)
    driver.run("advance_phase", "fay")
    assert timers.SILENCE not in driver.meeting.timers
    assert driver.reject("start_silence", "fay", seconds=60).code == "wrong_phase"


@pytest.mark.parametrize(
    ("seconds", "accepted"), [(9, False), (10, True), (600, True), (601, False)]
)
def test_the_moment_of_silence_lasts_ten_seconds_to_ten_minutes(
    driver: MeetingDriver, seconds: int, accepted: bool
) -> None:
    if accepted:
        driver.run("start_silence", "fay", seconds=seconds)
        assert timers.SILENCE in driver.meeting.timers
    else:
        assert driver.reject("start_silence", "fay", seconds=seconds).code == "invalid_input"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"phase": "opening"}, "no_change"),
        ({"phase": "closing_round"}, "no_presenter"),
        ({"phase": "work", "bid_id": "b2"}, "bid_not_accepted"),
        ({"phase": "work", "bid_id": "b99"}, "no_such_bid"),
        ({}, "invalid_input"),
    ],
)
def test_go_to_phase_refusals(driver: MeetingDriver, args: dict, code: str) -> None:
    assert driver.reject("go_to_phase", "fay", **args).code == code


def test_go_to_work_needs_an_accepted_bid() -> None:
    driver = meeting_with(["ada"])
    driver.run("place_bid", "ada", title="", minutes=10)
    assert driver.reject("go_to_phase", "fay", phase="work").code == "no_presenter"


def test_go_to_the_same_work_is_no_change(working: MeetingDriver) -> None:
    assert working.reject("go_to_phase", "fay", phase="work").code == "no_change"
    assert working.reject("go_to_phase", "fay", phase="work", bid_id="b1").code == "no_change"


def test_a_closed_meeting_cannot_move_on_or_end_again(driver: MeetingDriver) -> None:
    driver.run("end_meeting", "fay")
    assert driver.reject("advance_phase", "fay").code == "meeting_closed"
    assert driver.reject("end_meeting", "fay").code == "meeting_closed"


@pytest.mark.parametrize(
    ("verb", "args"),
    [
        ("advance_phase", {}),
        ("go_to_phase", {"phase": "bidding"}),
        ("start_silence", {"seconds": 30}),
        ("end_meeting", {}),
    ],
)
@pytest.mark.parametrize("role", [Role.MEMBER, Role.OBSERVER])
def test_only_facilitators_move_phases(
    driver: MeetingDriver, verb: str, args: dict, role: Role
) -> None:
    driver.join("pat", role)
    assert driver.reject(verb, "pat", **args).code == "not_allowed"


def test_every_phase_and_stage_has_guidance() -> None:
    assert set(phases.GUIDANCE) == set(Phase)
    assert set(phases.STAGE_GUIDANCE) == set(WorkStage)
    assert all(
        text.strip() for text in [*phases.GUIDANCE.values(), *phases.STAGE_GUIDANCE.values()]
    )


@pytest.mark.parametrize("stops", ["observer", "co_facilitator", "removed"])
def test_finished_work_is_not_reopened_for_someone_no_longer_a_member(
    working: MeetingDriver, stops: str
) -> None:
    working.run("go_to_phase", "fay", phase="closing_round")
    working.run("go_to_phase", "fay", phase="bidding")
    if stops == "removed":
        working.run("remove_participant", "fay", participant_id="ada")
    else:
        working.run("set_role", "fay", participant_id="ada", role=stops)
    rejection = working.reject("go_to_phase", "fay", phase="work", bid_id="b1")
    assert rejection.code == "no_presenter"


@pytest.fixture
def closing(working: MeetingDriver) -> MeetingDriver:
    """Ada has finished her work; her closing round is under way."""
    working.run("go_to_phase", "fay", phase="closing_round")
    return working


def latest_move(driver: MeetingDriver) -> tuple:
    latest = driver.meeting.activity[-1]
    return (latest.action, latest.actor, latest.detail, latest.override)


@pytest.mark.parametrize(
    ("start", "back_to"),
    [
        (WorkStage.CLARIFYING, WorkStage.PRESENTING),
        (WorkStage.OPEN_QUESTIONS, WorkStage.CLARIFYING),
        (WorkStage.ACTIONS, WorkStage.OPEN_QUESTIONS),
    ],
)
def test_back_in_work_returns_to_the_previous_stage(
    working: MeetingDriver, start: WorkStage, back_to: WorkStage
) -> None:
    while working.meeting.work.stage is not start:
        working.run("advance_phase", "fay")
    before = working.meeting.version
    working.run("previous_phase", "fay")
    work = working.meeting.work
    assert working.meeting.phase is Phase.WORK
    assert (work.stage, work.presenter_id, work.bid_id) == (back_to, "ada", "b1")
    assert working.meeting.bids[0].status is BidStatus.WORKING
    assert working.meeting.version == before + 1
    assert latest_move(working) == ("stage_moved", "fay", back_to.value, True)


def test_back_from_the_first_stage_returns_to_bidding_and_requeues_the_bid(
    working: MeetingDriver,
) -> None:
    working.run("previous_phase", "fay")
    assert working.meeting.phase is Phase.BIDDING
    assert working.meeting.work is None
    assert working.meeting.round is None
    assert working.meeting.bids[0].status is BidStatus.ACCEPTED
    assert timers.PHASE not in working.meeting.timers
    assert latest_move(working) == ("phase_moved", "fay", "bidding", True)
    working.run("advance_phase", "fay")
    assert working.meeting.work.presenter_id == "ada", "the bid can be taken up again"


def test_back_from_the_closing_round_returns_to_the_presenters_actions(
    closing: MeetingDriver,
) -> None:
    closing.run("previous_phase", "fay")
    work = closing.meeting.work
    assert closing.meeting.phase is Phase.WORK
    assert (work.presenter_id, work.bid_id, work.stage) == ("ada", "b1", WorkStage.ACTIONS)
    assert closing.meeting.round is None
    assert closing.meeting.bids[0].status is BidStatus.WORKING
    assert latest_move(closing) == ("phase_moved", "fay", "work", True)


def test_back_from_the_closing_round_stays_with_its_presenter_when_others_wait(
    closing: MeetingDriver,
) -> None:
    closing.run("accept_bid", "fay", bid_id="b2")
    closing.run("previous_phase", "fay")
    assert closing.meeting.work.presenter_id == "ada"
    assert closing.meeting.bids[1].status is BidStatus.ACCEPTED


def test_back_from_the_closing_round_lets_the_presenter_end_their_work_again(
    closing: MeetingDriver,
) -> None:
    closing.run("previous_phase", "fay")
    closing.run("end_work", "ada")
    assert closing.meeting.phase is Phase.CLOSING_ROUND
    assert closing.meeting.bids[0].status is BidStatus.DONE


def test_back_from_the_review_with_nobody_waiting_returns_to_bidding(
    closing: MeetingDriver,
) -> None:
    closing.run("advance_phase", "fay")
    assert closing.meeting.phase is Phase.LEARNING_REVIEW
    closing.run("previous_phase", "fay")
    assert closing.meeting.phase is Phase.BIDDING
    assert (closing.meeting.work, closing.meeting.round) == (None, None)
    assert closing.meeting.bids[0].status is BidStatus.DONE, "finished work stays finished"
    assert latest_move(closing) == ("phase_moved", "fay", "bidding", True)


def test_back_from_the_review_with_a_bid_waiting_returns_to_its_work(
    driver: MeetingDriver,
) -> None:
    driver.run("go_to_phase", "fay", phase="learning_review")
    driver.run("previous_phase", "fay")
    work = driver.meeting.work
    assert driver.meeting.phase is Phase.WORK
    assert (work.presenter_id, work.bid_id, work.stage) == ("ada", "b1", WorkStage.PRESENTING)
    assert driver.meeting.bids[0].status is BidStatus.WORKING
    assert driver.meeting.round is None
    assert latest_move(driver) == ("phase_moved", "fay", "work", True)


def test_back_from_closed_reopens_the_learning_review(closing: MeetingDriver) -> None:
    closing.run("end_meeting", "fay")
    closing.run("previous_phase", "fay")
    assert closing.meeting.phase is Phase.LEARNING_REVIEW
    assert closing.meeting.round.kind is RoundKind.LEARNING_REVIEW
    assert closing.meeting.work is None
    assert latest_move(closing) == ("phase_moved", "fay", "learning_review", True)


def test_back_from_check_in_returns_to_the_opening(driver: MeetingDriver) -> None:
    driver.run("advance_phase", "fay")
    assert driver.meeting.round.kind is RoundKind.CHECK_IN
    driver.run("previous_phase", "fay")
    assert driver.meeting.phase is Phase.OPENING
    assert driver.meeting.round is None, "the check-in round is closed"
    assert timers.SPEAKER not in driver.meeting.timers
    assert latest_move(driver) == ("phase_moved", "fay", "opening", True)


def test_back_from_bidding_reopens_the_check_in(driver: MeetingDriver) -> None:
    driver.run("go_to_phase", "fay", phase="bidding")
    driver.run("previous_phase", "fay")
    assert driver.meeting.phase is Phase.CHECK_IN
    assert driver.meeting.round.kind is RoundKind.CHECK_IN
    assert latest_move(driver) == ("phase_moved", "fay", "check_in", True)


def test_back_at_the_opening_is_refused(driver: MeetingDriver) -> None:
    assert driver.reject("previous_phase", "fay").code == "at_opening"


def test_back_walks_a_finished_meeting_to_its_opening(closing: MeetingDriver) -> None:
    closing.run("end_meeting", "fay")
    seen = []
    while closing.meeting.phase is not Phase.OPENING:
        closing.run("previous_phase", "fay")
        seen.append(closing.meeting.phase)
    assert seen == [Phase.LEARNING_REVIEW, Phase.BIDDING, Phase.CHECK_IN, Phase.OPENING]
    assert [entry.detail for entry in closing.meeting.activity[-4:]] == [p.value for p in seen]
    assert all(entry.override for entry in closing.meeting.activity[-4:])
    assert closing.reject("previous_phase", "fay").code == "at_opening"


def test_a_co_facilitator_goes_back_too(working: MeetingDriver) -> None:
    working.join("cole", Role.CO_FACILITATOR)
    working.run("advance_phase", "cole")
    working.run("previous_phase", "cole")
    assert working.meeting.work.stage is WorkStage.PRESENTING
    assert latest_move(working) == ("stage_moved", "cole", "presenting", True)


@pytest.mark.parametrize("role", [Role.MEMBER, Role.OBSERVER])
def test_only_facilitators_go_back(working: MeetingDriver, role: Role) -> None:
    working.join("pat", role)
    assert working.reject("previous_phase", "pat").code == "not_allowed"
    assert working.reject("previous_phase", "ada").code == "not_allowed", "not even the presenter"
