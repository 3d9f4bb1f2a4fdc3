"""What the server sends is encoded exactly as python-socketio's own packet would encode it.

``WirePacket`` only answers "does this message hold bytes?" more quickly than the library's walk
over every value (docs/performance.md); the answer, and so the packet on the wire, must not change.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from socketio import packet

from realtime import socketio, wire_json
from realtime.wire_packet import WirePacket

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.binary(max_size=8)
    | st.binary(max_size=8).map(bytearray)
)
MESSAGES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=8), children, max_size=5)
        | st.dictionaries(st.integers(), children, max_size=3)
    ),
    max_leaves=40,
)
# These strategies never touch the ``random`` module, but a Socket.IO client left reconnecting by
# an earlier test in the same process (its back-off jitter) can, in its own thread, while one is
# drawn; Hypothesis then warns as if they had. Only that warning is let pass.
BACKGROUND_RANDOM = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies"
)


@given(MESSAGES)
@BACKGROUND_RANDOM
def test_it_finds_bytes_exactly_where_the_library_does(data: Any) -> None:
    assert WirePacket.data_is_binary(data) is packet.Packet.data_is_binary(data)


@given(MESSAGES)
@BACKGROUND_RANDOM
def test_an_event_is_encoded_as_the_library_encodes_it(data: Any) -> None:
    ours = WirePacket(packet.EVENT, data=["snapshot", data])
    theirs = packet.Packet(packet.EVENT, data=["snapshot", data])
    assert ours.packet_type == theirs.packet_type
    assert _as_sent(ours) == _as_sent(theirs)


def test_a_message_with_bytes_still_travels_as_a_binary_event() -> None:
    sent = WirePacket(packet.EVENT, data=["file", {"name": "notes", "body": b"\x00\x01"}])
    assert sent.packet_type == packet.BINARY_EVENT
    header, attachment = sent.encode()
    assert header.startswith("51-") and attachment == b"\x00\x01"


def test_a_snapshot_sized_message_is_plain(app: Flask) -> None:
    snapshot = {"version": 7, "participants": [{"id": f"p{n}", "hand": None} for n in range(9)]}
    sent = WirePacket(packet.EVENT, data=["snapshot", snapshot])
    assert sent.packet_type == packet.EVENT
    assert sent.encode().startswith('2["snapshot",{"version":7,')


def test_the_server_writes_its_packets_with_it_and_our_json(app: Flask) -> None:
    assert socketio.server.packet_class is WirePacket
    assert WirePacket.json is wire_json


def _as_sent(sent: packet.Packet) -> Any:
    """Encoded with our JSON module, whichever class it is: only the search for bytes differs."""
    sent.json = wire_json
    return sent.encode()
