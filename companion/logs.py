"""Structured logs: one JSON object a line, carrying ids and codes but never meeting content.

Callers pass only identifiers (meeting, set and request ids) and codes. Names, issue titles,
actions and learnings must never be handed to the logger.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from flask import Flask

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


def init_app(app: Flask) -> None:
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(app.config["LOG_LEVEL"])
    if not any(getattr(h, "_companion", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._companion = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False


def get_logger(area: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{area}")
