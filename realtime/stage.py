"""The stage view's connection: the meeting as every member sees it, for a shared screen, and
nothing it sends can change it.

A stage view connects with ``auth: {"stage": <stage token>}``. It joins the meeting's room, so
it hears every change (the member-level view, the same for everyone), and rooms of its own, so
it can be closed; never a participant's room, so nothing private, no lobby and no links reach it.
It is nobody: no presence is recorded, so it never shows among the people and never takes a turn.
Its session holds ``stage_of`` (whose link it is) and no ``participant_id``, so every path that
acts for a participant finds nobody; ``run_command`` refuses its commands before anything else.
"""

from __future__ import annotations

from typing import Any

from flask import request, session
from flask_socketio import join_room
from marshmallow import ValidationError

from companion.clock import now_ms
from companion.domain import roster
from companion.domain.errors import Rejected
from companion.domain.model import Phase
from companion.domain.stage import check_stage_link
from companion.logs import get_logger
from companion.schemas import StageAuthSchema, first_problem
from companion.services import services
from realtime.broadcast import room_for, send_snapshot, send_stage_welcome, stage_room
from realtime.commit import storage_as_rejections

log = get_logger("realtime.stage")
STAGE_OF = "stage_of"
READ_ONLY = {
    "error": "read_only",
    "message": "The stage view only shows the meeting: it cannot change anything.",
}


def wants_stage(auth: Any) -> bool:
    """A connection asking to be a stage view names its token ``stage``."""
    return isinstance(auth, dict) and "stage" in auth


def is_stage() -> bool:
    """The connection whose event is being handled is a stage view."""
    return STAGE_OF in session


def enter_stage(auth: dict[str, Any]) -> None:
    """Sent as a stage view opens. If its link still works, it joins the meeting's room and is
    welcomed, then sent the snapshot; raises ``Rejected`` (the connection is refused) if not."""
    try:
        token = StageAuthSchema().load(auth)["stage"]
    except ValidationError as error:
        raise Rejected("token_missing", first_problem(error)) from error
    credential = services().signer.read_stage(token)
    with storage_as_rejections():
        learning_set = services().store.load_set(credential.set_id)
        kept = services().store.load_roster(credential.set_id)
    person = kept.entries.get(credential.participant_id)
    check_stage_link(learning_set, person, credential.generation, now_ms())
    meeting_id = learning_set.current_meeting_id
    if meeting_id is None:
        raise Rejected("no_meeting", "There is no meeting running for this set yet.")
    # The rooms first, then the meeting: a change committed in between is not missed.
    for room in (room_for(meeting_id), stage_room(meeting_id), stage_room(meeting_id, person.id)):
        join_room(room)
    with storage_as_rejections():
        meeting = services().store.load_meeting(meeting_id)
    if meeting.phase is Phase.CLOSED:
        raise Rejected("meeting_closed", "This meeting has ended.")
    session.update(
        {
            "meeting_id": meeting_id,
            "set_id": learning_set.id,
            STAGE_OF: person.id,
            "counted_as": f"stage:{request.sid}",
        }
    )
    send_stage_welcome(meeting, request.sid)
    send_snapshot(meeting, request.sid)
    log.info("stage.connected", extra={"meeting_id": meeting_id})


def refuse_command(name: str) -> dict[str, str]:
    """Whatever a stage view sends, nothing changes; it is told so, and nothing is counted."""
    log.info(
        "command.rejected",
        extra={"meeting_id": session.get("meeting_id"), "command": name, "code": "read_only"},
    )
    return READ_ONLY


def stage_sync() -> dict[str, Any]:
    """Sent by a stage view unsure of its state: a fresh snapshot, while its link's person is
    still active in the set."""
    try:
        with storage_as_rejections():
            meeting = services().store.load_meeting(session["meeting_id"])
        roster.check_standing(meeting.roster.entries.get(session[STAGE_OF]), now_ms())
    except Rejected as error:
        return error.as_dict()
    send_snapshot(meeting, request.sid)
    return {"ok": True, "version": meeting.version}
