"""Planning the set's next meeting: what is refused and why, daylight saving time, the calendar
entry's uid and sequence, and what starting a meeting does to the plan. Pure rules, no Redis."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.domain import schedule, sets
from companion.domain.codec import public_view
from companion.domain.errors import Rejected
from companion.domain.model import LearningSet, NextMeeting
from tests.domain.driver import meeting_with

# 2026-12-07 12:00 UTC: every planned date below is after it.
NOW_MS = int(datetime(2026, 12, 7, 12, 0, tzinfo=UTC).timestamp() * 1000)
HOUR_MS = 3_600_000


def utc_ms(*when: int) -> int:
    return int(datetime(*when, tzinfo=UTC).timestamp() * 1000)


def first_plan(
    local_start: str = "2027-01-12T10:00",
    time_zone: str = "Europe/London",
    minutes: int = 120,
    include_invite: bool = False,
) -> NextMeeting:
    return schedule.plan(None, local_start, time_zone, minutes, include_invite, NOW_MS, "uid-1")


def refusal(**overrides: object) -> Rejected:
    asked = {"local_start": "2027-01-12T10:00", "time_zone": "Europe/London", "minutes": 120}
    with pytest.raises(Rejected) as refused:
        first_plan(**{**asked, **overrides})  # type: ignore[arg-type]
    assert refused.value.message
    return refused.value


# --- A plan, and changes to it ------------------------------------------------------------------


def test_a_first_plan_takes_the_callers_uid_and_starts_counting_changes_at_zero() -> None:
    plan = first_plan(include_invite=True)
    assert plan == NextMeeting("uid-1", "2027-01-12T10:00", "Europe/London", 120, True, 0, NOW_MS)


def test_a_change_keeps_the_uid_and_counts_up_the_sequence() -> None:
    first = first_plan()
    later = NOW_MS + HOUR_MS
    moved = schedule.plan(first, "2027-01-19T14:30", "Europe/Paris", 90, True, later, "uid-2")
    assert (moved.uid, moved.sequence, moved.updated_ms) == ("uid-1", 1, later)
    assert (moved.local_start, moved.time_zone, moved.minutes, moved.include_invite) == (
        "2027-01-19T14:30",
        "Europe/Paris",
        90,
        True,
    )
    again = schedule.plan(moved, "2027-01-19T14:30", "Europe/Paris", 60, True, later, "uid-3")
    assert (again.uid, again.sequence) == ("uid-1", 2)


def test_saving_the_same_plan_again_is_no_change() -> None:
    first = first_plan()
    same = schedule.plan(first, "2027-01-12T10:00", "Europe/London", 120, False, NOW_MS + 5, "x")
    assert same is first


def test_choosing_to_share_the_invite_is_a_change_calendars_hear_of() -> None:
    first = first_plan()
    shared = schedule.plan(first, "2027-01-12T10:00", "Europe/London", 120, True, NOW_MS, "x")
    assert shared.include_invite and shared.sequence == 1


# --- What is refused ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "", "europe/london", "localtime", "../etc/passwd", "GMT+1"]
)
def test_a_zone_that_is_not_an_iana_place_name_is_refused(zone: str) -> None:
    assert refusal(time_zone=zone).code == "bad_time_zone"


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/Argentina/Buenos_Aires"])
def test_iana_names_of_every_shape_are_accepted(zone: str) -> None:
    assert first_plan(time_zone=zone).time_zone == zone


@pytest.mark.parametrize(
    "local_start",
    [
        "2027-02-30T10:00",  # no such day
        "2027-01-12T24:00",
        "2027-01-12T10:60",
        "2027-1-12T10:00",
        "2027-01-12 10:00",
        "2027-01-12T10:00:00",
        "2027-01-12T10:00Z",
        "tomorrow at ten",
        "\uff12\uff10\uff12\uff17-01-12T10:00",  # full-width digits: not a calendar's
        "",
    ],
)
def test_a_date_or_time_that_is_not_valid_is_refused(local_start: str) -> None:
    assert refusal(local_start=local_start).code == "invalid_input"


def test_a_start_already_past_is_refused_to_the_minute() -> None:
    # 12:00 UTC is 12:00 in London in December: the present moment itself has passed too.
    assert refusal(local_start="2026-12-07T12:00").code == "date_in_past"
    assert refusal(local_start="2026-12-07T11:59").code == "date_in_past"
    assert refusal(local_start="2025-06-01T09:00").code == "date_in_past"
    assert first_plan(local_start="2026-12-07T12:01").local_start == "2026-12-07T12:01"


def test_the_past_is_judged_on_the_planned_zones_clock() -> None:
    # It is 12:00 UTC: 07:30 in New York (12:30 UTC) is still to come, although the clock on the
    # server's wall says later; 20:00 in Tokyo (11:00 UTC) has gone.
    assert first_plan(local_start="2026-12-07T07:30", time_zone="America/New_York")
    assert refusal(local_start="2026-12-07T20:00", time_zone="Asia/Tokyo").code == "date_in_past"


def test_a_date_years_away_is_refused() -> None:
    assert refusal(local_start="2030-01-12T10:00").code == "date_too_far"
    assert refusal(local_start="9999-12-31T23:59").code == "date_too_far"


@pytest.mark.parametrize("minutes", [0, -30, 14, 481, 24 * 60])
def test_a_length_over_eight_hours_or_under_a_quarter_of_an_hour_is_refused(minutes: int) -> None:
    assert refusal(minutes=minutes).code == "bad_length"


@pytest.mark.parametrize("minutes", [15, 480])
def test_the_shortest_and_the_longest_lengths_are_accepted(minutes: int) -> None:
    assert first_plan(minutes=minutes).minutes == minutes


@pytest.mark.parametrize("minutes", [True, 90.0, "90"])
def test_a_length_that_is_not_a_whole_number_is_refused(minutes: object) -> None:
    assert refusal(minutes=minutes).code == "invalid_input"


def test_a_refused_change_leaves_the_plan_as_it_was() -> None:
    first = first_plan()
    kept = replace(first)
    with pytest.raises(Rejected):
        schedule.plan(first, "2027-01-12T10:00", "Nowhere/Land", 120, False, NOW_MS, "x")
    assert first == kept


# --- Daylight saving time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_start", "zone"),
    [
        ("2027-03-28T01:30", "Europe/London"),  # clocks go from 01:00 to 02:00
        ("2027-03-14T02:15", "America/New_York"),  # from 02:00 to 03:00
        ("2027-10-03T02:00", "Australia/Sydney"),  # the south: spring is in October
    ],
)
def test_a_time_the_clocks_skip_is_refused_with_its_own_code(local_start: str, zone: str) -> None:
    assert refusal(local_start=local_start, time_zone=zone).code == "time_skipped"


def test_the_hour_either_side_of_a_skip_is_fine() -> None:
    before = first_plan(local_start="2027-03-28T00:59")
    after = first_plan(local_start="2027-03-28T02:00")
    assert schedule.starts_at_ms(before) == utc_ms(2027, 3, 28, 0, 59)
    assert schedule.starts_at_ms(after) == utc_ms(2027, 3, 28, 1, 0), "02:00 BST is 01:00 UTC"


def test_a_time_the_clocks_pass_twice_is_its_first_passing() -> None:
    # 01:30 on the last Sunday of October happens in BST (00:30 UTC), then in GMT (01:30 UTC).
    plan = first_plan(local_start="2027-10-31T01:30")
    assert schedule.starts_at_ms(plan) == utc_ms(2027, 10, 31, 0, 30)


def test_the_plan_keeps_its_wall_clock_time_across_a_change_of_clocks() -> None:
    winter = first_plan(local_start="2027-01-12T10:00")
    summer = first_plan(local_start="2027-07-12T10:00")
    assert schedule.starts_at_ms(winter) == utc_ms(2027, 1, 12, 10, 0)
    assert schedule.starts_at_ms(summer) == utc_ms(2027, 7, 12, 9, 0)


def test_a_meeting_across_the_clocks_going_back_lasts_its_real_length() -> None:
    plan = first_plan(local_start="2027-10-31T00:30", minutes=180)
    assert schedule.ends_at_ms(plan) - schedule.starts_at_ms(plan) == 3 * HOUR_MS


ZONES = sorted(schedule.known_zones())


@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2028, 6, 30)),
    minutes=st.integers(schedule.SHORTEST_MINUTES, schedule.LONGEST_MINUTES),
)
def test_the_instants_are_the_planned_wall_clock_time_in_the_planned_zone(
    zone: str, start: datetime, minutes: int
) -> None:
    local_start = start.strftime("%Y-%m-%dT%H:%M")
    try:
        plan = schedule.plan(None, local_start, zone, minutes, False, NOW_MS, "uid")
    except Rejected as refused:
        assert refused.code == "time_skipped"
        return
    view = schedule.next_meeting_view(plan)
    assert view is not None
    shown = datetime.fromtimestamp(view["starts_at_ms"] / 1000, ZoneInfo(zone))
    assert shown.strftime("%Y-%m-%dT%H:%M") == local_start
    assert view["ends_at_ms"] - view["starts_at_ms"] == minutes * 60_000


# --- What everyone sees -------------------------------------------------------------------------


def test_the_view_has_the_times_and_nothing_for_calendars_or_facilitators_alone() -> None:
    plan = first_plan(include_invite=True)
    assert schedule.next_meeting_view(plan) == {
        "local_start": "2027-01-12T10:00",
        "time_zone": "Europe/London",
        "minutes": 120,
        "starts_at_ms": utc_ms(2027, 1, 12, 10, 0),
        "ends_at_ms": utc_ms(2027, 1, 12, 12, 0),
    }
    assert schedule.next_meeting_view(None) is None
    facilitators = schedule.facilitators_view(plan)
    assert facilitators is not None
    assert (facilitators["include_invite"], facilitators["sequence"]) == (True, 0)
    assert "uid" not in facilitators


def test_a_kept_plan_whose_zone_has_since_gone_still_shows_on_utcs_clock() -> None:
    gone = replace(first_plan(), time_zone="Atlantis/Capital")
    view = schedule.next_meeting_view(gone)
    assert view is not None and view["starts_at_ms"] == utc_ms(2027, 1, 12, 10, 0)


def test_every_snapshot_carries_the_plan_as_everyone_sees_it() -> None:
    driver = meeting_with(["ada"])
    assert public_view(driver.meeting, driver.clock_ms)["next_meeting"] is None
    driver.meeting = schedule.replanned(driver.meeting, first_plan(include_invite=True))
    shown = public_view(driver.meeting, driver.clock_ms)["next_meeting"]
    assert shown == schedule.next_meeting_view(first_plan())


def test_a_new_plan_is_the_meetings_next_version_and_the_old_meeting_is_untouched() -> None:
    driver = meeting_with(["ada"])
    before = driver.meeting
    plan = first_plan()
    planned = schedule.replanned(before, plan)
    assert planned.version == before.version + 1 and planned.next_meeting == plan
    assert before.next_meeting is None
    assert schedule.replanned(planned, plan) is planned, "the same plan writes nothing"
    cancelled = schedule.replanned(planned, None)
    assert cancelled.version == planned.version + 1 and cancelled.next_meeting is None


# --- The plan between meetings ------------------------------------------------------------------


def test_the_plan_is_one_of_the_parts_a_meeting_carries_back_to_its_set() -> None:
    assert "next_meeting" in sets.CARRIED
    driver = meeting_with(["ada"])
    planned = schedule.replanned(driver.meeting, first_plan())
    assert sets.carried(planned) != sets.carried(driver.meeting)
    learning_set = LearningSet("s1", "Ward leaders", 0.0)
    sets.carry(planned, learning_set)
    assert learning_set.next_meeting == first_plan()


def started_at(learning_set: LearningSet, when_ms: int) -> tuple[LearningSet, NextMeeting | None]:
    driver = meeting_with(["ada"])
    driver.meeting = replace(driver.meeting, id="m2", started_at=when_ms / 1000)
    sets.open_meeting(learning_set, driver.meeting)
    assert driver.meeting.next_meeting == learning_set.next_meeting, "set and meeting agree"
    return learning_set, driver.meeting.next_meeting


def with_plan() -> LearningSet:
    learning_set = LearningSet("s1", "Ward leaders", 0.0)
    learning_set.next_meeting = first_plan()  # 2027-01-12 10:00 UTC
    return learning_set


@pytest.mark.parametrize(
    "started",
    [
        utc_ms(2027, 1, 12, 9, 55),  # a few minutes early
        utc_ms(2027, 1, 11, 22, 30),  # the evening before, within twelve hours
        utc_ms(2027, 1, 12, 10, 40),  # late
        utc_ms(2027, 1, 19, 10, 0),  # a week late: the date has long gone by
    ],
)
def test_starting_a_meeting_near_or_after_the_planned_time_uses_the_plan_up(started: int) -> None:
    learning_set, carried = started_at(with_plan(), started)
    assert learning_set.next_meeting is None and carried is None


def test_an_extra_meeting_well_before_the_planned_one_leaves_the_plan_standing() -> None:
    learning_set, carried = started_at(with_plan(), utc_ms(2027, 1, 5, 10, 0))
    assert carried == first_plan() and learning_set.next_meeting == first_plan()
    just_outside = utc_ms(2027, 1, 12, 10, 0) - schedule.CONSUMED_WITHIN_MS - 60_000
    _, still = started_at(with_plan(), just_outside)
    assert still == first_plan()


def test_a_set_without_a_plan_starts_its_meetings_without_one() -> None:
    learning_set, carried = started_at(LearningSet("s1", "Ward leaders", 0.0), NOW_MS)
    assert learning_set.next_meeting is None and carried is None
