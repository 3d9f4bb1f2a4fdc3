"""Attendance: kept on the roster as a meeting ends, read from presence while it runs."""

from __future__ import annotations

from dataclasses import replace

from companion.domain import attendance
from companion.domain.model import Phase, Role, Status
from tests.domain.driver import meeting_with


def test_everyone_present_at_any_point_attended_once_the_meeting_ends() -> None:
    driver = meeting_with(["ada", "bob"])
    driver.join("olu", Role.OBSERVER)
    driver.leave("bob")  # went early: still attended
    driver.enrol("cy")  # on the roster, never came
    roster_version = driver.meeting.roster.version
    driver.run("end_meeting", "fay")
    entries = driver.meeting.roster.entries
    marked = {pid for pid, entry in entries.items() if entry.attended == ["m1"]}
    assert marked == {"fay", "ada", "bob", "olu"}
    assert entries["cy"].attended == []
    assert driver.meeting.roster.version == roster_version + 1


def test_while_the_meeting_runs_attendance_is_its_presence() -> None:
    driver = meeting_with(["ada"])
    driver.enrol("cy")
    assert [e.id for e in attendance.attendees(driver.meeting)] == ["fay", "ada"]
    assert all(e.attended == [] for e in driver.meeting.roster.entries.values())


def test_a_meeting_reopened_and_ended_again_marks_nobody_twice() -> None:
    driver = meeting_with(["ada"])
    driver.run("end_meeting", "fay")
    driver.run("go_to_phase", "fay", phase="learning_review")
    assert driver.meeting.phase is Phase.LEARNING_REVIEW
    driver.run("end_meeting", "fay")
    assert driver.meeting.roster.entries["ada"].attended == ["m1"]


def test_nobody_removed_is_marked_and_a_deleted_meeting_leaves_no_mark() -> None:
    driver = meeting_with(["ada", "bob"])
    driver.run("remove_participant", "fay", participant_id="bob")
    driver.run("end_meeting", "fay")
    entries = driver.meeting.roster.entries
    assert entries["bob"].status is Status.REMOVED and entries["bob"].attended == []
    kept = replace(driver.meeting.roster)
    assert attendance.forget_meeting(kept, "m1") is True
    assert all(e.attended == [] for e in kept.entries.values())
    assert attendance.forget_meeting(kept, "m1") is False


def test_only_the_latest_marks_are_kept() -> None:
    driver = meeting_with(["ada"])
    earlier = [f"old{i}" for i in range(attendance.ATTENDED_KEPT)]
    driver.meeting.roster.entries["ada"].attended = earlier
    driver.run("end_meeting", "fay")
    kept = driver.meeting.roster.entries["ada"].attended
    assert len(kept) == attendance.ATTENDED_KEPT and kept[-1] == "m1" and kept[0] == "old1"
