"""The set's next meeting as an iCalendar file (RFC 5545), for anyone in the set to add to their
own calendar.

The event's UID is the plan's, which lasts through every change, and its SEQUENCE counts the
changes: a calendar given a later file updates the entry it already has instead of adding a
second. The start is written on the planned zone's clock (``DTSTART;TZID=...``) with that zone's
VTIMEZONE, so a calendar anywhere shows it at the right moment, and a change in daylight saving
time between now and then moves nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from companion.domain import schedule
from companion.domain.model import NextMeeting

PRODID = "-//ALS Companion//Next meeting//EN"
# The zone's rules from a week before the file is made to a year after the meeting: all any
# calendar needs to place it, and the file stays a few hundred bytes.
ZONE_RULES_BEFORE = timedelta(days=7)
ZONE_RULES_AFTER = timedelta(days=366)
ABOUT = (
    "The next meeting of your action learning set. When it starts, open ALS Companion from your "
    "own link, as at every meeting."
)
INVITE_INTRO = "To open the set from this calendar entry, use its invite link:"


def next_meeting_ics(
    plan: NextMeeting,
    set_name: str,
    uid_domain: str,
    now_ms: int,
    invite_url: str | None = None,
) -> bytes:
    """The calendar file, CRLF line endings and lines folded at 75 octets as RFC 5545 asks (the
    library sees to both). ``uid_domain`` makes the UID unique beyond this server, in the form RFC
    5545 suggests; ``invite_url`` goes in only when the facilitator chose to share it."""
    start = schedule.start_instant(plan.local_start, plan.time_zone)
    made = datetime.fromtimestamp(now_ms / 1000, UTC)
    event = Event.new(
        uid=f"{plan.uid}@{uid_domain}",
        sequence=plan.sequence,
        stamp=made,
        start=start,
        end=start + timedelta(minutes=plan.minutes),
        summary=set_name,
        description=ABOUT if invite_url is None else f"{ABOUT}\n\n{INVITE_INTRO}\n{invite_url}",
        url=invite_url,
        last_modified=datetime.fromtimestamp(plan.updated_ms / 1000, UTC),
    )
    calendar = Calendar.new(prodid=PRODID, method="PUBLISH", calscale="GREGORIAN")
    calendar.pop("UID", None)  # a fresh one each time: the event's own UID is the one that lasts
    calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=_day(made - ZONE_RULES_BEFORE), last_date=_day(start + ZONE_RULES_AFTER)
    )
    return calendar.to_ical()


def _day(moment: datetime) -> date:
    return moment.date()


def file_name(plan: NextMeeting) -> str:
    """Named by its date, so a second download beside the first says which is which."""
    return f"next-meeting-{plan.local_start[:10]}.ics"
