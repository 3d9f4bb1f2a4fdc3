"""The knee: how many widgets one production server process carries before a meeting feels slow.

At one command every 5 s in each meeting of 8 widgets (a busy but real meeting), runs
benchmarks.fanout's measurement on ours alone with more and more meetings: doubling until the
p99 delay to every widget of a meeting reaches 100 ms (or an update is lost, or a command gets no
answer), then bisecting between the last size that held and the first that did not. Each trial
gets a fresh server process and a fresh private Redis (or REDIS_URL).

Run: .venv/bin/python -m benchmarks.knee [--start 125] [--max-meetings 2000] [--bisect 2]
     [--rate 0.2] [--members 8] [--limit-ms 100] [--warmup 10] [--duration 30] [--gc-pauses]
The last line printed is one JSON object: ``knee_widgets`` and every trial's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import fanout
from benchmarks.stack import PrivateRedis, load_average
from benchmarks.swarm import OURS

MEETINGS_STEP = 25  # bisection stops at this granularity: 200 widgets of 8


def options(arguments: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", type=int, default=125, help="meetings in the first trial")
    parser.add_argument("--max-meetings", type=int, default=2000)
    parser.add_argument("--bisect", type=int, default=2, help="bisection trials after doubling")
    parser.add_argument("--rate", type=float, default=0.2, help="commands/s in each meeting")
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--limit-ms", type=float, default=100.0, help="p99 that must not be met")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--gc-pauses", action="store_true", help="as benchmarks.fanout's")
    return parser.parse_args(arguments)


def trial(meetings: int, settings: argparse.Namespace, folder: Path) -> dict:
    """One fanout measurement of ours with ``meetings`` meetings, on a Redis of its own (unless
    REDIS_URL is set), so no trial sweeps up after the last one's server; ``held`` says if it
    stayed under the limit with nothing lost and every command answered."""
    arguments = ["--meetings", str(meetings), "--members", str(settings.members)]
    arguments += ["--rate", str(settings.rate), "--warmup", str(settings.warmup)]
    arguments += ["--duration", str(settings.duration), "--no-floor"]
    arguments += ["--client-processes", str(settings.client_processes)]
    arguments += ["--gc-pauses"] if settings.gc_pauses else []
    started = time.monotonic()
    with PrivateRedis() as redis:
        figures = fanout.measure(OURS, redis, fanout.options(arguments), folder)
    held = figures["p99_ms"] < settings.limit_ms and not figures["lost"] and not figures["timeouts"]
    found = {"meetings": meetings, "widgets": meetings * settings.members, "held": held, **figures}
    print(
        f"{found['widgets']:6} widgets: p50 {figures['p50_ms']:7.2f}  p99 {figures['p99_ms']:8.2f}"
        f"  max {figures['max_ms']:8.2f} ms, lost {figures['lost']}, timeouts "
        f"{figures['timeouts']}, server CPU {figures['cpu_seconds'] / settings.duration:.0%} of a "
        f"core, RSS {figures['peak_rss_mb']:.0f} MB{_longest_pause(figures)} -> "
        f"{'held' if held else 'KNEE'} "
        f"({time.monotonic() - started:.0f} s; {load_average()})",
        flush=True,
    )
    return found


def _longest_pause(figures: dict) -> str:
    gen2 = figures.get("gc_pauses", {}).get("gen2")
    return f", {gen2['count']} full GC, longest {gen2['max_ms']:.0f} ms" if gen2 else ""


def search(settings: argparse.Namespace, folder: Path) -> list[dict]:
    """Doubling from ``--start`` until a trial fails (halving if the first one does), then
    ``--bisect`` trials between the largest size that held and the smallest that did not."""
    trials: list[dict] = []

    def holds(meetings: int) -> bool:
        trials.append(trial(meetings, settings, folder))
        return trials[-1]["held"]

    held, failed = (settings.start, 0) if holds(settings.start) else (0, settings.start)
    while held and not failed and held * 2 <= settings.max_meetings:
        held, failed = (held * 2, 0) if holds(held * 2) else (held, held * 2)
    while failed and not held and failed > 1:
        held, failed = (failed // 2, failed) if holds(failed // 2) else (0, failed // 2)
    for _ in range(settings.bisect if held and failed else 0):
        step = MEETINGS_STEP if held >= MEETINGS_STEP else 1
        middle = (held + failed) // 2 // step * step
        if not held < middle < failed:
            break
        held, failed = (middle, failed) if holds(middle) else (held, middle)
    return trials


def main(arguments: list[str] | None = None) -> dict[str, Any]:
    settings = options(arguments)
    folder = Path(tempfile.mkdtemp(prefix="companion-knee-"))
    print(
        f"before: {load_average()}; {settings.members} widgets a meeting, one command every "
        f"{1 / settings.rate:g} s each; knee at p99 >= {settings.limit_ms:g} ms; logs in {folder}"
    )
    trials = search(settings, folder)
    held = [t["widgets"] for t in trials if t["held"]]
    report = {
        "knee_widgets": max(held) if held else 0,
        "first_failing_widgets": min((t["widgets"] for t in trials if not t["held"]), default=None),
        "limit_ms": settings.limit_ms,
        "rate_per_meeting": settings.rate,
        "members": settings.members,
        "warmup_s": settings.warmup,
        "duration_s": settings.duration,
        "redis": "REDIS_URL" if os.environ.get("REDIS_URL") else "a private redis-server a trial",
        "trials": [_brief(t) for t in trials],
    }
    print(f"after: {load_average()}")
    print(json.dumps(report))
    return report


def _brief(found: dict) -> dict:
    keys = ("widgets", "held", "p50_ms", "p99_ms", "max_ms", "lost", "timeouts", "cpu_seconds")
    brief = {key: found[key] for key in (*keys, "peak_rss_mb", "setup_seconds")}
    return brief | ({"gc_pauses": found["gc_pauses"]} if "gc_pauses" in found else {})


if __name__ == "__main__":
    main()
