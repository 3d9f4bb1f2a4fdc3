"""What one person may see of a set's past: meetings newest first with who attended, presenters
(only when the set keeps them) and summaries; actions across meetings with their report-back; the
viewer's own private learnings; and the attendance table, whole for facilitators only."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from typing import Any

import pytest

from companion.domain import roster, sets
from companion.domain.model import LearningSet, Meeting, Role, Roster, Status
from companion.domain.past_meetings import attendance_table, past_of_set
from companion.domain.summary import summary
from tests.domain.driver import MeetingDriver, meeting_with

FIRST_STARTED = 1_700_000_000.0
SECOND_STARTED = FIRST_STARTED + 28 * 24 * 3600  # four weeks later


@dataclass
class SetLife:
    """Two meetings of Fay's set, as the store would hand them over: newest first, each read
    with the set's one roster, and the set holding what both gave back."""

    learning_set: LearningSet
    first: Meeting
    second: MeetingDriver

    @property
    def meetings(self) -> list[Meeting]:
        return [self.second.meeting, self.first]

    @property
    def roster(self) -> Roster:
        return self.second.meeting.roster

    def seen_by(self, viewer_id: str | None) -> dict[str, Any]:
        return past_of_set(self.learning_set, self.meetings, self.roster, viewer_id)

    def end_second(self) -> None:
        self.second.run("end_meeting", "fay")
        sets.take_in(self.learning_set, self.second.meeting)
        self.first.roster = self.roster


def first_meeting() -> MeetingDriver:
    """Ada presents "Rota gaps", title shared, two actions; Bob presents "My manager", title
    kept private, one action; Cy only listens. Ada and Bob each note a private learning."""
    driver = meeting_with(["ada", "bob", "cy"])
    driver.meeting.started_at = FIRST_STARTED
    driver.run("place_bid", "ada", title="Rota gaps", minutes=20, share_title=True)
    driver.run("place_bid", "bob", title="My manager", minutes=20)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("accept_bid", "fay", bid_id="b2")
    driver.run("go_to_phase", "fay", phase="work", bid_id="b1")
    driver.run("add_action", "ada", text="Ask HR for the data")
    driver.run("add_action", "ada", text="Draft a new rota")
    driver.run("go_to_phase", "fay", phase="work", bid_id="b2")
    driver.run("add_action", "bob", text="Talk to my manager")
    driver.run("go_to_phase", "fay", phase="learning_review")
    driver.run("add_learning", "ada", text="Ada: data before opinions")
    driver.run("add_learning", "bob", text="Bob: I avoid the conversation")
    driver.run("end_meeting", "fay")
    return driver


def second_meeting(learning_set: LearningSet, first: Meeting) -> MeetingDriver:
    """Four weeks on: Cy does not come. Ada reports back on her first action."""
    driver = MeetingDriver()
    driver.meeting = replace(driver.meeting, id="m2", started_at=SECOND_STARTED)
    driver.meeting.roster = copy.deepcopy(first.roster)
    sets.open_meeting(learning_set, driver.meeting)
    for person in ("fay", "ada", "bob"):
        driver.join(person)
    driver.run("advance_phase", "fay")  # the check-in
    reported = driver.meeting.report_back[0].id
    driver.run("report_back", "ada", action_id=reported, status="done", reflection="HR said yes")
    return driver


@pytest.fixture
def life() -> SetLife:
    first = first_meeting()
    learning_set = LearningSet("s1", "Ward leaders", FIRST_STARTED)
    sets.take_in(learning_set, first.meeting)
    sets.carry(first.meeting, learning_set)
    second = second_meeting(learning_set, first.meeting)
    return SetLife(learning_set, first.meeting, second)


def names(people: list[dict[str, Any]]) -> list[str]:
    return [person["name"] for person in people]


def test_meetings_come_newest_first_with_their_dates_and_who_attended(life: SetLife) -> None:
    life.end_second()
    shown = life.seen_by("ada")["meetings"]
    assert [m["id"] for m in shown] == ["m2", "m1"]
    assert [m["started_ms"] for m in shown] == [SECOND_STARTED * 1000, FIRST_STARTED * 1000]
    assert [m["phase"] for m in shown] == ["closed", "closed"]
    assert shown[1]["ended_ms"] == summary(life.first)["ended_ms"]
    assert names(shown[0]["attended"]) == ["Fay", "Ada", "Bob"]
    assert names(shown[1]["attended"]) == ["Fay", "Ada", "Bob", "Cy"]


def test_presenters_are_named_and_a_title_only_where_it_was_shared(life: SetLife) -> None:
    [first] = [m for m in life.seen_by("cy")["meetings"] if m["id"] == "m1"]
    assert first["presenters"] == [
        {
            "id": "ada",
            "name": "Ada",
            "title": "Rota gaps",
            "actions": ["Ask HR for the data", "Draft a new rota"],
        },
        {"id": "bob", "name": "Bob", "title": None, "actions": ["Talk to my manager"]},
    ]
    assert "My manager" not in json.dumps(life.seen_by("cy"))
    assert first["summary"] == summary(life.first)


def test_actions_across_meetings_carry_their_owner_and_report_back(life: SetLife) -> None:
    life.end_second()
    actions = life.seen_by("bob")["actions"]
    assert [(a["owner_name"], a["text"], a["status"], a["reflection"]) for a in actions] == [
        ("Ada", "Ask HR for the data", "done", "HR said yes"),
        ("Ada", "Draft a new rota", "open", ""),
        ("Bob", "Talk to my manager", "open", ""),
    ]
    assert {a["meeting_id"] for a in actions} == {"m1"}
    assert {a["meeting_started_ms"] for a in actions} == {FIRST_STARTED * 1000}
    [first] = [m for m in life.seen_by("bob")["meetings"] if m["id"] == "m1"]
    assert [a["text"] for a in first["actions"]] == [a["text"] for a in actions]


def test_the_open_meeting_is_listed_with_its_presence_and_its_reports_count(
    life: SetLife,
) -> None:
    """Ada's report at today's check-in reaches the set only when the meeting ends: it shows at
    once all the same, and the meeting so far has no summary."""
    shown = life.seen_by("ada")
    today = shown["meetings"][0]
    assert (today["id"], today["phase"], today["summary"], today["ended_ms"]) == (
        "m2",
        "check_in",
        None,
        None,
    )
    assert names(today["attended"]) == ["Fay", "Ada", "Bob"]
    assert today["presenters"] == []
    assert shown["actions"][0]["status"] == "done"
    assert life.learning_set.actions[0].status.value == "open", "reading changed nothing"


def test_private_learnings_appear_only_to_their_owner(life: SetLife) -> None:
    assert [item["text"] for item in life.seen_by("ada")["learnings"]] == [
        "Ada: data before opinions"
    ]
    assert [item["text"] for item in life.seen_by("bob")["learnings"]] == [
        "Bob: I avoid the conversation"
    ]
    assert life.seen_by("cy")["learnings"] == []
    assert life.seen_by(None)["learnings"] == []
    assert "Bob:" not in json.dumps(life.seen_by("ada"))
    assert "Ada:" not in json.dumps(life.seen_by(None))


def test_when_the_set_keeps_no_presenters_its_past_names_none(life: SetLife) -> None:
    life.second.run("set_record_presenters", "fay", on=False)
    sets.carry(life.second.meeting, life.learning_set)  # as the store writes it back
    life.end_second()
    shown = life.seen_by("ada")
    assert shown["record_presenters"] is False
    for meeting in shown["meetings"]:
        assert meeting["presenters"] == []
        assert "presenters" not in meeting["summary"]
        assert all("presenter" not in row for row in meeting["summary"]["phases"])
    work_rows = [r for r in shown["meetings"][1]["summary"]["phases"] if r["phase"] == "work"]
    assert len(work_rows) == 2, "the time each work took is still there"
    assert "Rota gaps" not in json.dumps(shown)
    assert summary(life.first)["presenters"], "the live meeting's own summary is unchanged"


def test_someone_who_deleted_their_data_is_in_no_meeting(life: SetLife) -> None:
    life.end_second()
    for meeting in life.meetings:
        sets.forget_in_meeting(meeting, "cy", 0)
    sets.forget_member(life.learning_set, "cy")
    roster.forget(life.roster, "cy")
    shown = life.seen_by("ada")
    assert "Cy" not in [name for m in shown["meetings"] for name in names(m["attended"])]


def test_a_facilitator_sees_the_whole_attendance_table(life: SetLife) -> None:
    life.second.run("remove_participant", "fay", participant_id="bob")
    life.end_second()
    table = attendance_table(life.meetings, life.roster, life.roster.entries["fay"])
    assert table["whole"] is True
    assert [m["id"] for m in table["meetings"]] == ["m2", "m1"]
    assert [m["started_ms"] for m in table["meetings"]] == [
        SECOND_STARTED * 1000,
        FIRST_STARTED * 1000,
    ]
    rows = {row["name"]: row for row in table["people"]}
    assert [row["name"] for row in table["people"]] == ["Fay", "Ada", "Cy", "Bob"]
    assert rows["Fay"]["attended"] == ["m2", "m1"]
    assert rows["Cy"]["attended"] == ["m1"]
    assert (rows["Bob"]["status"], rows["Bob"]["attended"]) == ("removed", ["m1"])
    assert rows["Fay"]["role"] == "facilitator"


def test_a_member_or_observer_sees_only_their_own_line(life: SetLife) -> None:
    life.end_second()
    life.roster.entries["cy"].role = Role.OBSERVER
    for viewer in ("ada", "cy"):
        table = attendance_table(life.meetings, life.roster, life.roster.entries[viewer])
        assert table["whole"] is False
        assert [row["id"] for row in table["people"]] == [viewer]
        assert [m["id"] for m in table["meetings"]] == ["m2", "m1"]


def test_the_meeting_still_running_is_not_a_column(life: SetLife) -> None:
    table = attendance_table(life.meetings, life.roster, life.roster.entries["fay"])
    assert [m["id"] for m in table["meetings"]] == ["m1"]
    assert {row["name"]: row["attended"] for row in table["people"]}["Ada"] == ["m1"]


def test_nobody_without_a_name_or_never_let_in_has_a_line(life: SetLife) -> None:
    life.end_second()
    kept = life.roster
    kept.entries["cy"].status = Status.REMOVED
    roster.forget(kept, "cy")  # a removed person's nameless entry stays, with no marks
    assert kept.entries["cy"].name == "" and kept.entries["cy"].attended == []
    life.second.enrol("newt")
    kept.entries["newt"].status = Status.WAITING
    kept.entries["ada"].attended.insert(0, "expired-meeting")
    table = attendance_table(life.meetings, kept, kept.entries["fay"])
    assert [row["name"] for row in table["people"]] == ["Fay", "Ada", "Bob"]
    assert table["people"][1]["attended"] == ["m2", "m1"], "a meeting no longer kept drops out"


def test_only_a_facilitator_changes_whether_presenters_are_kept(life: SetLife) -> None:
    driver = life.second
    assert driver.reject("set_record_presenters", "ada", on=False).code == "not_allowed"
    assert driver.reject("set_record_presenters", "fay", on=True).code == "no_change"
    driver.run("set_record_presenters", "fay", on=False)
    assert driver.meeting.settings.record_presenters is False
    line = driver.meeting.activity[-1]
    assert (line.action, line.detail, line.override) == ("presenters_kept", "off", True)
    driver.run("set_record_presenters", "fay", on=True)
    assert driver.meeting.settings.record_presenters is True
    assert sets.carried(driver.meeting)[0].record_presenters is True


def test_the_builder_reads_and_never_changes(life: SetLife) -> None:
    before = copy.deepcopy((life.learning_set, life.meetings, life.roster))
    life.seen_by("ada")
    attendance_table(life.meetings, life.roster, life.roster.entries["fay"])
    assert (life.learning_set, life.meetings, life.roster) == before
