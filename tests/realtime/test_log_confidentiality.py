"""The server's log holds ids and codes, never meeting content: a whole set's life at DEBUG.

A server of its own logs at its most talkative while a set lives through two meetings over
Socket.IO and HTTP: created with expected members, joined, a contract rewritten and agreed, a
check-in, bids (one title shared), questions, actions, closing rounds, signals, learnings, the end,
the next meeting with reports on the actions, and a member's notes, the set's history, the invite
as a QR code, a rejoin, a member deleting their data, and refusals carrying content. Every piece of
content, every name and the set's name holds a word made for this run (``Zephyrine3fa9c1``), so a
match cannot be a coincidence. Then the log is read: every line one JSON object, the lines about a
meeting carrying its id, every line its request's id, and no content, name or token anywhere.

tests/realtime/test_live_meeting.py's ``test_the_server_logs_no_names`` checks names, set name and
tokens after two widgets connect; this is the same promise for everything a set writes.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support import ServerProcess, Widget, close_all

TAG = secrets.token_hex(3)


def marked(text: str) -> str:
    """``text`` with the run's tag on each capitalised word: "Zephyrine rule" -> "Zephyrine3fa9c1
    rule", so every piece of content holds words found nowhere else."""
    return re.sub(r"\b([A-Z][a-z]+)\b", rf"\g<1>{TAG}", text)


SET_NAME = marked("Quillon Society of Lanterns")
FACILITATOR = marked("Zephyrine Ashcombe")
MEMBERS = {
    "barnabus": marked("Barnabus Thistlewood"),
    "ottoline": marked("Ottoline Vanstone"),
    "perpetua": marked("Perpetua Marchbanks"),
}
EXPECTED = [marked("Marmaduke Fenwright"), MEMBERS["ottoline"]]
CONTRACT = [marked("Gorsemoor rule: we honour the Lantern"), marked("Nothing leaves Brackenholt")]
TITLES = {"barnabus": marked("Orchard dispute at Wexcombe"), "ottoline": marked("Private Sallow")}
ACTIONS = {
    "barnabus": [marked("Call the Gorsemoor council"), marked("Write to Ingleby")],
    "ottoline": [marked("Visit Tarrowby mill")],
}
REFLECTIONS = {"barnabus": marked("Gorsemoor agreed, Heskith"), "ottoline": marked("Tarrowby shut")}
LEARNINGS = {who: marked(f"Silence helps {who.title()} at Fallowmere") for who in MEMBERS}
REFUSED = {
    "too_long": marked("Kettleburn ") * 15,
    "not_presenter": marked("Mossgiel action"),
    "unknown_event": marked("Drumlanrig"),
    "bad_name": marked("Ravenglass ") * 5,
}
CONTENT = [
    SET_NAME,
    FACILITATOR,
    *MEMBERS.values(),
    *EXPECTED,
    *CONTRACT,
    *TITLES.values(),
    *(text for texts in ACTIONS.values() for text in texts),
    *REFLECTIONS.values(),
    *LEARNINGS.values(),
    *REFUSED.values(),
]
# Each word made for this run: a log that held any of them held a piece of content.
MARKERS = sorted({word for text in CONTENT for word in re.findall(rf"\w+{TAG}", text)})
LINE_KEYS = {"ts", "level", "logger", "event"}
# Lines about one meeting; each must say which.
ABOUT_A_MEETING = {
    "meeting.connected",
    "meeting.disconnected",
    "meeting.disconnect_unrecorded",
    "command.applied",
    "command.rejected",
    "event.unknown",
    "event.failed",
    "set.created",
    "meeting.started",
    "meeting.deleted",
}


class LoggingServer(ServerProcess):
    """The log is stderr, where the README says the JSON lines go; stdout, which only says where
    the server listens, is kept apart so that each can be held to what it should be."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        super().__init__(env, log_path)
        self.console_path = log_path.with_suffix(".stdout")

    def start(self, timeout: float = 30.0) -> LoggingServer:
        with open(self.log_path, "ab") as log, open(self.console_path, "ab") as console:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=console, stderr=log)
        self._wait_until_serving(timeout)
        return self


@dataclass
class SetsLife:
    """Drives the set through its two meetings; keeps every token, id and request id it met."""

    base_url: str
    widgets: dict[str, Widget] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    meeting_ids: list[str] = field(default_factory=list)
    request_ids: dict[str, str] = field(default_factory=dict)  # logged event -> request id
    set_id: str = ""
    invite: str = ""
    version: int = 0

    def http(self, method: str, path: str, logged: str | None = None, **options: Any) -> Any:
        """One HTTP request; ``logged`` names the line it writes, to find it by request id."""
        response = requests.request(method, f"{self.base_url}{path}", timeout=10, **options)
        assert response.status_code < 500, response.text
        if logged is not None:
            assert response.status_code < 300, response.text
            self.request_ids[logged] = response.headers["X-Request-ID"]
        return response

    def bearer(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def send(self, who: str, event: str, payload: dict[str, Any] | None = None) -> None:
        answer = self.widgets[who].call(event, payload)
        assert answer.get("ok"), f"{who} {event}: {answer}"
        self.version = answer["version"]

    def refused(self, who: str, event: str, payload: Any, code: str) -> None:
        answer = self.widgets[who].call(event, payload)
        assert answer.get("error") == code, answer

    def meeting(self) -> dict[str, Any]:
        return self.widgets["fay"].wait_for("snapshot", lambda s: s["version"] >= self.version)[
            "meeting"
        ]

    def open_widgets(self) -> None:
        self.widgets = {who: Widget(self.base_url, token) for who, token in self.tokens.items()}
        self.version = self.widgets["fay"].call("sync")["version"]
        self.meeting_ids.append(self.meeting()["id"])

    def speak_round(self) -> None:
        """Each speaker in turn says they are done."""
        while (current := self.meeting()["round"]["current"]) is not None:
            self.send(next(w for w, i in self.ids.items() if i == current), "speaker_done")

    def bid_of(self, who: str) -> str:
        return next(b["id"] for b in self.meeting()["bids"] if b["participant_id"] == self.ids[who])

    def action_ids(self, who: str) -> list[str]:
        owned = self.meeting()["report_back"]
        return [a["id"] for a in owned if a["owner"] == self.ids[who]]


def create_and_join(life: SetsLife) -> None:
    body = {"set_name": SET_NAME, "facilitator_name": FACILITATOR, "expected_members": EXPECTED}
    created = life.http("POST", "/api/sets", "set.created", json=body).json()
    life.set_id, life.invite = created["set_id"], created["invite_token"]
    life.tokens["fay"], life.ids["fay"] = created["facilitator_token"], created["participant_id"]
    for who, name in MEMBERS.items():  # each waits in the lobby: the set asks, by default
        body = {"invite_token": life.invite, "display_name": name}
        joined = life.http("POST", "/api/join", "set.joined", json=body).json()
        assert joined["status"] == "waiting"
        life.tokens[who], life.ids[who] = joined["participant_token"], joined["participant_id"]
    too_long = {"invite_token": life.invite, "display_name": REFUSED["bad_name"]}
    assert life.http("POST", "/api/join", json=too_long).status_code == 400
    roster = life.http("GET", f"/api/sets/{life.set_id}/roster", headers=life.bearer("fay"))
    assert {p["status"] for p in roster.json()["people"]} == {"active", "waiting"}
    path = f"/api/sets/{life.set_id}/roster/admit_all"
    life.http("POST", path, "roster.changed", headers=life.bearer("fay"))
    life.open_widgets()


def first_meeting(life: SetsLife) -> None:
    life.send("fay", "set_contract", {"items": CONTRACT})
    for who in MEMBERS:
        life.send(who, "agree_contract")
    life.send("fay", "advance_phase")  # check-in
    life.speak_round()
    life.send("fay", "advance_phase")  # bidding
    share = {"barnabus": True, "ottoline": False}
    for who, title in TITLES.items():
        life.send(who, "place_bid", {"title": title, "minutes": 20, "share_title": share[who]})
    life.refused(
        "perpetua", "place_bid", {"title": REFUSED["too_long"], "minutes": 5}, "invalid_input"
    )
    for who in TITLES:
        life.send("fay", "accept_bid", {"bid_id": life.bid_of(who)})
    for presenter, asker in (("barnabus", "ottoline"), ("ottoline", "perpetua")):
        work_and_closing_round(life, presenter, asker)
    life.send("fay", "advance_phase")  # learning review
    for who, text in LEARNINGS.items():
        life.send(who, "add_learning", {"text": text})
    life.send("perpetua", "send_signal", {"kind": "pause"})
    life.refused(
        "barnabus", REFUSED["unknown_event"], {"text": REFUSED["unknown_event"]}, "unknown_event"
    )
    life.speak_round()
    life.send("fay", "end_meeting")


def work_and_closing_round(life: SetsLife, presenter: str, asker: str) -> None:
    life.send("fay", "advance_phase")  # the presenter's work
    life.send("fay", "advance_phase")  # clarifying questions
    life.send(asker, "raise_hand")
    life.send("fay", "call_next")
    life.refused(asker, "add_action", {"text": REFUSED["not_presenter"]}, "not_presenter")
    life.send(presenter, "end_work")  # on to the actions
    for text in ACTIONS[presenter]:
        life.send(presenter, "add_action", {"text": text})
    life.send(presenter, "end_work")  # the closing round
    life.speak_round()


def second_meeting(life: SetsLife) -> None:
    life.http(
        "POST", f"/api/sets/{life.set_id}/meetings", "meeting.started", headers=life.bearer("fay")
    )
    close_all(list(life.widgets.values()))
    life.open_widgets()
    life.send("fay", "advance_phase")  # check-in
    for who, reflection in REFLECTIONS.items():
        report = {"action_id": life.action_ids(who)[0], "status": "done", "reflection": reflection}
        life.send(who, "report_back", report)


def around_the_meetings(life: SetsLife) -> None:
    """What a set does over HTTP besides: every kind of request that reads or deletes content."""
    for page in ("/", "/join", "/w", "/teams/config", "/privacy"):
        life.http("GET", page)
    rejoin = {"invite_token": life.invite, "participant_tokens": [life.tokens["barnabus"]]}
    assert (
        life.http("POST", "/api/rejoin", json=rejoin).json()["display_name"] == MEMBERS["barnabus"]
    )
    notes = life.http("GET", "/api/me/notes.md", headers=life.bearer("barnabus")).text
    assert ACTIONS["barnabus"][0] in notes, "the notes hold the content the log must not"
    history = life.http("GET", f"/api/sets/{life.set_id}/history", headers=life.bearer("fay"))
    assert history.json()["set_name"] == SET_NAME
    life.http("POST", "/api/facilitated-sets", json={"participant_tokens": [life.tokens["fay"]]})
    proxied = {**life.bearer("fay"), "X-Request-ID": f"proxy-{TAG}"}
    qr = life.http("GET", f"/api/sets/{life.set_id}/invite-qr", "invite.qr_shown", headers=proxied)
    assert qr.headers["X-Request-ID"] == f"proxy-{TAG}"
    life.http("DELETE", "/api/me", "member.forgotten", headers=life.bearer("perpetua"))
    path = f"/api/meetings/{life.meeting_ids[0]}"
    life.http("DELETE", path, "meeting.deleted", headers=life.bearer("fay"))


@dataclass
class ReadLog:
    lines: list[str]
    console: str
    life: SetsLife

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines if line.startswith("{")]


@pytest.fixture(scope="module")
def read_log(server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> ReadLog:
    """The set's whole life on a server of its own, stopped before its log is read, so every
    line (the last disconnections too) is in it."""
    log_path = Path(tmp_path_factory.mktemp("confidentiality")) / "server.log"
    env = {**server_env, "COMPANION_LOG_LEVEL": "DEBUG"}
    server = LoggingServer(env, log_path).start()
    life = SetsLife(server.url)
    try:
        create_and_join(life)
        first_meeting(life)
        second_meeting(life)
        around_the_meetings(life)
    finally:
        close_all(list(life.widgets.values()))
        server.stop()
    return ReadLog(log_path.read_text().splitlines(), server.console_path.read_text(), life)


def test_every_line_of_the_log_is_one_json_object_with_its_time_level_logger_and_event(
    read_log: ReadLog,
) -> None:
    problems = []
    for number, line in enumerate(read_log.lines, start=1):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            problems.append(f"{number}: not JSON: {line[:160]}")
            continue
        if not isinstance(entry, dict) or not set(entry) >= LINE_KEYS:
            problems.append(f"{number}: lacks {LINE_KEYS}: {line[:160]}")
    assert not problems, "\n".join(problems)
    assert len(read_log.entries()) > 50, "the log holds the set's life"


def test_stdout_only_says_where_the_server_listens(read_log: ReadLog) -> None:
    assert read_log.console.splitlines() == [
        f"ALS Companion on {read_log.life.base_url}/  (Ctrl+C to stop)"
    ]


def test_lines_about_a_meeting_name_it_and_every_line_names_its_request(read_log: ReadLog) -> None:
    entries = read_log.entries()
    about = [e for e in entries if e["event"] in ABOUT_A_MEETING]
    assert {e["event"] for e in about} >= {"meeting.connected", "command.applied", "set.created"}
    for entry in about:
        assert entry.get("meeting_id") in read_log.life.meeting_ids, entry
    for entry in entries:
        if entry["logger"] == "companion.wsgi":
            continue  # the web server's own word on a connection, outside any request
        assert re.fullmatch(r"[A-Za-z0-9._-]{1,64}", entry.get("request_id", "")), entry
    for event, request_id in read_log.life.request_ids.items():
        assert any(e["event"] == event and e["request_id"] == request_id for e in entries), event


def test_no_content_name_or_token_appears_anywhere_in_the_log(read_log: ReadLog) -> None:
    text = read_log.text + read_log.console
    assert read_log.life.set_id in text and read_log.life.meeting_ids[1] in text, "ids are logged"
    found = [marker for marker in MARKERS if marker in text]
    assert not found, f"content in the log: {found}"
    tokens = [*read_log.life.tokens.values(), read_log.life.invite]
    signatures = [token.rsplit(".", 1)[-1] for token in tokens]
    assert not [t for t in tokens + signatures if t in text], "a token (or its signature) is logged"
