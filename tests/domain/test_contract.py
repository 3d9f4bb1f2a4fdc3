"""The set's contract: a sensible default, the facilitator's own words, each member's agreement."""

import pytest

from companion.domain import contract
from companion.domain.codec import meeting_from_dict, meeting_to_dict, public_view
from companion.domain.model import Role
from tests.domain.driver import MeetingDriver, meeting_with


@pytest.fixture
def driver() -> MeetingDriver:
    """Fay facilitates; Ada and Bob are members; Obi observes. The meeting is at its opening."""
    driver = meeting_with(["ada", "bob"])
    driver.join("obi", Role.OBSERVER)
    return driver


def test_a_meeting_starts_from_the_default_contract(driver: MeetingDriver) -> None:
    assert driver.meeting.contract == list(contract.DEFAULT_CONTRACT)
    assert driver.meeting.contract_agreed == []


@pytest.mark.parametrize(
    "theme",
    ["safe", "stays here", "respect", "honest", "time to speak", "judge", "advice"],
)
def test_the_default_covers_what_a_set_needs(theme: str) -> None:
    assert any(theme in rule for rule in contract.DEFAULT_CONTRACT), theme


def test_members_agree_once_each(driver: MeetingDriver) -> None:
    assert contract.still_to_agree(driver.meeting) == ["ada", "bob"]
    driver.run("agree_contract", "ada")
    assert driver.meeting.contract_agreed == ["ada"]
    assert contract.still_to_agree(driver.meeting) == ["bob"]
    last = driver.meeting.activity[-1]
    assert (last.actor, last.action, last.override) == ("ada", "contract_agreed", False)
    assert driver.reject("agree_contract", "ada").code == "already_agreed"


@pytest.mark.parametrize("who", ["fay", "obi"])
def test_only_members_agree(driver: MeetingDriver, who: str) -> None:
    assert driver.reject("agree_contract", who).code == "not_allowed"


def test_the_facilitator_rewrites_it_and_everyone_agrees_afresh(driver: MeetingDriver) -> None:
    driver.run("agree_contract", "ada")
    driver.run("set_contract", "fay", items=["  We listen.  ", "We ask, not tell."])
    assert driver.meeting.contract == ["We listen.", "We ask, not tell."]
    assert driver.meeting.contract_agreed == []
    last = driver.meeting.activity[-1]
    assert (last.actor, last.action, last.override) == ("fay", "contract_rewritten", True)


@pytest.mark.parametrize(
    "items", [[], ["ok", ""], ["ok", "   "], [f"rule {n}" for n in range(contract.ITEMS_MAX + 1)]]
)
def test_a_contract_needs_one_to_twelve_rules_none_empty(
    driver: MeetingDriver, items: list[str]
) -> None:
    assert driver.reject("set_contract", "fay", items=items).code == "invalid_contract"


def test_the_same_words_are_no_change(driver: MeetingDriver) -> None:
    same = list(contract.DEFAULT_CONTRACT)
    assert driver.reject("set_contract", "fay", items=same).code == "no_change"


def test_members_cannot_rewrite_it(driver: MeetingDriver) -> None:
    assert driver.reject("set_contract", "ada", items=["Mine."]).code == "not_allowed"


def test_nothing_changes_once_the_meeting_has_closed(driver: MeetingDriver) -> None:
    driver.run("end_meeting", "fay")
    assert driver.reject("agree_contract", "ada").code == "meeting_closed"
    assert driver.reject("set_contract", "fay", items=["New."]).code == "meeting_closed"


def test_everyone_sees_the_contract_and_who_agreed(driver: MeetingDriver) -> None:
    driver.run("agree_contract", "bob")
    view = public_view(driver.meeting, driver.clock_ms)["contract"]
    assert view == {"items": list(contract.DEFAULT_CONTRACT), "agreed": ["bob"]}


def test_the_contract_is_stored_and_read_back(driver: MeetingDriver) -> None:
    driver.run("set_contract", "fay", items=["One rule."])
    driver.run("agree_contract", "ada")
    again = meeting_from_dict(meeting_to_dict(driver.meeting))
    assert (again.contract, again.contract_agreed) == (["One rule."], ["ada"])


def test_a_meeting_stored_before_contracts_reads_with_the_default(driver: MeetingDriver) -> None:
    stored = meeting_to_dict(driver.meeting)
    del stored["contract"], stored["contract_agreed"]
    assert meeting_from_dict(stored).contract == list(contract.DEFAULT_CONTRACT)
