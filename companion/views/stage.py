"""The stage view: the meeting in large type for Teams' meeting stage or a hybrid room's big
screen. It has no controls, and its link (``/stage#<stage token>``) can change nothing: the
server refuses every command sent with it (``realtime.stage``).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from companion.identity.links import stage_url
from companion.logs import get_logger
from companion.services import services
from companion.views.access import standing_member
from companion.views.api import qr_data_uri

blueprint = Blueprint("stage", __name__)
log = get_logger("stage")


@blueprint.get("/stage")
def page() -> str:
    """The token arrives in the URL fragment, as the widget's does."""
    return render_template("stage.html")


@blueprint.get("/api/sets/<set_id>/stage")
def stage_link(set_id: str) -> Response:
    """A fresh stage link for anyone active in the set, with its QR code. A member gets one too:
    the view shows nothing they do not already see, and Teams opens the app on the stage for
    every person in the call, each with their own link (``static/views/stage_card.js``)."""
    _, person = standing_member(set_id)
    learning_set = services().store.load_set(set_id)
    address = stage_url(learning_set, person.id)
    log.info("stage.link_given", extra={"set_id": set_id})
    response = jsonify(set_name=learning_set.name, stage_url=address, qr=qr_data_uri(address))
    response.headers["Cache-Control"] = "no-store"  # it holds a link: keep it out of caches
    return response
