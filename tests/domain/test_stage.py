"""Whether a stage link still opens the stage view, decided from the set and its roster alone."""

from __future__ import annotations

import pytest

from companion.domain.errors import Rejected
from companion.domain.model import LearningSet, Role, RosterEntry, Status
from companion.domain.stage import check_stage_link

NOW_MS = 1_800_000_000_000


def a_set(generation: int = 0) -> LearningSet:
    learning_set = LearningSet(id="s1", name="Ward leaders", created_at=0.0)
    learning_set.invite_generation = generation
    return learning_set


@pytest.mark.parametrize("role", list(Role))
def test_it_opens_for_anyone_active_in_the_set_whatever_their_role(role: Role) -> None:
    person = RosterEntry(id="p1", name="Fay", role=role)
    assert check_stage_link(a_set(), person, 0, NOW_MS) is person


@pytest.mark.parametrize(
    ("person", "code"),
    [
        (None, "not_a_member"),
        (RosterEntry(id="p1", name="Bo", status=Status.REMOVED), "removed"),
        (RosterEntry(id="p1", name="Bo", status=Status.WAITING), "waiting"),
    ],
)
def test_it_stops_when_its_person_is_no_longer_in_the_set(
    person: RosterEntry | None, code: str
) -> None:
    with pytest.raises(Rejected) as refused:
        check_stage_link(a_set(), person, 0, NOW_MS)
    assert refused.value.code == code


def test_replacing_the_sets_links_retires_it() -> None:
    person = RosterEntry(id="p1", name="Fay", role=Role.FACILITATOR)
    with pytest.raises(Rejected) as refused:
        check_stage_link(a_set(generation=1), person, 0, NOW_MS)
    assert refused.value.code == "token_revoked"
