"""A live meeting under load: eight Socket.IO clients on a real server process, all clicking.

Measures what a participant feels: the time from sending a command to its acknowledgement, and the
time until every widget in the meeting holds the new state.

Run: .venv/bin/python -m benchmarks.live_commands [--commands N] [--procfile]
Uses REDIS_URL when set, otherwise the embedded Redis in a temp instance folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from tests.support import UNHURRIED, ServerProcess, Widget, close_all, create_set, join_set

CLIENTS = 8


class Meeting:
    def __init__(self, server: ServerProcess) -> None:
        created = create_set(server.url, "Bench", "Fay")
        tokens = [created["facilitator_token"]] + [
            join_set(server.url, created["invite_token"], f"M{n}")["participant_token"]
            for n in range(CLIENTS - 1)
        ]
        self.widgets = [Widget(server.url, token) for token in tokens]
        for widget in self.widgets:
            widget.wait_for("welcome")
        self.arrivals: dict[int, list[float]] = {}
        self.lock = threading.Lock()
        for widget in self.widgets:  # a change arrives as a patch, or whole
            widget.client.on("snapshot", self._arrived)
            widget.client.on("patch", self._arrived)

    def _arrived(self, message: dict) -> None:
        with self.lock:
            self.arrivals.setdefault(message["version"], []).append(time.perf_counter())


def fire(meeting: Meeting, count: int) -> list[tuple[float, float, int]]:
    """The facilitator's widget extends the meeting timer over and over: always accepted."""
    widget, results = meeting.widgets[0], []
    for _ in range(count):
        sent = time.perf_counter()
        answer = widget.call("extend_timer", {"timer": "meeting", "seconds": 1})
        results.append((sent, time.perf_counter(), answer["version"]))
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=1000)
    parser.add_argument("--procfile", action="store_true", help="gunicorn+gevent, as deployed")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="companion-bench-"))
    # One sender sends every command, far past a person's rate limits: measured here is the path
    # of a command, not the limiter refusing it (whose cost is in benchmarks/README.md).
    env = {
        "COMPANION_INSTANCE_PATH": str(folder / "instance"),
        "COMPANION_LOG_LEVEL": "WARNING",
        **UNHURRIED,
    }
    server = ServerProcess(env, folder / "server.log", procfile=options.procfile).start()
    print(
        f"Redis: {os.environ.get('REDIS_URL') or 'embedded'}; server: "
        f"{'gunicorn+gevent (Procfile)' if options.procfile else 'companion serve'}"
    )
    meeting = Meeting(server)
    try:
        started = time.perf_counter()
        results = fire(meeting, options.commands)
        wall = time.perf_counter() - started
        time.sleep(1)
        acks = [(done - sent) * 1000 for sent, done, _ in results]
        everyone = [
            (max(meeting.arrivals[v]) - sent) * 1000
            for sent, _, v in results
            if len(meeting.arrivals.get(v, [])) == CLIENTS
        ]
        print(
            f"{options.commands} commands in {wall:.2f} s: {options.commands / wall:.0f}/s, "
            f"each broadcast to {CLIENTS} widgets"
        )
        print(
            f"ack            p50 {statistics.median(acks):6.2f} ms  "
            f"p95 {percentile(acks, 0.95):6.2f} ms"
        )
        print(
            f"all {CLIENTS} widgets  p50 {statistics.median(everyone):6.2f} ms  "
            f"p95 {percentile(everyone, 0.95):6.2f} ms  "
            f"({len(everyone)}/{len(results)} fully delivered)"
        )
    finally:
        close_all(meeting.widgets)
        server.stop()


if __name__ == "__main__":
    main()
