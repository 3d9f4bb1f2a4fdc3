"""GET /api/sets/<id>/attendance, and what deleting does to attendance, against the real store.

Facilitators see the whole table (removed people marked so, people who deleted their data not at
all); members and observers only their own line. Deleting a meeting takes its marks from every
roster entry in the same transaction; deleting your data takes your marks with your entry.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from companion.domain.model import Role, Status
from companion.services import services
from tests.http.set_life import SetLife, bearer, lived
from tests.http.test_deletion import assert_error


@pytest.fixture
def life(app: Flask, client: FlaskClient) -> SetLife:
    return lived(app, client)


def rows_by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in body["people"]}


def test_a_facilitator_sees_everyone_across_the_meetings(life: SetLife) -> None:
    response = life.get("attendance", "Fay")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    first, second = life.meeting_ids
    assert body["whole"] is True
    assert [m["id"] for m in body["meetings"]] == [second, first]
    assert body["meetings"][0]["started_at"] > body["meetings"][1]["started_at"]
    rows = rows_by_name(body)
    assert list(rows) == ["Fay", "Ada", "Bob", "Cy"]
    assert rows["Fay"]["attended"] == [second, first]
    assert rows["Cy"]["attended"] == [first]
    assert (rows["Fay"]["role"], rows["Ada"]["role"]) == ("facilitator", "member")
    assert {row["status"] for row in rows.values()} == {"active"}


def test_a_member_or_an_observer_sees_only_their_own_line(life: SetLife) -> None:
    life.roster_command("set_role", participant_id=life.ids["Bob"], role="observer")
    for name, attended in (("Cy", 1), ("Bob", 2)):
        body = life.get("attendance", name).get_json()
        assert body["whole"] is False
        assert [row["name"] for row in body["people"]] == [name]
        assert len(body["people"][0]["attended"]) == attended
        assert len(body["meetings"]) == 2


def test_removed_people_are_shown_to_facilitators_as_removed_and_are_refused(
    life: SetLife,
) -> None:
    life.roster_command("remove_participant", participant_id=life.ids["Cy"])
    rows = rows_by_name(life.get("attendance", "Fay").get_json())
    assert list(rows)[-1] == "Cy"
    assert (rows["Cy"]["status"], rows["Cy"]["attended"]) == ("removed", [life.meeting_ids[0]])
    assert_error(life.get("attendance", "Cy"), 403, "removed")


def test_someone_waiting_or_without_a_token_or_of_another_set_is_refused(
    client: FlaskClient, life: SetLife
) -> None:
    life.roster_command("set_admission", mode="ask")
    life.join("Newt")
    assert_error(life.get("attendance", "Newt"), 403, "waiting")
    assert "Newt" not in rows_by_name(life.get("attendance", "Fay").get_json())
    assert_error(life.get("attendance", None), 401, "token_missing")
    other = client.post("/api/sets", json={"set_name": "O", "facilitator_name": "Oz"}).get_json()
    path = f"/api/sets/{life.set_id}/attendance"
    assert_error(client.get(path, headers=bearer(other["facilitator_token"])), 404, "set_not_found")


def test_a_deleted_meeting_leaves_no_mark(app: Flask, life: SetLife) -> None:
    first, second = life.meeting_ids
    with app.app_context():
        version_before = services().store.load_roster(life.set_id).version
    deleted = life.client.delete(f"/api/meetings/{first}", headers=bearer(life.tokens["Fay"]))
    assert deleted.status_code == 204
    with app.app_context():
        kept = services().store.load_roster(life.set_id)
    assert kept.version == version_before + 1
    assert all(first not in entry.attended for entry in kept.entries.values())
    assert kept.entries[life.ids["Ada"]].attended == [second]
    body = life.get("attendance", "Fay").get_json()
    assert [m["id"] for m in body["meetings"]] == [second]
    assert rows_by_name(body)["Cy"]["attended"] == []
    history = life.get("history", "Ada").get_json()
    assert [m["id"] for m in history["meetings"]] == [second]


def test_deleting_a_meeting_nobody_attended_leaves_the_roster_as_it_was(
    app: Flask, client: FlaskClient
) -> None:
    """The set's first meeting, still open, has marked nobody: its deletion changes no roster."""
    life = SetLife(app, client)
    with app.app_context():
        before = services().store.load_roster(life.set_id)
    path = f"/api/meetings/{life.meeting_id}"
    assert client.delete(path, headers=bearer(life.tokens["Fay"])).status_code == 204
    with app.app_context():
        assert services().store.load_roster(life.set_id) == before


def test_deleting_your_data_takes_your_attendance_with_it(app: Flask, life: SetLife) -> None:
    assert life.client.delete("/api/me", headers=bearer(life.tokens["Bob"])).status_code == 204
    rows = rows_by_name(life.get("attendance", "Fay").get_json())
    assert "Bob" not in rows
    with app.app_context():
        assert life.ids["Bob"] not in services().store.load_roster(life.set_id).entries
    history = life.get("history", "Ada").get_json()
    assert all("Bob" not in [p["name"] for p in m["attended"]] for m in history["meetings"])


def test_someone_removed_who_deletes_their_data_keeps_no_attendance(
    app: Flask, life: SetLife
) -> None:
    """Their nameless entry stays, so the facilitators' decision stands, but holds no marks."""
    life.roster_command("remove_participant", participant_id=life.ids["Cy"])
    assert life.client.delete("/api/me", headers=bearer(life.tokens["Cy"])).status_code == 204
    with app.app_context():
        tombstone = services().store.load_roster(life.set_id).entries[life.ids["Cy"]]
    assert (tombstone.name, tombstone.status, tombstone.attended) == ("", Status.REMOVED, [])
    assert tombstone.role is Role.MEMBER
    assert "Cy" not in rows_by_name(life.get("attendance", "Fay").get_json())
