"""Structured logs: one JSON object a line, carrying ids and codes but never meeting content.

Callers pass only identifiers (meeting, set and request ids) and codes. Names, issue titles,
actions and learnings must never be handed to the logger.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from typing import Any

from flask import Flask, Response, g, has_app_context, request

LOGGER_NAME = "companion"
_STANDARD_ATTRIBUTES = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(time.time(), 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRIBUTES})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# A proxy's request id (nginx's $request_id, say) is kept when it looks like one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdFilter(logging.Filter):
    """Every line logged while handling an HTTP request or a Socket.IO event carries that
    request's id, so one request's lines can be followed through. A Socket.IO event gets a fresh
    id of its own, never one tied to the connection: a signal's lines must not be linkable to
    the lines of whoever sent it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_app_context():
            record.request_id = current_request_id()
        return True


def current_request_id() -> str:
    if "request_id" not in g:
        g.request_id = secrets.token_hex(8)
    return g.request_id


def init_app(app: Flask) -> None:
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(app.config["LOG_LEVEL"])
    if not any(getattr(h, "_companion", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        handler._companion = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False

    @app.before_request
    def take_request_id() -> None:
        offered = request.headers.get("X-Request-ID", "")
        g.request_id = offered if _REQUEST_ID.fullmatch(offered) else secrets.token_hex(8)

    @app.after_request
    def tell_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = current_request_id()
        return response


class ServerErrorLog:
    """Where gevent's WSGI server writes what it has to say about a connection (a client's bytes
    after its WebSocket closed, a malformed request line): one JSON line with a code, never the
    text, which carries whatever the client sent."""

    def write(self, text: str) -> None:
        if text.strip():
            get_logger("wsgi").info("wsgi.connection_error")

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Nothing is buffered."""


def get_logger(area: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{area}")
