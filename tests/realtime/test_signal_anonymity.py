"""Anonymous signals against a real server process, logging at DEBUG: every participant sends or
tries to, then every Redis key and value, every message any widget received and the whole server
log are searched for anything that could name a sender: participant ids, names, tokens and
Socket.IO session ids. What a signal changes is shown to be its count and the version, nothing more.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.support import ServerProcess, Widget, close_all, create_set, join_set

MEMBERS = ["Ottoline Brackenbury", "Perpetua Vanstone", "Quillon Marchbanks", "Rosalind Thistle"]
OBSERVER = "Ignatius Fenwright"
FACILITATOR = "Fenella Quarrington"
KINDS = ["pause", "clarity", "advice"]
SIGNAL_KEY_PARTS = (":signal-claim:", ":signal-secret")


def unique(name: str) -> str:
    """Each meeting's people have names of their own, so a search finds only this meeting's."""
    tag = secrets.token_hex(3)
    return " ".join(f"{part}{tag}" for part in name.split())


@pytest.fixture(scope="module")
def server(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A server of its own, so its log holds this module's meetings, at the most talkative level."""
    log = tmp_path_factory.mktemp("anonymity") / "server.log"
    process = ServerProcess({**server_env, "COMPANION_LOG_LEVEL": "DEBUG"}, log).start()
    yield process
    process.stop()


@dataclass
class Person:
    name: str
    participant_id: str
    token: str
    widget: Widget


@dataclass
class SignalMeeting:
    created: dict[str, Any]
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def widgets(self) -> list[Widget]:
        return [person.widget for person in self.people.values()]

    @property
    def members(self) -> list[Person]:
        return [self.people[name] for name in MEMBERS]

    @property
    def fay(self) -> Widget:
        return self.people[FACILITATOR].widget

    def version(self) -> int:
        return self.fay.call("sync")["version"]

    def settled(self) -> int:
        """The current version, once every widget has its snapshot."""
        version = self.version()
        for widget in self.widgets:
            widget.wait_for("snapshot", lambda s: s["version"] >= version)
        return version

    def sessions(self) -> set[str]:
        """What identifies a person's connection: their token and both kinds of session id."""
        found: set[str] = set()
        for person in self.people.values():
            client = person.widget.client
            found |= {person.token, client.eio.sid, client.get_sid("/")}
        assert all(found) and len(found) == 3 * len(self.people)
        return found

    def secrets(self) -> set[str]:
        """Everything that could name a person: ids, full names, each part of a name, sessions."""
        found = self.sessions()
        for person in self.people.values():
            found |= {person.participant_id, person.name, *person.name.split()}
        return found


@pytest.fixture
def meeting(server: ServerProcess) -> Iterator[SignalMeeting]:
    lead = unique(FACILITATOR)
    created = create_set(server.url, "Ward leaders", lead)
    state = SignalMeeting(created)
    fay = Widget(server.url, created["facilitator_token"])
    state.people[FACILITATOR] = Person(
        lead, created["participant_id"], created["facilitator_token"], fay
    )
    for role in [*MEMBERS, OBSERVER]:
        name = unique(role)
        joined = join_set(server.url, created["invite_token"], name)
        widget = Widget(server.url, joined["participant_token"])
        state.people[role] = Person(
            name, joined["participant_id"], joined["participant_token"], widget
        )
    observer = state.people[OBSERVER].participant_id
    answer = fay.call("set_role", {"participant_id": observer, "role": "observer"})
    assert answer.get("ok"), answer
    state.settled()
    yield state
    close_all(state.widgets)


def dump(connection: redis.Redis) -> dict[str, Any]:
    """Every key in the database with its value, whatever its type."""
    readers = {
        "string": connection.get,
        "set": lambda k: sorted(connection.smembers(k)),
        "zset": lambda k: connection.zrange(k, 0, -1),
        "hash": connection.hgetall,
        "list": lambda k: connection.lrange(k, 0, -1),
    }
    return {key: readers[connection.type(key)](key) for key in connection.scan_iter("*")}


def received_since(widget: Widget, marks: dict[str, int]) -> list[tuple[str, Any]]:
    return [
        (event, message)
        for event, messages in widget.received.items()
        for message in messages[marks.get(event, 0) :]
    ]


def without(meeting: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in meeting.items() if key not in names}


def is_signal_key(key: str) -> bool:
    return any(part in key for part in SIGNAL_KEY_PARTS)


def test_no_trace_of_any_sender_in_redis_payloads_or_logs(
    meeting: SignalMeeting, server: ServerProcess, redis_connection: redis.Redis
) -> None:
    meeting_key = f"companion:meeting:{meeting.created['meeting_id']}"
    before_redis = dump(redis_connection)
    before_meeting = json.loads(before_redis[meeting_key])
    start = meeting.settled()
    marks = {id(w): {e: len(m) for e, m in w.received.items()} for w in meeting.widgets}

    answers: list[tuple[str, str, dict[str, Any]]] = []
    for kind in KINDS:
        for role, person in meeting.people.items():
            answers.append((role, kind, person.widget.call("send_signal", {"kind": kind})))
    for role in MEMBERS:  # each member presses "pause" again: theirs still counts
        person = meeting.people[role]
        answers.append((role, "pause", person.widget.call("send_signal", {"kind": "pause"})))
    end = meeting.settled()

    # The senders alone heard back, and only whether it counted.
    for role, _, answer in answers:
        if role in MEMBERS and "ok" in answer:
            assert set(answer) == {"ok", "version"}
        else:
            assert set(answer) == {"error", "message"}
    codes = [answer.get("error") for _, _, answer in answers]
    assert codes.count(None) == len(MEMBERS) * len(KINDS) == end - start
    assert codes.count("not_allowed") == 2 * len(KINDS)
    assert codes.count("signal_still_counts") == len(MEMBERS)

    # Every widget received the same snapshots and nothing else; each differs from the meeting
    # before only in its version, its clock and the counts.
    by_version: dict[int, str] = {}
    unchanged = without(meeting.fay.wait_for("snapshot", lambda s: s["version"] == start), "x")
    for widget in meeting.widgets:
        messages = received_since(widget, marks[id(widget)])
        assert {event for event, _ in messages} <= {"snapshot", "patch", "private", "roster"}
        for patch in (message for event, message in messages if event == "patch"):
            assert set(patch) <= {"type", "version", "from", "set"}, "nothing but the counts"
            assert set(patch["set"]) <= {"server_now_ms", "allocation", "signals"}, patch
        rosters = [message for event, message in messages if event == "roster"]
        assert not rosters or widget is meeting.fay, "the roster goes to facilitators alone"
        assert len({r["version"] for r in rosters}) <= 1, "a signal is no news for the roster"
        private = [message for event, message in messages if event == "private"]
        assert all(set(m) == {"type", "version", "learnings"} for m in private), "sync's own"
        assert all(m["learnings"] == [] for m in private)
        messages = [(event, message) for event, message in messages if event == "snapshot"]
        for _, message in messages:
            text = json.dumps(message["meeting"] | {"server_now_ms": 0}, sort_keys=True)
            assert by_version.setdefault(message["version"], text) == text
            ignored = ("version", "server_now_ms", "signals")
            assert without(message["meeting"], *ignored) == without(unchanged["meeting"], *ignored)
            counts = message["meeting"]["signals"]
            assert set(counts) <= set(KINDS)
            assert all(isinstance(t, int) for times in counts.values() for t in times)
    assert sorted(by_version) == list(range(start + 1, end + 1))
    final = json.loads(by_version[end])["signals"]
    assert {kind: len(times) for kind, times in final.items()} == dict.fromkeys(KINDS, 4)

    # Redis: the meeting changed only in its version and counts; the only new keys are opaque.
    after_redis = dump(redis_connection)
    after_meeting = json.loads(after_redis[meeting_key])
    assert without(after_meeting, "version", "signals") == without(
        before_meeting, "version", "signals"
    )
    new_keys = set(after_redis) - set(before_redis)
    signal_keys = {key for key in new_keys if is_signal_key(key)}
    assert len(signal_keys) == len(MEMBERS) * len(KINDS) + 1, "one per counted signal; a secret"
    for key in signal_keys:
        assert key.startswith(f"companion:meeting:{meeting.created['meeting_id']}:")

    # Nowhere: no key or value, message, acknowledgement or log line holds anything that could
    # name a sender. The set's and the meeting's own records name their people, as they must,
    # and so do the snapshots' lists of participants; even there, no token or session id.
    set_id = meeting.created["set_id"]
    own_records = {meeting_key, f"companion:set:{set_id}", f"companion:set:{set_id}:roster"}
    elsewhere = {key: value for key, value in after_redis.items() if key not in own_records}
    searched = {
        "redis": (json.dumps(elsewhere, default=str), meeting.secrets()),
        "signal keys": (json.dumps(sorted(signal_keys)), meeting.secrets()),
        "answers": (json.dumps([answer for _, _, answer in answers]), meeting.secrets()),
        "log": (server.log(), meeting.secrets()),
        "set and meeting": (json.dumps([after_redis[k] for k in own_records]), meeting.sessions()),
        "messages": (
            json.dumps([received_since(w, marks[id(w)]) for w in meeting.widgets]),
            meeting.sessions(),
        ),
    }
    for place, (text, hidden) in searched.items():
        leaked = sorted(secret for secret in hidden if secret in text)
        assert not leaked, f"{place} holds {leaked}"
    assert '"command": "send_signal"' in server.log(), "the log was written, and searched"


def test_a_repeat_through_another_server_process_is_still_held_back(
    meeting: SignalMeeting, server_env: dict[str, str], tmp_path: Path
) -> None:
    """Processes sharing an instance (or SECRET_KEY) and Redis compute the same hidden keys, so a
    member cannot dodge the limit by reconnecting to another process."""
    other = ServerProcess(server_env, tmp_path / "other.log").start()
    try:
        ada = meeting.members[0]
        accepted = ada.widget.call("send_signal", {"kind": "refocus"})
        assert accepted.get("ok"), accepted
        elsewhere = Widget(other.url, ada.token)
        try:
            elsewhere.wait_for("welcome")
            answer = elsewhere.call("send_signal", {"kind": "refocus"})
            assert answer.get("error") == "signal_still_counts", answer
            assert elsewhere.call("send_signal", {"kind": "time"}).get("ok")
        finally:
            elsewhere.close()
    finally:
        other.stop()
