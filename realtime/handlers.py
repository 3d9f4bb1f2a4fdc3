"""Socket.IO event handlers: validate, authorise, apply a rule, commit, then broadcast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request, session
from flask_socketio import ConnectionRefusedError, join_room
from marshmallow import Schema, ValidationError

from companion.clock import now_ms
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import FACILITATION, LearningSet, Role
from companion.limits import (
    count_participant_event,
    holds_connection_slot,
    limited_per_participant,
    releases_connection_slot,
)
from companion.links import invite_url
from companion.logs import get_logger
from companion.schemas import COMMAND_SCHEMAS, ConnectAuthSchema, NoArguments, first_problem
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
from realtime.lifecycle import UNKNOWN_EVENT, only_the_real_connect, only_the_real_disconnect
from realtime.liveness import liveness

log = get_logger("realtime")
# Socket.IO lets a client send several arguments with one event; ours each take one object.
ONE_PAYLOAD = {"error": "invalid_input", "message": "Send one payload: a single object."}
REMOVED = {"error": "removed", "message": "You have been removed from this meeting."}
# Commands whose result only their sender may see: each is followed by a ``private`` message.
PRIVATE_COMMANDS = frozenset({"add_learning", "remove_learning"})


def _refuse(code: str, message: str) -> ConnectionRefusedError:
    """The client's ``connect_error`` gets ``{"message": text, "data": {"error", "message"}}``."""
    return ConnectionRefusedError(message, {"error": code, "message": message})


@socketio.on("connect")
@only_the_real_connect
@holds_connection_slot(_refuse)
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
    _enter_meeting(learning_set, member.id, member.name, member.role)


def _enter_meeting(learning_set: LearningSet, participant_id: str, name: str, role: Role) -> None:
    meeting_id = learning_set.current_meeting_id
    assert meeting_id is not None
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
    send_welcome(meeting, you, _links_for(you.role, learning_set), request.sid)
    send_private(meeting, participant_id, request.sid)
    broadcast_snapshot(meeting)
    log.info("meeting.connected", extra={"meeting_id": meeting_id})


def _links_for(role: Role, learning_set: LearningSet) -> dict[str, str]:
    return {"invite_url": invite_url(learning_set)} if role in FACILITATION else {}


@socketio.on("disconnect")
@only_the_real_disconnect
@releases_connection_slot
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
        count_participant_event(name)
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
    def handle(*payloads: Any) -> dict[str, Any]:
        if len(payloads) > 1:
            return ONE_PAYLOAD
        return run_command(name, schema, payloads[0] if payloads else None)

    handle.__name__ = f"on_{name}"
    handle.__doc__ = f"Sent by a participant to {name.replace('_', ' ')}; broadcasts a snapshot."
    return handle


for _name, _schema in COMMAND_SCHEMAS.items():
    socketio.on_event(_name, _command_handler(_name, _schema()))


@socketio.on("sync")
@limited_per_participant("sync")
def on_sync(*payloads: Any) -> dict[str, Any]:
    """Sent by a widget unsure of its state (a version gap); answers with a fresh snapshot."""
    if refused := _refused_payload(payloads):
        return refused
    try:
        meeting = services().store.load_meeting(session["meeting_id"])
    except MeetingNotFound:
        return MEETING_GONE.as_dict()
    except StoreUnavailable:
        return UNAVAILABLE.as_dict()
    you = meeting.participants.get(session["participant_id"])
    if you is None or you.removed:
        return REMOVED
    send_snapshot(meeting, request.sid)
    send_private(meeting, session["participant_id"], request.sid)
    return {"ok": True, "version": meeting.version}


@socketio.on("clock")
@limited_per_participant("clock")
def on_clock(*payloads: Any) -> dict[str, Any]:
    """Sent by a widget measuring how far its clock is from the server's. It halves the round trip
    itself, so every widget counts down to the same deadlines to within a few milliseconds."""
    if refused := _refused_payload(payloads):
        return refused
    return {"ok": True, "server_now_ms": now_ms()}


def _refused_payload(payloads: tuple[Any, ...]) -> dict[str, str] | None:
    """``sync`` and ``clock`` take nothing; anything else is refused, as a bad command is."""
    if len(payloads) > 1:
        return ONE_PAYLOAD
    try:
        NoArguments().load(payloads[0] if payloads and payloads[0] is not None else {})
    except ValidationError as error:
        return {"error": "invalid_input", "message": first_problem(error)}
    return None


@socketio.on("*")
@limited_per_participant("*")
def on_unknown_event(*_: Any) -> dict[str, str]:
    """Any event we do not define is answered with an error, and changes nothing. (A client's
    event named ``*`` itself also lands here, without the name as first argument.)"""
    log.info("event.unknown", extra={"meeting_id": session.get("meeting_id")})
    return UNKNOWN_EVENT


@socketio.on_error_default
def on_handler_error(error: Exception) -> dict[str, str]:
    """A bug in a handler must not take the server down or leak details to the sender."""
    log.exception("event.failed", extra={"meeting_id": session.get("meeting_id")})
    return {"error": "internal_error", "message": "Something went wrong; nothing was changed."}
