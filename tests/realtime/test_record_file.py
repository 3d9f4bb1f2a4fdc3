"""The set's record as a file, against a whole meeting run on a live server: two presenters (one
title shared, one kept private), actions (one that looks like a spreadsheet formula), signals,
private learnings, then a second meeting where an action is reported back on. Both files hold
every fact they should, and nothing private; only the set's facilitators may have them."""

from __future__ import annotations

import csv
import io
import secrets
from typing import Any

import requests

from tests.support import ServerProcess, Widget, create_set, join_set, open_widget, send_accepted

FORMULA = '=HYPERLINK("http://attacker.example","Rota")'


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def snapshot_at(widget: Widget, version: int) -> dict[str, Any]:
    return widget.wait_for("snapshot", lambda s: s["version"] >= version)["meeting"]


class RecordedSet:
    """Fay's set, with words found nowhere else, so a search of a file finds only these."""

    def __init__(self, server: ServerProcess, widgets: list[Widget]) -> None:
        self.server, self.widgets = server, widgets
        tag = secrets.token_hex(3)
        self.words = {
            "shared": f"Rota gaps {tag}",
            "private": f"My manager shouts {tag}",
            "action": f"Ask HR for the rota data {tag}",
            "learning_ada": f"Ada learned to listen {tag}",
            "learning_bob": f"Bob learned patience {tag}",
            "reflection": f"HR said yes {tag}",
        }
        self.created = create_set(server.url, f"Ward leaders {tag}", "Fay")
        self.links = {
            name: join_set(server.url, self.created["invite_token"], name)
            for name in ("Ada", "Bob", "Cy")
        }

    def open(self, name: str) -> Widget:
        token = self.token(name)
        return open_widget(self.widgets, self.server, token, wait_for="welcome")

    def token(self, name: str) -> str:
        if name == "Fay":
            return self.created["facilitator_token"]
        return self.links[name]["participant_token"]

    def first_meeting(self) -> None:
        fay, ada, bob, cy = (self.open(n) for n in ("Fay", "Ada", "Bob", "Cy"))
        send_accepted(
            ada, "place_bid", {"title": self.words["shared"], "minutes": 20, "share_title": True}
        )
        placed = send_accepted(bob, "place_bid", {"title": self.words["private"], "minutes": 20})
        bids = {b["participant_id"]: b["id"] for b in snapshot_at(fay, placed)["bids"]}
        for person in ("Ada", "Bob"):
            send_accepted(fay, "accept_bid", {"bid_id": bids[self.links[person]["participant_id"]]})
        ada_bid, bob_bid = (bids[self.links[p]["participant_id"]] for p in ("Ada", "Bob"))
        send_accepted(fay, "go_to_phase", {"phase": "work", "bid_id": ada_bid})
        send_accepted(bob, "send_signal", {"kind": "slow_down"})
        send_accepted(cy, "send_signal", {"kind": "advice"})
        send_accepted(ada, "add_action", {"text": self.words["action"]})
        send_accepted(fay, "go_to_phase", {"phase": "work", "bid_id": bob_bid})
        send_accepted(bob, "add_action", {"text": FORMULA})
        send_accepted(fay, "go_to_phase", {"phase": "learning_review"})
        send_accepted(ada, "add_learning", {"text": self.words["learning_ada"]})
        send_accepted(bob, "add_learning", {"text": self.words["learning_bob"]})
        send_accepted(fay, "end_meeting")

    def second_meeting(self) -> None:
        """Fay, Ada and Bob come; Ada reports back on her action at the check-in."""
        started = requests.post(
            f"{self.server.url}/api/sets/{self.created['set_id']}/meetings",
            headers=bearer(self.token("Fay")),
            timeout=10,
        )
        assert started.status_code == 201, started.text
        fay, ada, _ = (self.open(n) for n in ("Fay", "Ada", "Bob"))
        send_accepted(fay, "advance_phase")
        due = next(
            a
            for a in ada.wait_for("snapshot")["meeting"]["report_back"]
            if a["text"] == self.words["action"]
        )
        report = {
            "action_id": due["id"],
            "status": "in_progress",
            "reflection": self.words["reflection"],
        }
        send_accepted(ada, "report_back", report)
        send_accepted(fay, "end_meeting")

    def download(self, name: str, who: str = "Fay") -> requests.Response:
        return requests.get(
            f"{self.server.url}/api/sets/{self.created['set_id']}/{name}",
            headers=bearer(self.token(who)),
            timeout=10,
        )


def private_words(kept: RecordedSet) -> list[str]:
    """The learnings, the unshared title, and the signals sent (by kind and by label)."""
    words = kept.words
    return [
        words["learning_ada"],
        words["learning_bob"],
        words["private"],
        "slow_down",
        "Slow down",
        "advice",
    ]


def test_both_files_hold_the_meetings_and_nothing_private(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    kept = RecordedSet(live_server, widgets)
    kept.first_meeting()
    kept.second_meeting()
    markdown = kept.download("record.md")
    assert markdown.status_code == 200, markdown.text
    text = markdown.text
    words = kept.words
    assert text.startswith(f"# The record of Ward leaders {words['shared'].split()[-1]}\n")
    assert text.count("## Meeting of ") == 2
    first = text[text.rindex("## Meeting of ") :]
    second = text[text.index("## Meeting of ") : text.rindex("## Meeting of ")]
    assert "Attended: Fay, Ada, Bob, Cy." in first
    assert "Attended: Fay, Ada, Bob." in second
    assert f"- Ada: {words['shared']}" in first
    assert "- Bob (kept the issue's title private)" in first
    assert f"- {words['action']} (Ada; in progress): {words['reflection']}" in first
    assert "(Bob; not reported on yet)" in first
    assert (
        f"- {words['action']} (Ada; in progress): {words['reflection']}"
        in second[second.index("### Reported back at this meeting") :]
    )

    spreadsheet = kept.download("record.csv")
    assert spreadsheet.status_code == 200, spreadsheet.text
    rows = list(csv.DictReader(io.StringIO(spreadsheet.content.decode("utf-8-sig"), newline="")))
    facts = {(r["record"], r["person"], r["text"], r["status"], r["report_back"]) for r in rows}
    assert ("presenter", "Ada", words["shared"], "", "") in facts
    assert ("presenter", "Bob", "", "", "") in facts
    assert ("action", "Ada", words["action"], "in_progress", words["reflection"]) in facts
    assert ("report_back", "Ada", words["action"], "in_progress", words["reflection"]) in facts
    assert ("action", "Bob", "'" + FORMULA, "open", "") in facts, "kept as text, not a formula"
    attended = [r["person"] for r in rows if r["record"] == "attended"]
    assert sorted(attended) == sorted(["Fay", "Ada", "Bob", "Fay", "Ada", "Bob", "Cy"])
    assert len({r["meeting_id"] for r in rows if r["record"] == "meeting"}) == 2

    for body in (text, spreadsheet.content.decode("utf-8-sig")):
        for private in private_words(kept):
            assert private not in body, f"{private!r} is in the record"
        assert body.lower().count("signal") <= 1, "only the sentence saying it holds none"


def test_only_the_sets_facilitators_have_it(
    live_server: ServerProcess, widgets: list[Widget]
) -> None:
    kept = RecordedSet(live_server, widgets)
    kept.first_meeting()
    for name in ("record.md", "record.csv"):
        refused = kept.download(name, who="Ada")
        assert (refused.status_code, refused.json()["error"]) == (403, "not_allowed")
    removed = requests.post(
        f"{live_server.url}/api/sets/{kept.created['set_id']}/roster/remove_participant",
        json={"participant_id": kept.links["Cy"]["participant_id"]},
        headers=bearer(kept.token("Fay")),
        timeout=10,
    )
    assert removed.status_code == 200, removed.text
    for name in ("record.md", "record.csv"):
        refused = kept.download(name, who="Cy")
        assert (refused.status_code, refused.json()["error"]) == (403, "removed")
        assert kept.download(name).status_code == 200
