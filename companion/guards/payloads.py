"""How deep and how large a payload may be, checked before anything parses it.

Python's json reads nested lists and objects by recursing, so a document some thousand levels deep
raises ``RecursionError``, which no caller expects: an HTTP 500, or a Socket.IO frame dropped with
a traceback and no answer. Our deepest real payload is three levels, so a quick scan refuses
anything deeper than ``MAX_DEPTH`` first. An HTTP body is read only up to the configured size, a
chunked one included (werkzeug reads a chunked body under gevent's server as empty).
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import IO, Any

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from companion.domain.errors import Rejected

MAX_DEPTH = 32
TOO_DEEP_MESSAGE = (
    f"This is nested too deeply: lists and objects may be nested at most {MAX_DEPTH} levels."
)
# A JSON string, whose brackets are text, not nesting (an unterminated one runs to the end: the
# parser stops there anyway); then whatever is not a bracket.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_READ_SIZE = 16 * 1024


def nested_deeper_than(document: str, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and objects in ``document`` nest deeper than ``limit``. Nothing recurses:
    the brackets left once strings are taken out are summed by regular expressions and
    itertools, in C, so a 64 KiB body of brackets costs about 2 ms and an ordinary payload,
    with fewer brackets than the limit, is not scanned at all."""
    if document.count("[") + document.count("{") <= limit:
        return False
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", document))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


def json_text(document: str | bytes) -> str:
    """Bytes decoded as ``json.loads`` decodes them (UTF-8, -16 or -32), so the scan sees the
    same brackets the parser would."""
    if isinstance(document, str):
        return document
    return document.decode(json.detect_encoding(document), "surrogatepass")


def parsed_json(body: bytes) -> Any:
    """``body`` read as JSON, or ``None`` when it is not JSON; one nested too deeply is refused
    as ``invalid_input`` before the parser recurses into it."""
    try:
        document = json_text(body)
    except ValueError:
        return None
    if nested_deeper_than(document):
        raise Rejected("invalid_input", TOO_DEEP_MESSAGE)
    try:
        return json.loads(document)
    except ValueError:
        return None


def request_body() -> bytes:
    """The body, never more of it than ``MAX_CONTENT_LENGTH``. werkzeug refuses a Content-Length
    over it; a chunked body, whose length nobody knows beforehand, is read here, one byte past
    the limit at most, from the server's own stream (werkzeug would hand gevent's as empty)."""
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if request.content_length is not None or not chunked:
        return request.get_data(cache=True)
    return _read_at_most(request.environ["wsgi.input"], request.max_content_length)


def _read_at_most(stream: IO[bytes], limit: int | None) -> bytes:
    if limit is None:
        return stream.read()
    body = bytearray()
    while len(body) <= limit:
        piece = stream.read(min(_READ_SIZE, limit + 1 - len(body)))
        if not piece:
            return bytes(body)
        body += piece
    raise RequestEntityTooLarge()


def too_large_message() -> str:
    """What a ``413`` says: the limit in bytes, so a client knows how far to cut."""
    return (
        f"The request body is too large: this server accepts at most "
        f"{request.max_content_length} bytes."
    )
