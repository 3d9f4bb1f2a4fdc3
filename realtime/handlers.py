"""Socket.IO event handlers: validate, authorise, apply a rule, commit, then broadcast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request, session
from flask_socketio import ConnectionRefusedError, join_room
from marshmallow import Schema, ValidationError

from companion import metrics
from companion.clock import now_ms
from companion.domain import roster
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.model import LearningSet, Meeting, Roster, Status
from companion.guards.limits import (
    count_participant_event,
    holds_connection_slot,
    limited_per_participant,
    participant_count,
    releases_connection_slot,
)
from companion.identity.links import links_for, links_of_set
from companion.logs import get_logger
from companion.schemas import COMMAND_SCHEMAS, ConnectAuthSchema, NoArguments, first_problem
from companion.services import services
from companion.store import MeetingNotFound, SetNotFound, StoreUnavailable
from realtime import socketio
from realtime.announced import Announcer
from realtime.broadcast import (
    ADMITTED_TEXT,
    DECLINED_TEXT,
    broadcast_change,
    participant_room,
    publish,
    room_for,
    send_private,
    send_roster,
    send_snapshot,
    send_waiting,
    send_welcome,
    waiting_room,
)
from realtime.commit import MEETING_GONE, UNAVAILABLE, commit, commit_to_roster
from realtime.lifecycle import UNKNOWN_EVENT, only_the_real_connect, only_the_real_disconnect
from realtime.liveness import liveness
from realtime.metered import counts_widget, metered_command, uncounts_widget
from realtime.stage import enter_stage, is_stage, refuse_command, stage_sync, wants_stage
from realtime.wire_json import TooDeep, too_deep_answer

log = get_logger("realtime")
# Socket.IO lets a client send several arguments with one event; ours each take one object.
ONE_PAYLOAD = {"error": "invalid_input", "message": "Send one payload: a single object."}
REMOVED = {"error": "removed", "message": "A facilitator has removed you from this set."}
WAITING = {"error": "waiting", "message": "The facilitator has not let you in yet."}


def _refuse(code: str, message: str) -> ConnectionRefusedError:
    """The client's ``connect_error`` gets ``{"message": text, "data": {"error", "message"}}``."""
    return ConnectionRefusedError(message, {"error": code, "message": message})


@socketio.on("connect")
@only_the_real_connect
@counts_widget
@holds_connection_slot(_refuse)
def on_connect(auth: Any = None) -> None:
    """Sent by a widget as it opens, with ``{"token": ...}``. Someone active in the set joins the
    meeting room, is welcomed, and the new presence is broadcast to the meeting; someone waiting
    in the lobby hears only that they wait; a stage view, with ``{"stage": ...}``, watches
    (``realtime.stage``); anyone else is refused."""
    if isinstance(auth, TooDeep):
        raise _refuse(auth.code, auth.message)
    if wants_stage(auth):
        try:
            return enter_stage(auth)
        except Rejected as error:
            raise _refuse(error.code, error.message) from error
    try:
        token = ConnectAuthSchema().load(auth if isinstance(auth, dict) else {})["token"]
        credential = services().signer.read_participant(token)
        kept = services().store.load_roster(credential.set_id)
    except ValidationError as error:
        raise _refuse("token_missing", first_problem(error)) from error
    except Rejected as error:
        raise _refuse(error.code, error.message) from error
    except SetNotFound as error:
        raise _refuse("set_not_found", "This set no longer exists.") from error
    except StoreUnavailable as error:
        liveness().store_unreachable()
        raise _refuse(UNAVAILABLE.code, UNAVAILABLE.message) from error
    person = kept.entries.get(credential.participant_id)
    if person is not None and person.status is Status.WAITING:
        return _enter_lobby(kept.set_id, person.id)
    try:
        roster.check_standing(person, now_ms())
        learning_set = services().store.load_set(credential.set_id)
    except Rejected as error:
        raise _refuse(error.code, error.message) from error
    except (SetNotFound, StoreUnavailable) as error:
        raise _refuse(UNAVAILABLE.code, UNAVAILABLE.message) from error
    if learning_set.current_meeting_id is None:
        raise _refuse("no_meeting", "There is no meeting running for this set yet.")
    _enter_meeting(learning_set, credential.participant_id)


def _enter_lobby(set_id: str, person_id: str) -> None:
    """A waiting person's widget listens for its answer. It joins the room for that answer before
    looking again, so a facilitator letting them in meanwhile is never missed."""
    session.update(set_id=set_id, participant_id=person_id, waiting=True)
    join_room(waiting_room(set_id, person_id))
    kept = services().store.load_roster(set_id)
    person = kept.entries.get(person_id)
    if person is not None and person.status is Status.WAITING:
        send_waiting(kept, person, request.sid)
    elif person is not None and person.status is Status.ACTIVE:
        socketio.emit("admitted", _answer("admitted", kept, ADMITTED_TEXT), to=request.sid)
    else:
        socketio.emit("declined", _answer("declined", kept, DECLINED_TEXT), to=request.sid)
    log.info("lobby.connected", extra={"set_id": set_id})


def _answer(kind: str, kept: Roster, text: str) -> dict[str, Any]:
    return {"type": kind, "version": kept.version, "message": text}


def _enter_meeting(learning_set: LearningSet, participant_id: str) -> None:
    meeting_id = learning_set.current_meeting_id
    assert meeting_id is not None
    connection_id = liveness().connection_id()
    command = Command("connect", participant_id, now_ms(), {"connection_id": connection_id})
    viewing = False
    try:
        liveness().holding(meeting_id)
        meeting = commit(meeting_id, command, learning_set.id).meeting
    except Rejected as error:
        if error.code != "meeting_closed":
            raise _refuse(error.code, error.message) from error
        meeting, viewing = _ended_meeting(meeting_id), True
    session.update(
        meeting_id=meeting_id,
        set_id=learning_set.id,
        participant_id=participant_id,
        connection_id=connection_id,
        viewing=viewing,
    )
    join_room(room_for(meeting_id))
    join_room(participant_room(meeting_id, participant_id))
    you = meeting.roster.entries[participant_id]
    send_welcome(meeting, you, links_for(you, learning_set), request.sid, looking=viewing)
    if roster.facilitates(you):
        send_roster(meeting.roster, request.sid)
    send_private(meeting, participant_id, request.sid)
    if viewing:
        send_snapshot(meeting, request.sid)
    else:
        broadcast_change(meeting, newcomer=request.sid)
    log.info("meeting.connected", extra={"meeting_id": meeting_id, "ended": viewing})


def _ended_meeting(meeting_id: str) -> Meeting:
    """Between meetings a link still opens the set's last one, ended: its summary, the set's past
    meetings and the next date are what people come back for, and a facilitator starts the next
    meeting from there. They look without being present, so the record of who attended stays."""
    try:
        return services().store.load_meeting(meeting_id)
    except MeetingNotFound as error:
        raise _refuse(MEETING_GONE.code, MEETING_GONE.message) from error
    except StoreUnavailable as error:
        raise _refuse(UNAVAILABLE.code, UNAVAILABLE.message) from error


@socketio.on("disconnect")
@only_the_real_disconnect
@uncounts_widget
@releases_connection_slot
def on_disconnect(reason: Any = None) -> None:
    """Sent when a widget closes or drops; broadcasts the presence change to the meeting."""
    meeting_id = session.get("meeting_id")
    if meeting_id is None or is_stage() or session.get("viewing"):
        return  # waiting, a stage view, or an ended meeting: none was present in the meeting
    arguments = {"connection_id": session["connection_id"]}
    command = Command("disconnect", session["participant_id"], now_ms(), arguments)
    try:
        meeting = commit(meeting_id, command, session.get("set_id")).meeting
    except Rejected as error:
        log.info(
            "meeting.disconnect_unrecorded", extra={"meeting_id": meeting_id, "code": error.code}
        )
        return
    broadcast_change(meeting)
    log.info("meeting.disconnected", extra={"meeting_id": meeting_id})


def run_command(name: str, schema: Schema, payload: Any) -> dict[str, Any]:
    """Validate, then let the rules authorise and apply; send only what was committed. What
    concerns the roster alone (the lobby) commits to the roster, and its ``version`` is the
    roster's; every other command is the meeting's. A stage view may send none."""
    if is_stage():
        return refuse_command(name)
    meeting_id = session.get("meeting_id")
    if meeting_id is None:
        return WAITING
    try:
        arguments = schema.load({} if payload is None else payload)
        command = Command(name, session["participant_id"], now_ms(), arguments)
        version = _commit_and_send(meeting_id, session["set_id"], command)
    except ValidationError as error:
        return {"error": "invalid_input", "message": first_problem(error)}
    except Rejected as error:
        log.info(
            "command.rejected",
            extra={"meeting_id": meeting_id, "command": name, "code": error.code},
        )
        return error.as_dict()
    log.info(
        "command.applied", extra={"meeting_id": meeting_id, "command": name, "version": version}
    )
    return {"ok": True, "version": version}


def _commit_and_send(meeting_id: str, set_id: str, command: Command) -> int:
    """The sender's budget is spent first, for the lobby's commands; a meeting's command spends
    it in the very write that commits it."""
    links_of = links_of_set(set_id)
    if command.name in roster.LOBBY_COMMANDS:
        count_participant_event(command.name)
        done = commit_to_roster(set_id, command)
        metrics.command_committed()
        publish(done.events, done.roster, None, meeting_id, links_of)
        return done.roster.version
    announcer = Announcer()  # the change goes out with the write that commits it
    committed = commit(meeting_id, command, set_id, participant_count(command.name), announcer)
    metrics.command_committed()
    announcer.deliver(committed.meeting)
    metrics.command_broadcast()
    publish(committed.events, committed.meeting.roster, committed.meeting, meeting_id, links_of)
    return committed.meeting.version


def _command_handler(name: str, schema: Schema) -> Callable[[Any], dict[str, Any]]:
    def handle(*payloads: Any) -> dict[str, Any]:
        if refused := too_deep_answer(*payloads):
            return refused
        if len(payloads) > 1:
            return ONE_PAYLOAD
        return run_command(name, schema, payloads[0] if payloads else None)

    handle.__name__ = f"on_{name}"
    handle.__doc__ = f"Sent by a participant to {name.replace('_', ' ')}; broadcasts the change."
    return handle


for _name, _schema in COMMAND_SCHEMAS.items():
    socketio.on_event(_name, metered_command(_name)(_command_handler(_name, _schema())))


@socketio.on("sync")
@limited_per_participant("sync")
def on_sync(*payloads: Any) -> dict[str, Any]:
    """Sent by a widget unsure of its state (a version gap); answers with a fresh snapshot, its
    private part and, for facilitators, the roster."""
    if refused := _refused_payload(payloads):
        return refused
    if is_stage():
        return stage_sync()
    if session.get("meeting_id") is None:
        return WAITING
    try:
        meeting = services().store.load_meeting(session["meeting_id"])
    except MeetingNotFound:
        return MEETING_GONE.as_dict()
    except StoreUnavailable:
        return UNAVAILABLE.as_dict()
    you = meeting.roster.entries.get(session["participant_id"])
    if you is None or you.status is not Status.ACTIVE:
        return REMOVED
    send_snapshot(meeting, request.sid)
    send_private(meeting, session["participant_id"], request.sid)
    if roster.facilitates(you):  # the lobby may have moved on unseen too
        send_roster(meeting.roster, request.sid)
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
    if refused := too_deep_answer(*payloads):
        return refused
    if len(payloads) > 1:
        return ONE_PAYLOAD
    try:
        NoArguments().load(payloads[0] if payloads and payloads[0] is not None else {})
    except ValidationError as error:
        return {"error": "invalid_input", "message": first_problem(error)}
    return None


@socketio.on("*")
@metered_command(metrics.UNKNOWN_COMMAND)
@limited_per_participant("*")
def on_unknown_event(*arguments: Any) -> dict[str, str]:
    """Any event we do not define is answered with an error, and changes nothing. (A client's
    event named ``*`` itself also lands here, without the name as first argument.) One nested
    too deeply to read, whose name may be unreadable too, is refused as ``invalid_input``."""
    if refused := too_deep_answer(*arguments):
        return refused
    log.info("event.unknown", extra={"meeting_id": session.get("meeting_id")})
    return UNKNOWN_EVENT


@socketio.on_error_default
def on_handler_error(error: Exception) -> dict[str, str]:
    """A bug in a handler must not take the server down or leak details to the sender."""
    log.exception("event.failed", extra={"meeting_id": session.get("meeting_id")})
    return {"error": "internal_error", "message": "Something went wrong; nothing was changed."}
