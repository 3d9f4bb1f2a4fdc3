"""When a set meets next: the rules for planning it, and the instants a calendar or a clock needs.

A plan is a wall-clock time on a named IANA zone's clock, as the facilitator thinks of it ("Tuesday
at ten, London time"), never a UTC instant: a change to or from daylight saving time between now and
then moves nothing. The instants are worked out from it whenever they are needed.

Pure: the caller passes the time now and, for a first plan, a fresh random uid, so the same inputs
always give the same plan.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from companion.domain import shapes
from companion.domain.errors import Rejected
from companion.domain.model import Meeting, NextMeeting

SHORTEST_MINUTES = 15
LONGEST_MINUTES = 8 * 60
FURTHEST_AHEAD_DAYS = 2 * 366  # a set plans weeks ahead; years ahead is a slip of the keyboard
# Starting a meeting this close to the planned time (or after it) is that meeting: the plan is done.
CONSUMED_WITHIN_MS = 12 * 60 * 60 * 1000
LOCAL_START = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", re.ASCII)
# Files in the zone database that are not places: the server's own zone, and build leftovers.
NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def known_zones() -> frozenset[str]:
    """The IANA zone names this server's zone database holds (read once: the list is long)."""
    return frozenset(available_timezones()) - NOT_PLACES


def zone_named(name: str) -> ZoneInfo:
    if name not in known_zones():
        raise Rejected(
            "bad_time_zone",
            "We don't know that time zone. Choose a place name such as Europe/London.",
        )
    return ZoneInfo(name)


def wall_clock(local_start: str) -> datetime:
    """The planned date and time as written, with no zone yet."""
    if not LOCAL_START.fullmatch(local_start):
        raise Rejected("invalid_input", "Give the date and time as YYYY-MM-DDTHH:MM.")
    try:
        return datetime.strptime(local_start, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise Rejected("invalid_input", "That date or time does not exist.") from None


def start_instant(local_start: str, time_zone: str) -> datetime:
    """The moment the meeting starts. A time that the clocks skip when they go forward is refused,
    rather than quietly moved; a time they pass twice when they go back is its first passing."""
    zone = zone_named(time_zone)
    local = wall_clock(local_start).replace(tzinfo=zone)
    there_and_back = local.astimezone(UTC).astimezone(zone)
    if there_and_back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Rejected(
            "time_skipped",
            "The clocks go forward at that time in that zone, so it never happens. Choose "
            "another time.",
        )
    return local


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def starts_at_ms(plan: NextMeeting) -> int:
    """The start of a plan already kept. It was checked when it was made, so this never refuses:
    should a later zone database drop the zone or move its clocks, a snapshot still goes out
    (on UTC's clock, or on the time the clocks now skip to)."""
    try:
        zone = ZoneInfo(plan.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return _ms(wall_clock(plan.local_start).replace(tzinfo=zone))


def ends_at_ms(plan: NextMeeting) -> int:
    return starts_at_ms(plan) + plan.minutes * 60_000


def check_minutes(minutes: int) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise Rejected("invalid_input", "Give the length as a whole number of minutes.")
    if not SHORTEST_MINUTES <= minutes <= LONGEST_MINUTES:
        raise Rejected(
            "bad_length",
            f"A meeting lasts between {SHORTEST_MINUTES} minutes and "
            f"{LONGEST_MINUTES // 60} hours.",
        )


def check_start(start: datetime, now_ms: int) -> None:
    start_ms = _ms(start)
    if start_ms <= now_ms:
        raise Rejected("date_in_past", "That time has already passed. Choose one still to come.")
    if start_ms - now_ms > FURTHEST_AHEAD_DAYS * 86_400_000:
        raise Rejected("date_too_far", "Plan the next meeting within the next two years.")


def plan(
    current: NextMeeting | None,
    local_start: str,
    time_zone: str,
    minutes: int,
    include_invite: bool,
    now_ms: int,
    new_uid: str,
) -> NextMeeting:
    """The set's next meeting as the facilitator now says. A change keeps the calendar entry's uid
    and counts up its sequence, so a calendar that has the earlier file updates that entry instead
    of adding a second; only a first plan takes ``new_uid``. The same plan again is no change."""
    check_minutes(minutes)
    check_start(start_instant(local_start, time_zone), now_ms)
    if current is None:
        return NextMeeting(new_uid, local_start, time_zone, minutes, include_invite, 0, now_ms)
    asked = {
        "local_start": local_start,
        "time_zone": time_zone,
        "minutes": minutes,
        "include_invite": include_invite,
    }
    if all(getattr(current, name) == value for name, value in asked.items()):
        return current  # saved twice: nothing for calendars to update
    return replace(current, **asked, sequence=current.sequence + 1, updated_ms=now_ms)


def replanned(meeting: Meeting, next_plan: NextMeeting | None) -> Meeting:
    """The meeting holding the set's new plan (or none), at its next version, so every widget
    gets a snapshot that shows it; the same meeting when nothing changed, so nothing is written."""
    if next_plan == meeting.next_meeting:
        return meeting
    working = shapes.copied(meeting)
    working.next_meeting = next_plan
    working.version += 1
    return working


def after_start(plan: NextMeeting | None, now_ms: int) -> NextMeeting | None:
    """What a meeting started now leaves of the plan. Started near the planned time, or after it,
    it *is* the planned meeting, so the plan is done and no widget shows a date gone by; started
    well before (an extra meeting), the plan still stands."""
    if plan is None or starts_at_ms(plan) - now_ms <= CONSUMED_WITHIN_MS:
        return None
    return plan


def next_meeting_view(plan: NextMeeting | None) -> dict[str, Any] | None:
    """The plan as anyone in the set may see it: when, on which clock, and for how long, with the
    instants so each viewer's own device can show it in their own zone. Never the calendar uid or
    whether the invite is shared: those are for the calendar file and the facilitators."""
    if plan is None:
        return None
    start_ms = starts_at_ms(plan)
    return {
        "local_start": plan.local_start,
        "time_zone": plan.time_zone,
        "minutes": plan.minutes,
        "starts_at_ms": start_ms,
        "ends_at_ms": start_ms + plan.minutes * 60_000,
    }


def facilitators_view(plan: NextMeeting | None) -> dict[str, Any] | None:
    """What facilitators see besides: whether the calendar file carries the invite link."""
    view = next_meeting_view(plan)
    if view is None or plan is None:
        return None
    return {**view, "include_invite": plan.include_invite, "sequence": plan.sequence}
