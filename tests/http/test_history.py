"""GET /api/sets/<id>/history: the set's past meetings as one viewer may see them, from the store.

Meetings newest first with who attended, presenters only when the set keeps them, and summaries;
the actions across meetings with their report-back; the caller's own private learnings only.
Anyone active in the set may read it; people waiting or removed are refused as everywhere.
"""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient

from companion.services import services
from tests.http.set_life import ADA_LEARNING, BOB_LEARNING, SetLife, bearer, lived
from tests.http.test_deletion import assert_error


@pytest.fixture
def life(app: Flask, client: FlaskClient) -> SetLife:
    return lived(app, client)


def names(people: list[dict[str, str]]) -> list[str]:
    return [person["name"] for person in people]


def test_a_member_reads_the_meetings_newest_first(life: SetLife) -> None:
    response = life.get("history", "Cy")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["set_name"] == "Ward leaders" and body["record_presenters"] is True
    second, first = body["meetings"]
    assert [second["id"], first["id"]] == list(reversed(life.meeting_ids))
    for meeting in (second, first):
        assert {"id", "started_at", "phase", "summary"} <= set(meeting), "the keys it always had"
        assert meeting["phase"] == "closed"
        assert meeting["ended_ms"] == meeting["summary"]["ended_ms"]
    assert second["started_ms"] > first["started_ms"]
    assert names(first["attended"]) == ["Fay", "Ada", "Bob", "Cy"]
    assert names(second["attended"]) == ["Fay", "Ada", "Bob"]


def test_presenters_are_named_with_only_the_titles_they_shared(life: SetLife) -> None:
    first = life.get("history", "Cy").get_json()["meetings"][1]
    assert [(p["name"], p["title"]) for p in first["presenters"]] == [
        ("Ada", "Rota gaps"),
        ("Bob", None),
    ]
    assert "My manager" not in json.dumps(life.get("history", "Fay").get_json())


def test_actions_across_meetings_show_their_report_back(life: SetLife) -> None:
    actions = life.get("history", "Bob").get_json()["actions"]
    assert [(a["owner_name"], a["text"], a["status"], a["reflection"]) for a in actions] == [
        ("Ada", "Ask HR for the data", "done", "HR: yes"),
        ("Bob", "Talk to my manager", "open", ""),
    ]
    assert {a["meeting_id"] for a in actions} == {life.meeting_ids[0]}


def test_private_learnings_go_to_their_owner_alone(life: SetLife) -> None:
    seen = {name: life.get("history", name).get_json() for name in ("Fay", "Ada", "Bob", "Cy")}
    assert [item["text"] for item in seen["Ada"]["learnings"]] == [ADA_LEARNING]
    assert [item["text"] for item in seen["Bob"]["learnings"]] == [BOB_LEARNING]
    assert seen["Fay"]["learnings"] == [] and seen["Cy"]["learnings"] == []
    owned = {"Ada": ADA_LEARNING, "Bob": BOB_LEARNING}
    for name, body in seen.items():
        for owner, learning in owned.items():
            assert (learning in json.dumps(body)) is (owner == name), (name, owner)


def test_when_the_set_keeps_no_presenters_none_are_shown(app: Flask, life: SetLife) -> None:
    life.run("Fay", "set_record_presenters", on=False)  # in the ended meeting: the set's setting
    with app.app_context():
        assert services().store.load_set(life.set_id).settings.record_presenters is False
    body = life.get("history", "Ada").get_json()
    assert body["record_presenters"] is False
    for meeting in body["meetings"]:
        assert meeting["presenters"] == []
        assert "presenters" not in meeting["summary"]
        assert all("presenter" not in row for row in meeting["summary"]["phases"])
    assert "Rota gaps" not in json.dumps(body)
    life.run("Fay", "set_record_presenters", on=True)
    body = life.get("history", "Ada").get_json()
    assert names(body["meetings"][1]["presenters"]) == ["Ada", "Bob"]


def test_a_meeting_still_open_is_listed_without_a_summary(life: SetLife) -> None:
    started = life.client.post(
        f"/api/sets/{life.set_id}/meetings", headers=bearer(life.tokens["Fay"])
    )
    life.meeting_ids.append(started.get_json()["meeting_id"])
    life.come("Fay", "Cy")
    today = life.get("history", "Ada").get_json()["meetings"][0]
    assert (today["id"], today["phase"], today["summary"]) == (life.meeting_id, "opening", None)
    assert names(today["attended"]) == ["Fay", "Cy"], "who is here so far"


def test_someone_removed_or_waiting_is_refused(life: SetLife) -> None:
    life.roster_command("remove_participant", participant_id=life.ids["Cy"])
    assert_error(life.get("history", "Cy"), 403, "removed")
    life.roster_command("set_admission", mode="ask")
    life.join("Newt")
    assert_error(life.get("history", "Newt"), 403, "waiting")
    names_seen = names(life.get("history", "Ada").get_json()["meetings"][1]["attended"])
    assert "Cy" in names_seen, "a removed person's past attendance is still the set's history"


def test_no_token_or_another_sets_is_refused(client: FlaskClient, life: SetLife) -> None:
    assert_error(life.get("history", None), 401, "token_missing")
    other = client.post("/api/sets", json={"set_name": "O", "facilitator_name": "Oz"}).get_json()
    path = f"/api/sets/{life.set_id}/history"
    assert_error(client.get(path, headers=bearer(other["facilitator_token"])), 404, "set_not_found")
