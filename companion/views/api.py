"""The JSON API: create a set with its first meeting, join it from an invite, start its next
meetings; a member's own notes and the set's history; the invite as a QR code; deleting a
meeting, a set, or one's data."""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, Response, jsonify, request

from companion.domain import notes
from companion.domain.errors import Rejected
from companion.domain.model import FACILITATION, LearningSet, Meeting, Role
from companion.domain.sets import check_invite
from companion.domain.summary import summary
from companion.guards.limits import limited_per_address
from companion.identity.links import invite_url, link
from companion.identity.tokens import Credential
from companion.logs import get_logger
from companion.schemas import CreateSetSchema, FacilitatedSetsSchema, JoinSchema, RejoinSchema
from companion.services import services
from companion.store import MeetingNotFound, MeetingStillOpen, SetNotFound
from realtime.broadcast import (
    broadcast_snapshot,
    send_links,
    send_meeting_deleted,
    send_meeting_moved,
    send_removed,
)

blueprint = Blueprint("api", __name__, url_prefix="/api")
log = get_logger("api")


def _json_body() -> Any:
    body = request.get_json(silent=True)
    if body is None:
        raise Rejected("invalid_input", "Send a JSON object with Content-Type: application/json.")
    return body


@blueprint.post("/sets")
@limited_per_address
def create_set() -> tuple[Response, int]:
    """A facilitator creates a set and starts its first meeting; returns both links."""
    form = CreateSetSchema().load(_json_body())
    store, signer = services().store, services().signer
    learning_set, facilitator = store.create_set(
        form["set_name"], form["facilitator_name"], form["expected_members"]
    )
    meeting = store.start_meeting(learning_set.id)
    facilitator_token = signer.participant_token(
        Credential(learning_set.id, facilitator.id, Role.FACILITATOR)
    )
    invite_token = signer.invite_token(learning_set.id, learning_set.invite_generation)
    log.info("set.created", extra={"set_id": learning_set.id, "meeting_id": meeting.id})
    return jsonify(
        set_id=learning_set.id,
        meeting_id=meeting.id,
        participant_id=facilitator.id,
        facilitator_token=facilitator_token,
        facilitator_url=link("pages.widget", facilitator_token),
        invite_token=invite_token,
        invite_url=link("pages.join", invite_token),
    ), 201


@blueprint.post("/join")
@limited_per_address
def join() -> tuple[Response, int]:
    """Someone with the invite link joins the set under a display name; returns their own link."""
    form = JoinSchema().load(_json_body())
    store, signer = services().store, services().signer
    invite = signer.read_invite(form["invite_token"])
    member = store.add_member(
        invite.set_id, form["display_name"], invite_generation=invite.generation
    )
    token = signer.participant_token(Credential(invite.set_id, member.id, member.role))
    log.info("set.joined", extra={"set_id": invite.set_id})
    return jsonify(
        set_id=invite.set_id,
        participant_id=member.id,
        participant_token=token,
        widget_url=link("pages.widget", token),
    ), 201


@blueprint.post("/rejoin")
@limited_per_address
def rejoin() -> tuple[Response, int]:
    """An invite opened on a device that already holds someone's link to that set: answers that
    person's own link, so they come back as themselves instead of joining twice."""
    form = RejoinSchema().load(_json_body())
    store, signer = services().store, services().signer
    invite = signer.read_invite(form["invite_token"])
    learning_set = store.load_set(invite.set_id)
    check_invite(learning_set, invite.generation)
    members = learning_set.members
    for token in form["participant_tokens"]:
        credential = _readable_credential(token)
        member = members.get(credential.participant_id) if credential else None
        if credential and credential.set_id == invite.set_id and member is not None:
            return jsonify(
                set_id=invite.set_id,
                participant_id=member.id,
                display_name=member.name,
                participant_token=token,
                widget_url=link("pages.widget", token),
            ), 200
    raise Rejected("not_recognised", "This device holds no link to this set.")


@blueprint.post("/facilitated-sets")
@limited_per_address
def facilitated_sets() -> tuple[Response, int]:
    """Of the links a device holds (or one pasted), the sets whose facilitator they are, each with
    its member invite link: what a Teams tab is set up with. Other links are left out unsaid."""
    form = FacilitatedSetsSchema().load(_json_body())
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
    credential = _readable_credential(token)
    if credential is None:
        return None
    try:
        learning_set = services().store.load_set(credential.set_id)
    except SetNotFound:
        return None
    member = learning_set.members.get(credential.participant_id)
    return learning_set if member is not None and member.role in FACILITATION else None


def _readable_credential(token: str) -> Credential | None:
    """A remembered link may have expired or come from another server: such links are skipped."""
    try:
        return services().signer.read_participant(token)
    except Rejected:
        return None


def _bearer_token() -> str:
    """The participant token from ``Authorization: Bearer <token>``; empty when absent."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _set_facilitator(set_id: str | None = None) -> Credential:
    """The bearer must facilitate their set now: the set's record decides, since a token keeps
    the role it was issued with. With ``set_id``, another set's id is simply not found."""
    credential = services().signer.read_participant(_bearer_token())
    if set_id is not None and set_id != credential.set_id:
        raise SetNotFound(set_id)  # another set: say nothing about whether it exists
    learning_set = services().store.load_set(credential.set_id)
    member = learning_set.members.get(credential.participant_id)
    if member is None or member.role not in FACILITATION:
        raise Rejected("not_allowed", "Only a facilitator of this set can do that.")
    return credential


@blueprint.post("/sets/<set_id>/meetings")
def start_meeting(set_id: str) -> tuple[Response, int]:
    """A facilitator starts the set's next meeting, once the last one has ended. Everyone's links
    lead to it from then on; widgets still open on the ended one are told to move over."""
    _set_facilitator(set_id)
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
    credential = _set_facilitator()
    deleted = services().store.delete_meeting(meeting_id, set_id=credential.set_id)
    send_meeting_deleted(meeting_id, deleted.version)
    log.info("meeting.deleted", extra={"set_id": credential.set_id, "meeting_id": meeting_id})
    return "", 204


@blueprint.delete("/sets/<set_id>")
def delete_set(set_id: str) -> tuple[str, int]:
    """A facilitator deletes their set and all its meetings; every open widget is told."""
    _set_facilitator(set_id)
    deleted = services().store.delete_set(set_id)
    for meeting_id, version in deleted.items():
        send_meeting_deleted(meeting_id, version)
    log.info("set.deleted", extra={"set_id": set_id, "meeting_ids": sorted(deleted)})
    return "", 204


def _member() -> tuple[Credential, LearningSet]:
    """The bearer, who must still belong to their set."""
    credential = services().signer.read_participant(_bearer_token())
    learning_set = services().store.load_set(credential.set_id)
    if credential.participant_id not in learning_set.members:
        raise Rejected("not_a_member", "This link is no longer a member of the set.")
    return credential, learning_set


@blueprint.get("/me/notes.md")
def my_notes() -> Response:
    """The bearer's own actions and learnings, as a Markdown file to keep."""
    credential, learning_set = _member()
    meeting = _current_meeting(learning_set)
    text = notes.markdown(learning_set, meeting, credential.participant_id)
    response = Response(text, mimetype="text/markdown")
    response.headers["Content-Disposition"] = 'attachment; filename="my-als-notes.md"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.delete("/me")
def forget_me() -> tuple[str, int]:
    """The bearer deletes their own data from the set; their open widgets are told and closed."""
    credential, learning_set = _member()
    changed = services().store.forget_member(credential.set_id, credential.participant_id)
    for meeting in changed:
        send_removed(meeting, credential.participant_id, "Your data has been deleted.")
        if meeting.id == learning_set.current_meeting_id:
            broadcast_snapshot(meeting)
    log.info("member.forgotten", extra={"set_id": credential.set_id})
    return "", 204


@blueprint.get("/sets/<set_id>/history")
def history(set_id: str) -> Response:
    """The set's meetings, newest first, each with its summary once it has ended: for its
    members only."""
    credential, learning_set = _member()
    if credential.set_id != set_id:
        raise SetNotFound(set_id)
    meetings = services().store.meetings_of(set_id)
    return jsonify(
        set_name=learning_set.name,
        meetings=[
            {"id": m.id, "started_at": m.started_at, "phase": m.phase.value, "summary": summary(m)}
            for m in meetings
        ],
    )


@blueprint.post("/sets/<set_id>/invite")
def replace_invite(set_id: str) -> tuple[Response, int]:
    """A facilitator replaces the member invite link, say after it leaked: every earlier invite
    stops admitting anyone at once. The facilitators' open widgets get the new link."""
    _set_facilitator(set_id)
    learning_set = services().store.replace_invite(set_id)
    invite = invite_url(learning_set)
    meeting = _current_meeting(learning_set)
    if meeting is not None:
        send_links(meeting, {"invite_url": invite})
    log.info("invite.replaced", extra={"set_id": set_id})
    response = jsonify(invite_url=invite, invite_token=invite.split("#", 1)[1])
    response.headers["Cache-Control"] = "no-store"
    return response, 200


@blueprint.get("/sets/<set_id>/invite-qr")
def invite_qr(set_id: str) -> Response:
    """The member invite link as a QR code, for a facilitator to put on a shared screen so people
    sitting together join from their phones. Each call signs a fresh invite, as the welcome does."""
    learning_set = _facilitating_now(set_id)
    invite = invite_url(learning_set)
    log.info("invite.qr_shown", extra={"set_id": set_id})
    response = jsonify(set_name=learning_set.name, invite_url=invite, qr=_qr_data_uri(invite))
    response.headers["Cache-Control"] = "no-store"  # it holds an invite: keep it out of caches
    return response


def _facilitating_now(set_id: str) -> LearningSet:
    """The bearer facilitates the set's current meeting, as lead or co-facilitator: exactly the
    people whose widget the welcome hands the invite link to. Roles change within a meeting (a
    co-facilitator appointed, the lead handed over) and the set's record follows them; the
    meeting also knows who was removed from it; someone not in it yet has the set's role."""
    credential, learning_set = _member()
    if credential.set_id != set_id:
        raise SetNotFound(set_id)  # another set: say nothing about whether it exists
    meeting = _current_meeting(learning_set)
    present = meeting.participants.get(credential.participant_id) if meeting else None
    role = present.role if present else learning_set.members[credential.participant_id].role
    if role not in FACILITATION or (present is not None and present.removed):
        raise Rejected("not_allowed", "Only a facilitator of this set can do that.")
    return learning_set


def _qr_data_uri(text: str) -> str:
    """An SVG data URI, which the page's CSP (``img-src 'self' data:``) allows and which stays
    sharp at any size. Black on white with the standard quiet zone of 4 modules, in every theme,
    because that is what phone cameras look for. Error correction M: a screen is never torn or
    smudged, and more redundancy would mean more, smaller modules, harder to read from the back of
    the room; segno raises the level by itself when that costs no extra modules."""
    code = segno.make(text, error="m", micro=False)
    return code.svg_data_uri(dark="#000", light="#fff", border=4, omitsize=True)


def _current_meeting(learning_set: LearningSet) -> Meeting | None:
    if learning_set.current_meeting_id is None:
        return None
    try:
        return services().store.load_meeting(learning_set.current_meeting_id)
    except MeetingNotFound:
        return None
