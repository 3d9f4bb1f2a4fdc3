"""A meeting command's change, told by the very write that commits it.

``broadcast.broadcast_change`` sends a change once it is committed: one Redis round trip for the
write, then a second for the message queue's publish, on every command. On a command's path the
write's own script publishes the change instead (``CheckedWrite.publish``): the patch or snapshot
is made from the meeting about to be written, and heard only if that attempt is written, in the
one round trip. The other processes hear it on the queue as any broadcast. This one delivers it to
its own widgets once the write is made, and keeps its view as the base of the next patch
(``sent_views``), as ``broadcast_change`` would have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from companion.clock import now_ms
from companion.domain.codec import public_view
from companion.domain.model import Meeting
from realtime import socketio
from realtime.broadcast import broadcast_change, change_message, room_for, sent_views
from realtime.queue import MeetingQueue


@dataclass(frozen=True)
class Announcement:
    """What one attempt's write publishes: the meeting's view at that version, and the queue
    message that carries its patch (from the view kept of the version before) or its snapshot."""

    meeting_id: str
    version: int
    view: dict[str, Any]
    message: dict[str, Any]


class Announcer:
    """For one command. The store asks it for each attempt's message (``update_meeting``'s
    ``announce``); the last one asked is the one written, if any was."""

    def __init__(self) -> None:
        self.latest: Announcement | None = None

    def __call__(self, meeting: Meeting) -> tuple[str, bytes] | None:
        queue = socketio.server.manager
        if not isinstance(queue, MeetingQueue):
            self.latest = None
            return None
        view = public_view(meeting, now_ms())
        before = sent_views().base_for(meeting.id, meeting.version)
        event, data = change_message(meeting, before, view)
        message = queue.envelope(event, data, room_for(meeting.id))
        self.latest = Announcement(meeting.id, meeting.version, view, message)
        return queue.published_with_the_write(message)

    def deliver(self, meeting: Meeting) -> None:
        """Once ``meeting`` is committed: what its write published, to this process's widgets;
        or, when no write published it (the change altered nothing), the usual broadcast."""
        latest = self.latest
        if latest is None or (latest.meeting_id, latest.version) != (meeting.id, meeting.version):
            broadcast_change(meeting)
            return
        sent_views().exchange(latest.meeting_id, latest.version, latest.view)
        socketio.server.manager.deliver_here(latest.message)
