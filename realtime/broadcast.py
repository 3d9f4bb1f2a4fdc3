"""Everything the server sends. Each message carries ``type`` and a ``version``: the meeting's,
or, for what concerns the roster alone (the lobby), the roster's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from companion.clock import now_ms
from companion.domain import learnings, patches, roster
from companion.domain.codec import MOMENT_KEYS, guide, public_view, roster_view
from companion.domain.events import (
    Admitted,
    Declined,
    Event,
    PrivateChanged,
    Removed,
    RoleChanged,
    RosterChanged,
)
from companion.domain.model import Meeting, Roster, RosterEntry
from realtime import socketio
from realtime.sent_views import SentViews

REMOVED_TEXT = "A facilitator has removed you from this set."
WAITING_TEXT = "You are in the waiting room. The facilitator will let you in."
ADMITTED_TEXT = "The facilitator has let you in."
DECLINED_TEXT = "The facilitator has not let you in to this set."
STAGE_LINK_GONE_TEXT = "This stage link no longer works: the person it was made for left the set."


def room_for(meeting_id: str) -> str:
    return f"meeting:{meeting_id}"


def participant_room(meeting_id: str, participant_id: str) -> str:
    """Every widget one person has open in one meeting, on whichever server process."""
    return f"meeting:{meeting_id}:participant:{participant_id}"


def waiting_room(set_id: str, person_id: str) -> str:
    """Every widget of one person waiting in a set's lobby: it hears only its own answer."""
    return f"set:{set_id}:waiting:{person_id}"


def stage_room(meeting_id: str, person_id: str | None = None) -> str:
    """The stage views open on a meeting; with ``person_id``, those opened by that person's link.
    They are in the meeting's room too, for its snapshots, and in no participant's room."""
    stages = f"meeting:{meeting_id}:stages"
    return stages if person_id is None else f"{stages}:{person_id}"


def sent_views() -> SentViews:
    return current_app.extensions["companion.sent_views"]


def snapshot_message(meeting: Meeting, view: dict[str, Any]) -> dict[str, Any]:
    return {"type": "snapshot", "version": meeting.version, "meeting": view}


def patch_message(meeting: Meeting, before: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """What changed since the version before, which the widget holds (docs/protocol.md)."""
    change = patches.diff(before, view, always=MOMENT_KEYS)
    return {"type": "patch", "version": meeting.version, "from": meeting.version - 1, **change}


def change_message(
    meeting: Meeting, before: dict[str, Any] | None, view: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The event and message that tell the room of ``meeting``: a patch from ``before`` (the
    view kept of the version before), or the whole snapshot when there is none."""
    if before is None:
        return "snapshot", snapshot_message(meeting, view)
    return "patch", patch_message(meeting, before, view)


def broadcast_change(meeting: Meeting, newcomer: str | None = None) -> None:
    """Sent only after the new state has been committed to Redis, to the meeting's room: a patch
    from the version before when this process holds that version's view, else the whole
    snapshot. ``newcomer``, a widget that has just joined the room, gets the snapshot either way."""
    view = public_view(meeting, now_ms())
    before = sent_views().exchange(meeting.id, meeting.version, view)
    if before is not None and newcomer is not None:  # the room gets a patch it cannot apply
        socketio.emit("snapshot", snapshot_message(meeting, view), to=newcomer)
        skipped = newcomer
    else:
        skipped = None
    event, message = change_message(meeting, before, view)
    socketio.emit(event, message, to=room_for(meeting.id), skip_sid=skipped)


def send_snapshot(meeting: Meeting, sid: str) -> None:
    """The whole view to one widget (on connecting, after ``sync``). Never a base for a patch:
    rendered later than the broadcast of its version, it may lack fade times others hold."""
    view = public_view(meeting, now_ms())
    socketio.emit("snapshot", snapshot_message(meeting, view), to=sid)


def send_welcome(
    meeting: Meeting, you: RosterEntry, links: dict[str, str], sid: str, looking: bool = False
) -> None:
    """Tells one widget who it is and the words for each phase; facilitators also get links.
    ``looking``: it opened an ended meeting, so it is not present in it, and reconnects to be
    present should a facilitator reopen it."""
    message = {
        "type": "welcome",
        "version": meeting.version,
        "set_id": meeting.set_id,
        "you": {"id": you.id, "role": you.role.value, "name": you.name},
        "links": links,
        "guide": guide(),
        "looking": looking,
    }
    socketio.emit("welcome", message, to=sid)


def send_stage_welcome(meeting: Meeting, sid: str) -> None:
    """A stage view is nobody: it gets the words for each phase and signal, and no ``you`` and no
    links."""
    message = {
        "type": "welcome",
        "version": meeting.version,
        "set_id": meeting.set_id,
        "view": "stage",
        "guide": guide(),
    }
    socketio.emit("welcome", message, to=sid)


def send_stage_closed(meeting_id: str, person_id: str | None, text: str) -> None:
    """Closes the meeting's stage views (those of ``person_id``'s link, or all of them), on every
    process (``queue.CLOSING_EVENTS``): their link no longer opens the view."""
    message = {"type": "stage_closed", "message": text}
    socketio.emit("stage_closed", message, to=stage_room(meeting_id, person_id))


def send_removed(meeting_id: str, participant_id: str, version: int, text: str) -> None:
    """Tells a person's widgets in the meeting to close; the server closes them too, on every
    process (``queue.CLOSING_EVENTS``), and refuses their link from then on."""
    message = {"type": "removed", "version": version, "message": text}
    socketio.emit("removed", message, to=participant_room(meeting_id, participant_id))
    send_stage_closed(meeting_id, participant_id, STAGE_LINK_GONE_TEXT)


def send_links(kept: Roster, meeting_id: str, links_of: LinksOf) -> None:
    """New links for the meeting's facilitators (a replaced invite): to their widgets only, each
    their own (a stage link is made for one person)."""
    for person in kept.entries.values():
        if roster.facilitates(person):
            _send_links_to(meeting_id, person.id, links_of(person))


def _send_links_to(meeting_id: str, person_id: str, links: dict[str, str]) -> None:
    message = {"type": "links", "links": links}
    socketio.emit("links", message, to=participant_room(meeting_id, person_id))


def send_roster(kept: Roster, to: str) -> None:
    """The roster as facilitators see it (the lobby, who was removed, how people join)."""
    message = {"type": "roster", **roster_view(kept, now_ms())}
    socketio.emit("roster", message, to=to)


def send_roster_to_facilitators(kept: Roster, meeting_id: str) -> None:
    for person in kept.entries.values():
        if roster.facilitates(person):
            send_roster(kept, participant_room(meeting_id, person.id))


def send_waiting(kept: Roster, you: RosterEntry, sid: str) -> None:
    """All a waiting person hears of the set: their own name, and that they wait."""
    message = {
        "type": "waiting",
        "version": kept.version,
        "set_id": kept.set_id,
        "you": {"id": you.id, "name": you.name},
        "expires_at_ms": you.expires_at_ms,
        "message": WAITING_TEXT,
    }
    socketio.emit("waiting", message, to=sid)


def _answer_waiting(kept: Roster, event: str, person_id: str, text: str) -> None:
    message = {"type": event, "version": kept.version, "message": text}
    socketio.emit(event, message, to=waiting_room(kept.set_id, person_id))


LinksOf = Callable[[RosterEntry], dict[str, str]]


def publish(
    events: tuple[Event, ...],
    kept: Roster,
    meeting: Meeting | None,
    meeting_id: str | None,
    links_of: LinksOf,
) -> None:
    """Sends what a committed change caused, each piece to whoever it concerns. ``meeting`` is
    the meeting as committed, when the change was one of its commands; ``meeting_id`` is the
    set's current meeting, where facilitators' widgets are; ``links_of`` gives a person the links
    their role may have."""
    for event in events:
        if isinstance(event, Admitted):
            _answer_waiting(kept, "admitted", event.person_id, ADMITTED_TEXT)
        elif isinstance(event, Declined):
            _answer_waiting(kept, "declined", event.person_id, DECLINED_TEXT)
        elif meeting_id is None:
            continue  # nobody has a widget open on the set but people waiting
        elif isinstance(event, Removed):
            version = meeting.version if meeting is not None else 0
            send_removed(meeting_id, event.person_id, version, REMOVED_TEXT)
        elif isinstance(event, RoleChanged):
            _tell_new_role(kept, meeting_id, event.person_id, links_of)
        elif isinstance(event, PrivateChanged) and meeting is not None:
            send_private(meeting, event.person_id)
    if meeting_id is not None and any(isinstance(e, RosterChanged) for e in events):
        send_roster_to_facilitators(kept, meeting_id)


def _tell_new_role(kept: Roster, meeting_id: str, person_id: str, links_of: LinksOf) -> None:
    """What only facilitators get reaches someone appointed at once, not at their next
    reconnect; someone no longer facilitating stops holding the invite link."""
    person = kept.entries.get(person_id)
    if person is None:
        return
    _send_links_to(meeting_id, person_id, links_of(person))
    if roster.facilitates(person):
        send_roster(kept, participant_room(meeting_id, person_id))


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
