"""The Socket.IO packet our server writes: the library's own, with a quicker look for bytes."""

from __future__ import annotations

from typing import Any

import orjson
from socketio import packet


class WirePacket(packet.Packet):
    """Socket.IO checks every message it sends for bytes (which travel as attachments) by walking
    each value of it in Python. A snapshot holds several hundred values, so on every change that
    walk cost more than encoding the whole snapshot (docs/performance.md). orjson refuses bytes,
    so a message it can encode holds none; whatever it refuses is walked as before."""

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        try:
            orjson.dumps(data)
        except TypeError:
            return packet.Packet.data_is_binary(data)
        return False
