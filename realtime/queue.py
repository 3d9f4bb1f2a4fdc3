"""The Socket.IO message queue on the meeting's Redis, quick to recover after an outage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import orjson
import socketio

from companion import metrics
from companion.store.connection import queue_client
from realtime import wire_json
from realtime.sent_views import SentViews
from realtime.wire_packet import WirePacket

CHANNEL = "companion-socketio"
# Messages after which the sockets they reached are closed by the server, on every process: a
# removed person, someone turned away from the lobby, someone who deleted their data, a deleted
# meeting, a stage view whose link no longer works. Their widgets close themselves on reading it,
# but a client that ignores it must not go on hearing the set.
CLOSING_EVENTS = frozenset({"removed", "declined", "meeting_deleted", "stage_closed"})
# python-socketio doubles its wait after each failed resubscribe, up to 60 s. For a live meeting
# that is far too long to stay deaf once Redis is back, so we wait at most this long.
RESUBSCRIBE_MAX_SECONDS = 1.0


class QueueJSON:
    """How messages between server processes are written and read. Every process reads every
    snapshot that crosses the queue, and the standard library's reader took several times as long
    as orjson's. Only our own processes write to the queue, and never an integer past 64 bits, so
    what it reads needs none of the guards ``wire_json`` keeps for what clients send."""

    dumps = staticmethod(wire_json.dumps)
    loads = staticmethod(orjson.loads)


class MeetingQueue(socketio.RedisManager):
    """A RedisManager whose listener retries every second while Redis is away, and which keeps
    the process's latest view of each meeting following what every process broadcasts."""

    def __init__(self, url: str, sent_views: SentViews | None = None) -> None:
        super().__init__(url, channel=CHANNEL, json=QueueJSON)
        self.sent_views = sent_views or SentViews()

    def set_server(self, server: socketio.Server) -> None:
        """The library hands its manager the server's JSON module here; ours stays."""
        super().set_server(server)
        self.json = QueueJSON

    def emit(  # type: ignore[override]
        self,
        event: str,
        data: Any,
        namespace: str | None = None,
        room: str | None = None,
        skip_sid: str | list[str] | None = None,
        callback: Any = None,
        to: str | None = None,
        **kwargs: Any,
    ) -> None:
        """The library's own emit, but for the look for bytes in what is sent: it walks every
        value of a snapshot in Python, which took longer than the whole rest of the emit
        (``WirePacket``). Anything but a plain message to the queue, or one holding bytes, still
        goes the library's way."""
        plain = callback is None and not kwargs.get("ignore_queue") and not isinstance(data, tuple)
        if not plain or WirePacket.data_is_binary([data]):
            return super().emit(event, data, namespace, room, skip_sid, callback, to, **kwargs)
        message = self.envelope(event, data, to or room, namespace, skip_sid)
        self._handle_emit(message)
        self._publish(message)
        return None

    def envelope(
        self,
        event: str,
        data: Any,
        room: str | None,
        namespace: str | None = None,
        skip_sid: str | list[str] | None = None,
    ) -> dict[str, Any]:
        """A plain emit as it crosses the queue (``data`` holding no bytes): what ``emit`` sends,
        and what a meeting's write publishes itself (``published_with_the_write``)."""
        return {
            "method": "emit",
            "event": event,
            "data": [data],
            "binary": False,
            "namespace": namespace or "/",
            "room": room,
            "skip_sid": skip_sid,
            "callback": None,
            "host_id": self.host_id,
            "sent_at": time.time(),  # for the other processes' queue lag (companion.metrics)
        }

    def published_with_the_write(self, message: dict[str, Any]) -> tuple[str, bytes]:
        """The channel and text for a write to publish ``message`` itself: the other processes
        hear it as if ``emit`` had sent it. This one delivers it with ``deliver_here``."""
        return self.channel, orjson.dumps(message)

    def deliver_here(self, message: dict[str, Any]) -> None:
        """To this process's widgets in the message's room, as every process does on hearing it."""
        self._handle_emit(message)

    def _handle_emit(self, message: dict[str, Any]) -> None:
        """Every process hears every emit here, the sending one included; after a closing
        message, each disconnects its own sockets in the room it went to. A meeting's patch or
        snapshot moves on the view this process keeps of it (``sent_views``)."""
        if message.get("host_id") != self.host_id:  # from another process: how long it took
            metrics.queue_message_arrived(message.get("sent_at"))
        super()._handle_emit(message)
        room = message.get("room")
        if isinstance(data := message.get("data"), list) and len(data) == 1:
            self.sent_views.heard(message.get("event", ""), room, data[0])
        if message.get("event") in CLOSING_EVENTS and isinstance(room, str):
            namespace = message.get("namespace") or "/"
            for sid, _ in list(self.get_participants(namespace, room)):
                self.server.disconnect(sid, namespace=namespace)

    def _redis_connect(self) -> None:
        """Our pool, which waits for a free connection instead of refusing a publish. Called
        again on each resubscribe: behind a Sentinel address, it then lands on the new primary."""
        self.redis = queue_client(self.redis_url)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True

    def _redis_listen_with_retries(self) -> Iterator[Any]:
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    metrics.QUEUE_HEALTH.succeeded()
                yield from self.pubsub.listen()
            except Exception as error:  # the library's own loop catches everything here too
                metrics.QUEUE_HEALTH.failed()
                # Redis may come back without its latest writes (a failover to a replica that
                # lagged): no patch may build on a version it lost, so each meeting's next change
                # goes whole (realtime.sent_views).
                self.sent_views.forget_all()
                self._get_logger().warning(
                    "message queue unreachable; resubscribing", extra={"reason": str(error)}
                )
                subscribed = False
                time.sleep(RESUBSCRIBE_MAX_SECONDS)
