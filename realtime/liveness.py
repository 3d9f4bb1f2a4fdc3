"""Heartbeats, and the sweep of widget connections left behind by a server process that died.

Every connection id starts with its process's id. A process beats in Redis every third of the
presence timeout; when any process finds another silent for longer than the timeout, it drops that
process's connections from each meeting it had widgets in and broadcasts the corrected presence.
"""

from __future__ import annotations

import atexit
import contextlib

from flask import Flask, current_app

from companion.clock import now_ms
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.logs import get_logger
from companion.services import services
from companion.store import StoreUnavailable
from companion.store.meetings import new_id
from companion.store.processes import ProcessRegistry, SilentProcess
from realtime import socketio
from realtime.broadcast import broadcast_change
from realtime.commit import commit

log = get_logger("liveness")
SERVER_ACTOR = "server"


class Liveness:
    def __init__(self, app: Flask, timeout_seconds: float) -> None:
        self.app = app
        self.process_id = new_id()
        self.timeout_ms = int(timeout_seconds * 1000)
        self.interval_seconds = timeout_seconds / 3
        self.running = False

    def connection_id(self) -> str:
        return f"{self.process_id}.{new_id()}"

    def registry(self) -> ProcessRegistry:
        store = services().store
        return ProcessRegistry(store.redis, store.retention_seconds)

    def holding(self, meeting_id: str) -> None:
        """Before a widget's connection is recorded: make sure a death here would be noticed."""
        if not self.running:
            self.registry().beat(self.process_id, now_ms())
            self.running = True
            socketio.start_background_task(self._run)
            atexit.register(self._fall_silent)
        self.registry().note_meeting(self.process_id, meeting_id)

    def _run(self) -> None:
        while True:
            with self.app.app_context():
                self.beat_and_sweep()
            socketio.sleep(self.interval_seconds)

    def beat_and_sweep(self) -> None:
        now = now_ms()
        try:
            registry = self.registry()
            registry.beat(self.process_id, now)
            for silent in registry.silent_since(now - self.timeout_ms):
                if silent.process_id != self.process_id:
                    self._sweep(silent, now)
                    registry.forget(silent.process_id)
        except StoreUnavailable:
            self.store_unreachable()

    def store_unreachable(self) -> None:
        """An external Redis is its operator's to restart; the embedded one is ours."""
        embedded = services().embedded
        if embedded is not None and embedded.revive():
            log.warning("liveness.embedded_redis_restarted")

    def _sweep(self, silent: SilentProcess, now: int) -> None:
        arguments = {"prefix": f"{silent.process_id}."}
        for meeting_id in silent.meeting_ids:
            try:
                meeting = commit(
                    meeting_id, Command("drop_connections", SERVER_ACTOR, now, arguments)
                ).meeting
            except Rejected:
                continue  # nothing of that process left there, or the meeting is gone
            broadcast_change(meeting)
            log.info("liveness.swept", extra={"meeting_id": meeting_id})

    def _fall_silent(self) -> None:
        """On a clean exit, let the other processes (or our successor) sweep us at once."""
        with contextlib.suppress(Exception), self.app.app_context():
            self.registry().beat(self.process_id, 0)


def liveness() -> Liveness:
    return current_app.extensions["companion.liveness"]
