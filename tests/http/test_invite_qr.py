"""GET /api/sets/<id>/invite-qr: the member invite as a QR code, for a facilitator's shared screen.

The code is read back from the very SVG the server sends: its path is drawn module by module and
decoded with zxing-cpp, so the test proves what a phone's camera would read, not what segno meant.
"""

import logging
import re
import urllib.parse
from typing import Any

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageDraw

from companion.domain import rules
from companion.domain.commands import Command
from companion.logs import JsonFormatter
from companion.services import services
from tests.http.test_deletion import assert_error, join

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


@pytest.fixture
def created(client: FlaskClient) -> dict[str, Any]:
    body = {"set_name": "Ward leaders", "facilitator_name": "Fay", "admission": "open"}
    return client.post("/api/sets", json=body).get_json()


def invite_qr(client: FlaskClient, set_id: str, token: str | None) -> Any:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return client.get(f"/api/sets/{set_id}/invite-qr", headers=headers)


def svg_of(data_uri: str) -> str:
    media_type, _, data = data_uri.partition(",")
    assert media_type.startswith("data:image/svg+xml")
    return urllib.parse.unquote(data)


def dark_modules(svg: str) -> tuple[int, set[tuple[int, int]]]:
    """The SVG's size in modules and its dark modules, read from segno's one path: each row of
    modules is a run of unit-wide horizontal strokes (``M``/``m`` to move, ``h`` to draw)."""
    size = int(re.search(r"viewBox='0 0 (\d+) \1'", svg)[1])
    path = re.search(r"stroke='#000' d='([^']+)'", svg)[1]
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, dx, dy in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(dx), float(dy)
        elif command == "m":
            x, y = x + float(dx), y + float(dy)
        else:
            dark |= {(int(x) + i, int(y)) for i in range(int(float(dx)))}
            x += float(dx)
    assert re.fullmatch(r"([Mmh]-?[\d.]+( -?[\d.]+)?)+", path), "only the commands read above"
    return size, dark


def rasterize(size: int, dark: set[tuple[int, int]], scale: int = 8) -> Image.Image:
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y in dark:
        draw.rectangle((x * scale, y * scale, (x + 1) * scale - 1, (y + 1) * scale - 1), fill=0)
    return image


def test_a_facilitator_gets_the_invite_as_a_qr_code_that_reads_back_to_it(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    response = invite_qr(client, created["set_id"], created["facilitator_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {"set_name", "invite_url", "qr"} and body["set_name"] == "Ward leaders"
    assert body["invite_url"].startswith("http://localhost/join?via=qr#"), "it says it is the QR's"
    svg = svg_of(body["qr"])
    assert "fill='#fff'" in svg, "a white background under the code, whatever the page's theme"
    size, dark = dark_modules(svg)
    (read,) = zxingcpp.read_barcodes(rasterize(size, dark), formats=zxingcpp.BarcodeFormat.QRCode)
    assert read.format == zxingcpp.BarcodeFormat.QRCode
    assert read.text == body["invite_url"]
    assert read.ec_level in {"M", "Q", "H"}
    assert min(x for x, _ in dark) == min(y for _, y in dark) == QUIET_ZONE
    assert max(x for x, _ in dark) == max(y for _, y in dark) == size - QUIET_ZONE - 1


def test_its_invite_link_lets_someone_join(client: FlaskClient, created: dict[str, Any]) -> None:
    body = invite_qr(client, created["set_id"], created["facilitator_token"]).get_json()
    invite_token = body["invite_url"].partition("#")[2]
    joined = client.post(
        "/api/join", json={"invite_token": invite_token, "display_name": "Mo", "came_by": "qr"}
    )
    assert joined.status_code == 201
    assert joined.get_json()["set_id"] == created["set_id"]
    roster = client.get(
        f"/api/sets/{created['set_id']}/roster",
        headers={"Authorization": f"Bearer {created['facilitator_token']}"},
    ).get_json()
    assert {p["name"]: p["came_by"] for p in roster["people"]} == {"Fay": "founded", "Mo": "qr"}


def in_meeting(
    app: Flask, created: dict[str, Any], actor: str, event: str, args: dict[str, str]
) -> None:
    """``actor`` sends ``event`` in the set's meeting, applied by the meeting's own rules."""
    command = Command(event, actor, 1, args)
    with app.app_context():
        services().store.update_meeting(
            created["meeting_id"], lambda m: rules.apply(m, command).meeting
        )


def connected(app: Flask, created: dict[str, Any], participant_id: str) -> None:
    in_meeting(app, created, participant_id, "connect", {"connection_id": f"c-{participant_id}"})


def test_a_member_may_not_have_it(client: FlaskClient, created: dict[str, Any]) -> None:
    member = join(client, created)
    response = invite_qr(client, created["set_id"], member["participant_token"])
    assert_error(response, 403, "not_allowed")


def test_the_roster_decides_who_facilitates(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    """A co-facilitator appointed in the meeting may have it, as may whoever the lead was handed
    to; the lead who handed over, now a member, may not: the roster, which the meeting changed,
    decides."""
    fay, set_id = created["participant_id"], created["set_id"]
    mo, ada = join(client, created, "Mo"), join(client, created, "Ada")
    connected(app, created, fay)
    for person in (mo, ada):
        connected(app, created, person["participant_id"])
    co_facilitator = {"participant_id": mo["participant_id"], "role": "co_facilitator"}
    in_meeting(app, created, fay, "set_role", co_facilitator)
    assert invite_qr(client, set_id, mo["participant_token"]).status_code == 200

    in_meeting(app, created, fay, "hand_over", {"participant_id": ada["participant_id"]})
    assert invite_qr(client, set_id, ada["participant_token"]).status_code == 200
    assert_error(invite_qr(client, set_id, created["facilitator_token"]), 403, "not_allowed")


def test_someone_removed_may_not_have_it(
    app: Flask, client: FlaskClient, created: dict[str, Any]
) -> None:
    fay, mo = created["participant_id"], join(client, created)
    connected(app, created, fay)
    connected(app, created, mo["participant_id"])
    in_meeting(
        app,
        created,
        fay,
        "set_role",
        {"participant_id": mo["participant_id"], "role": "co_facilitator"},
    )
    in_meeting(app, created, fay, "remove_participant", {"participant_id": mo["participant_id"]})
    response = invite_qr(client, created["set_id"], mo["participant_token"])
    assert_error(response, 403, "removed")


@pytest.mark.parametrize(
    ("token", "code"),
    [(None, "token_missing"), ("", "token_missing"), ("not-a-token", "token_invalid")],
)
def test_without_a_valid_token_it_is_refused(
    client: FlaskClient, created: dict[str, Any], token: str | None, code: str
) -> None:
    assert_error(invite_qr(client, created["set_id"], token), 401, code)


def test_an_invite_is_no_key_to_it(client: FlaskClient, created: dict[str, Any]) -> None:
    response = invite_qr(client, created["set_id"], created["invite_token"])
    assert_error(response, 401, "token_invalid")


def test_another_sets_facilitator_learns_nothing_of_this_set(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    other = client.post("/api/sets", json={"set_name": "O", "facilitator_name": "Oz"}).get_json()
    response = invite_qr(client, created["set_id"], other["facilitator_token"])
    assert_error(response, 404, "set_not_found")


def test_it_is_logged_with_ids_only(
    client: FlaskClient, created: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="companion"):
        body = invite_qr(client, created["set_id"], created["facilitator_token"]).get_json()
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "companion.api"]
    assert len(lines) == 1 and created["set_id"] in lines[0]
    assert "Ward leaders" not in lines[0]
    assert body["invite_url"].partition("#")[2] not in lines[0]
