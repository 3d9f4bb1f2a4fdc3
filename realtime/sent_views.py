"""The last view of each meeting that this process sent or heard, so that the next change can go
out as a patch without rendering the view before it a second time.

Rendering a meeting's view is most of the CPU a change costs; rendering the view before it again,
only to compare, would double that. So each process keeps, for the meetings it has lately sent a
change of, the view it sent and its version: a bounded LRU, never a copy of anything stored.

The base for the patch to version *n + 1* is the view of *n* as it was broadcast: the first
rendering of that version. Widgets that got it later (a ``sync``, a connection) hold the same but
for what depends on the moment: ``codec.MOMENT_KEYS``, which go whole in every patch, and fade
times that faded in between, which a patch needs to carry only when they changed (see there). So a
snapshot sent to one widget is never kept as a base. What another process broadcasts crosses this
one's queue listener too (``queue.MeetingQueue``): a patch that follows the view kept here moves it
on, so a meeting whose widgets sit on several processes still gets patches; one that does not
follow drops the view, and the next change goes out whole. A whole snapshot heard of the version
kept replaces it: versions only repeat when Redis lost the latest (a failover), and the one
heard is then the truth.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from companion.domain import patches

# Meetings whose latest view is kept. A view is a few KB of JSON and some tens of KB as Python
# objects; a process serving 8,000 widgets has about 1,000 meetings open.
KEPT_MEETINGS = 2000
ROOM_PREFIX = "meeting:"  # broadcast.room_for: the meeting's room, where its changes go


class SentViews:
    """Meeting id -> (version, view), least recently sent first. Guarded by a lock: the queue's
    listener and the handlers both write to it."""

    def __init__(self, capacity: int = KEPT_MEETINGS) -> None:
        self.capacity = capacity
        self._views: OrderedDict[str, tuple[int, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def exchange(
        self, meeting_id: str, version: int, view: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Keeps ``view`` as the meeting's, unless a later version is kept already; returns the
        view it held of ``version - 1``, the base for a patch, or ``None`` (send it whole)."""
        with self._lock:
            held = self._views.get(meeting_id)
            if held is not None and held[0] > version:
                return None  # a later change went out first: this one goes whole
            self._keep(meeting_id, version, view)
        return _base(held, version)

    def base_for(self, meeting_id: str, version: int) -> dict[str, Any] | None:
        """The view kept of ``version - 1``, keeping nothing: for a change not yet written
        (``realtime.announced``), which ``exchange`` keeps once it is."""
        with self._lock:
            return _base(self._views.get(meeting_id), version)

    def forget_all(self) -> None:
        """After losing touch with Redis: what comes back may have lost versions kept here."""
        with self._lock:
            self._views.clear()

    def held(self, meeting_id: str) -> tuple[int, dict[str, Any]] | None:
        with self._lock:
            return self._views.get(meeting_id)

    def heard(self, event: str, room: Any, payload: Any) -> None:
        """What a process sent to a meeting's room: the view kept here follows it, or is dropped.
        Only meetings already kept are followed, so a process keeps only its own meetings."""
        if event not in ("snapshot", "patch") or not isinstance(payload, dict):
            return
        meeting_id = _meeting_of(room)
        version = payload.get("version")
        if meeting_id is None or not isinstance(version, int):
            return
        with self._lock:
            held = self._views.get(meeting_id)
            if held is None or held[0] > version or (held[0] == version and event == "patch"):
                return  # not one of ours, or nothing new (our own broadcast, heard back)
            following = self._followed(held, event, payload)
            if following is None:
                del self._views[meeting_id]
            else:
                self._keep(meeting_id, version, following)

    @staticmethod
    def _followed(
        held: tuple[int, dict[str, Any]], event: str, payload: dict[str, Any]
    ) -> dict[str, Any] | None:
        if event == "snapshot":
            meeting = payload.get("meeting")
            return meeting if isinstance(meeting, dict) else None
        if payload.get("from") != held[0]:
            return None
        try:
            return patches.apply(held[1], payload)
        except patches.PatchDoesNotApply:
            return None

    def _keep(self, meeting_id: str, version: int, view: dict[str, Any]) -> None:
        self._views[meeting_id] = (version, view)
        self._views.move_to_end(meeting_id)
        while len(self._views) > self.capacity:
            self._views.popitem(last=False)


def _base(held: tuple[int, dict[str, Any]] | None, version: int) -> dict[str, Any] | None:
    return held[1] if held is not None and held[0] == version - 1 else None


def _meeting_of(room: Any) -> str | None:
    """The meeting whose room this is, or ``None`` for any other room (a person's, a sid)."""
    if not isinstance(room, str) or not room.startswith(ROOM_PREFIX):
        return None
    meeting_id = room[len(ROOM_PREFIX) :]
    return meeting_id if meeting_id and ":" not in meeting_id else None
