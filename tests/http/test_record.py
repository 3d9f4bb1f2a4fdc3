"""The set's record over HTTP: a file for its facilitators only, as the roster says now, sent as a
download that no cache keeps. What the file holds is in tests/domain/test_set_record.py, and
against a whole meeting on a live server in tests/realtime/test_record_file.py."""

from __future__ import annotations

import csv
import io
import logging
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from companion.domain import set_record
from companion.logs import JsonFormatter
from tests.http.test_deletion import assert_error, join
from tests.support import legacy_token

FORMATS = ["record.md", "record.csv"]


@pytest.fixture
def created(client: FlaskClient) -> dict[str, Any]:
    body = {"set_name": "Ward leaders", "facilitator_name": "Fay", "admission": "open"}
    return client.post("/api/sets", json=body).get_json()


def fetch(client: FlaskClient, set_id: str, name: str, token: str | None) -> Any:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return client.get(f"/api/sets/{set_id}/{name}", headers=headers)


def as_facilitator(client: FlaskClient, created: dict[str, Any], command: str, **args: Any) -> Any:
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    path = f"/api/sets/{created['set_id']}/roster/{command}"
    response = client.post(path, json=args, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def test_the_markdown_is_a_download_no_cache_keeps(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    response = fetch(client, created["set_id"], "record.md", created["facilitator_token"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="als-set-record-\d{4}-\d{2}-\d{2}\.md"', disposition)
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert text.startswith("# The record of Ward leaders\n")
    assert "Still going on" in text, "the first meeting, just started"


def test_the_csv_is_utf8_with_a_header_row_for_a_spreadsheet(
    client: FlaskClient, created: dict[str, Any]
) -> None:
    response = fetch(client, created["set_id"], "record.csv", created["facilitator_token"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert response.headers["Content-Disposition"].endswith('.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel reads UTF-8 only after the byte order mark"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == set_record.CSV_COLUMNS
    assert rows[1][2:5] == ["set", "", "Ward leaders"]
    assert [row[2] for row in rows[2:]] == ["meeting"]


@pytest.mark.parametrize("name", FORMATS)
def test_a_co_facilitator_may_download_it(
    client: FlaskClient, created: dict[str, Any], name: str
) -> None:
    co = join(client, created, "Cleo")
    as_facilitator(
        client, created, "set_role", participant_id=co["participant_id"], role="co_facilitator"
    )
    assert fetch(client, created["set_id"], name, co["participant_token"]).status_code == 200


@pytest.mark.parametrize("name", FORMATS)
def test_members_and_observers_are_refused(
    client: FlaskClient, created: dict[str, Any], name: str
) -> None:
    member = join(client, created)
    observer = join(client, created, "Olu")
    as_facilitator(
        client, created, "set_role", participant_id=observer["participant_id"], role="observer"
    )
    for person in (member, observer):
        response = fetch(client, created["set_id"], name, person["participant_token"])
        assert_error(response, 403, "not_allowed")


@pytest.mark.parametrize("name", FORMATS)
def test_someone_removed_or_demoted_is_refused_whatever_their_link_said(
    client: FlaskClient, app: Flask, created: dict[str, Any], name: str
) -> None:
    co = join(client, created, "Cleo")
    as_facilitator(
        client, created, "set_role", participant_id=co["participant_id"], role="co_facilitator"
    )
    as_facilitator(client, created, "set_role", participant_id=co["participant_id"], role="member")
    assert_error(
        fetch(client, created["set_id"], name, co["participant_token"]), 403, "not_allowed"
    )
    with app.app_context():
        old_link = legacy_token(app, created["set_id"], co["participant_id"], "facilitator")
    assert_error(fetch(client, created["set_id"], name, old_link), 403, "not_allowed")
    as_facilitator(client, created, "remove_participant", participant_id=co["participant_id"])
    assert_error(fetch(client, created["set_id"], name, co["participant_token"]), 403, "removed")


@pytest.mark.parametrize("name", FORMATS)
def test_someone_waiting_in_the_lobby_is_refused(
    client: FlaskClient, created: dict[str, Any], name: str
) -> None:
    as_facilitator(client, created, "set_admission", mode="ask")
    waiting = join(client, created, "Wren")
    assert waiting["status"] == "waiting"
    response = fetch(client, created["set_id"], name, waiting["participant_token"])
    assert_error(response, 403, "waiting")


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "token_missing"),
        ({"Authorization": "Bearer"}, "token_missing"),
        ({"Authorization": "Bearer forged"}, "token_invalid"),
    ],
)
def test_a_missing_or_forged_token_is_refused(
    client: FlaskClient, created: dict[str, Any], name: str, headers: dict[str, str], code: str
) -> None:
    response = client.get(f"/api/sets/{created['set_id']}/{name}", headers=headers)
    assert_error(response, 401, code)


@pytest.mark.parametrize("name", FORMATS)
def test_an_invite_link_opens_no_record(
    client: FlaskClient, created: dict[str, Any], name: str
) -> None:
    response = fetch(client, created["set_id"], name, created["invite_token"])
    assert_error(response, 401, "token_invalid")


@pytest.mark.parametrize("name", FORMATS)
def test_another_sets_record_is_not_found(
    client: FlaskClient, created: dict[str, Any], name: str
) -> None:
    body = {"set_name": "Night shift", "facilitator_name": "Gus"}
    other = client.post("/api/sets", json=body).get_json()
    response = fetch(client, other["set_id"], name, created["facilitator_token"])
    assert_error(response, 404, "set_not_found")


def test_a_deleted_set_has_no_record(client: FlaskClient, created: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    assert client.delete(f"/api/sets/{created['set_id']}", headers=headers).status_code == 204
    response = fetch(client, created["set_id"], "record.md", created["facilitator_token"])
    assert_error(response, 404, "set_not_found")


def test_downloads_are_logged_with_ids_only(
    client: FlaskClient, created: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="companion"):
        fetch(client, created["set_id"], "record.csv", created["facilitator_token"])
    [line] = [
        JsonFormatter().format(r) for r in caplog.records if r.getMessage() == "record.downloaded"
    ]
    assert created["set_id"] in line and '"format": "csv"' in line
    assert "Ward leaders" not in line and "Fay" not in line
