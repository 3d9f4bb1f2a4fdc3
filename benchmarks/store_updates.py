"""How fast the store commits meeting changes: one writer, then eight writers on one meeting;
then anonymous signals, which also check and set each sender's hidden once-per-window key.

Run: .venv/bin/python -m benchmarks.store_updates [--updates N]
Uses REDIS_URL when set, otherwise a fresh embedded Redis (AOF, fsync always) in a temp folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from companion.clock import now_ms
from companion.domain import rules, shapes, signals
from companion.domain.commands import Command
from companion.domain.model import Roster, RosterEntry
from companion.store import MeetingStore
from companion.store.connection import redis_client
from companion.store.embedded import embedded_redis_for
from companion.store.signal_claims import SignalSender


def open_store() -> tuple[MeetingStore, str]:
    url = os.environ.get("REDIS_URL")
    if url:
        return MeetingStore(redis_client(url)), url
    embedded = embedded_redis_for(tempfile.mkdtemp(prefix="companion-bench-"))
    return MeetingStore(redis_client(embedded.url)), "embedded (AOF, appendfsync always)"


def enrolled(kept: Roster) -> Roster:
    """Seven members on the roster beside the facilitator, as if let in from the lobby."""
    working = shapes.copied(kept)
    for i in range(7):
        working.entries[f"m{i}"] = RosterEntry(f"m{i}", f"P{i}")
    working.version += 1
    return working


def prepared_meeting(store: MeetingStore) -> str:
    learning_set, _, founder_id = store.create_set("Bench", "Fay")
    store.update_roster(learning_set.id, enrolled)
    meeting = store.start_meeting(learning_set.id)
    for n, pid in enumerate([founder_id] + [f"m{i}" for i in range(7)]):
        command = Command("connect", pid, now_ms(), {"connection_id": f"c{n}"})
        store.update_meeting(meeting.id, lambda m, c=command: rules.apply(m, c).meeting)
    return meeting.id


def extend(store: MeetingStore, meeting_id: str, facilitator: str) -> float:
    command = Command("extend_timer", facilitator, now_ms(), {"timer": "meeting", "seconds": 1})
    started = time.perf_counter()
    store.update_meeting(meeting_id, lambda m: rules.apply(m, command).meeting)
    return time.perf_counter() - started


def run(store: MeetingStore, meeting_id: str, writers: int, updates: int) -> list[float]:
    kept = store.load_meeting(meeting_id).roster
    facilitator = next(p.id for p in kept.entries.values() if p.role.value == "facilitator")
    with ThreadPoolExecutor(writers) as pool:
        jobs = [pool.submit(extend, store, meeting_id, facilitator) for _ in range(updates)]
        return [job.result() for job in jobs]


def signal(store: MeetingStore, meeting_id: str, member: str, kind: str) -> float:
    command = Command("send_signal", member, now_ms(), {"kind": kind})
    started = time.perf_counter()
    store.update_meeting(
        meeting_id, lambda m: rules.apply(m, command).meeting, sender=SignalSender(member, kind)
    )
    return time.perf_counter() - started


def run_signals(store: MeetingStore, meeting_id: str, updates: int) -> list[float]:
    """One writer; each of the 7 members sends each kind once, then the facilitator clears the
    counts (untimed) so everyone may send again, as long as it takes."""
    meeting = store.load_meeting(meeting_id)
    facilitator = next(p.id for p in meeting.roster.entries.values() if p.role.value != "member")
    pairs = [(m, k) for k in signals.KINDS for m in meeting.participants if m.startswith("m")]
    seconds: list[float] = []
    while len(seconds) < updates:
        for member, kind in pairs[: updates - len(seconds)]:
            seconds.append(signal(store, meeting_id, member, kind))
        clear = Command("clear_signals", facilitator, now_ms(), {"kind": None})
        store.update_meeting(meeting_id, lambda m, c=clear: rules.apply(m, c).meeting)
    return seconds


def report(label: str, seconds: list[float], wall: float) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(
        f"{label:<22} {len(ms):>6} updates  {len(ms) / wall:>8.0f}/s  "
        f"p50 {statistics.median(ms):6.2f} ms  p95 {p95:6.2f} ms  max {ms[-1]:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=2000)
    updates = parser.parse_args().updates
    store, where = open_store()
    print(f"Redis: {where}")
    for writers in (1, 8):
        meeting_id = prepared_meeting(store)
        started = time.perf_counter()
        seconds = run(store, meeting_id, writers, updates)
        report(f"{writers} writer(s)", seconds, time.perf_counter() - started)
        assert store.load_meeting(meeting_id).version == 8 + 1 + updates  # nothing lost
    meeting_id = prepared_meeting(store)
    started = time.perf_counter()
    seconds = run_signals(store, meeting_id, updates)
    report("signals, 1 writer", seconds, time.perf_counter() - started)


if __name__ == "__main__":
    main()
