"""The copier: what a copy may share with its original, and what it must not."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field

import pytest

from companion.domain import shapes
from companion.domain.model import Activity, Meeting, Participant, Phase, PhaseSpan


@dataclass(frozen=True)
class Tagged:
    """Frozen, but holding a list, which can still change: it must be copied."""

    name: str
    tags: list[str] = field(default_factory=list)


@dataclass
class Holder:
    lines: list[Activity]
    tagged: Tagged
    note: str | None = None


def test_a_line_of_the_log_is_shared_and_cannot_be_changed() -> None:
    line = Activity(version=3, at_ms=1, actor="ada", action="raise_hand")
    holder = Holder([line], Tagged("t", ["x"]))
    duplicate = shapes.copied(holder)
    assert duplicate == holder
    assert duplicate.lines[0] is line, "shared: it is immutable"
    assert duplicate.lines is not holder.lines, "the list holding it is not"
    with pytest.raises(FrozenInstanceError):
        line.actor = None  # type: ignore[misc]


def test_a_frozen_value_holding_a_list_is_still_copied() -> None:
    holder = Holder([], Tagged("t", ["x"]))
    duplicate = shapes.copied(holder)
    assert duplicate.tagged is not holder.tagged
    duplicate.tagged.tags.append("y")
    assert holder.tagged.tags == ["x"]


def test_a_meeting_copy_shares_only_what_cannot_change() -> None:
    meeting = Meeting("m", "s", "Set", 1.0, participants={"ada": Participant("ada", 1.0, ["c"])})
    meeting.phase_log.append(PhaseSpan(Phase.OPENING, 1))
    duplicate = shapes.copied(meeting)
    assert duplicate == meeting
    assert duplicate.phase_log[0] is meeting.phase_log[0]
    duplicate.participants["ada"].connections.append("d")
    duplicate.settings.speaker_seconds = 30
    assert meeting.participants["ada"].connections == ["c"]
    assert meeting.settings.speaker_seconds == 120
