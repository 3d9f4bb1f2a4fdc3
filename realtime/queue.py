"""The Socket.IO message queue on the meeting's Redis, quick to recover after an outage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import socketio

CHANNEL = "companion-socketio"
# python-socketio doubles its wait after each failed resubscribe, up to 60 s. For a live meeting
# that is far too long to stay deaf once Redis is back, so we wait at most this long.
RESUBSCRIBE_MAX_SECONDS = 1.0


class MeetingQueue(socketio.RedisManager):
    """A RedisManager whose listener retries every second while Redis is away."""

    def __init__(self, url: str) -> None:
        super().__init__(url, channel=CHANNEL)

    def _redis_listen_with_retries(self) -> Iterator[Any]:
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                yield from self.pubsub.listen()
            except Exception as error:  # the library's own loop catches everything here too
                self._get_logger().warning(
                    "message queue unreachable; resubscribing", extra={"reason": str(error)}
                )
                subscribed = False
                time.sleep(RESUBSCRIBE_MAX_SECONDS)
