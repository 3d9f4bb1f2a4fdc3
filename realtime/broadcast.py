"""Everything the server sends. Each message carries ``type`` and the meeting ``version``."""

from __future__ import annotations

from typing import Any

from companion.clock import now_ms
from companion.domain import learnings
from companion.domain.codec import guide, public_view
from companion.domain.model import FACILITATION, Meeting, Participant
from realtime import socketio


def room_for(meeting_id: str) -> str:
    return f"meeting:{meeting_id}"


def participant_room(meeting_id: str, participant_id: str) -> str:
    """Every widget one person has open in one meeting, on whichever server process."""
    return f"meeting:{meeting_id}:participant:{participant_id}"


def snapshot_message(meeting: Meeting) -> dict[str, Any]:
    return {
        "type": "snapshot",
        "version": meeting.version,
        "meeting": public_view(meeting, now_ms()),
    }


def broadcast_snapshot(meeting: Meeting) -> None:
    """Sent only after the new state has been committed to Redis."""
    socketio.emit("snapshot", snapshot_message(meeting), to=room_for(meeting.id))


def send_snapshot(meeting: Meeting, sid: str) -> None:
    socketio.emit("snapshot", snapshot_message(meeting), to=sid)


def send_welcome(meeting: Meeting, you: Participant, links: dict[str, str], sid: str) -> None:
    """Tells one widget who it is and the words for each phase; facilitators also get links."""
    message = {
        "type": "welcome",
        "version": meeting.version,
        "set_id": meeting.set_id,
        "you": {"id": you.id, "role": you.role.value, "name": you.name},
        "links": links,
        "guide": guide(),
    }
    socketio.emit("welcome", message, to=sid)


def send_removed(
    meeting: Meeting,
    participant_id: str,
    text: str = "The facilitator has removed you from this meeting.",
) -> None:
    """Tells a removed person's widgets to close; the server refuses them from now on."""
    message = {"type": "removed", "version": meeting.version, "message": text}
    socketio.emit("removed", message, to=participant_room(meeting.id, participant_id))


def send_links(meeting: Meeting, links: dict[str, str]) -> None:
    """New links for the meeting's facilitators (a replaced invite): to their widgets only."""
    message = {"type": "links", "links": links}
    for participant in meeting.participants.values():
        if participant.role in FACILITATION and not participant.removed:
            socketio.emit("links", message, to=participant_room(meeting.id, participant.id))


def send_private(meeting: Meeting, participant_id: str, to: str | None = None) -> None:
    """What only this participant may see (their learnings), to one widget (``to``, a session
    id) or to all of theirs. Never to the meeting's room."""
    message = {
        "type": "private",
        "version": meeting.version,
        **learnings.private_view(meeting, participant_id),
    }
    socketio.emit("private", message, to=to or participant_room(meeting.id, participant_id))


def send_meeting_moved(meeting_id: str, next_meeting_id: str) -> None:
    """Sent when the set's next meeting starts: widgets still open on the ended one reconnect,
    and the same link now leads them to the new meeting."""
    message = {
        "type": "meeting_moved",
        "meeting_id": next_meeting_id,
        "message": "The set's next meeting has started.",
    }
    socketio.emit("meeting_moved", message, to=room_for(meeting_id))


def send_meeting_deleted(meeting_id: str, version: int) -> None:
    """Sent after a facilitator's delete has committed: every widget of the meeting closes, and
    the server refuses them from now on. ``version`` is the last one the meeting had."""
    message = {
        "type": "meeting_deleted",
        "version": version,
        "message": "The facilitator has deleted this meeting.",
    }
    socketio.emit("meeting_deleted", message, to=room_for(meeting_id))
