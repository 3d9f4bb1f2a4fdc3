"""Rejections are data: a stable code the client can switch on and a sentence a person can read."""

from __future__ import annotations


class Rejected(Exception):
    """Raised by a rule that refuses a command; the meeting state is left as it was."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}
