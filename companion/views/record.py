"""The set's record as a file, for its facilitators: its meetings, dates, attendance, presenters
and actions with their report-back, as Markdown or CSV (``domain.set_record``). Never signals,
learnings, or anything its people kept private.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from flask import Blueprint, Response

from companion.clock import now_ms
from companion.domain import set_record
from companion.domain.model import LearningSet, Meeting, Roster
from companion.logs import get_logger
from companion.services import services
from companion.views.access import facilitator_of

blueprint = Blueprint("record", __name__, url_prefix="/api")
log = get_logger("record")

RecordMaker = Callable[[LearningSet, Sequence[Meeting], Roster, int], str]


@blueprint.get("/sets/<set_id>/record.md")
def record_markdown(set_id: str) -> Response:
    """A facilitator downloads the set's record to read or keep."""
    return _record_file(set_id, set_record.markdown, "md", "text/markdown; charset=utf-8")


@blueprint.get("/sets/<set_id>/record.csv")
def record_csv(set_id: str) -> Response:
    """A facilitator downloads the set's record for a spreadsheet."""
    # RFC 4180's parameters: the first line names the columns.
    return _record_file(
        set_id, set_record.csv_text, "csv", "text/csv; charset=utf-8; header=present"
    )


def _record_file(set_id: str, make: RecordMaker, extension: str, content_type: str) -> Response:
    """The roster decides who facilitates, whatever the link said when it was made. The file is
    made from what the store holds now, with the roster the meetings were read with."""
    facilitator_of(set_id)
    store, made_ms = services().store, now_ms()
    learning_set = store.load_set(set_id)
    meetings = store.meetings_of(set_id)
    kept = meetings[0].roster if meetings else store.load_roster(set_id)
    text = make(learning_set, meetings, kept, made_ms)
    response = Response(text, content_type=content_type)
    name = f"als-set-record-{datetime.fromtimestamp(made_ms / 1000, UTC):%Y-%m-%d}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    log.info("record.downloaded", extra={"set_id": set_id, "format": extension})
    return response
