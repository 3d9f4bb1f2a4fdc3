"""The knee: how many widgets one production server process carries before a meeting feels slow.

At one command every 5 s in each meeting of 8 widgets (a busy but real meeting), runs
benchmarks.fanout's measurement with more and more meetings: doubling until the p99 delay to
every widget of a meeting reaches 100 ms (or an update is lost, or a command gets no answer), then
bisecting between the last size that held and the first that did not. It searches for ours and
then, in the same sitting, for the floor (benchmarks/bare_server.py). Each trial gets a fresh
server process and a fresh private Redis (or REDIS_URL).

On a 2-core machine the swarm would otherwise take the server's CPU: the server is pinned to the
first core and the swarm to the others (``taskset -c``; ``--no-pin`` to leave them be), and the
swarm is Node's socket.io-client (``--swarm node``), which costs far less per widget than
python-socketio's. A trial that fails while the swarm, by its own measurements, could not keep
up (a swarm process near a whole core, its event loop late by a quarter of the limit at p99, or
over 1 % of the commands sent late) says so and ends that side's search: beyond it the figures
are the swarm's, not the server's.

Run: .venv/bin/python -m benchmarks.knee [--start 125] [--max-meetings 2000] [--bisect 2]
     [--rate 0.2] [--members 8] [--limit-ms 100] [--warmup 10] [--duration 30]
     [--sides ours,floor] [--swarm node|python] [--no-pin] [--gc-pauses]
The last line printed is one JSON object: ``knee_widgets`` (ours), ``floor_knee_widgets``, where
the swarm was the limit, and every trial's figures.
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
HELD, KNEE, SWARM_LIMITED = "held", "KNEE", "SWARM LIMIT"


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
    parser.add_argument("--sides", default=f"{OURS},{fanout.FLOOR}", help="searched in turn")
    parser.add_argument(
        "--swarm", choices=(fanout.NODE_SWARM, fanout.PYTHON_SWARM), default=fanout.NODE_SWARM
    )
    parser.add_argument("--no-pin", action="store_true", help="let server and swarm share cores")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--gc-pauses", action="store_true", help="as benchmarks.fanout's")
    parsed = parser.parse_args(arguments)
    if parsed.rate * parsed.duration < 1:
        parser.error("--duration must hold at least one command per meeting (rate x duration >= 1)")
    parsed.sides = tuple(side.strip() for side in parsed.sides.split(",") if side.strip())
    if unknown := set(parsed.sides) - set(fanout.SIDES):
        parser.error(f"unknown sides: {', '.join(sorted(unknown))}")
    return parsed


def fanout_settings(meetings: int, settings: argparse.Namespace) -> argparse.Namespace:
    """benchmarks.fanout's options for one trial of ``meetings`` meetings."""
    arguments = ["--meetings", str(meetings), "--members", str(settings.members)]
    arguments += ["--rate", str(settings.rate), "--warmup", str(settings.warmup)]
    arguments += ["--duration", str(settings.duration), "--rounds", "1"]
    arguments += ["--client-processes", str(settings.client_processes)]
    arguments += ["--swarm", settings.swarm]
    arguments += [] if settings.no_pin else ["--pin"]
    arguments += ["--gc-pauses"] if settings.gc_pauses else []
    return fanout.options(arguments)


def trial(
    side: str, meetings: int, settings: argparse.Namespace, folder: Path, payload_bytes: int
) -> dict[str, Any]:
    """One fanout measurement of ``side`` with ``meetings`` meetings, on a Redis of its own
    (unless REDIS_URL is set), so no trial sweeps up after the last one's server. ``verdict``:
    held (under the limit, nothing lost, every command answered), KNEE, or SWARM LIMIT (failed
    while the swarm could not keep up)."""
    started = time.monotonic()
    with PrivateRedis() as redis:
        figures = fanout.measure(
            side, redis, fanout_settings(meetings, settings), folder, payload_bytes
        )
    held = figures["p99_ms"] < settings.limit_ms and not figures["lost"] and not figures["timeouts"]
    limited = None if held else fanout.swarm_limited(figures, settings.limit_ms / 4)
    verdict = HELD if held else SWARM_LIMITED if limited else KNEE
    found = {
        "meetings": meetings,
        "widgets": meetings * settings.members,
        "held": held,
        "verdict": verdict,
        "swarm_limited": limited,
        **figures,
    }
    print(
        f"{side:5} {found['widgets']:6} widgets: p50 {figures['p50_ms']:7.2f}  p99 "
        f"{figures['p99_ms']:8.2f}  max {figures['max_ms']:8.2f} ms, lost {figures['lost']}, "
        f"timeouts {figures['timeouts']}, server {figures['cpu_share']:.0%} of a core, RSS "
        f"{figures['peak_rss_mb']:.0f} MB{_longest_pause(figures)}; swarm "
        f"{figures['swarm_cpu_share']:.0%} of a core, late {figures['swarm_lag_p99_ms']} ms p99, "
        f"{figures['late_sends']} late sends -> {verdict}"
        f"{f' ({limited})' if limited else ''} "
        f"({time.monotonic() - started:.0f} s; {load_average()})",
        flush=True,
    )
    return found


def _longest_pause(figures: dict[str, Any]) -> str:
    gen2 = figures.get("gc_pauses", {}).get("gen2")
    return f", {gen2['count']} full GC, longest {gen2['max_ms']:.0f} ms" if gen2 else ""


def search(
    side: str, settings: argparse.Namespace, folder: Path, payload_bytes: int
) -> list[dict[str, Any]]:
    """Doubling from ``--start`` until a trial fails (halving if the first one does), then
    ``--bisect`` trials between the largest size that held and the smallest that did not. A
    failure the swarm caused ends the search: nothing past it measures the server."""
    trials: list[dict[str, Any]] = []

    def holds(meetings: int) -> bool:
        trials.append(trial(side, meetings, settings, folder, payload_bytes))
        return trials[-1]["held"]

    def swarm_bound() -> bool:
        return trials[-1]["verdict"] == SWARM_LIMITED

    held, failed = (settings.start, 0) if holds(settings.start) else (0, settings.start)
    while held and not failed and held * 2 <= settings.max_meetings:
        held, failed = (held * 2, 0) if holds(held * 2) else (held, held * 2)
    while failed and not held and failed > 1 and not swarm_bound():
        held, failed = (failed // 2, failed) if holds(failed // 2) else (0, failed // 2)
    for _ in range(settings.bisect if held and failed else 0):
        step = MEETINGS_STEP if held >= MEETINGS_STEP else 1
        middle = (held + failed) // 2 // step * step
        if not held < middle < failed or swarm_bound():
            break
        held, failed = (middle, failed) if holds(middle) else (held, middle)
    return trials


def side_report(side: str, trials: list[dict[str, Any]]) -> dict[str, Any]:
    """The knee of one side, and where (and why) the swarm could not keep up, if it could not."""
    prefix = "" if side == OURS else f"{side}_"
    held = [t["widgets"] for t in trials if t["held"]]
    failing = [t for t in trials if not t["held"]]
    swarm_bound = [t for t in failing if t["verdict"] == SWARM_LIMITED]
    return {
        f"{prefix}knee_widgets": max(held) if held else 0,
        f"{prefix}first_failing_widgets": min((t["widgets"] for t in failing), default=None),
        f"{prefix}swarm_limit_widgets": min((t["widgets"] for t in swarm_bound), default=None),
        f"{prefix}swarm_limit_reason": swarm_bound[0]["swarm_limited"] if swarm_bound else None,
    }


def main(arguments: list[str] | None = None) -> dict[str, Any]:
    settings = options(arguments)
    folder = Path(tempfile.mkdtemp(prefix="companion-knee-"))
    placement = fanout.Placement.of(fanout_settings(settings.start, settings))
    print(
        f"before: {load_average()}; {settings.members} widgets a meeting, one command every "
        f"{1 / settings.rate:g} s each; knee at p99 >= {settings.limit_ms:g} ms; sides "
        f"{', '.join(settings.sides)}; {settings.swarm} swarm, {placement.described()}; "
        f"logs in {folder}",
        flush=True,
    )
    fanout.prepare(argparse.Namespace(sides=settings.sides, swarm=settings.swarm))
    report: dict[str, Any] = {}
    trials: list[dict[str, Any]] = []
    payload_bytes = fanout.DEFAULT_PAYLOAD_BYTES
    for side in settings.sides:
        found = search(side, settings, folder, payload_bytes)
        if side == OURS:  # the floor broadcasts what ours' snapshot weighs
            payload_bytes = found[0]["snapshot_bytes"] or payload_bytes
        report |= side_report(side, found)
        trials += found
    report |= {
        "limit_ms": settings.limit_ms,
        "rate_per_meeting": settings.rate,
        "members": settings.members,
        "warmup_s": settings.warmup,
        "duration_s": settings.duration,
        "sides": list(settings.sides),
        "swarm": settings.swarm,
        "pinned": placement.described(),
        "redis": "REDIS_URL" if os.environ.get("REDIS_URL") else "a private redis-server a trial",
        "trials": [_brief(t) for t in trials],
    }
    print(f"after: {load_average()}")
    print(json.dumps(report))
    return report


BRIEF_KEYS = (
    "side",
    "widgets",
    "held",
    "verdict",
    "p50_ms",
    "p99_ms",
    "max_ms",
    "lost",
    "timeouts",
    "cpu_seconds",
    "cpu_share",
    "peak_rss_mb",
    "setup_seconds",
    "swarm_cpu_share",
    "swarm_lag_p99_ms",
    "swarm_lag_max_ms",
    "late_sends",
    "client_cpu_seconds",
    "swarm_limited",
)


def _brief(found: dict[str, Any]) -> dict[str, Any]:
    brief = {key: found[key] for key in BRIEF_KEYS}
    return brief | ({"gc_pauses": found["gc_pauses"]} if "gc_pauses" in found else {})


if __name__ == "__main__":
    main()
