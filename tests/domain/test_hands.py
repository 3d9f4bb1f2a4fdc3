"""The raise-hand queue during someone's work."""

import pytest

from companion.domain import hands
from companion.domain.model import Role, Work, WorkStage
from tests.domain.driver import MeetingDriver, meeting_with


@pytest.fixture
def driver() -> MeetingDriver:
    """Ada presents; Bob, Cy and Dee may ask questions."""
    driver = meeting_with(["ada", "bob", "cy", "dee"])
    driver.run("place_bid", "ada", title="Rota", minutes=20)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("go_to_phase", "fay", phase="work")
    return driver


def waiting(driver: MeetingDriver) -> list[str]:
    return hands.queue(driver.meeting.work)


def test_the_queue_puts_people_not_yet_called_first() -> None:
    """Bob and Dee have asked already; Cy and Eve, raising later, still go ahead of them."""
    driver = meeting_with(["ada", "bob", "cy", "dee", "eve"])
    driver.run("place_bid", "ada", title="Rota", minutes=20)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("go_to_phase", "fay", phase="work")
    for asker in ["bob", "dee"]:
        driver.run("raise_hand", asker)
        driver.run("call_next", "fay")
    for member in ["bob", "cy", "dee", "eve"]:
        driver.run("raise_hand", member)
    assert waiting(driver) == ["cy", "eve", "bob", "dee"]
    assert driver.meeting.work.hands == waiting(driver), "the stored list is the queue"


def test_raised_hands_queue_first_come_first_served(driver: MeetingDriver) -> None:
    for member in ["cy", "bob", "dee"]:
        driver.run("raise_hand", member)
    assert waiting(driver) == ["cy", "bob", "dee"]
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.subject, latest.override) == ("hand_raised", "dee", False)


def test_calling_next_gives_the_floor_to_the_first_in_the_queue(driver: MeetingDriver) -> None:
    driver.run("raise_hand", "cy")
    driver.run("raise_hand", "bob")
    driver.run("call_next", "fay")
    work = driver.meeting.work
    assert (work.questioner, work.hands, work.asked) == ("cy", ["bob"], ["cy"])
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.subject, latest.override) == ("hand_called", "cy", True)


def test_someone_not_yet_called_goes_ahead_of_someone_who_has(driver: MeetingDriver) -> None:
    driver.run("raise_hand", "bob")
    driver.run("call_next", "fay")
    driver.run("raise_hand", "bob")
    driver.run("raise_hand", "cy")
    assert waiting(driver) == ["cy", "bob"]
    driver.run("call_next", "fay")
    assert driver.meeting.work.questioner == "cy"
    driver.run("call_next", "fay")
    assert driver.meeting.work.questioner == "bob"
    assert driver.meeting.work.asked == ["bob", "cy"], "each is counted once"


def test_calling_next_passes_over_someone_away(driver: MeetingDriver) -> None:
    driver.run("raise_hand", "bob")
    driver.run("raise_hand", "cy")
    driver.leave("bob")
    driver.run("call_next", "fay")
    assert driver.meeting.work.questioner == "cy"
    assert driver.meeting.work.hands == ["bob"], "their hand waits for them"
    assert driver.reject("call_next", "fay").code == "no_hands"


def test_call_next_with_no_hands_is_refused(driver: MeetingDriver) -> None:
    assert driver.reject("call_next", "fay").code == "no_hands"


def test_a_member_lowers_their_own_hand(driver: MeetingDriver) -> None:
    driver.run("raise_hand", "bob")
    driver.run("raise_hand", "cy")
    driver.run("lower_hand", "bob")
    assert waiting(driver) == ["cy"]
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.subject, latest.override) == ("hand_lowered", "bob", False)
    assert driver.reject("lower_hand", "bob").code == "hand_not_raised"


def test_a_facilitator_removes_a_hand(driver: MeetingDriver) -> None:
    driver.run("raise_hand", "bob")
    driver.run("raise_hand", "cy")
    driver.run("remove_hand", "fay", participant_id="cy")
    assert waiting(driver) == ["bob"]
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.subject, latest.override) == ("hand_removed", "cy", True)
    assert driver.reject("remove_hand", "fay", participant_id="cy").code == "hand_not_raised"
    assert driver.reject("remove_hand", "fay").code == "invalid_input"


def test_a_facilitator_clears_all_hands(driver: MeetingDriver) -> None:
    driver.run("raise_hand", "bob")
    driver.run("raise_hand", "cy")
    driver.run("clear_hands", "fay")
    assert waiting(driver) == []
    assert driver.meeting.activity[-1].action == "hands_cleared"
    assert driver.meeting.activity[-1].override
    assert driver.reject("clear_hands", "fay").code == "no_hands"


def test_raise_hand_refusals(driver: MeetingDriver) -> None:
    driver.run("raise_hand", "bob")
    assert driver.reject("raise_hand", "bob").code == "hand_already_raised"
    assert driver.reject("raise_hand", "ada").code == "presenter_cannot_raise"


@pytest.mark.parametrize("stage", [WorkStage.CLARIFYING, WorkStage.OPEN_QUESTIONS])
def test_hands_are_raised_in_every_question_stage(driver: MeetingDriver, stage: WorkStage) -> None:
    while driver.meeting.work.stage is not stage:
        driver.run("advance_phase", "fay")
    driver.run("raise_hand", "bob")
    assert waiting(driver) == ["bob"]


def test_no_hands_once_the_presenter_moves_to_actions(driver: MeetingDriver) -> None:
    driver.run("raise_hand", "bob")
    driver.run("end_work", "ada")
    assert driver.meeting.work.stage is WorkStage.ACTIONS
    assert waiting(driver) == []
    assert driver.reject("raise_hand", "cy").code == "questions_over"


@pytest.mark.parametrize(
    ("verb", "actor", "args"),
    [
        ("raise_hand", "bob", {}),
        ("lower_hand", "bob", {}),
        ("call_next", "fay", {}),
        ("remove_hand", "fay", {"participant_id": "bob"}),
        ("clear_hands", "fay", {}),
    ],
)
@pytest.mark.parametrize("phase", ["bidding", "closing_round"])
def test_hands_belong_to_the_work_itself(
    driver: MeetingDriver, verb: str, actor: str, args: dict, phase: str
) -> None:
    driver.run("go_to_phase", "fay", phase=phase)
    assert driver.reject(verb, actor, **args).code == "not_in_work"


@pytest.mark.parametrize("role", [Role.OBSERVER, Role.CO_FACILITATOR])
@pytest.mark.parametrize("verb", ["raise_hand", "lower_hand"])
def test_only_members_raise_hands(driver: MeetingDriver, role: Role, verb: str) -> None:
    driver.join("pat", role)
    assert driver.reject(verb, "pat").code == "not_allowed"
    assert driver.reject(verb, "fay").code == "not_allowed"


@pytest.mark.parametrize(
    ("verb", "args"),
    [("call_next", {}), ("remove_hand", {"participant_id": "cy"}), ("clear_hands", {})],
)
@pytest.mark.parametrize("role", [Role.MEMBER, Role.OBSERVER])
def test_only_facilitators_manage_hands(
    driver: MeetingDriver, verb: str, args: dict, role: Role
) -> None:
    driver.run("raise_hand", "cy")
    driver.join("pat", role)
    assert driver.reject(verb, "pat", **args).code == "not_allowed"


@pytest.mark.parametrize(
    ("verb", "args"),
    [
        ("set_role", {"participant_id": "bob", "role": "observer"}),
        ("remove_participant", {"participant_id": "bob"}),
    ],
)
def test_someone_who_stops_taking_part_loses_hand_and_floor(
    driver: MeetingDriver, verb: str, args: dict
) -> None:
    driver.run("raise_hand", "bob")
    driver.run("call_next", "fay")
    driver.run("raise_hand", "bob")
    driver.run("raise_hand", "cy")
    driver.run(verb, "fay", **args)
    assert (driver.meeting.work.hands, driver.meeting.work.questioner) == (["cy"], None)


def test_the_next_presenter_starts_with_no_hands_and_nobody_asked(driver: MeetingDriver) -> None:
    driver.run("place_bid", "bob", title="", minutes=10)
    driver.run("accept_bid", "fay", bid_id="b2")
    driver.run("raise_hand", "cy")
    driver.run("call_next", "fay")
    driver.run("raise_hand", "dee")
    driver.run("go_to_phase", "fay", phase="closing_round")
    driver.run("advance_phase", "fay")
    work = driver.meeting.work
    assert (work.presenter_id, work.hands, work.asked, work.questioner) == ("bob", [], [], None)


@pytest.mark.parametrize(("verb", "actor"), [("end_work", "ada"), ("advance_phase", "fay")])
def test_questions_are_over_however_the_actions_stage_is_reached(
    driver: MeetingDriver, verb: str, actor: str
) -> None:
    driver.run("advance_phase", "fay")
    driver.run("advance_phase", "fay")
    assert driver.meeting.work.stage is WorkStage.OPEN_QUESTIONS
    driver.run("raise_hand", "bob")
    driver.run("raise_hand", "cy")
    driver.run("call_next", "fay")
    driver.run(verb, actor)
    work = driver.meeting.work
    assert (work.stage, work.hands, work.questioner) == (WorkStage.ACTIONS, [], None)
    assert driver.reject("call_next", "fay").code == "no_hands"


def raise_all(driver: MeetingDriver, members: list[str]) -> None:
    for member in members:
        driver.run("raise_hand", member)


@pytest.fixture
def three_hands(driver: MeetingDriver) -> MeetingDriver:
    """Bob, Cy and Dee have their hands up, in that order."""
    raise_all(driver, ["bob", "cy", "dee"])
    return driver


def test_the_queue_is_the_stored_order_as_it_stands() -> None:
    """Nothing re-sorts the queue when it is read, so a facilitator's order is kept."""
    work = Work(bid_id="b1", presenter_id="ada", hands=["bob", "cy", "dee"], asked=["bob"])
    assert hands.queue(work) == ["bob", "cy", "dee"]
    assert hands.queue(work) is not work.hands, "a copy: reading it cannot change the queue"


def test_a_facilitator_reorders_the_raised_hands(three_hands: MeetingDriver) -> None:
    before = three_hands.meeting.version
    three_hands.run("reorder_hands", "fay", order=["dee", "bob", "cy"])
    assert waiting(three_hands) == ["dee", "bob", "cy"]
    assert three_hands.meeting.version == before + 1
    latest = three_hands.meeting.activity[-1]
    assert (latest.action, latest.actor, latest.subject, latest.override) == (
        "hands_reordered",
        "fay",
        None,
        True,
    )


def test_a_co_facilitator_reorders_the_hands_too(three_hands: MeetingDriver) -> None:
    three_hands.join("cole", Role.CO_FACILITATOR)
    three_hands.run("reorder_hands", "cole", order=["cy", "dee", "bob"])
    assert waiting(three_hands) == ["cy", "dee", "bob"]
    assert three_hands.meeting.activity[-1].actor == "cole"
    assert three_hands.meeting.activity[-1].override


def test_calling_next_follows_the_new_order(three_hands: MeetingDriver) -> None:
    three_hands.run("reorder_hands", "fay", order=["dee", "cy", "bob"])
    called = []
    for _ in range(3):
        three_hands.run("call_next", "fay")
        called.append(three_hands.meeting.work.questioner)
    assert called == ["dee", "cy", "bob"]
    assert three_hands.meeting.work.asked == ["dee", "cy", "bob"]


def test_a_facilitator_may_put_someone_already_called_first(driver: MeetingDriver) -> None:
    driver.run("raise_hand", "bob")
    driver.run("call_next", "fay")
    raise_all(driver, ["bob", "cy"])
    assert waiting(driver) == ["cy", "bob"]
    driver.run("reorder_hands", "fay", order=["bob", "cy"])
    assert waiting(driver) == ["bob", "cy"], "their order is kept exactly as given"
    driver.run("call_next", "fay")
    assert driver.meeting.work.questioner == "bob"


def test_a_new_hand_not_yet_called_goes_ahead_even_after_a_reorder(driver: MeetingDriver) -> None:
    """The fairness rule is applied as each hand goes up, so it holds after a reorder too; the
    facilitator's order among the hands already up is kept."""
    driver.run("raise_hand", "bob")
    driver.run("call_next", "fay")
    raise_all(driver, ["bob", "cy"])
    driver.run("reorder_hands", "fay", order=["bob", "cy"])
    driver.run("raise_hand", "dee")
    queue = waiting(driver)
    assert queue.index("dee") < queue.index("bob")
    assert queue == ["dee", "bob", "cy"]


def test_someone_already_called_who_raises_again_after_a_reorder_goes_last(
    three_hands: MeetingDriver,
) -> None:
    three_hands.run("call_next", "fay")
    three_hands.run("reorder_hands", "fay", order=["dee", "cy"])
    three_hands.run("raise_hand", "bob")
    assert waiting(three_hands) == ["dee", "cy", "bob"]


@pytest.mark.parametrize(
    "order",
    [
        ["bob", "cy"],  # someone missing
        ["bob", "cy", "dee", "eve"],  # someone whose hand is not up
        ["bob", "cy", "dee", "dee"],  # someone twice
        ["bob", "bob", "cy"],  # someone twice, someone missing
        ["bob", "cy", "zed"],  # a stranger in place of a hand
        ["ada", "bob", "cy"],  # the presenter
        [],  # nobody
    ],
)
def test_the_new_order_must_list_exactly_the_raised_hands(
    three_hands: MeetingDriver, order: list[str]
) -> None:
    assert three_hands.reject("reorder_hands", "fay", order=order).code == "bad_order"


def test_reordering_with_no_hands_up_is_checked_against_the_empty_queue(
    driver: MeetingDriver,
) -> None:
    assert driver.reject("reorder_hands", "fay", order=["bob"]).code == "bad_order"
    assert driver.reject("reorder_hands", "fay", order=[]).code == "no_change"


def test_the_same_order_is_no_change(three_hands: MeetingDriver) -> None:
    rejection = three_hands.reject("reorder_hands", "fay", order=["bob", "cy", "dee"])
    assert rejection.code == "no_change"


def test_a_reorder_needs_an_order(three_hands: MeetingDriver) -> None:
    assert three_hands.reject("reorder_hands", "fay").code == "invalid_input"


@pytest.mark.parametrize("phase", ["bidding", "closing_round", "learning_review"])
def test_hands_are_reordered_only_during_work(driver: MeetingDriver, phase: str) -> None:
    driver.run("raise_hand", "bob")
    driver.run("go_to_phase", "fay", phase=phase)
    assert driver.reject("reorder_hands", "fay", order=["bob"]).code == "not_in_work"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.OBSERVER])
def test_only_facilitators_reorder_hands(three_hands: MeetingDriver, role: Role) -> None:
    three_hands.join("pat", role)
    order = ["dee", "cy", "bob"]
    assert three_hands.reject("reorder_hands", "pat", order=order).code == "not_allowed"
    assert three_hands.reject("reorder_hands", "bob", order=order).code == "not_allowed"
