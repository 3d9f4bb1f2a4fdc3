"""The JSON that Socket.IO messages are read and written with.

Engine.IO's own reader drops a message holding an integer of over 100 digits, with no answer and a
traceback on stderr. Read as infinity instead, the number reaches the command's schema, which
refuses it like any other bad value: the sender gets ``invalid_input`` and the log stays clean.

A message nested too deeply for Python's json (some thousand levels) met the same fate, and lost
its acknowledgement id with it. It is not parsed at all: an event reads as its name followed by a
``TooDeep`` in place of its arguments, and a connection's auth as a ``TooDeep``, which the
handlers answer with ``invalid_input`` (``companion/guards/payloads.py`` sets the depth).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from companion.guards.payloads import TOO_DEEP_MESSAGE, json_text, nested_deeper_than

MAX_DIGITS = 100
# An event's array opens with its name, a JSON string. One that does not is given a name no
# handler has, so the catch-all handler answers it.
_EVENT_NAME = re.compile(r'[ \t\n\r]*\[[ \t\n\r]*("[^"\\]*(?:\\.[^"\\]*)*")')
UNNAMED_EVENT = "\x00unnamed"


class TooDeep:
    """Stands in for a message's arguments nested too deeply to read. Never a dict or a list, so
    no schema or handler can take it for a payload."""

    code = "invalid_input"
    message = TOO_DEEP_MESSAGE

    def as_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


def too_deep_answer(*arguments: Any) -> dict[str, str] | None:
    """The handlers' answer to a message that came with a ``TooDeep``, if it did."""
    for argument in arguments:
        if isinstance(argument, TooDeep):
            return argument.as_dict()
    return None


def _integer(text: str) -> int | float:
    return int(text) if len(text) <= MAX_DIGITS else float("inf")


def loads(text: str | bytes, **options: Any) -> Any:
    """Engine.IO calls this too, on any of its packets not starting with a digit; a stand-in
    there is harmless (a client's ping data is never echoed; a stray message is Socket.IO's
    unknown packet, as ``4[1]`` is)."""
    document = json_text(text)
    if nested_deeper_than(document):
        return _stand_in(document)
    return json.loads(document, parse_int=_integer, **options)


def _stand_in(document: str) -> Any:
    """Socket.IO reads an event as ``[name, *arguments]``: keeping the name lets the event's own
    handler answer, under its acknowledgement id. Anything else (a CONNECT's auth) is a TooDeep."""
    if not document.lstrip(" \t\n\r").startswith("["):
        return TooDeep()
    return [_event_name(document), TooDeep()]


def _event_name(document: str) -> str:
    named = _EVENT_NAME.match(document)
    try:
        return json.loads(named.group(1)) if named else UNNAMED_EVENT
    except ValueError:  # an escape JSON does not know
        return UNNAMED_EVENT


def dumps(value: Any, **options: Any) -> str:
    """Compact, as Socket.IO asks. orjson, since every snapshot is written this way; the standard
    module for what orjson refuses (integers past 64 bits, which only a client would send: this
    module is Socket.IO's for the whole process, its clients in tests included)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, **options)
