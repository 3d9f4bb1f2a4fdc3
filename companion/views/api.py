"""The JSON API: create a set with its first meeting, and join a set from an invite."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from companion.domain.errors import Rejected
from companion.domain.model import Role
from companion.logs import get_logger
from companion.schemas import CreateSetSchema, JoinSchema
from companion.services import services
from companion.tokens import Credential

blueprint = Blueprint("api", __name__, url_prefix="/api")
log = get_logger("api")


def _json_body() -> Any:
    body = request.get_json(silent=True)
    if body is None:
        raise Rejected("invalid_input", "Send a JSON object with Content-Type: application/json.")
    return body


def _link(endpoint: str, token: str) -> str:
    """Tokens ride in the URL fragment, which browsers never send to the server or in a Referer."""
    return f"{url_for(endpoint, _external=True)}#{token}"


@blueprint.post("/sets")
def create_set() -> tuple[Response, int]:
    """A facilitator creates a set and starts its first meeting; returns both links."""
    form = CreateSetSchema().load(_json_body())
    store, signer = services().store, services().signer
    learning_set, facilitator = store.create_set(form["set_name"], form["facilitator_name"])
    meeting = store.start_meeting(learning_set.id)
    facilitator_token = signer.participant_token(
        Credential(learning_set.id, facilitator.id, Role.FACILITATOR)
    )
    invite_token = signer.invite_token(learning_set.id)
    log.info("set.created", extra={"set_id": learning_set.id, "meeting_id": meeting.id})
    return jsonify(
        set_id=learning_set.id,
        meeting_id=meeting.id,
        participant_id=facilitator.id,
        facilitator_token=facilitator_token,
        facilitator_url=_link("pages.widget", facilitator_token),
        invite_token=invite_token,
        invite_url=_link("pages.join", invite_token),
    ), 201


@blueprint.post("/join")
def join() -> tuple[Response, int]:
    """Someone with the invite link joins the set under a display name; returns their own link."""
    form = JoinSchema().load(_json_body())
    store, signer = services().store, services().signer
    invite = signer.read_invite(form["invite_token"])
    member = store.add_member(invite.set_id, form["display_name"])
    token = signer.participant_token(Credential(invite.set_id, member.id, member.role))
    log.info("set.joined", extra={"set_id": invite.set_id})
    return jsonify(
        set_id=invite.set_id,
        participant_id=member.id,
        participant_token=token,
        widget_url=_link("pages.widget", token),
    ), 201
