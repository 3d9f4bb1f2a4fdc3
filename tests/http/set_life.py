"""A set that has met twice, made through the API and the meeting rules against the real store:
what the history and attendance tests read.

Fay's set. At the first meeting Ada presents "Rota gaps" (title shared) and Bob "My manager"
(title kept private), each naming actions; Ada and Bob note private learnings; Cy listens. At the
second, four weeks later in the set's life, Cy does not come and Ada reports back on an action.
Commands go through ``realtime.commit``, the one path every widget's command takes.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from companion.clock import now_ms
from companion.domain.commands import Command
from companion.services import services
from realtime.commit import commit

PEOPLE = ("Ada", "Bob", "Cy")
ADA_LEARNING = "Ada: data before opinions"
BOB_LEARNING = "Bob: I avoid the conversation"


def bearer(token: str | None) -> dict[str, str]:
    return {} if token is None else {"Authorization": f"Bearer {token}"}


class SetLife:
    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app, self.client = app, client
        body = {"set_name": "Ward leaders", "facilitator_name": "Fay", "admission": "open"}
        created = client.post("/api/sets", json=body).get_json()
        self.set_id: str = created["set_id"]
        self.invite: str = created["invite_token"]
        self.meeting_ids: list[str] = [created["meeting_id"]]
        self.ids = {"Fay": created["participant_id"]}
        self.tokens = {"Fay": created["facilitator_token"]}
        for name in PEOPLE:
            self.join(name)

    def join(self, name: str) -> dict[str, Any]:
        body = {"invite_token": self.invite, "display_name": name}
        joined = self.client.post("/api/join", json=body).get_json()
        self.ids[name], self.tokens[name] = joined["participant_id"], joined["participant_token"]
        return joined

    @property
    def meeting_id(self) -> str:
        return self.meeting_ids[-1]

    def run(self, name: str, verb: str, **args: Any) -> None:
        with self.app.app_context():
            commit(self.meeting_id, Command(verb, self.ids[name], now_ms(), args), self.set_id)

    def come(self, *names: str) -> None:
        for name in names:
            self.run(name, "connect", connection_id=f"{name}-widget")

    def bid_id_of(self, name: str) -> str:
        with self.app.app_context():
            meeting = services().store.load_meeting(self.meeting_id)
        return next(b.id for b in meeting.bids if b.participant_id == self.ids[name])

    def first_meeting(self) -> None:
        self.come("Fay", "Ada", "Bob", "Cy")
        self.run("Ada", "place_bid", title="Rota gaps", minutes=20, share_title=True)
        self.run("Bob", "place_bid", title="My manager", minutes=20, share_title=False)
        for name in ("Ada", "Bob"):
            self.run("Fay", "accept_bid", bid_id=self.bid_id_of(name))
        self.run("Fay", "go_to_phase", phase="work", bid_id=self.bid_id_of("Ada"))
        self.run("Ada", "add_action", text="Ask HR for the data")
        self.run("Fay", "go_to_phase", phase="work", bid_id=self.bid_id_of("Bob"))
        self.run("Bob", "add_action", text="Talk to my manager")
        self.run("Fay", "go_to_phase", phase="learning_review")
        self.run("Ada", "add_learning", text=ADA_LEARNING)
        self.run("Bob", "add_learning", text=BOB_LEARNING)
        self.run("Fay", "end_meeting")

    def second_meeting(self) -> None:
        started = self.client.post(
            f"/api/sets/{self.set_id}/meetings", headers=bearer(self.tokens["Fay"])
        )
        assert started.status_code == 201, started.get_json()
        self.meeting_ids.append(started.get_json()["meeting_id"])
        self.come("Fay", "Ada", "Bob")
        self.run("Fay", "advance_phase")  # the check-in
        with self.app.app_context():
            meeting = services().store.load_meeting(self.meeting_id)
        ada_action = next(a.id for a in meeting.report_back if a.owner_id == self.ids["Ada"])
        self.run("Ada", "report_back", action_id=ada_action, status="done", reflection="HR: yes")
        self.run("Fay", "end_meeting")

    def get(self, path: str, name: str | None) -> Any:
        token = None if name is None else self.tokens[name]
        return self.client.get(f"/api/sets/{self.set_id}/{path}", headers=bearer(token))

    def roster_command(self, command: str, **args: Any) -> Any:
        path = f"/api/sets/{self.set_id}/roster/{command}"
        response = self.client.post(path, json=args, headers=bearer(self.tokens["Fay"]))
        assert response.status_code == 200, response.get_json()
        return response.get_json()


def lived(app: Flask, client: FlaskClient) -> SetLife:
    life = SetLife(app, client)
    life.first_meeting()
    life.second_meeting()
    return life
