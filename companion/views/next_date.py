"""When the set meets next, over HTTP: facilitators plan it, change it or take it away; anyone in
the set reads it, or takes it away as a calendar file.

The plan is one of the set's own parts that its meetings carry (``domain.sets.CARRIED``). So a
change is made to the meeting the set's links lead to, when there is one: the store writes it
back to the set in the same transaction, and every open widget gets the meeting's new snapshot.
The rules are ``domain.schedule``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from flask import Blueprint, Response, jsonify

from companion.clock import now_ms
from companion.domain import roster, schedule
from companion.domain.errors import Rejected
from companion.domain.model import LearningSet, Meeting, NextMeeting
from companion.identity.links import invite_url
from companion.logs import get_logger
from companion.schemas import NextMeetingSchema
from companion.services import services
from companion.store import MeetingNotFound, StoreUnavailable
from companion.store.meetings import new_id
from companion.views.access import facilitator_of, json_body, standing_member
from companion.views.calendar_file import file_name, next_meeting_ics
from realtime.broadcast import broadcast_change

blueprint = Blueprint("next_date", __name__, url_prefix="/api")
log = get_logger("next_date")
# The calendar entry's UID is "<the plan's uid>@" this: the same whichever of the server's
# addresses the file was downloaded from, so a calendar never takes one meeting for two.
UID_DOMAIN = "als-companion"
# A meeting started while a change was on its way: the change is made again, to the new one.
ATTEMPTS = 3
NO_PLAN = "No date has been set for the next meeting yet."

Decision = Callable[[NextMeeting | None], NextMeeting | None]


class _SetMovedOn(Exception):
    """The set's links led to another meeting by the time the change was made."""


@blueprint.get("/sets/<set_id>/next-meeting")
def read_next_meeting(set_id: str) -> Response:
    """Anyone active in the set: the plan as every widget shows it. Facilitators also learn
    whether the calendar file carries the invite link, for their form."""
    _, person = standing_member(set_id)
    plan = services().store.load_set(set_id).next_meeting
    facilitating = roster.facilitates(person)
    view = schedule.facilitators_view(plan) if facilitating else schedule.next_meeting_view(plan)
    return _not_cached(jsonify(next_meeting=view))


@blueprint.put("/sets/<set_id>/next-meeting")
def plan_next_meeting(set_id: str) -> tuple[Response, int]:
    """A facilitator sets, or changes, the next meeting's date, time, length and zone; every
    widget of the set shows it. A change keeps the calendar entry's UID."""
    facilitator_of(set_id)
    form = NextMeetingSchema().load(json_body())
    now, uid = now_ms(), new_id()

    def decide(current: NextMeeting | None) -> NextMeeting:
        return schedule.plan(
            current,
            form["local_start"],
            form["time_zone"],
            form["minutes"],
            form["include_invite"],
            now,
            uid,
        )

    plan = change_plan(set_id, decide)
    log.info("next_meeting.planned", extra={"set_id": set_id})
    return _not_cached(jsonify(next_meeting=schedule.facilitators_view(plan))), 200


@blueprint.delete("/sets/<set_id>/next-meeting")
def cancel_next_meeting(set_id: str) -> tuple[str, int]:
    """A facilitator takes the plan away: widgets stop showing a date. Without one, no change."""
    facilitator_of(set_id)
    change_plan(set_id, lambda _: None)
    log.info("next_meeting.cancelled", extra={"set_id": set_id})
    return "", 204


@blueprint.get("/sets/<set_id>/next-meeting.ics")
def next_meeting_calendar(set_id: str) -> Response:
    """Anyone active in the set: the next meeting as an iCalendar file, with the set's invite
    link in it only if a facilitator chose so."""
    standing_member(set_id)
    learning_set = services().store.load_set(set_id)
    plan = learning_set.next_meeting
    if plan is None:
        raise Rejected("no_next_meeting", NO_PLAN)
    invite = invite_url(learning_set) if plan.include_invite else None
    body = next_meeting_ics(plan, learning_set.name, UID_DOMAIN, now_ms(), invite)
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(plan)}"'
    return _not_cached(response)


def _not_cached(response: Response) -> Response:
    """The plan changes, and the file may hold the invite: never from a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def change_plan(set_id: str, decide: Decision) -> NextMeeting | None:
    """Apply ``decide`` to the set's plan, through the meeting its links lead to when there is
    one, and return the plan as it now stands. Should a meeting start meanwhile, the change is
    made again to that meeting, which started from the set's plan as it was: writing it there
    also writes its carried parts back to the set, so the set ends up as its new meeting has it."""
    for _ in range(ATTEMPTS):
        meeting_id = services().store.load_set(set_id).current_meeting_id
        try:
            return _change_where_kept(set_id, meeting_id, decide)
        except _SetMovedOn:
            continue
    raise StoreUnavailable(f"set {set_id} kept moving to new meetings")


def _change_where_kept(set_id: str, meeting_id: str | None, decide: Decision) -> NextMeeting | None:
    if meeting_id is not None:
        try:
            return _change_in_meeting(set_id, meeting_id, decide)
        except MeetingNotFound:
            pass  # its record expired or went: the set alone holds the plan
    return _change_in_set(set_id, meeting_id, decide)


def _change_in_meeting(set_id: str, meeting_id: str, decide: Decision) -> NextMeeting | None:
    def change(meeting: Meeting) -> Meeting:
        return schedule.replanned(meeting, decide(meeting.next_meeting))

    meeting, changed = services().store.update_meeting(meeting_id, change, set_id=set_id)
    if services().store.load_set(set_id).current_meeting_id != meeting_id:
        raise _SetMovedOn(set_id)
    if changed:
        broadcast_change(meeting)
    return meeting.next_meeting


def _change_in_set(set_id: str, meeting_id: str | None, decide: Decision) -> NextMeeting | None:
    """Only while the set's links still lead where they did (``meeting_id``): checked in the
    same transaction, so a meeting starting meanwhile cannot miss the change."""

    def change(learning_set: LearningSet) -> LearningSet:
        if learning_set.current_meeting_id != meeting_id:
            raise _SetMovedOn(set_id)
        plan = decide(learning_set.next_meeting)
        if plan == learning_set.next_meeting:
            return learning_set
        return replace(learning_set, next_meeting=plan)

    return services().store.update_set(set_id, change).next_meeting
