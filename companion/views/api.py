"""The JSON API for a set's life: create a set with its first meeting, start its next meetings,
its history, the invite (replaced, or as a QR code), deleting a meeting or a set. Who is in the
set, and a person's own data, are in ``views.membership``; who may call what, in
``views.access``.
"""

from __future__ import annotations

import segno
from flask import Blueprint, Response, jsonify

from companion.domain import roster
from companion.domain.errors import Rejected
from companion.domain.model import Admission, LearningSet
from companion.domain.past_meetings import past_of_set
from companion.guards.limits import limited_per_address
from companion.identity.links import invite_url, link, links_for
from companion.identity.tokens import Credential
from companion.logs import get_logger
from companion.schemas import CreateSetSchema, FacilitatedSetsSchema
from companion.services import services
from companion.store import MeetingStillOpen, SetNotFound
from companion.views.access import (
    facilitator_of,
    json_body,
    readable_credential,
    standing_member,
    teams_identity,
)
from realtime.broadcast import (
    send_links,
    send_meeting_deleted,
    send_meeting_moved,
    send_stage_closed,
)

blueprint = Blueprint("api", __name__, url_prefix="/api")
log = get_logger("api")
# The invite as the QR code carries it: the lobby then tells facilitators how someone came.
QR_ARRIVAL = "via=qr"
LINKS_REPLACED_TEXT = "The set's links were replaced. Open the stage view again from the widget."


@blueprint.post("/sets")
@limited_per_address
def create_set() -> tuple[Response, int]:
    """A facilitator creates a set and starts its first meeting; returns both links. Inside Teams
    their verified identity, when given, is bound to them from the start."""
    form = CreateSetSchema().load(json_body())
    identity = teams_identity(form["teams_token"]) if form["teams_token"] else None
    store, signer = services().store, services().signer
    learning_set, _, founder_id = store.create_set(
        form["set_name"],
        form["facilitator_name"],
        form["expected_members"],
        admission=Admission(form["admission"]),
        identity=identity,
    )
    meeting = store.start_meeting(learning_set.id)
    facilitator_token = signer.participant_token(Credential(learning_set.id, founder_id))
    invite_token = signer.invite_token(learning_set.id, learning_set.invite_generation)
    log.info("set.created", extra={"set_id": learning_set.id, "meeting_id": meeting.id})
    return jsonify(
        set_id=learning_set.id,
        meeting_id=meeting.id,
        participant_id=founder_id,
        facilitator_token=facilitator_token,
        facilitator_url=link("pages.widget", facilitator_token),
        invite_token=invite_token,
        invite_url=link("pages.join", invite_token),
    ), 201


@blueprint.post("/facilitated-sets")
@limited_per_address
def facilitated_sets() -> tuple[Response, int]:
    """Of the links a device holds (or one pasted), the sets whose facilitator they are, each with
    its member invite link: what a Teams tab is set up with. Other links are left out unsaid."""
    form = FacilitatedSetsSchema().load(json_body())
    found: dict[str, dict[str, str]] = {}
    for token in form["participant_tokens"]:
        learning_set = _facilitated_set(token)
        if learning_set is not None and learning_set.id not in found:
            found[learning_set.id] = {
                "set_id": learning_set.id,
                "set_name": learning_set.name,
                "invite_url": invite_url(learning_set),
            }
    return jsonify(sets=list(found.values())), 200


def _facilitated_set(token: str) -> LearningSet | None:
    credential = readable_credential(token)
    if credential is None:
        return None
    try:
        kept = services().store.load_roster(credential.set_id)
        learning_set = services().store.load_set(credential.set_id)
    except SetNotFound:
        return None
    person = kept.entries.get(credential.participant_id)
    return learning_set if roster.facilitates(person) else None


@blueprint.post("/sets/<set_id>/meetings")
def start_meeting(set_id: str) -> tuple[Response, int]:
    """A facilitator starts the set's next meeting, once the last one has ended. Everyone's links
    lead to it from then on; widgets still open on the ended one are told to move over."""
    facilitator_of(set_id)
    previous = services().store.load_set(set_id).current_meeting_id
    try:
        meeting = services().store.start_meeting(set_id)
    except MeetingStillOpen as error:
        message = "End the current meeting before starting the next."
        raise Rejected("meeting_open", message) from error
    if previous is not None:
        send_meeting_moved(previous, meeting.id)
    log.info("meeting.started", extra={"set_id": set_id, "meeting_id": meeting.id})
    return jsonify(set_id=set_id, meeting_id=meeting.id), 201


@blueprint.delete("/meetings/<meeting_id>")
def delete_meeting(meeting_id: str) -> tuple[str, int]:
    """A facilitator deletes one meeting's record; its open widgets are told once it is gone."""
    kept, _ = facilitator_of()
    deleted = services().store.delete_meeting(meeting_id, set_id=kept.set_id)
    send_meeting_deleted(meeting_id, deleted.version)
    log.info("meeting.deleted", extra={"set_id": kept.set_id, "meeting_id": meeting_id})
    return "", 204


@blueprint.delete("/sets/<set_id>")
def delete_set(set_id: str) -> tuple[str, int]:
    """A facilitator deletes their set and all its meetings; every open widget is told."""
    facilitator_of(set_id)
    deleted = services().store.delete_set(set_id)
    for meeting_id, version in deleted.items():
        send_meeting_deleted(meeting_id, version)
    log.info("set.deleted", extra={"set_id": set_id, "meeting_ids": sorted(deleted)})
    return "", 204


@blueprint.get("/sets/<set_id>/history")
def history(set_id: str) -> Response:
    """The set's meetings, newest first, each with who attended, its presenters (if the set keeps
    them) and its summary once it has ended; the actions across them; and the caller's own private
    learnings: for the people active in the set only. Read-only, and never cached, as it holds
    what is private to the caller."""
    kept, person = standing_member(set_id)
    learning_set = services().store.load_set(set_id)
    meetings = services().store.meetings_of(set_id)
    response = jsonify(
        set_name=learning_set.name, **past_of_set(learning_set, meetings, kept, person.id)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/sets/<set_id>/invite")
def replace_invite(set_id: str) -> tuple[Response, int]:
    """A facilitator replaces the member invite link, say after it leaked: every earlier invite
    stops admitting anyone at once, and so does every stage link, whose views close. The
    facilitators' open widgets get the new links."""
    kept, _ = facilitator_of(set_id)
    learning_set = services().store.replace_invite(set_id)
    invite = invite_url(learning_set)
    if learning_set.current_meeting_id is not None:
        meeting_id = learning_set.current_meeting_id
        send_links(kept, meeting_id, lambda person: links_for(person, learning_set))
        send_stage_closed(meeting_id, None, LINKS_REPLACED_TEXT)
    log.info("invite.replaced", extra={"set_id": set_id})
    response = jsonify(invite_url=invite, invite_token=invite.split("#", 1)[1])
    response.headers["Cache-Control"] = "no-store"
    return response, 200


@blueprint.get("/sets/<set_id>/invite-qr")
def invite_qr(set_id: str) -> Response:
    """The member invite link as a QR code, for a facilitator to put on a shared screen so people
    sitting together join from their phones. Each call signs a fresh invite, as the welcome does;
    its link says it came by QR code, which the lobby shows the facilitators."""
    facilitator_of(set_id)
    learning_set = services().store.load_set(set_id)
    address, _, token = invite_url(learning_set).partition("#")
    invite = f"{address}?{QR_ARRIVAL}#{token}"
    log.info("invite.qr_shown", extra={"set_id": set_id})
    response = jsonify(set_name=learning_set.name, invite_url=invite, qr=qr_data_uri(invite))
    response.headers["Cache-Control"] = "no-store"  # it holds an invite: keep it out of caches
    return response


def qr_data_uri(text: str) -> str:
    """An SVG data URI, which the page's CSP (``img-src 'self' data:``) allows and which stays
    sharp at any size. Black on white with the standard quiet zone of 4 modules, in every theme,
    because that is what phone cameras look for. Error correction M: a screen is never torn or
    smudged, and more redundancy would mean more, smaller modules, harder to read from the back of
    the room; segno raises the level by itself when that costs no extra modules."""
    code = segno.make(text, error="m", micro=False)
    return code.svg_data_uri(dark="#000", light="#fff", border=4, omitsize=True)
