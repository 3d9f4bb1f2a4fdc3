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

from companion.domain import signals
from companion.domain.model import Meeting
from companion.store import keys

SECRET_BYTES = 32
TAG_HEX_CHARS = 32  # 128 bits: no two senders' keys ever collide in practice


@dataclass(frozen=True)
class SignalSender:
    """Who is sending which kind. Used for one write, then forgotten."""

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

    def claim(self, meeting: Meeting, sender: SignalSender, secret: str | None) -> Claim:
        """The claim ``sender``'s signal makes, given the meeting's secret as read (None: the
        meeting has none yet, and this signal creates it). The store's one checked write refuses
        the signal while the claim exists, and writes it, and a new secret, with the signal, only
        if the secret still is what was read (``companion.store.checked_write``)."""
        new_secret = None if secret is not None else secrets.token_hex(SECRET_BYTES)
        claim_key = keys.signal_claim(meeting.id, self._tag(meeting, sender, secret or new_secret))
        ttl_ms = meeting.settings.signal_window_seconds * 1000
        return Claim(claim_key, ttl_ms, keys.signal_secret(meeting.id), new_secret)

    def _tag(self, meeting: Meeting, sender: SignalSender, meeting_secret: str) -> str:
        meeting_key = hmac.new(self._app_key, meeting_secret.encode(), hashlib.sha256).digest()
        round_ = signals.round_of(meeting, sender.kind)
        message = f"{sender.participant_id}\0{sender.kind}\0{round_}".encode()
        return hmac.new(meeting_key, message, hashlib.sha256).hexdigest()[:TAG_HEX_CHARS]
