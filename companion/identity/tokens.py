"""Signed links. An invite admits anyone to a set; a participant token is one person's key; a
stage token opens the read-only stage view of a set's meeting, for a shared screen.

Each kind uses its own salt, so none can be passed off as another, and all expire.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from companion.domain.errors import Rejected

_INVITE_SALT = "companion.invite.v1"
_PARTICIPANT_SALT = "companion.participant.v1"
_STAGE_SALT = "companion.stage.v1"


@dataclass(frozen=True)
class Invite:
    """``generation`` is the set's invite generation when it was signed (0 for links signed
    before invites could be replaced); the set decides whether it still admits anyone."""

    set_id: str
    generation: int = 0


@dataclass(frozen=True)
class Credential:
    """Who a participant token says its bearer is: a person of a set. What they may do, and
    whether they still may, is the set's roster's to say (tokens signed before the roster
    existed also carry the role of that time, which is ignored)."""

    set_id: str
    participant_id: str


@dataclass(frozen=True)
class StageCredential:
    """What a stage link says: whose it is and the set's invite generation when it was signed.
    It shows only what every member sees, and only while that person stays active in the set
    and nobody has replaced the set's links (``domain.stage``)."""

    set_id: str
    participant_id: str
    generation: int


class TokenSigner:
    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        self.max_age_seconds = max_age_seconds
        self._invites = URLSafeTimedSerializer(secret_key, salt=_INVITE_SALT)
        self._participants = URLSafeTimedSerializer(secret_key, salt=_PARTICIPANT_SALT)
        self._stages = URLSafeTimedSerializer(secret_key, salt=_STAGE_SALT)

    def invite_token(self, set_id: str, generation: int) -> str:
        return self._invites.dumps({"s": set_id, "g": generation})

    def participant_token(self, credential: Credential) -> str:
        return self._participants.dumps({"s": credential.set_id, "p": credential.participant_id})

    def stage_token(self, credential: StageCredential) -> str:
        data = {"s": credential.set_id, "p": credential.participant_id, "g": credential.generation}
        return self._stages.dumps(data)

    def read_invite(self, token: str) -> Invite:
        data = self._load(self._invites, token, "invite")
        return Invite(set_id=data["s"], generation=int(data.get("g", 0)))

    def read_participant(self, token: str) -> Credential:
        data = self._load(self._participants, token, "participant")
        return Credential(set_id=data["s"], participant_id=data["p"])

    def read_stage(self, token: object) -> StageCredential:
        data = self._load(self._stages, token, "stage")
        return StageCredential(data["s"], data["p"], int(data["g"]))

    def _load(self, serializer: URLSafeTimedSerializer, token: object, kind: str) -> dict:
        if not isinstance(token, str) or not token:
            raise Rejected("token_missing", f"A {kind} link is needed to continue.")
        try:
            return serializer.loads(token, max_age=self.max_age_seconds)
        except SignatureExpired as error:
            raise Rejected(
                "token_expired", f"This {kind} link has expired; ask for a new one."
            ) from error
        except BadSignature as error:
            raise Rejected("token_invalid", f"This {kind} link is not valid.") from error
