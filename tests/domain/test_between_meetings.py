"""What a set keeps between meetings: report-back on actions, private learnings, the summary, and
a member's deletion of their own data. Pure rules, no Redis."""

from __future__ import annotations

from dataclasses import replace

import pytest

from companion.domain import learnings, notes, roster, sets
from companion.domain.codec import public_view
from companion.domain.errors import Rejected
from companion.domain.model import ActionStatus, LearningSet, Meeting, Phase, Role
from companion.domain.summary import summary
from tests.domain.driver import MeetingDriver, meeting_with


def worked_meeting() -> MeetingDriver:
    """Ada presents "Rota gaps" (shared) and names two actions; Bob presents privately, one
    action; the meeting runs to its learning review."""
    driver = meeting_with(["ada", "bob", "cy"])
    driver.run("place_bid", "ada", title="Rota gaps", minutes=20, share_title=True)
    driver.run("place_bid", "bob", title="My manager", minutes=20)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("accept_bid", "fay", bid_id="b2")
    driver.run("go_to_phase", "fay", phase="work", bid_id="b1")
    driver.run("add_action", "ada", text="Ask HR for the data")
    driver.run("add_action", "ada", text="Draft a new rota")
    driver.run("advance_phase", "fay")  # through the stages
    while driver.meeting.phase is Phase.WORK:
        driver.run("advance_phase", "fay")
    driver.run("go_to_phase", "fay", phase="work", bid_id="b2")
    driver.run("add_action", "bob", text="Talk to my manager")
    driver.run("go_to_phase", "fay", phase="learning_review")
    return driver


def next_meeting(learning_set: LearningSet) -> MeetingDriver:
    driver = meeting_with(["ada", "bob", "cy"])
    driver.meeting = replace(driver.meeting, id="m2")
    sets.open_meeting(learning_set, driver.meeting)
    return driver


def ended(driver: MeetingDriver) -> LearningSet:
    driver.run("end_meeting", "fay")
    learning_set = LearningSet("s1", "Ward leaders", 0.0)
    sets.take_in(learning_set, driver.meeting)
    return learning_set


def test_actions_come_back_for_report_back_at_the_next_meeting() -> None:
    learning_set = ended(worked_meeting())
    assert [(a.owner_id, a.text, a.status) for a in learning_set.actions] == [
        ("ada", "Ask HR for the data", ActionStatus.OPEN),
        ("ada", "Draft a new rota", ActionStatus.OPEN),
        ("bob", "Talk to my manager", ActionStatus.OPEN),
    ]
    second = next_meeting(learning_set)
    shown = public_view(second.meeting, second.clock_ms)["report_back"]
    assert [(r["owner"], r["text"], r["status"]) for r in shown] == [
        ("ada", "Ask HR for the data", "open"),
        ("ada", "Draft a new rota", "open"),
        ("bob", "Talk to my manager", "open"),
    ]
    assert all(r["meeting_id"] == "m1" and r["id"].startswith("m1.") for r in shown)


def test_the_owner_reports_back_and_the_set_keeps_it() -> None:
    learning_set = ended(worked_meeting())
    second = next_meeting(learning_set)
    first_id = second.meeting.report_back[0].id
    second.run("advance_phase", "fay")  # the check-in
    second.run("report_back", "ada", action_id=first_id, status="done", reflection="HR said yes")
    assert second.reject("report_back", "bob", action_id=first_id, status="done").code == (
        "not_yours"
    )
    assert second.reject("report_back", "ada", action_id="m1.zz", status="done").code == (
        "no_such_action"
    )
    last = second.meeting.activity[-1]
    assert (last.actor, last.action, last.subject, last.override) == (
        "ada",
        "action_reported",
        "ada",
        False,
    )
    second.run("end_meeting", "fay")
    sets.take_in(learning_set, second.meeting)
    reported = next(a for a in learning_set.actions if a.id == first_id)
    assert (reported.status, reported.reflection) == (ActionStatus.DONE, "HR said yes")
    third = next_meeting(learning_set)
    assert first_id not in [a.id for a in third.meeting.report_back], "done: not asked again"
    assert len(third.meeting.report_back) == 2


def test_taking_a_meeting_in_twice_changes_nothing() -> None:
    driver = worked_meeting()
    learning_set = ended(driver)
    before = (list(learning_set.actions), list(learning_set.learnings))
    sets.take_in(learning_set, driver.meeting)
    assert (learning_set.actions, learning_set.learnings) == before


def test_learnings_are_up_to_three_each_at_the_review_only() -> None:
    driver = worked_meeting()
    for number in range(3):
        driver.run("add_learning", "cy", text=f"Learning {number}")
    assert driver.reject("add_learning", "cy", text="One more").code == "too_many_learnings"
    driver.run("add_learning", "ada", text="Mine")
    driver.run("go_to_phase", "fay", phase="bidding")
    assert driver.reject("add_learning", "bob", text="Late").code == "not_review"


def test_learnings_leave_no_trace_in_what_others_see() -> None:
    driver = worked_meeting()
    activity = list(driver.meeting.activity)
    driver.run("add_learning", "cy", text="Silence helps me think")
    assert driver.meeting.activity == activity, "no activity line"
    assert "Silence helps" not in repr(public_view(driver.meeting, driver.clock_ms))
    assert learnings.private_view(driver.meeting, "cy")["learnings"][0]["text"] == (
        "Silence helps me think"
    )
    assert learnings.private_view(driver.meeting, "ada") == {"learnings": []}


def test_only_the_owner_removes_a_learning() -> None:
    driver = worked_meeting()
    driver.run("add_learning", "cy", text="Mine")
    learning_id = driver.meeting.learnings[0].id
    assert driver.reject("remove_learning", "ada", learning_id=learning_id).code == (
        "no_such_learning"
    )
    driver.run("remove_learning", "cy", learning_id=learning_id)
    assert driver.meeting.learnings == []


def test_the_summary_shows_phases_times_and_shared_titles_only() -> None:
    driver = worked_meeting()
    assert summary(driver.meeting) is None, "only once closed"
    driver.run("end_meeting", "fay")
    shown = summary(driver.meeting)
    assert shown is not None
    assert [row["phase"] for row in shown["phases"]] == [
        "opening",
        "work",
        "closing_round",
        "work",
        "learning_review",
    ]
    assert all(row["seconds"] >= 1 for row in shown["phases"])
    assert shown["total_seconds"] == sum(row["seconds"] for row in shown["phases"])
    assert (shown["ended_ms"] - shown["started_ms"]) // 1000 == shown["total_seconds"]
    assert shown["presenters"] == [
        {
            "presenter": "ada",
            "title": "Rota gaps",
            "actions": ["Ask HR for the data", "Draft a new rota"],
        },
        {"presenter": "bob", "title": None, "actions": ["Talk to my manager"]},
    ]
    assert "My manager" not in repr(shown)


def test_the_notes_hold_only_their_owners_actions_and_learnings() -> None:
    driver = worked_meeting()
    driver.run("add_learning", "ada", text="Ask early")
    driver.run("add_learning", "bob", text="Bob's secret")
    learning_set = LearningSet("s1", "Ward leaders", 0.0)
    text = notes.markdown(learning_set, driver.meeting, "ada")
    assert "Ask HR for the data (not reported on yet)" in text
    assert "- Ask early" in text
    assert "Bob" not in text and "Talk to my manager" not in text


def test_notes_escape_markdown() -> None:
    driver = meeting_with(["ada"])
    driver.run("go_to_phase", "fay", phase="learning_review")
    driver.run("add_learning", "ada", text="[click](http://x) *bold*")
    text = notes.markdown(LearningSet("s1", "Set", 0.0), driver.meeting, "ada")
    assert "\\[click\\](http://x) \\*bold\\*" in text


def test_forgetting_a_member_leaves_nothing_of_theirs() -> None:
    driver = worked_meeting()
    driver.run("add_learning", "ada", text="Ask early")
    meeting: Meeting = driver.meeting
    sets.forget_in_meeting(meeting, "ada", driver.clock_ms)
    roster.forget(meeting.roster, "ada")
    text = repr(public_view(meeting, driver.clock_ms)) + repr(meeting)
    for gone in ("Rota gaps", "Ask HR", "Draft a new rota", "Ask early", "'Ada'"):
        assert gone not in text
    assert all("ada" not in (line.actor, line.subject) for line in meeting.activity)


def test_the_presenter_cannot_vanish_mid_work() -> None:
    driver = meeting_with(["ada", "bob"])
    driver.run("place_bid", "ada", title="", minutes=20)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("go_to_phase", "fay", phase="work")
    with pytest.raises(Rejected) as refused:
        sets.forget_in_meeting(driver.meeting, "ada", driver.clock_ms)
    assert refused.value.code == "is_presenter"


def test_the_lead_must_hand_over_first() -> None:
    founded = roster.founded("s1", "fay", "Fay", None)
    with pytest.raises(Rejected) as refused:
        roster.forget(founded, "fay")
    assert refused.value.code == "is_lead"
    assert founded.entries["fay"].role is Role.FACILITATOR
