"""Who is calling the API, and where they stand: the pieces every endpoint checks first.

A token only says who its bearer is; the set's roster says whether they still belong and what they
may do. The body is read here too, so every endpoint refuses a bad one the same way.
"""

from __future__ import annotations

from typing import Any

from flask import request

from companion.clock import now_ms
from companion.domain import roster
from companion.domain.errors import Rejected
from companion.domain.model import Identity, LearningSet, Meeting, Phase, Roster, RosterEntry
from companion.guards.payloads import parsed_json, request_body
from companion.identity.hosts import public_base_url
from companion.identity.teams_sign_in import Identity as TeamsUser
from companion.identity.teams_sign_in import require_sign_in
from companion.identity.tokens import Credential
from companion.services import services
from companion.store import MeetingNotFound, SetNotFound


def json_body(optional: bool = False) -> Any:
    """The body as JSON; with ``optional``, an empty body reads as an empty object. Its size and
    depth are bounded before it is parsed (``guards.payloads``): ``413`` and ``invalid_input``."""
    body = request_body()
    if optional and not body:
        return {}
    parsed = parsed_json(body) if request.is_json else None
    if parsed is None:
        raise Rejected("invalid_input", "Send a JSON object with Content-Type: application/json.")
    return parsed


def bearer_credential() -> Credential:
    """Who ``Authorization: Bearer <participant token>`` says the caller is."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return services().signer.read_participant(token.strip() if scheme.lower() == "bearer" else "")


def readable_credential(token: str) -> Credential | None:
    """A remembered link may have expired or come from another server: such links are skipped."""
    try:
        return services().signer.read_participant(token)
    except Rejected:
        return None


def standing_member(set_id: str | None = None) -> tuple[Roster, RosterEntry]:
    """The bearer, who must be active in their set now. With ``set_id``, another set's id is
    simply not found: nothing is learned about other sets."""
    credential = bearer_credential()
    if set_id is not None and set_id != credential.set_id:
        raise SetNotFound(set_id)
    kept = services().store.load_roster(credential.set_id)
    person = kept.entries.get(credential.participant_id)
    return kept, roster.check_standing(person, now_ms())


def facilitator_of(set_id: str | None = None) -> tuple[Roster, RosterEntry]:
    """The bearer must facilitate their set now, as lead or co-facilitator: the roster decides,
    whatever role they had when their link was made."""
    kept, person = standing_member(set_id)
    if not roster.facilitates(person):
        raise Rejected("not_allowed", "Only a facilitator of this set can do that.")
    return kept, person


def verified_teams_user(token: str) -> TeamsUser:
    """Who a Teams sign-in token says its holder is, verified, with the name it carries; raises
    ``Rejected`` with the reason it is not believed, or ``teams_sign_in_off`` where sign-in is
    not set up."""
    return require_sign_in(services().teams_sign_in).verify(token, public_base_url())


def teams_identity(token: str) -> Identity:
    """The verified identity alone, as the roster keeps it."""
    verified = verified_teams_user(token)
    return Identity(tenant_id=verified.tenant_id, object_id=verified.object_id)


def current_meeting(learning_set: LearningSet) -> Meeting | None:
    """The meeting the set's links lead to, if it is still kept."""
    if learning_set.current_meeting_id is None:
        return None
    try:
        return services().store.load_meeting(learning_set.current_meeting_id)
    except MeetingNotFound:
        return None


def is_open(meeting: Meeting | None) -> bool:
    return meeting is not None and meeting.phase is not Phase.CLOSED
