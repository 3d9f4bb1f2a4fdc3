"""A replaced invite admits nobody at once, and the facilitators' open widgets get the new link;
roles given in a meeting are the set's too, so set-level actions follow them."""

from __future__ import annotations

from typing import Any

import requests

from tests.support import (
    ServerProcess,
    Widget,
    create_set,
    join_set,
    open_widget,
    send_accepted,
)


def replace_invite(server: ServerProcess, set_id: str, token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.post(f"{server.url}/api/sets/{set_id}/invite", headers=headers, timeout=5)


def join(server: ServerProcess, invite_token: str, name: str) -> requests.Response:
    body = {"invite_token": invite_token, "display_name": name}
    return requests.post(f"{server.url}/api/join", json=body, timeout=5)


def participant_id_of(widget: Widget) -> str:
    return widget.wait_for("welcome")["you"]["id"]


def test_a_replaced_invite_admits_nobody_and_facilitators_get_the_new_link(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    mo = join_set(live_server.url, created["invite_token"], "Mo")
    fay = open_widget(widgets, live_server, created["facilitator_token"], wait_for="welcome")
    mo_widget = open_widget(widgets, live_server, mo["participant_token"], wait_for="welcome")

    response = replace_invite(live_server, created["set_id"], created["facilitator_token"])
    assert response.status_code == 200
    new_url = response.json()["invite_url"]
    assert new_url.endswith(response.json()["invite_token"])

    links = fay.wait_for("links")
    assert links["type"] == "links" and set(links["links"]) == {"invite_url", "stage_url"}
    assert links["links"]["invite_url"] == new_url
    refused = join(live_server, created["invite_token"], "Zed")
    assert refused.status_code == 401 and refused.json()["error"] == "token_revoked"
    assert join(live_server, response.json()["invite_token"], "Ida").status_code == 201
    assert "links" not in mo_widget.received, "members never see an invite"

    # People who had already joined keep their own links.
    again = open_widget(widgets, live_server, mo["participant_token"], wait_for="welcome")
    assert again.wait_for("welcome")["you"]["name"] == "Mo"


def test_the_old_invite_no_longer_brings_a_device_back_either(
    live_server: ServerProcess,
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    mo = join_set(live_server.url, created["invite_token"], "Mo")
    assert replace_invite(live_server, created["set_id"], created["facilitator_token"]).ok
    body = {
        "invite_token": created["invite_token"],
        "participant_tokens": [mo["participant_token"]],
    }
    response = requests.post(f"{live_server.url}/api/rejoin", json=body, timeout=5)
    assert response.status_code == 401 and response.json()["error"] == "token_revoked"


def test_only_a_facilitator_of_the_set_replaces_its_invite(live_server: ServerProcess) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    other = create_set(live_server.url, "Other set", "Oz")
    mo = join_set(live_server.url, created["invite_token"], "Mo")
    member = replace_invite(live_server, created["set_id"], mo["participant_token"])
    assert member.status_code == 403 and member.json()["error"] == "not_allowed"
    stranger = replace_invite(live_server, created["set_id"], other["facilitator_token"])
    assert stranger.status_code == 404
    nobody = requests.post(f"{live_server.url}/api/sets/{created['set_id']}/invite", timeout=5)
    assert nobody.status_code == 401
    assert join(live_server, created["invite_token"], "Ida").status_code == 201, "unchanged"


def fay_and_mo_in_a_meeting(
    server: ServerProcess, widgets: list[Widget]
) -> tuple[dict[str, Any], dict[str, Any], Widget]:
    """Fay's new set, Mo joined, both widgets open: the set, Mo's link, Fay's widget."""
    created = create_set(server.url, "Ward leaders", "Fay")
    mo = join_set(server.url, created["invite_token"], "Mo")
    fay = open_widget(widgets, server, created["facilitator_token"], wait_for="welcome")
    open_widget(widgets, server, mo["participant_token"], wait_for="welcome")
    return created, mo, fay


def test_a_co_facilitator_appointed_in_the_meeting_acts_for_the_set(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created, mo, fay = fay_and_mo_in_a_meeting(live_server, widgets)
    send_accepted(
        fay, "set_role", {"participant_id": mo["participant_id"], "role": "co_facilitator"}
    )

    response = replace_invite(live_server, created["set_id"], mo["participant_token"])
    assert response.status_code == 200, response.text
    send_accepted(fay, "end_meeting")
    started = next_meeting(live_server, created["set_id"], mo["participant_token"])
    assert started.status_code == 201, started.text


def test_handing_over_the_lead_hands_over_the_set(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    created, mo, fay = fay_and_mo_in_a_meeting(live_server, widgets)
    send_accepted(fay, "hand_over", {"participant_id": mo["participant_id"]})

    former = replace_invite(live_server, created["set_id"], created["facilitator_token"])
    assert former.status_code == 403, "Fay's link still says facilitator, but the set does not"
    assert replace_invite(live_server, created["set_id"], mo["participant_token"]).ok
    # Fay comes back as the member she now is.
    fay_again = open_widget(widgets, live_server, created["facilitator_token"], wait_for="welcome")
    assert fay_again.wait_for("welcome")["you"]["role"] == "member"


def next_meeting(server: ServerProcess, set_id: str, token: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.post(f"{server.url}/api/sets/{set_id}/meetings", headers=headers, timeout=5)
