"""The set's past over HTTP, beyond its history (``views.api``): who attended which meeting.

Facilitators see everyone's line, as they keep the set's register; members and observers see only
their own, as attendance is nobody else's business. Read-only: attendance is kept by the meetings
themselves as they end, and nothing here changes it.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from companion.domain.past_meetings import attendance_table
from companion.services import services
from companion.views.access import standing_member

blueprint = Blueprint("past", __name__, url_prefix="/api")


@blueprint.get("/sets/<set_id>/attendance")
def attendance(set_id: str) -> Response:
    """Anyone active in the set: the ended meetings, newest first, and the lines the caller may
    see of who attended them (all of them for a facilitator, their own for anyone else)."""
    kept, person = standing_member(set_id)
    meetings = services().store.meetings_of(set_id)
    response = jsonify(attendance_table(meetings, kept, person))
    response.headers["Cache-Control"] = "no-store"
    return response
