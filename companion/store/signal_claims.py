"""Each person's signal counts once per kind and window, yet nothing says whose it was.

A sender is remembered only as an opaque key, ``HMAC(meeting key, sender, kind, round)``, that lives
exactly as long as the signal counts. The meeting key mixes the app's secret key (never in Redis)
with a random per-meeting secret (in Redis, deleted when the meeting ends or is deleted). So:
- Redis alone cannot tell whose a key is: the app's secret key is not there;
- the app alone cannot either: the per-meeting secret is not in it;
- once the meeting ends, nobody can, ever: its secret is gone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import redis

from companion.domain import signals
from companion.domain.model import Meeting
from companion.store import keys

SECRET_BYTES = 32
TAG_HEX_CHARS = 32  # 128 bits: no two senders' keys ever collide in practice


@dataclass(frozen=True)
class SignalSender:
    """Who is sending which kind. Used inside one transaction, then forgotten."""

    participant_id: str
    kind: str


class SignalStillCounts(Exception):
    """This person's signal of this kind still counts; it can be sent again when it fades."""

    def __init__(self, remaining_ms: int) -> None:
        super().__init__(remaining_ms)
        self.remaining_ms = remaining_ms


@dataclass(frozen=True)
class Claim:
    """The opaque key to set, and for how long, if the signal is accepted."""

    key: str
    ttl_ms: int
    secret_key: str
    new_secret: str | None  # the meeting's first signal creates its secret


class SignalClaims:
    def __init__(self, app_key: bytes) -> None:
        self._app_key = app_key

    def check(self, pipe: redis.client.Pipeline, meeting: Meeting, sender: SignalSender) -> Claim:
        """Before MULTI: WATCH what the claim depends on, and refuse a signal that still counts."""
        secret_key = keys.signal_secret(meeting.id)
        pipe.watch(secret_key)
        secret = pipe.get(secret_key)
        new_secret = None if secret is not None else secrets.token_hex(SECRET_BYTES)
        claim_key = keys.signal_claim(meeting.id, self._tag(meeting, sender, secret or new_secret))
        pipe.watch(claim_key)
        remaining_ms = pipe.pttl(claim_key)
        if remaining_ms > 0:
            raise SignalStillCounts(remaining_ms)
        ttl_ms = meeting.settings.signal_window_seconds * 1000
        return Claim(claim_key, ttl_ms, secret_key, new_secret)

    def _tag(self, meeting: Meeting, sender: SignalSender, meeting_secret: str) -> str:
        meeting_key = hmac.new(self._app_key, meeting_secret.encode(), hashlib.sha256).digest()
        round_ = signals.round_of(meeting, sender.kind)
        message = f"{sender.participant_id}\0{sender.kind}\0{round_}".encode()
        return hmac.new(meeting_key, message, hashlib.sha256).hexdigest()[:TAG_HEX_CHARS]


def write_claim(pipe: redis.client.Pipeline, claim: Claim, retention_seconds: int) -> None:
    """Inside MULTI: the claim lasts as long as the signal counts; a new secret as the meeting."""
    pipe.set(claim.key, "1", px=claim.ttl_ms)
    if claim.new_secret is not None:
        pipe.set(claim.secret_key, claim.new_secret, ex=retention_seconds)
