"""The presenter's actions: named during their work or its closing round, seen by the whole set."""

import pytest

from companion.domain import actions
from companion.domain.codec import meeting_from_dict, meeting_to_dict, public_view
from companion.domain.model import Action, Activity, Phase, Role, WorkStage
from tests.domain.driver import MeetingDriver, meeting_with

LIMIT = actions.MAX_ACTIONS_PER_WORK


@pytest.fixture
def driver() -> MeetingDriver:
    """Fay facilitates; Ada presents bid b1; Bob and Cy are members."""
    driver = meeting_with(["ada", "bob", "cy"])
    driver.run("place_bid", "ada", title="Rota", minutes=20)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("go_to_phase", "fay", phase="work")
    return driver


@pytest.fixture
def closing(driver: MeetingDriver) -> MeetingDriver:
    """Ada has ended her work; her closing round is under way."""
    driver.run("end_work", "ada")
    driver.run("end_work", "ada")
    assert driver.meeting.phase is Phase.CLOSING_ROUND
    return driver


@pytest.fixture
def with_action(driver: MeetingDriver) -> MeetingDriver:
    """Ada has named one action, a2."""
    driver.run("add_action", "ada", text="Talk to the ward manager")
    return driver


def entry_of(driver: MeetingDriver) -> tuple:
    latest: Activity = driver.meeting.activity[-1]
    return (latest.action, latest.actor, latest.subject, latest.detail, latest.override)


def add_many(driver: MeetingDriver, presenter: str, count: int) -> None:
    for number in range(count):
        driver.run("add_action", presenter, text=f"Step {number}")


def test_the_presenter_names_an_action(driver: MeetingDriver) -> None:
    before = driver.meeting.version
    driver.run("add_action", "ada", text="Talk to the ward manager")
    assert driver.meeting.actions == [
        Action(id="a2", owner_id="ada", bid_id="b1", text="Talk to the ward manager")
    ]
    assert driver.meeting.version == before + 1
    assert entry_of(driver) == ("action_added", "ada", "ada", "a2", False)


def test_actions_take_ids_from_the_meeting_counter(with_action: MeetingDriver) -> None:
    with_action.run("add_action", "ada", text="Ask for a second rota")
    with_action.run("place_bid", "bob", title="", minutes=10)
    assert [action.id for action in with_action.meeting.actions] == ["a2", "a3"]
    assert with_action.meeting.bids[-1].id == "b4", "bids and actions share one counter"
    assert with_action.meeting.next_id == 5


@pytest.mark.parametrize("stage", list(WorkStage))
def test_actions_are_named_in_any_stage_of_the_work(
    driver: MeetingDriver, stage: WorkStage
) -> None:
    while driver.meeting.work.stage is not stage:
        driver.run("advance_phase", "fay")
    driver.run("add_action", "ada", text="Write it down")
    assert [action.text for action in driver.meeting.actions] == ["Write it down"]


def test_actions_are_named_in_the_presenters_closing_round(closing: MeetingDriver) -> None:
    closing.run("add_action", "ada", text="Book a meeting")
    (action,) = closing.meeting.actions
    assert (action.owner_id, action.bid_id, action.text) == ("ada", "b1", "Book a meeting")
    assert entry_of(closing)[0] == "action_added"


@pytest.mark.parametrize("phase", ["opening", "check_in", "bidding", "learning_review"])
def test_no_actions_outside_work_and_its_closing_round(driver: MeetingDriver, phase: str) -> None:
    driver.run("go_to_phase", "fay", phase=phase)
    assert driver.reject("add_action", "ada", text="Too late").code == "not_in_work"


def test_no_actions_once_the_meeting_has_closed(closing: MeetingDriver) -> None:
    closing.run("end_meeting", "fay")
    assert closing.reject("add_action", "ada", text="Too late").code == "not_in_work"


def test_another_member_cannot_name_the_presenters_actions(driver: MeetingDriver) -> None:
    assert driver.reject("add_action", "bob", text="Ada should resign").code == "not_presenter"


def test_another_member_cannot_name_actions_in_the_closing_round(closing: MeetingDriver) -> None:
    assert closing.reject("add_action", "bob", text="Ada should resign").code == "not_presenter"


def test_a_past_presenter_cannot_name_actions_in_someone_elses_work(
    closing: MeetingDriver,
) -> None:
    closing.run("place_bid", "bob", title="", minutes=10)
    closing.run("accept_bid", "fay", bid_id="b2")
    closing.run("advance_phase", "fay")
    assert closing.meeting.work.presenter_id == "bob"
    assert closing.reject("add_action", "ada", text="One more").code == "not_presenter"


@pytest.mark.parametrize("role", [Role.CO_FACILITATOR, Role.OBSERVER])
def test_nobody_but_a_member_names_actions(driver: MeetingDriver, role: Role) -> None:
    """Facilitators steer and observers watch: the rules table refuses them before the rule."""
    driver.join("pat", role)
    assert driver.reject("add_action", "pat", text="Do this").code == "not_allowed"
    assert driver.reject("add_action", "fay", text="Do this").code == "not_allowed"


@pytest.mark.parametrize("args", [{}, {"text": ""}])
def test_an_action_needs_words(driver: MeetingDriver, args: dict) -> None:
    assert driver.reject("add_action", "ada", **args).code == "invalid_input"


def test_at_most_ten_actions_for_one_piece_of_work(driver: MeetingDriver) -> None:
    add_many(driver, "ada", LIMIT)
    assert len(driver.meeting.actions) == LIMIT == 10
    assert driver.reject("add_action", "ada", text="One too many").code == "too_many_actions"


def test_the_limit_counts_across_the_work_and_its_closing_round(driver: MeetingDriver) -> None:
    add_many(driver, "ada", LIMIT - 1)
    driver.run("go_to_phase", "fay", phase="closing_round")
    driver.run("add_action", "ada", text="The last one")
    assert driver.reject("add_action", "ada", text="One too many").code == "too_many_actions"


def test_taking_an_action_off_makes_room_for_another(driver: MeetingDriver) -> None:
    add_many(driver, "ada", LIMIT)
    driver.run("remove_action", "ada", action_id="a2")
    driver.run("add_action", "ada", text="A better one")
    assert len(driver.meeting.actions) == LIMIT
    assert driver.meeting.actions[-1].text == "A better one"


def test_the_limit_is_for_each_bid(closing: MeetingDriver) -> None:
    add_many(closing, "ada", LIMIT)
    closing.run("place_bid", "bob", title="", minutes=10)
    closing.run("accept_bid", "fay", bid_id="b12")
    closing.run("advance_phase", "fay")
    add_many(closing, "bob", LIMIT)
    owners = [action.owner_id for action in closing.meeting.actions]
    assert owners == ["ada"] * LIMIT + ["bob"] * LIMIT
    assert closing.reject("add_action", "bob", text="One too many").code == "too_many_actions"


def test_the_owner_takes_their_action_off(with_action: MeetingDriver) -> None:
    with_action.run("remove_action", "ada", action_id="a2")
    assert with_action.meeting.actions == []
    assert entry_of(with_action) == ("action_removed", "ada", "ada", "a2", False)


@pytest.mark.parametrize("facilitator", ["fay", "cole"])
def test_a_facilitator_takes_off_anyones_action_as_an_override(
    with_action: MeetingDriver, facilitator: str
) -> None:
    with_action.join("cole", Role.CO_FACILITATOR)
    with_action.run("remove_action", facilitator, action_id="a2")
    assert with_action.meeting.actions == []
    assert entry_of(with_action) == ("action_removed", facilitator, "ada", "a2", True)


def test_another_member_cannot_take_an_action_off(with_action: MeetingDriver) -> None:
    assert with_action.reject("remove_action", "bob", action_id="a2").code == "not_yours"


def test_an_observer_cannot_take_an_action_off(with_action: MeetingDriver) -> None:
    with_action.join("obi", Role.OBSERVER)
    assert with_action.reject("remove_action", "obi", action_id="a2").code == "not_allowed"


@pytest.mark.parametrize("actor", ["ada", "fay"])
def test_taking_off_an_unknown_action_is_refused(with_action: MeetingDriver, actor: str) -> None:
    assert with_action.reject("remove_action", actor, action_id="a99").code == "no_such_action"
    assert with_action.reject("remove_action", actor, action_id="b1").code == "no_such_action"


def test_an_action_is_taken_off_once(with_action: MeetingDriver) -> None:
    with_action.run("remove_action", "ada", action_id="a2")
    assert with_action.reject("remove_action", "ada", action_id="a2").code == "no_such_action"


def test_taking_one_action_off_leaves_the_others(with_action: MeetingDriver) -> None:
    with_action.run("add_action", "ada", text="Second")
    with_action.run("add_action", "ada", text="Third")
    with_action.run("remove_action", "ada", action_id="a3")
    assert [action.id for action in with_action.meeting.actions] == ["a2", "a4"]


def test_the_owner_takes_an_action_off_after_the_work_is_over(with_action: MeetingDriver) -> None:
    with_action.run("go_to_phase", "fay", phase="learning_review")
    with_action.run("remove_action", "ada", action_id="a2")
    assert with_action.meeting.actions == []
    assert entry_of(with_action)[-1] is False


def test_actions_survive_into_the_closing_round_and_beyond(with_action: MeetingDriver) -> None:
    expected = list(with_action.meeting.actions)
    with_action.run("end_work", "ada")
    with_action.run("end_work", "ada")
    assert with_action.meeting.phase is Phase.CLOSING_ROUND
    assert with_action.meeting.actions == expected
    with_action.run("advance_phase", "fay")
    assert with_action.meeting.phase is Phase.LEARNING_REVIEW
    assert with_action.meeting.actions == expected
    with_action.run("end_meeting", "fay")
    assert with_action.meeting.actions == expected


def test_actions_survive_the_next_presenters_work(with_action: MeetingDriver) -> None:
    with_action.run("place_bid", "bob", title="", minutes=10)
    with_action.run("accept_bid", "fay", bid_id="b3")
    with_action.run("go_to_phase", "fay", phase="closing_round")
    with_action.run("advance_phase", "fay")
    with_action.run("add_action", "bob", text="Ring the union")
    assert [(a.owner_id, a.bid_id) for a in with_action.meeting.actions] == [
        ("ada", "b1"),
        ("bob", "b3"),
    ]


def test_the_set_sees_every_action(with_action: MeetingDriver) -> None:
    with_action.run("go_to_phase", "fay", phase="closing_round")
    with_action.run("add_action", "ada", text="Book a meeting")
    view = public_view(with_action.meeting, with_action.clock_ms)
    assert view["actions"] == [
        {"id": "a2", "owner": "ada", "bid_id": "b1", "text": "Talk to the ward manager"},
        {"id": "a3", "owner": "ada", "bid_id": "b1", "text": "Book a meeting"},
    ]


def test_the_public_view_has_no_actions_before_any_are_named(driver: MeetingDriver) -> None:
    assert public_view(driver.meeting, driver.clock_ms)["actions"] == []


def test_actions_are_stored_and_restored(with_action: MeetingDriver) -> None:
    stored = meeting_to_dict(with_action.meeting)
    assert stored["actions"] == [
        {"id": "a2", "owner_id": "ada", "bid_id": "b1", "text": "Talk to the ward manager"}
    ]
    assert meeting_from_dict(stored, with_action.meeting.roster) == with_action.meeting


def test_actions_of_lists_one_bids_actions(with_action: MeetingDriver) -> None:
    assert [action.id for action in actions.actions_of(with_action.meeting, "b1")] == ["a2"]
    assert actions.actions_of(with_action.meeting, "b99") == []


@pytest.mark.parametrize(
    ("verb", "args"),
    [
        ("withdraw_bid", {}),
        ("set_role", {"participant_id": "ada", "role": "observer"}),
        ("remove_participant", {"participant_id": "ada"}),
    ],
)
def test_no_action_is_left_pointing_at_a_forgotten_bid(
    with_action: MeetingDriver, verb: str, args: dict
) -> None:
    """Going back from the presenting stage returns the bid to the queue, so it can be withdrawn
    or dropped; its actions must not be left behind naming a bid that no longer exists."""
    with_action.run("previous_phase", "fay")
    assert with_action.meeting.phase is Phase.BIDDING
    with_action.run(verb, "ada" if verb == "withdraw_bid" else "fay", **args)
    assert "b1" not in [bid.id for bid in with_action.meeting.bids]
    bids = {bid.id: bid.participant_id for bid in with_action.meeting.bids}
    orphans = [a for a in with_action.meeting.actions if bids.get(a.bid_id) != a.owner_id]
    assert orphans == []
