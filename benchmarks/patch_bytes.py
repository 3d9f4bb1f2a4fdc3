"""Bytes per delivery: what each widget is sent for each change, as a patch, against the whole
snapshot of the same version that it was sent before patches.

One meeting of 8 real widgets on a real server process, seated and walked to clarifying questions
as the fan-out benchmark does (benchmarks/swarm.py: the same names, the same mix of hands, timers
and signals), then ``--commands`` commands (300 by default, in under a minute). Every delivery of
a measured command's version, at every widget, is weighed as Socket.IO carries it (compact JSON):
the message that came (a patch, or a whole snapshot when the server could not patch), and the
whole snapshot of that version (rebuilt from what the widget holds). Prints the medians and one
JSON line.

Run: .venv/bin/python -m benchmarks.patch_bytes [--commands N]
Uses REDIS_URL when set, otherwise the embedded Redis in a temp instance folder.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from companion.domain.signals import KINDS as SIGNAL_KINDS
from tests.support import (
    UNHURRIED,
    ServerProcess,
    Widget,
    close_all,
    create_set,
    join_set,
    send_accepted,
)

WIDGETS = 8  # 0 the facilitator, 1 the presenter, the rest members who raise hands
RATE = 6.0  # commands a second, and the signals' window: six times the fan-out's pace, so the
WINDOW_SECONDS = 10  # same number of signals count at once (about 18) as in its 60 s window


def wire_bytes(message: dict[str, Any]) -> int:
    return len(orjson.dumps(message))


def seat(server: ServerProcess) -> list[Widget]:
    created = create_set(server.url, "Bench 0", "Fay")
    tokens = [created["facilitator_token"]] + [
        join_set(server.url, created["invite_token"], f"Member {n}")["participant_token"]
        for n in range(1, WIDGETS)
    ]
    widgets = [Widget(server.url, token) for token in tokens]
    fay, presenter = widgets[0], widgets[1]
    send_accepted(fay, "advance_phase")  # check-in
    send_accepted(fay, "advance_phase")  # bidding
    version = send_accepted(presenter, "place_bid", {"title": "Bench issue", "minutes": 20})
    bids = fay.wait_for("snapshot", lambda s: s["version"] >= version)["meeting"]["bids"]
    send_accepted(fay, "accept_bid", {"bid_id": bids[0]["id"]})
    send_accepted(fay, "advance_phase")  # work: presenting
    send_accepted(fay, "advance_phase")  # clarifying questions
    send_accepted(fay, "start_timer", {"timer": "phase", "seconds": 3600})
    return widgets


def drive(widgets: list[Widget], commands: int, seed: int) -> list[int]:
    """swarm.Meeting.next_command's mix (hands 40%, timers 30%, signals 30%, a member's signal of
    a kind never again while it counts), paced so that as many signals count at once as in the
    fan-out: its one command a second with a 60 s window, here RATE a second with WINDOW_SECONDS.
    Returns the versions made."""
    send_accepted(widgets[0], "set_signal_window", {"seconds": WINDOW_SECONDS})
    rng, hands, versions = random.Random(seed), set(), []
    pairs = [(m, k) for m in range(1, WIDGETS) for k in SIGNAL_KINDS]
    signalled: dict[tuple[int, str], float] = {}
    started = time.monotonic()
    for number in range(commands):
        time.sleep(max(0.0, started + number / RATE - time.monotonic()))
        roll, now = rng.random(), time.monotonic()
        pair = pairs[rng.randrange(len(pairs))]
        if roll < 0.15:
            sent = (0, "start_timer", {"timer": "speaker", "seconds": 180})
        elif roll < 0.30:
            sent = (0, "extend_timer", {"timer": "phase", "seconds": 60})
        elif roll < 0.60 and now - signalled.get(pair, -1e9) > WINDOW_SECONDS + 1:
            signalled[pair] = now
            sent = (pair[0], "send_signal", {"kind": pair[1]})
        else:
            asker = rng.randrange(2, WIDGETS)
            sent = (asker, "lower_hand" if asker in hands else "raise_hand", None)
            hands ^= {asker}
        versions.append(send_accepted(widgets[sent[0]], sent[1], sent[2]))
    return versions


def deliveries(widgets: list[Widget], versions: list[int]) -> tuple[list[int], list[int]]:
    """For each widget and measured version: the bytes it was sent, and the whole snapshot's."""
    sent, whole = [], []
    for widget in widgets:
        widget.wait_for("snapshot", lambda s: s["version"] >= versions[-1])
        held = {s["version"]: s for s in widget.received["snapshot"]}
        came = {p["version"]: p for p in widget.received["patch"]}
        for version in versions:
            snapshot = {"type": "snapshot", "version": version, "meeting": held[version]["meeting"]}
            whole.append(wire_bytes(snapshot))
            sent.append(wire_bytes(came[version]) if version in came else whole[-1])
    return sent, whole


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="companion-bench-"))
    env = {"COMPANION_INSTANCE_PATH": str(folder / "instance"), "COMPANION_LOG_LEVEL": "WARNING"}
    server = ServerProcess({**env, **UNHURRIED}, folder / "server.log").start()
    widgets: list[Widget] = []
    try:
        widgets = seat(server)
        versions = drive(widgets, options.commands, options.seed)
        sent, whole = deliveries(widgets, versions)
    finally:
        close_all(widgets)
        server.stop()
    patched = sum(s < w for s, w in zip(sent, whole, strict=True))
    result = {
        "deliveries": len(sent),
        "patched_share": round(patched / len(sent), 3),
        "bytes_per_delivery_median": statistics.median(sent),
        "bytes_per_delivery_p90": statistics.quantiles(sent, n=10)[-1],
        "snapshot_bytes_median": statistics.median(whole),
        "ratio_median": round(statistics.median(sent) / statistics.median(whole), 3),
    }
    median, p90 = result["bytes_per_delivery_median"], result["bytes_per_delivery_p90"]
    print(
        f"{result['deliveries']} deliveries ({WIDGETS} widgets x {len(versions)} commands), "
        f"{result['patched_share']:.0%} as patches: median {median} B (p90 {p90:.0f} B), "
        f"against {result['snapshot_bytes_median']} B for the whole snapshot of each version"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
