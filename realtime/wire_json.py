"""The JSON that Socket.IO messages are read and written with.

Engine.IO's own reader drops a message holding an integer of over 100 digits, with no answer and a
traceback on stderr. Read as infinity instead, the number reaches the command's schema, which
refuses it like any other bad value: the sender gets ``invalid_input`` and the log stays clean.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

MAX_DIGITS = 100


def _integer(text: str) -> int | float:
    return int(text) if len(text) <= MAX_DIGITS else float("inf")


def loads(text: str | bytes, **options: Any) -> Any:
    return json.loads(text, parse_int=_integer, **options)


def dumps(value: Any, **options: Any) -> str:
    """Compact, as Socket.IO asks. orjson, since every snapshot is written this way; the standard
    module for what orjson refuses (integers past 64 bits, which only a client would send: this
    module is Socket.IO's for the whole process, its clients in tests included)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, **options)
