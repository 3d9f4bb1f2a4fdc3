"""Bids for time, the accepted queue, and the proposed division of the time that is left."""

import pytest

from companion.domain import bidding
from companion.domain.model import Allocation, BidStatus, Phase, Role
from tests.domain.driver import MeetingDriver, meeting_with


@pytest.fixture
def driver() -> MeetingDriver:
    driver = meeting_with(["ada", "bob", "cy"])
    driver.run("go_to_phase", "fay", phase="bidding")
    return driver


def statuses(driver: MeetingDriver) -> list[BidStatus]:
    return [bid.status for bid in driver.meeting.bids]


def queue(driver: MeetingDriver) -> list[str]:
    return [bid.participant_id for bid in bidding.accepted_queue(driver.meeting)]


def test_a_member_bids_with_an_empty_title_and_minutes(driver: MeetingDriver) -> None:
    driver.run("place_bid", "ada", title="", minutes=25)
    (bid,) = driver.meeting.bids
    assert (bid.id, bid.participant_id, bid.title, bid.minutes) == ("b1", "ada", "", 25)
    assert bid.arrived_ms == driver.clock_ms
    assert bid.status is BidStatus.PENDING
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.subject, latest.detail, latest.override) == (
        "bid_placed",
        "ada",
        "b1",
        False,
    )


def test_each_bid_gets_its_own_id(driver: MeetingDriver) -> None:
    driver.run("place_bid", "ada", title="Rota", minutes=10)
    driver.run("place_bid", "bob", title="Budget", minutes=10)
    assert [bid.id for bid in driver.meeting.bids] == ["b1", "b2"]


def test_one_active_bid_per_member(driver: MeetingDriver) -> None:
    driver.run("place_bid", "ada", title="Rota", minutes=10)
    assert driver.reject("place_bid", "ada", title="More", minutes=5).code == "already_bid"
    driver.run("accept_bid", "fay", bid_id="b1")
    assert driver.reject("place_bid", "ada", title="More", minutes=5).code == "already_bid"


@pytest.mark.parametrize("phase", ["opening", "check_in", "bidding"])
def test_bids_are_taken_before_the_work(phase: str) -> None:
    driver = meeting_with(["ada"])
    if phase != "opening":
        driver.run("go_to_phase", "fay", phase=phase)
    driver.run("place_bid", "ada", title="", minutes=5)
    assert statuses(driver) == [BidStatus.PENDING]


@pytest.mark.parametrize("phase", ["learning_review", "closed"])
def test_bids_close_with_the_learning_review(driver: MeetingDriver, phase: str) -> None:
    driver.run("go_to_phase", "fay", phase=phase)
    assert driver.reject("place_bid", "ada", title="", minutes=5).code == "bidding_closed"


@pytest.mark.parametrize("role", [Role.OBSERVER, Role.CO_FACILITATOR])
@pytest.mark.parametrize(
    ("verb", "args"), [("place_bid", {"title": "", "minutes": 5}), ("withdraw_bid", {})]
)
def test_only_members_bid(driver: MeetingDriver, role: Role, verb: str, args: dict) -> None:
    driver.join("pat", role)
    assert driver.reject(verb, "pat", **args).code == "not_allowed"
    assert driver.reject(verb, "fay", **args).code == "not_allowed"


def test_missing_minutes_is_invalid_input(driver: MeetingDriver) -> None:
    assert driver.reject("place_bid", "ada", title="Rota").code == "invalid_input"


@pytest.mark.parametrize("accepted", [False, True])
def test_a_member_withdraws_and_may_bid_again(driver: MeetingDriver, accepted: bool) -> None:
    driver.run("place_bid", "ada", title="Rota", minutes=10)
    if accepted:
        driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("withdraw_bid", "ada")
    assert statuses(driver) == [], "a withdrawn bid, and its title, are gone"
    assert driver.meeting.activity[-1].action == "bid_withdrawn"
    driver.run("place_bid", "ada", title="Other", minutes=10)
    assert statuses(driver) == [BidStatus.PENDING]


def test_placing_and_withdrawing_over_and_over_does_not_grow_the_meeting(
    driver: MeetingDriver,
) -> None:
    for _ in range(50):
        driver.run("place_bid", "ada", title="Rota", minutes=10)
        driver.run("withdraw_bid", "ada")
    assert driver.meeting.bids == []


def test_withdraw_without_a_bid_is_refused(driver: MeetingDriver) -> None:
    assert driver.reject("withdraw_bid", "ada").code == "no_bid"
    driver.run("place_bid", "ada", title="", minutes=10)
    driver.run("decline_bid", "fay", bid_id="b1")
    assert driver.reject("withdraw_bid", "ada").code == "no_bid"


def test_the_presenter_cannot_withdraw_work_under_way(driver: MeetingDriver) -> None:
    driver.run("place_bid", "ada", title="", minutes=10)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("advance_phase", "fay")
    assert driver.meeting.phase is Phase.WORK
    assert driver.reject("withdraw_bid", "ada").code == "bid_in_progress"


def test_facilitators_accept_and_decline(driver: MeetingDriver) -> None:
    driver.run("place_bid", "ada", title="", minutes=10)
    driver.run("place_bid", "bob", title="", minutes=10)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("decline_bid", "fay", bid_id="b2")
    assert statuses(driver) == [BidStatus.ACCEPTED, BidStatus.DECLINED]
    accepted, declined = driver.meeting.activity[-2:]
    assert (accepted.action, accepted.subject, accepted.detail) == ("bid_accepted", "ada", "b1")
    assert (declined.action, declined.subject, declined.detail) == ("bid_declined", "bob", "b2")
    assert accepted.override and declined.override


def test_a_decision_can_be_reversed(driver: MeetingDriver) -> None:
    driver.run("place_bid", "ada", title="", minutes=10)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("decline_bid", "fay", bid_id="b1")
    assert statuses(driver) == [BidStatus.DECLINED]
    driver.run("accept_bid", "fay", bid_id="b1")
    assert statuses(driver) == [BidStatus.ACCEPTED]


def test_accept_and_decline_refusals(driver: MeetingDriver) -> None:
    driver.run("place_bid", "ada", title="", minutes=10)
    driver.run("accept_bid", "fay", bid_id="b1")
    assert driver.reject("accept_bid", "fay", bid_id="b1").code == "bid_not_open"
    assert driver.reject("accept_bid", "fay", bid_id="b9").code == "no_such_bid"
    assert driver.reject("decline_bid", "fay", bid_id="b9").code == "no_such_bid"
    assert driver.reject("accept_bid", "fay").code == "invalid_input"
    driver.run("withdraw_bid", "ada")
    assert driver.reject("accept_bid", "fay", bid_id="b1").code == "no_such_bid"
    assert driver.reject("decline_bid", "fay", bid_id="b1").code == "no_such_bid"


def test_a_working_bid_cannot_be_declined(driver: MeetingDriver) -> None:
    driver.run("place_bid", "ada", title="", minutes=10)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("advance_phase", "fay")
    assert driver.reject("decline_bid", "fay", bid_id="b1").code == "bid_not_open"


def test_a_declined_bid_is_not_accepted_beside_a_newer_one(driver: MeetingDriver) -> None:
    driver.run("place_bid", "ada", title="First", minutes=10)
    driver.run("decline_bid", "fay", bid_id="b1")
    driver.run("place_bid", "ada", title="Second", minutes=10)
    assert driver.reject("accept_bid", "fay", bid_id="b1").code == "already_bid"


@pytest.mark.parametrize("verb", ["accept_bid", "decline_bid"])
@pytest.mark.parametrize("role", [Role.MEMBER, Role.OBSERVER])
def test_only_facilitators_decide_on_bids(driver: MeetingDriver, verb: str, role: Role) -> None:
    driver.run("place_bid", "ada", title="", minutes=10)
    driver.join("pat", role)
    assert driver.reject(verb, "pat", bid_id="b1").code == "not_allowed"


@pytest.mark.parametrize("stops", ["observer", "co_facilitator", "removed"])
def test_someone_who_stops_taking_part_loses_every_open_bid(
    driver: MeetingDriver, stops: str
) -> None:
    driver.run("place_bid", "ada", title="", minutes=10)
    driver.run("decline_bid", "fay", bid_id="b1")
    if stops == "removed":
        driver.run("remove_participant", "fay", participant_id="ada")
    else:
        driver.run("set_role", "fay", participant_id="ada", role=stops)
    assert statuses(driver) == []
    assert driver.reject("accept_bid", "fay", bid_id="b1").code == "no_such_bid"


def test_the_queue_follows_arrival_not_acceptance(driver: MeetingDriver) -> None:
    for member in ["ada", "bob", "cy"]:
        driver.run("place_bid", member, title="", minutes=10)
    for bid_id in ["b3", "b1", "b2"]:
        driver.run("accept_bid", "fay", bid_id=bid_id)
    assert queue(driver) == ["ada", "bob", "cy"]
    arrivals = [bid.arrived_ms for bid in driver.meeting.bids]
    assert arrivals == sorted(arrivals)


def test_reorder_sets_the_presenting_order(driver: MeetingDriver) -> None:
    for member in ["ada", "bob", "cy"]:
        driver.run("place_bid", member, title="", minutes=10)
        driver.run("accept_bid", "fay", bid_id=driver.meeting.bids[-1].id)
    driver.run("reorder_bids", "fay", order=["b3", "b1", "b2"])
    assert queue(driver) == ["cy", "ada", "bob"]
    assert driver.meeting.activity[-1].action == "bids_reordered"
    assert driver.meeting.activity[-1].override
    presenters = []
    while driver.meeting.phase is not Phase.LEARNING_REVIEW:
        driver.run("advance_phase", "fay")
        work = driver.meeting.work
        if driver.meeting.phase is Phase.WORK and work.presenter_id not in presenters:
            presenters.append(work.presenter_id)
    assert presenters == ["cy", "ada", "bob"], "presenters follow the accepted order"


def test_reorder_leaves_the_work_under_way_in_its_place(driver: MeetingDriver) -> None:
    for member in ["ada", "bob", "cy"]:
        driver.run("place_bid", member, title="", minutes=10)
        driver.run("accept_bid", "fay", bid_id=driver.meeting.bids[-1].id)
    driver.run("advance_phase", "fay")
    assert driver.meeting.work.presenter_id == "ada"
    assert driver.reject("reorder_bids", "fay", order=["b3", "b2", "b1"]).code == "bad_order"
    driver.run("reorder_bids", "fay", order=["b3", "b2"])
    assert queue(driver) == ["ada", "cy", "bob"]


@pytest.mark.parametrize("proposed", [["b1"], ["b1", "b2", "b3"], ["b1", "b1"], ["b2", "b9"]])
def test_reorder_must_list_exactly_the_accepted_bids(
    driver: MeetingDriver, proposed: list[str]
) -> None:
    for member in ["ada", "bob", "cy"]:
        driver.run("place_bid", member, title="", minutes=10)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("accept_bid", "fay", bid_id="b2")
    assert driver.reject("reorder_bids", "fay", order=proposed).code == "bad_order"
    assert driver.reject("reorder_bids", "ada", order=["b2", "b1"]).code == "not_allowed"


def test_set_allocation(driver: MeetingDriver) -> None:
    assert driver.meeting.settings.allocation is Allocation.EQUAL
    assert driver.reject("set_allocation", "fay", mode="equal").code == "no_change"
    assert driver.reject("set_allocation", "ada", mode="asked").code == "not_allowed"
    driver.run("set_allocation", "fay", mode="asked")
    assert driver.meeting.settings.allocation is Allocation.ASKED
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.detail, latest.override) == ("allocation_set", "asked", True)


@pytest.fixture
def asking() -> MeetingDriver:
    """Ada asks for 30 minutes, Bob for 10 and Cy for 20; all three are accepted."""
    driver = meeting_with(["ada", "bob", "cy"])
    for member, minutes in [("ada", 30), ("bob", 10), ("cy", 20)]:
        driver.run("place_bid", member, title="", minutes=minutes)
        driver.run("accept_bid", "fay", bid_id=driver.meeting.bids[-1].id)
    return driver


def allocation_with(driver: MeetingDriver, minutes_left: int, mode: str) -> dict[str, int]:
    """What is proposed right after the meeting timer is set to ``minutes_left``."""
    if mode != driver.meeting.settings.allocation.value:
        driver.run("set_allocation", "fay", mode=mode)
    driver.run("start_timer", "fay", timer="meeting", seconds=minutes_left * 60)
    return bidding.propose_allocation(driver.meeting, driver.clock_ms)


def test_equal_allocation_splits_the_time_before_the_review(asking: MeetingDriver) -> None:
    # 100 minutes left, 10 kept for the learning review, 90 for three presenters.
    assert allocation_with(asking, 100, "equal") == {"b1": 30, "b2": 30, "b3": 30}
    assert allocation_with(asking, 42, "equal") == {"b1": 10, "b2": 10, "b3": 10}


def test_asked_allocation_gives_what_was_asked_when_it_fits(asking: MeetingDriver) -> None:
    assert allocation_with(asking, 100, "asked") == {"b1": 30, "b2": 10, "b3": 20}


def test_asked_allocation_is_scaled_down_when_it_does_not_fit(asking: MeetingDriver) -> None:
    # 40 minutes for 60 asked: two thirds each, rounded down.
    assert allocation_with(asking, 50, "asked") == {"b1": 20, "b2": 6, "b3": 13}


def test_no_time_left_proposes_nothing_to_anyone(asking: MeetingDriver) -> None:
    assert allocation_with(asking, 5, "asked") == {"b1": 0, "b2": 0, "b3": 0}
    assert allocation_with(asking, 5, "equal") == {"b1": 0, "b2": 0, "b3": 0}


def test_allocation_counts_the_work_under_way_but_not_finished_work(asking: MeetingDriver) -> None:
    asking.run("go_to_phase", "fay", phase="work")
    assert set(allocation_with(asking, 100, "equal")) == {"b1", "b2", "b3"}
    asking.run("go_to_phase", "fay", phase="closing_round")
    assert allocation_with(asking, 100, "equal") == {"b2": 45, "b3": 45}


def test_allocation_uses_the_time_left_on_a_paused_meeting_timer(asking: MeetingDriver) -> None:
    asking.run("start_timer", "fay", timer="meeting", seconds=100 * 60)
    asking.run("pause_timer", "fay", timer="meeting")
    later = asking.clock_ms + 3_600_000
    assert bidding.propose_allocation(asking.meeting, later) == {"b1": 29, "b2": 29, "b3": 29}


def test_nothing_is_proposed_without_a_meeting_timer_or_accepted_bids(
    asking: MeetingDriver,
) -> None:
    assert bidding.propose_allocation(meeting_with(["ada"]).meeting, 0) == {}
    asking.run("stop_timer", "fay", timer="meeting")
    assert bidding.propose_allocation(asking.meeting, asking.clock_ms) == {}
