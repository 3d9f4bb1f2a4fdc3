"""Every Redis key the app uses is named here, so docs/data.md has one place to check."""

from __future__ import annotations

PREFIX = "companion"


def learning_set(set_id: str) -> str:
    return f"{PREFIX}:set:{set_id}"


def meeting(meeting_id: str) -> str:
    return f"{PREFIX}:meeting:{meeting_id}"
