"""How many Redis commands one meeting command costs, counted by Redis itself.

Starts our server as deployed (the Procfile: gunicorn + gevent worker) on a private redis-server,
seats one meeting of eight real Socket.IO widgets, walks it to clarifying questions, and sends
each kind of the fan-out benchmark's mix (hands raised and lowered, timers, anonymous signals) one
at a time, reading ``INFO commandstats`` before and after each kind. Redis counts every command a
Lua script runs as well as the script's own ``EVALSHA``, so nothing done on the server's behalf
is hidden; what the server does in the background meanwhile (its heartbeat, the pool's health
checks) counts too.

Run: .venv/bin/python -m benchmarks.redis_calls [--commands N]
The last line printed is one JSON object: the count per command of each kind and of the mix.
``calls_per_command`` is what ``benchmarks.fanout`` uses to count its own runs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from benchmarks.stack import OUR_APP, PrivateRedis, production_server, server_env, stop_server
from companion.domain.signals import KINDS as SIGNAL_KINDS
from tests.support import Widget, close_all, create_set, join_set, send_accepted

MEMBERS = 8
# The fan-out benchmark's mix (benchmarks/swarm.py: Meeting.next_command).
MIX = {"hands": 0.40, "timers": 0.30, "signals": 0.30}
WARM_UP_COMMANDS = 5  # the scripts loaded, every pooled connection opened, before counting
READING = "info"  # the command that reads the counts, counted once by the next reading
SIGNAL_PAIRS = [(member, kind) for member in range(1, MEMBERS) for kind in SIGNAL_KINDS]
SIGNAL_ROUND = len(SIGNAL_PAIRS)  # signals that can all count at once


def command_calls(client: redis.Redis) -> Counter[str]:
    """Every command Redis has served since it started (or since ``CONFIG RESETSTAT``), by name:
    ``INFO commandstats``, where a script's own calls count as well as its ``EVALSHA``."""
    stats = client.info("commandstats")
    return Counter({name.removeprefix("cmdstat_"): entry["calls"] for name, entry in stats.items()})


@dataclass(frozen=True)
class CallsPerCommand:
    """Redis commands per meeting command over an interval: in all, and by Redis command name
    (most first)."""

    total: float
    by_name: dict[str, float]

    def described(self) -> str:
        named = ", ".join(f"{name} {calls:g}" for name, calls in self.by_name.items())
        return f"{self.total:g} ({named})"


def calls_per_command(
    client: redis.Redis | None,
    before: Counter[str],
    after: Counter[str] | None,
    commands: int,
) -> CallsPerCommand:
    """What ``commands`` meeting commands cost between two readings of ``command_calls``; with
    ``after`` None, the second reading is taken now from ``client``. The ``INFO`` that took the
    first reading is not counted (the app itself never sends one). A private Redis serves nobody
    else; a shared one counts its other clients too."""
    if after is None:
        assert client is not None, "no second reading and no client to take it from"
        after = command_calls(client)
    spent = after - before
    spent[READING] -= 1
    spent = +spent  # drops what went to zero
    per = max(1, commands)
    by_name = {name: round(calls / per, 2) for name, calls in spent.most_common()}
    return CallsPerCommand(round(spent.total() / per, 2), by_name)


class CountedMeeting:
    """One meeting of eight widgets at clarifying questions, as the fan-out swarm seats it."""

    def __init__(self, base_url: str) -> None:
        created = create_set(base_url, "Counted", "Fay")
        tokens = [created["facilitator_token"]] + [
            join_set(base_url, created["invite_token"], f"Member {n}")["participant_token"]
            for n in range(1, MEMBERS)
        ]
        self.widgets = [Widget(base_url, token) for token in tokens]
        for widget in self.widgets:
            widget.wait_for("welcome")
        self.hands: set[int] = set()
        self.signal_round = 0
        self._open_questions()

    def _open_questions(self) -> None:
        facilitator, presenter = self.widgets[0], self.widgets[1]
        send_accepted(facilitator, "advance_phase")  # check-in
        send_accepted(facilitator, "advance_phase")  # bidding
        version = send_accepted(presenter, "place_bid", {"title": "Counted issue", "minutes": 20})
        snapshot = facilitator.wait_for("snapshot", lambda s: s["version"] >= version)
        bid_id = snapshot["meeting"]["bids"][0]["id"]
        send_accepted(facilitator, "accept_bid", {"bid_id": bid_id})
        send_accepted(facilitator, "advance_phase")  # work
        send_accepted(facilitator, "advance_phase")  # clarifying questions
        send_accepted(facilitator, "start_timer", {"timer": "phase", "seconds": 3600})

    def hand(self, n: int) -> None:
        """Members 2.. raise and lower their hands in turn (member 1 presents)."""
        asker = 2 + n % (MEMBERS - 2)
        event = "lower_hand" if asker in self.hands else "raise_hand"
        send_accepted(self.widgets[asker], event)
        self.hands.symmetric_difference_update({asker})

    def timer(self, n: int) -> None:
        if n % 2:
            send_accepted(self.widgets[0], "extend_timer", {"timer": "phase", "seconds": 60})
        else:
            send_accepted(self.widgets[0], "start_timer", {"timer": "speaker", "seconds": 180})

    def signal(self, n: int) -> None:
        """Each member's each kind once per round; the counts are cleared between rounds, so that
        every signal sent counts (``clear_signals``, outside the count)."""
        member, kind = SIGNAL_PAIRS[n % SIGNAL_ROUND]
        send_accepted(self.widgets[member], "send_signal", {"kind": kind})

    def clear_signals(self) -> None:
        """Every member has sent every kind: cleared, each may send each again."""
        send_accepted(self.widgets[0], "clear_signals", {"kind": None})

    def close(self) -> None:
        close_all(self.widgets)


def count(
    client: redis.Redis,
    send: Callable[[int], None],
    commands: int,
    every: int = 0,
    uncounted: Callable[[], None] | None = None,
) -> CallsPerCommand:
    """Sends ``commands`` commands, counting them; every ``every`` commands, ``uncounted`` runs
    between two readings, outside the count."""
    spent: Counter[str] = Counter()
    before = command_calls(client)
    for n in range(commands):
        if uncounted is not None and n and n % every == 0:
            spent += command_calls(client) - before
            spent[READING] -= 1
            uncounted()
            before = command_calls(client)
        send(n)
    spent += command_calls(client) - before
    return calls_per_command(None, Counter(), spent, commands)


def measure(base_url: str, client: redis.Redis, commands: int) -> dict[str, CallsPerCommand]:
    meeting = CountedMeeting(base_url)
    try:
        for n in range(WARM_UP_COMMANDS):
            meeting.hand(n)
            meeting.timer(n)
        return {
            "hands": count(client, meeting.hand, commands),
            "timers": count(client, meeting.timer, commands),
            "signals": count(client, meeting.signal, commands, SIGNAL_ROUND, meeting.clear_signals),
        }
    finally:
        meeting.close()


def mixed(kinds: dict[str, CallsPerCommand]) -> CallsPerCommand:
    """The fan-out benchmark's mix of the kinds, weighted as it sends them."""
    names: Counter[str] = Counter()
    for kind, share in MIX.items():
        for name, calls in kinds[kind].by_name.items():
            names[name] += share * calls
    by_name = {name: round(calls, 2) for name, calls in names.most_common()}
    return CallsPerCommand(round(sum(names.values()), 2), by_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=200, help="commands of each kind")
    commands = parser.parse_args().commands
    folder = Path(tempfile.mkdtemp(prefix="companion-bench-calls-"))
    with PrivateRedis() as private:
        server = production_server(OUR_APP, server_env(private.url), folder / "server.log")
        try:
            server.start(timeout=60)
            kinds = measure(server.url, redis.Redis.from_url(private.url), commands)
        finally:
            stop_server(server)
    print(f"Redis: {private.described}; {commands} commands of each kind, one at a time")
    kinds["mix"] = mixed(kinds)
    for kind, found in kinds.items():
        print(f"{kind:<8} {found.described()}")
    summary: dict[str, Any] = {
        kind: {"per_command": found.total, "by_name": found.by_name}
        for kind, found in kinds.items()
    }
    print(json.dumps({"redis_calls_per_command": kinds["mix"].total, "kinds": summary}))


if __name__ == "__main__":
    main()
