"""Socket.IO event handlers: validate, authorise, apply a rule, commit, then broadcast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request, session, url_for
from flask_socketio import ConnectionRefusedError, join_room
from marshmallow import Schema, ValidationError

from companion.clock import now_ms
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import Role
from companion.logs import get_logger
from companion.schemas import COMMAND_SCHEMAS, ConnectAuthSchema, first_problem
from companion.services import services
from companion.store import MeetingNotFound, SetNotFound, StoreUnavailable
from realtime import socketio
from realtime.broadcast import (
    broadcast_snapshot,
    participant_room,
    room_for,
    send_private,
    send_removed,
    send_snapshot,
    send_welcome,
)
from realtime.commit import MEETING_GONE, UNAVAILABLE, commit
from realtime.liveness import liveness

log = get_logger("realtime")
# Commands whose result only their sender may see: each is followed by a ``private`` message.
PRIVATE_COMMANDS = frozenset({"add_learning", "remove_learning"})


def _refuse(code: str, message: str) -> ConnectionRefusedError:
    """The client's ``connect_error`` gets ``{"message": text, "data": {"error", "message"}}``."""
    return ConnectionRefusedError(message, {"error": code, "message": message})


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    """Sent by a widget as it opens, with ``{"token": ...}``; joins the meeting room, welcomes the
    widget and broadcasts the new presence snapshot to the meeting."""
    try:
        token = ConnectAuthSchema().load(auth if isinstance(auth, dict) else {})["token"]
        credential = services().signer.read_participant(token)
        learning_set = services().store.load_set(credential.set_id)
    except ValidationError as error:
        raise _refuse("token_missing", first_problem(error)) from error
    except Rejected as error:
        raise _refuse(error.code, error.message) from error
    except SetNotFound as error:
        raise _refuse("set_not_found", "This set no longer exists.") from error
    except StoreUnavailable as error:
        liveness().store_unreachable()
        raise _refuse(UNAVAILABLE.code, UNAVAILABLE.message) from error
    member = learning_set.members.get(credential.participant_id)
    if member is None:
        raise _refuse("not_a_member", "This link is no longer a member of the set.")
    if learning_set.current_meeting_id is None:
        raise _refuse("no_meeting", "There is no meeting running for this set yet.")
    _enter_meeting(learning_set.current_meeting_id, member.id, member.name, member.role)


def _enter_meeting(meeting_id: str, participant_id: str, name: str, role: Role) -> None:
    connection_id = liveness().connection_id()
    arguments = {"connection_id": connection_id, "name": name, "role": role.value}
    try:
        liveness().holding(meeting_id)
        meeting = commit(meeting_id, Command("connect", participant_id, now_ms(), arguments))
    except Rejected as error:
        raise _refuse(error.code, error.message) from error
    session.update(
        meeting_id=meeting_id, participant_id=participant_id, connection_id=connection_id
    )
    join_room(room_for(meeting_id))
    join_room(participant_room(meeting_id, participant_id))
    you = meeting.participants[participant_id]
    send_welcome(meeting, you, _links_for(you.role, meeting.set_id), request.sid)
    send_private(meeting, participant_id, request.sid)
    broadcast_snapshot(meeting)
    log.info("meeting.connected", extra={"meeting_id": meeting_id})


def _links_for(role: Role, set_id: str) -> dict[str, str]:
    if role not in (Role.FACILITATOR, Role.CO_FACILITATOR):
        return {}
    invite = services().signer.invite_token(set_id)
    return {"invite_url": f"{url_for('pages.join', _external=True)}#{invite}"}


@socketio.on("disconnect")
def on_disconnect(reason: Any = None) -> None:
    """Sent when a widget closes or drops; broadcasts the presence change to the meeting."""
    meeting_id = session.get("meeting_id")
    if meeting_id is None:
        return
    arguments = {"connection_id": session["connection_id"]}
    command = Command("disconnect", session["participant_id"], now_ms(), arguments)
    try:
        meeting = commit(meeting_id, command)
    except Rejected as error:
        log.info(
            "meeting.disconnect_unrecorded", extra={"meeting_id": meeting_id, "code": error.code}
        )
        return
    broadcast_snapshot(meeting)
    log.info("meeting.disconnected", extra={"meeting_id": meeting_id})


def run_command(name: str, schema: Schema, payload: Any) -> dict[str, Any]:
    """Validate, then let the rules authorise and apply; broadcast only what was committed."""
    meeting_id = session["meeting_id"]
    try:
        arguments = schema.load({} if payload is None else payload)
        meeting = commit(meeting_id, Command(name, session["participant_id"], now_ms(), arguments))
    except ValidationError as error:
        return {"error": "invalid_input", "message": first_problem(error)}
    except Rejected as error:
        log.info(
            "command.rejected",
            extra={"meeting_id": meeting_id, "command": name, "code": error.code},
        )
        return error.as_dict()
    broadcast_snapshot(meeting)
    if name in PRIVATE_COMMANDS:
        send_private(meeting, session["participant_id"])
    if name == "remove_participant":
        send_removed(meeting, arguments["participant_id"])
    log.info(
        "command.applied",
        extra={"meeting_id": meeting_id, "command": name, "version": meeting.version},
    )
    return {"ok": True, "version": meeting.version}


def _command_handler(name: str, schema: Schema) -> Callable[[Any], dict[str, Any]]:
    def handle(payload: Any = None) -> dict[str, Any]:
        return run_command(name, schema, payload)

    handle.__name__ = f"on_{name}"
    handle.__doc__ = f"Sent by a participant to {name.replace('_', ' ')}; broadcasts a snapshot."
    return handle


for _name, _schema in COMMAND_SCHEMAS.items():
    socketio.on_event(_name, _command_handler(_name, _schema()))


@socketio.on("sync")
def on_sync(_: Any = None) -> dict[str, Any]:
    """Sent by a widget unsure of its state (a version gap); answers with a fresh snapshot."""
    try:
        meeting = services().store.load_meeting(session["meeting_id"])
    except MeetingNotFound:
        return MEETING_GONE.as_dict()
    except StoreUnavailable:
        return UNAVAILABLE.as_dict()
    send_snapshot(meeting, request.sid)
    send_private(meeting, session["participant_id"], request.sid)
    return {"ok": True, "version": meeting.version}


@socketio.on("clock")
def on_clock(_: Any = None) -> dict[str, Any]:
    """Sent by a widget measuring how far its clock is from the server's. It halves the round trip
    itself, so every widget counts down to the same deadlines to within a few milliseconds."""
    return {"ok": True, "server_now_ms": now_ms()}


@socketio.on("*")
def on_unknown_event(event: str, *_: Any) -> dict[str, str]:
    """Any event we do not define is answered with an error, and changes nothing."""
    log.info("event.unknown", extra={"meeting_id": session.get("meeting_id")})
    return {"error": "unknown_event", "message": "That action is not recognised."}


@socketio.on_error_default
def on_handler_error(error: Exception) -> dict[str, str]:
    """A bug in a handler must not take the server down or leak details to the sender."""
    log.exception("event.failed", extra={"meeting_id": session.get("meeting_id")})
    return {"error": "internal_error", "message": "Something went wrong; nothing was changed."}
