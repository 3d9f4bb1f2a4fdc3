"""The JSON that Socket.IO messages are read and written with.

Engine.IO's own reader drops a message holding an integer of over 100 digits, with no answer and a
traceback on stderr. Read as infinity instead, the number reaches the command's schema, which
refuses it like any other bad value: the sender gets ``invalid_input`` and the log stays clean.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DIGITS = 100


def _integer(text: str) -> int | float:
    return int(text) if len(text) <= MAX_DIGITS else float("inf")


def loads(text: str | bytes, **options: Any) -> Any:
    return json.loads(text, parse_int=_integer, **options)


def dumps(value: Any, **options: Any) -> str:
    return json.dumps(value, **options)
