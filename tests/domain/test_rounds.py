"""Speaking rounds: who speaks, in which order, and what facilitators may change."""

import pytest

from companion.domain import rounds, timers
from companion.domain.model import Outcome, Phase, Role, RoundKind
from tests.domain.driver import MeetingDriver, meeting_with


@pytest.fixture
def driver() -> MeetingDriver:
    """A check-in with Ada, Bob and Cy present (in that joining order); Ada speaks first."""
    driver = meeting_with(["ada", "bob", "cy"])
    driver.run("advance_phase", "fay")
    return driver


@pytest.fixture
def closing() -> MeetingDriver:
    """Ada's closing round: she joined first but speaks last."""
    driver = meeting_with(["ada", "bob", "cy"])
    driver.run("place_bid", "ada", title="Rota", minutes=20)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("go_to_phase", "fay", phase="work")
    driver.run("go_to_phase", "fay", phase="closing_round")
    return driver


def order(driver: MeetingDriver) -> list[str]:
    return rounds.speaking_order(driver.meeting)


def current(driver: MeetingDriver) -> str | None:
    return driver.meeting.round.current


def test_a_round_holds_the_members_present_in_joining_order() -> None:
    driver = meeting_with(["ada", "bob"])
    driver.join("obi", Role.OBSERVER)
    driver.join("cole", Role.CO_FACILITATOR)
    driver.join("dee")
    driver.leave("bob")
    driver.run("advance_phase", "fay")
    assert driver.meeting.round.kind is RoundKind.CHECK_IN
    assert order(driver) == ["ada", "dee"]
    assert driver.meeting.round.order == ["ada", "dee"]
    assert current(driver) == "ada"


def test_the_speaker_timer_runs_for_each_speaker(driver: MeetingDriver) -> None:
    seconds = driver.meeting.settings.speaker_seconds
    assert driver.meeting.timers[timers.SPEAKER].deadline_ms == driver.clock_ms + seconds * 1000
    driver.run("speaker_done", "ada")
    assert driver.meeting.timers[timers.SPEAKER].deadline_ms == driver.clock_ms + seconds * 1000


@pytest.mark.parametrize(
    ("verb", "outcome", "action"),
    [
        ("speaker_done", Outcome.DONE, "speaker_done"),
        ("speaker_pass", Outcome.PASSED, "speaker_passed"),
    ],
)
def test_the_speaker_says_done_or_pass_and_the_turn_moves_on(
    driver: MeetingDriver, verb: str, outcome: Outcome, action: str
) -> None:
    driver.run(verb, "ada")
    assert driver.meeting.round.outcomes == {"ada": outcome}
    assert current(driver) == "bob"
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.actor, latest.subject, latest.override) == (
        action,
        "ada",
        "ada",
        False,
    )


def test_after_the_last_speaker_the_round_waits_with_no_speaker(driver: MeetingDriver) -> None:
    for speaker in ["ada", "bob", "cy"]:
        driver.run("speaker_done", speaker)
    assert current(driver) is None
    assert timers.SPEAKER not in driver.meeting.timers
    assert driver.meeting.phase is Phase.CHECK_IN, "only a facilitator moves the meeting on"


def test_only_the_current_speaker_finishes_a_turn(driver: MeetingDriver) -> None:
    assert driver.reject("speaker_done", "bob").code == "not_your_turn"
    assert driver.reject("speaker_pass", "cy").code == "not_your_turn"


@pytest.mark.parametrize("verb", ["speaker_done", "speaker_pass"])
def test_no_turns_outside_a_round(verb: str) -> None:
    driver = meeting_with(["ada"])
    assert driver.reject(verb, "ada").code == "no_round"


@pytest.mark.parametrize("role", [Role.OBSERVER, Role.CO_FACILITATOR])
@pytest.mark.parametrize("verb", ["speaker_done", "speaker_pass"])
def test_observers_and_facilitators_do_not_speak_in_rounds(
    driver: MeetingDriver, role: Role, verb: str
) -> None:
    driver.join("pat", role)
    assert "pat" not in order(driver)
    assert driver.reject(verb, "pat").code == "not_allowed"
    assert driver.reject(verb, "fay").code == "not_allowed"


def test_skipping_the_current_speaker_moves_the_turn_on(driver: MeetingDriver) -> None:
    driver.run("skip_speaker", "fay")
    assert driver.meeting.round.outcomes == {"ada": Outcome.SKIPPED}
    assert current(driver) == "bob"
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.subject, latest.override) == ("speaker_skipped", "ada", True)


def test_skipping_someone_later_keeps_the_current_turn(driver: MeetingDriver) -> None:
    driver.run("skip_speaker", "fay", participant_id="bob")
    assert current(driver) == "ada"
    driver.run("speaker_done", "ada")
    assert current(driver) == "cy"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"participant_id": "fay"}, "not_in_round"),
        ({"participant_id": "nobody"}, "not_in_round"),
        ({"participant_id": "ada"}, "already_spoken"),
    ],
)
def test_skip_speaker_refusals(driver: MeetingDriver, args: dict, code: str) -> None:
    driver.run("speaker_done", "ada")
    assert driver.reject("skip_speaker", "fay", **args).code == code


def test_skip_with_nobody_left_to_speak_is_refused(driver: MeetingDriver) -> None:
    for speaker in ["ada", "bob", "cy"]:
        driver.run("speaker_pass", speaker)
    assert driver.reject("skip_speaker", "fay").code == "not_in_round"


def test_moving_the_current_speaker_to_the_end_gives_the_next_the_turn(
    driver: MeetingDriver,
) -> None:
    driver.run("move_to_end", "fay", participant_id="ada")
    assert order(driver) == ["bob", "cy", "ada"]
    assert current(driver) == "bob"
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.subject, latest.override) == ("round_moved_to_end", "ada", True)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"participant_id": "cy"}, "no_change"),
        ({"participant_id": "fay"}, "not_in_round"),
        ({}, "invalid_input"),
    ],
)
def test_move_to_end_refusals(driver: MeetingDriver, args: dict, code: str) -> None:
    assert driver.reject("move_to_end", "fay", **args).code == code


def test_reorder_sets_a_new_speaking_order(driver: MeetingDriver) -> None:
    driver.run("reorder_round", "fay", order=["cy", "ada", "bob"])
    assert order(driver) == ["cy", "ada", "bob"]
    assert current(driver) == "ada", "the speaker keeps the turn they have"
    driver.run("speaker_done", "ada")
    assert current(driver) == "cy", "the first in the new order who has not spoken"
    assert driver.meeting.activity[-2].action == "round_reordered"
    assert driver.meeting.activity[-2].override


def test_reorder_keeps_the_place_of_someone_away(driver: MeetingDriver) -> None:
    driver.leave("bob")
    driver.run("reorder_round", "fay", order=["cy", "ada"])
    assert order(driver) == ["cy", "ada"]
    driver.join("bob")
    assert order(driver) == ["cy", "ada", "bob"]


@pytest.mark.parametrize(
    "proposed",
    [["ada", "bob"], ["ada", "bob", "cy", "fay"], ["ada", "bob", "bob"], []],
)
def test_reorder_must_list_exactly_the_people_in_the_round(
    driver: MeetingDriver, proposed: list[str]
) -> None:
    assert driver.reject("reorder_round", "fay", order=proposed).code == "bad_order"


@pytest.mark.parametrize(
    ("verb", "args"),
    [
        ("skip_speaker", {}),
        ("move_to_end", {"participant_id": "ada"}),
        ("reorder_round", {"order": ["ada"]}),
    ],
)
def test_round_commands_need_a_round_and_a_facilitator(verb: str, args: dict) -> None:
    driver = meeting_with(["ada"])
    assert driver.reject(verb, "fay", **args).code == "no_round"
    driver.run("advance_phase", "fay")
    assert driver.reject(verb, "ada", **args).code == "not_allowed"


def test_the_presenter_speaks_last_in_the_closing_round(closing: MeetingDriver) -> None:
    assert closing.meeting.round.kind is RoundKind.CLOSING
    assert order(closing) == ["bob", "cy", "ada"]
    assert current(closing) == "bob"


def test_a_late_joiner_comes_before_the_presenter(closing: MeetingDriver) -> None:
    closing.join("dee")
    assert order(closing) == ["bob", "cy", "dee", "ada"]


def test_after_the_presenter_speaks_a_late_joiner_waits_for_the_next_round(
    closing: MeetingDriver,
) -> None:
    for speaker in ["bob", "cy", "ada"]:
        closing.run("speaker_done", speaker)
    closing.join("dee")
    assert order(closing) == ["bob", "cy", "ada"]
    assert current(closing) is None


def test_someone_back_after_the_presenter_spoke_does_not_speak_after_them(
    closing: MeetingDriver,
) -> None:
    closing.leave("cy")
    closing.run("speaker_done", "bob")
    assert current(closing) == "ada"
    closing.run("speaker_done", "ada")
    closing.join("cy")
    assert order(closing) == ["bob", "cy", "ada"]
    assert current(closing) is None, "the presenter had the last word"


def test_a_returning_presenter_is_still_last(closing: MeetingDriver) -> None:
    closing.leave("ada")
    closing.join("dee")
    closing.join("ada")
    assert order(closing) == ["bob", "cy", "dee", "ada"]


def test_moving_someone_to_the_end_keeps_the_presenter_last(closing: MeetingDriver) -> None:
    closing.run("move_to_end", "fay", participant_id="bob")
    assert order(closing) == ["cy", "bob", "ada"]
    assert current(closing) == "cy"
    assert closing.reject("move_to_end", "fay", participant_id="ada").code == "no_change"


def test_reorder_must_keep_the_presenter_last(closing: MeetingDriver) -> None:
    rejection = closing.reject("reorder_round", "fay", order=["ada", "bob", "cy"])
    assert rejection.code == "presenter_last"
    closing.run("reorder_round", "fay", order=["cy", "bob", "ada"])
    assert order(closing) == ["cy", "bob", "ada"]


def test_a_presenter_who_joins_late_still_speaks_last() -> None:
    driver = meeting_with(["ada", "bob"])
    driver.run("place_bid", "ada", title="", minutes=20)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("go_to_phase", "fay", phase="work")
    driver.leave("ada")
    driver.run("go_to_phase", "fay", phase="closing_round")
    assert order(driver) == ["bob"]
    driver.join("cy")
    driver.join("ada")
    assert order(driver) == ["bob", "cy", "ada"]


def test_a_late_joiner_goes_to_the_end_of_the_round(driver: MeetingDriver) -> None:
    driver.join("dee")
    assert order(driver) == ["ada", "bob", "cy", "dee"]
    assert current(driver) == "ada"


def test_a_late_joiner_to_a_finished_round_speaks_at_once(driver: MeetingDriver) -> None:
    for speaker in ["ada", "bob", "cy"]:
        driver.run("speaker_done", speaker)
    driver.join("dee")
    assert current(driver) == "dee"


def test_a_speaker_who_leaves_is_skipped_and_keeps_their_place(driver: MeetingDriver) -> None:
    driver.leave("ada")
    assert current(driver) == "bob"
    assert order(driver) == ["bob", "cy"]
    assert "ada" not in driver.meeting.round.outcomes
    driver.join("ada")
    assert order(driver) == ["ada", "bob", "cy"], "back in her own place, not at the end"
    assert current(driver) == "bob"
    driver.run("speaker_done", "bob")
    assert current(driver) == "ada", "she speaks next, before those after her"


def test_a_second_widget_does_not_add_a_speaker_twice(driver: MeetingDriver) -> None:
    driver.join("bob")
    driver.leave("bob")
    assert order(driver) == ["ada", "bob", "cy"]
    assert driver.meeting.round.order == ["ada", "bob", "cy"]


@pytest.mark.parametrize(
    ("verb", "args"),
    [
        ("set_role", {"participant_id": "ada", "role": "observer"}),
        ("set_role", {"participant_id": "ada", "role": "co_facilitator"}),
        ("remove_participant", {"participant_id": "ada"}),
    ],
)
def test_the_speaker_who_stops_taking_part_leaves_the_round(
    driver: MeetingDriver, verb: str, args: dict
) -> None:
    driver.run(verb, "fay", **args)
    assert driver.meeting.round.order == ["bob", "cy"]
    assert current(driver) == "bob"


def test_someone_made_a_member_again_joins_the_end_and_speaks_again(
    driver: MeetingDriver,
) -> None:
    driver.run("speaker_done", "ada")
    driver.run("set_role", "fay", participant_id="ada", role="observer")
    driver.run("set_role", "fay", participant_id="ada", role="member")
    assert order(driver) == ["bob", "cy", "ada"]
    assert "ada" not in driver.meeting.round.outcomes


def test_the_learning_review_opens_a_round_of_everyone_present() -> None:
    driver = meeting_with(["ada", "bob"])
    driver.run("go_to_phase", "fay", phase="learning_review")
    assert driver.meeting.round.kind is RoundKind.LEARNING_REVIEW
    assert order(driver) == ["ada", "bob"]
    driver.run("advance_phase", "fay")
    assert driver.meeting.round is None
    assert driver.meeting.phase is Phase.CLOSED
