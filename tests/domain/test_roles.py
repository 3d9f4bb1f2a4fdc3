"""Who may send what; hand-over, role changes and removal."""

import pytest

from companion.domain import rounds, rules
from companion.domain.codec import public_view
from companion.domain.events import Removed, RosterChanged
from companion.domain.model import Role, Status
from tests.domain.driver import MeetingDriver, meeting_with

# Written from the product's rules, not read from the engine, so the two are checked one against
# the other.
FACILITATION_COMMANDS = {
    "advance_phase",
    "previous_phase",
    "go_to_phase",
    "start_silence",
    "end_meeting",
    "skip_speaker",
    "move_to_end",
    "reorder_round",
    "accept_bid",
    "decline_bid",
    "reorder_bids",
    "set_allocation",
    "set_record_presenters",
    "call_next",
    "remove_hand",
    "reorder_hands",
    "clear_hands",
    "start_timer",
    "pause_timer",
    "resume_timer",
    "extend_timer",
    "stop_timer",
    "set_role",
    "remove_participant",
    "switch_signal",
    "clear_signals",
    "set_signal_window",
    "set_contract",
}
MEMBER_COMMANDS = {
    "speaker_done",
    "speaker_pass",
    "place_bid",
    "withdraw_bid",
    "raise_hand",
    "lower_hand",
    "add_action",
    "send_signal",
    "agree_contract",
}
# The presenter takes off their own actions; a facilitator may take off anyone's.
# Reporting back and learnings belong to whoever named the action or learned; a facilitator may
# have presented before handing over, and learns too.
SHARED_COMMANDS = {"end_work", "remove_action", "report_back", "add_learning", "remove_learning"}
ALLOWED = {
    Role.FACILITATOR: FACILITATION_COMMANDS | SHARED_COMMANDS | {"hand_over"},
    Role.CO_FACILITATOR: FACILITATION_COMMANDS | SHARED_COMMANDS,
    Role.MEMBER: MEMBER_COMMANDS | SHARED_COMMANDS,
    Role.OBSERVER: set(),
}
REFUSED = [
    (verb, role)
    for role, allowed in ALLOWED.items()
    for verb in sorted(rules.CLIENT_COMMANDS - allowed)
]


@pytest.fixture
def driver() -> MeetingDriver:
    """Fay leads; Ada, Bob and Cy are members; Obi observes. The check-in is under way."""
    driver = meeting_with(["ada", "bob", "cy"])
    driver.join("obi", Role.OBSERVER)
    driver.run("advance_phase", "fay")
    return driver


@pytest.fixture
def presenting(driver: MeetingDriver) -> MeetingDriver:
    """Ada presents."""
    driver.run("place_bid", "ada", title="", minutes=20)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("go_to_phase", "fay", phase="work")
    return driver


def test_every_client_command_is_in_the_table() -> None:
    assert FACILITATION_COMMANDS | MEMBER_COMMANDS | SHARED_COMMANDS | {"hand_over"} == set(
        rules.CLIENT_COMMANDS
    )
    assert {"connect", "disconnect", "drop_connections"} == rules.SERVER_ONLY


@pytest.mark.parametrize(("verb", "role"), REFUSED)
def test_a_role_outside_the_table_is_not_allowed(verb: str, role: Role) -> None:
    driver = meeting_with(["ada"])
    if role is not Role.FACILITATOR:
        driver.join("pat", role)
    actor = "fay" if role is Role.FACILITATOR else "pat"
    rejection = driver.reject(verb, actor)
    assert rejection.code == "not_allowed"
    assert role.value in rejection.message


@pytest.mark.parametrize("verb", sorted(rules.CLIENT_COMMANDS))
def test_a_removed_participant_can_do_nothing(driver: MeetingDriver, verb: str) -> None:
    driver.run("remove_participant", "fay", participant_id="bob")
    assert driver.reject(verb, "bob").code == "removed"


@pytest.mark.parametrize("verb", sorted(rules.CLIENT_COMMANDS))
def test_a_stranger_can_do_nothing(driver: MeetingDriver, verb: str) -> None:
    assert driver.reject(verb, "zed").code == "not_in_meeting"


def test_an_unknown_command_is_refused(driver: MeetingDriver) -> None:
    assert driver.reject("dance", "fay").code == "unknown_command"


def test_the_lead_hands_over_and_becomes_a_member(driver: MeetingDriver) -> None:
    driver.run("hand_over", "fay", participant_id="bob")
    roles = {pid: p.role for pid, p in driver.meeting.roster.entries.items()}
    assert roles == {
        "fay": Role.MEMBER,
        "ada": Role.MEMBER,
        "bob": Role.FACILITATOR,
        "cy": Role.MEMBER,
        "obi": Role.OBSERVER,
    }
    assert rounds.speaking_order(driver.meeting) == ["ada", "cy", "fay"]
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.actor, latest.subject, latest.override) == (
        "facilitation_handed_over",
        "fay",
        "bob",
        True,
    )
    assert driver.reject("advance_phase", "fay").code == "not_allowed"
    driver.run("advance_phase", "bob")


def test_the_lead_can_hand_over_to_a_co_facilitator(driver: MeetingDriver) -> None:
    driver.join("cole", Role.CO_FACILITATOR)
    driver.run("hand_over", "fay", participant_id="cole")
    leads = [p.id for p in driver.meeting.roster.entries.values() if p.role is Role.FACILITATOR]
    assert leads == ["cole"]
    assert driver.reject("hand_over", "fay", participant_id="cole").code == "not_allowed"


@pytest.mark.parametrize(
    ("target", "code"),
    [("fay", "no_change"), ("zed", "no_such_participant"), ("bob", "no_such_participant")],
)
def test_hand_over_refusals(driver: MeetingDriver, target: str, code: str) -> None:
    driver.run("remove_participant", "fay", participant_id="bob")
    assert driver.reject("hand_over", "fay", participant_id=target).code == code


def test_hand_over_to_the_presenter_is_refused(presenting: MeetingDriver) -> None:
    assert presenting.reject("hand_over", "fay", participant_id="ada").code == "is_presenter"


def test_a_co_facilitator_cannot_hand_over(driver: MeetingDriver) -> None:
    driver.join("cole", Role.CO_FACILITATOR)
    assert driver.reject("hand_over", "cole", participant_id="ada").code == "not_allowed"


@pytest.mark.parametrize("setter", ["fay", "cole"])
def test_facilitators_appoint_a_co_facilitator(driver: MeetingDriver, setter: str) -> None:
    driver.join("cole", Role.CO_FACILITATOR)
    driver.run("set_role", setter, participant_id="cy", role="co_facilitator")
    assert driver.meeting.roster.entries["cy"].role is Role.CO_FACILITATOR
    assert "cy" not in driver.meeting.round.order
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.subject, latest.detail, latest.override) == (
        "role_set",
        "cy",
        "co_facilitator",
        True,
    )


def test_an_observer_made_a_member_joins_the_round_at_the_end(driver: MeetingDriver) -> None:
    driver.run("set_role", "fay", participant_id="obi", role="member")
    assert rounds.speaking_order(driver.meeting) == ["ada", "bob", "cy", "obi"]
    driver.run("place_bid", "obi", title="", minutes=5)


def test_a_member_made_an_observer_loses_round_bids_and_hands(presenting: MeetingDriver) -> None:
    presenting.run("place_bid", "bob", title="", minutes=10)
    presenting.run("accept_bid", "fay", bid_id="b2")
    presenting.run("raise_hand", "bob")
    presenting.run("set_role", "fay", participant_id="bob", role="observer")
    assert presenting.meeting.roster.entries["bob"].role is Role.OBSERVER
    assert [b.participant_id for b in presenting.meeting.bids] == ["ada"]
    assert presenting.meeting.work.hands == []
    assert presenting.reject("raise_hand", "bob").code == "not_allowed"


@pytest.mark.parametrize(
    ("target", "role", "code"),
    [
        ("fay", "member", "is_lead"),
        ("ada", "facilitator", "invalid_role"),
        ("ada", "member", "no_change"),
        ("obi", "observer", "no_change"),
        ("zed", "member", "no_such_participant"),
    ],
)
def test_set_role_refusals(driver: MeetingDriver, target: str, role: str, code: str) -> None:
    assert driver.reject("set_role", "fay", participant_id=target, role=role).code == code


@pytest.mark.parametrize("role", ["observer", "co_facilitator"])
def test_the_presenter_keeps_their_part_until_their_work_ends(
    presenting: MeetingDriver, role: str
) -> None:
    rejection = presenting.reject("set_role", "fay", participant_id="ada", role=role)
    assert rejection.code == "is_presenter"
    presenting.run("go_to_phase", "fay", phase="closing_round")
    rejection = presenting.reject("set_role", "fay", participant_id="ada", role=role)
    assert rejection.code == "is_presenter", "the closing round is still theirs"
    presenting.run("advance_phase", "fay")
    presenting.run("set_role", "fay", participant_id="ada", role=role)
    assert presenting.meeting.roster.entries["ada"].role is Role(role)


@pytest.mark.parametrize("remover", ["fay", "cole"])
def test_a_removed_participant_is_disconnected_for_good(
    driver: MeetingDriver, remover: str
) -> None:
    driver.join("cole", Role.CO_FACILITATOR)
    driver.join("bob")
    driver.run("remove_participant", remover, participant_id="bob")
    bob = driver.meeting.participants["bob"]
    assert (bob.connections, bob.online) == ([], False)
    assert driver.meeting.roster.entries["bob"].status is Status.REMOVED, "off the set's roster"
    assert driver.events == (Removed("bob"), RosterChanged())
    assert "bob" not in {p["id"] for p in public_view(driver.meeting, 0)["participants"]}
    assert driver.meeting.round.order == ["ada", "cy"]
    latest = driver.meeting.activity[-1]
    assert (latest.action, latest.subject, latest.override) == ("participant_removed", "bob", True)
    assert driver.reject("connect", "bob", connection_id="bob-3").code == "removed"
    assert driver.reject("raise_hand", "bob").code == "removed"


@pytest.mark.parametrize(
    ("remover", "target", "code"),
    [
        ("cole", "fay", "cannot_remove"),
        ("cole", "cole", "cannot_remove"),
        ("fay", "fay", "cannot_remove"),
        ("fay", "zed", "no_such_participant"),
        ("fay", "ada", "is_presenter"),
    ],
)
def test_remove_refusals(presenting: MeetingDriver, remover: str, target: str, code: str) -> None:
    presenting.join("cole", Role.CO_FACILITATOR)
    assert presenting.reject("remove_participant", remover, participant_id=target).code == code


def test_someone_removed_cannot_be_removed_again(driver: MeetingDriver) -> None:
    driver.run("remove_participant", "fay", participant_id="bob")
    code = driver.reject("remove_participant", "fay", participant_id="bob").code
    assert code == "no_such_participant"
    code = driver.reject("set_role", "fay", participant_id="bob", role="member").code
    assert code == "no_such_participant"
