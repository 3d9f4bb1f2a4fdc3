"""The live path at scale, beside the bare stack: many meetings' widgets on one production server.

Starts our server as deployed (the Procfile: gunicorn + gevent worker, one worker) on a private
Redis (or REDIS_URL), seats N meetings of M real Socket.IO widgets, and has each meeting click at
``--rate`` commands per second (hands, timers, signals). Measures, after a warm-up, the delay from
a command's sending until every widget of its meeting holds the snapshot it made, lost and
out-of-order snapshots, and the server process's CPU and memory. Then the same swarm and traffic
drive the floor (benchmarks/bare_server.py: one GET, one SET, one broadcast of our snapshot's
size, on the same stack), and our figures are given as ratios to it.

Run: .venv/bin/python -m benchmarks.fanout [--meetings 125] [--members 8] [--rate 1]
     [--warmup 15] [--duration 60] [--client-processes 2] [--profile FILE] [--gc-pauses]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import gc_pauses
from benchmarks.hotspots import Profiler
from benchmarks.stack import (
    BARE_APP,
    OUR_APP,
    PAYLOAD_BYTES_VARIABLE,
    Meter,
    PrivateRedis,
    load_average,
    production_server,
    server_env,
    stop_server,
    worker_pid,
)
from benchmarks.swarm import BARE, OURS, Swarm, Traffic, spread
from companion.store.connection import redis_client
from tests.support import ServerProcess

COLLECT_MARGIN_SECONDS = 60.0


def options(arguments: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=125)
    parser.add_argument("--members", type=int, default=8, help="widgets per meeting (at least 3)")
    parser.add_argument("--rate", type=float, default=1.0, help="commands/s in each meeting")
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds not measured")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-floor", action="store_true", help="measure ours only")
    parser.add_argument("--profile", type=Path, help="py-spy our worker while measured (to FILE)")
    parser.add_argument(
        "--gc-pauses", action="store_true", help="log both workers' garbage-collection pauses"
    )
    parsed = parser.parse_args(arguments)
    if parsed.members < 3:
        parser.error("--members must be at least 3: a facilitator, a presenter, someone to ask")
    return parsed


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


@dataclass
class Observed:
    """What the parent saw of the stack during the measured interval."""

    results: dict[str, Any]
    meters: dict[str, Meter]
    redis_calls: Counter[str]
    profile: list[str]
    setup_seconds: float
    since: float
    until: float
    gc: dict[str, Any] = field(default_factory=dict)


def measure(
    kind: str,
    redis: PrivateRedis,
    settings: argparse.Namespace,
    folder: Path,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One server, one swarm, one measured interval; the server stopped whatever happens."""
    app = OUR_APP if kind == OURS else BARE_APP
    probe = f"-c python:{gc_pauses.__name__}" if settings.gc_pauses else ""
    server = production_server(app, server_env(redis.url, extra_env, probe), folder / f"{kind}.log")
    try:
        server.start(timeout=60)
        with Swarm(
            server.url, kind, settings.meetings, settings.members, settings.client_processes
        ) as swarm:
            observed = observe(server, swarm, redis, settings, kind == OURS)
    finally:
        stop_server(server)
    if settings.gc_pauses:
        observed.gc = gc_pauses.pauses(server.log(), observed.since, observed.until)
    return figures(observed)


def observe(
    server: ServerProcess,
    swarm: Swarm,
    redis: PrivateRedis,
    settings: argparse.Namespace,
    profiled: bool,
) -> Observed:
    """Drive the traffic; meter the server, the swarm and Redis (and profile the server when
    asked) from the end of the warm-up to the end of the measured interval."""
    assert server.process is not None
    traffic = Traffic(settings.rate, settings.warmup, settings.duration, settings.seed)
    start_at = time.monotonic() + 1.0
    swarm.ask("traffic", (traffic, start_at))
    since, until = start_at + traffic.warmup, start_at + traffic.warmup + traffic.duration
    sleep_until(since)
    pids = [server.process.pid, worker_pid(server)]
    profiler = Profiler(pids[1], settings.profile if profiled else None)
    meters = {"server": Meter(pids).start(), "clients": Meter(swarm.pids).start()}
    if redis.pid:
        meters["redis"] = Meter([redis.pid]).start()
    calls_before = redis_calls(redis.url)
    profiler.start(traffic.duration)
    sleep_until(until)
    for meter in meters.values():
        meter.stop()
    calls = redis_calls(redis.url) - calls_before
    results = swarm.traffic_results(timeout=COLLECT_MARGIN_SECONDS)
    profiler.finish()
    return Observed(results, meters, calls, profiler.summary, swarm.setup_seconds, since, until)


def redis_calls(url: str) -> Counter[str]:
    """Every command Redis has served so far, by name (``INFO commandstats``): the difference
    over an interval says how many Redis commands each of ours cost (a private Redis serves
    nobody else; a shared REDIS_URL counts its other clients too)."""
    stats = redis_client(url).info("commandstats")
    return Counter({name.removeprefix("cmdstat_"): entry["calls"] for name, entry in stats.items()})


def figures(observed: Observed) -> dict[str, Any]:
    results, meters = observed.results, observed.meters
    server, deliveries, commands = meters["server"], results["deliveries"], results["commands"]
    found = {f"{name}_ms": round(value, 2) for name, value in spread(results["everyone_ms"])}
    found |= {f"ack_{name}_ms": round(value, 2) for name, value in spread(results["ack_ms"])}
    sizes = results["snapshot_bytes"]
    found |= {
        "commands": commands,
        "deliveries": deliveries,
        "lost": results["lost"],
        "lost_versions": results["lost_versions"],
        "out_of_order": results["out_of_order"],
        "duplicates": results["duplicates"],
        "rejected": results["rejected"],
        "timeouts": results["timeouts"],
        "late_sends": results["late"],
        "cpu_seconds": round(server.cpu_seconds, 3),
        "cpu_ms_per_delivery": round(1000 * server.cpu_seconds / max(1, deliveries), 4),
        "cpu_ms_per_command": round(1000 * server.cpu_seconds / max(1, commands), 3),
        "peak_rss_mb": round(server.peak_rss / 2**20, 1),
        "client_cpu_seconds": round(meters["clients"].cpu_seconds, 3),
        "redis_cpu_seconds": round(meters["redis"].cpu_seconds, 3) if "redis" in meters else None,
        "redis_calls_per_command": round(observed.redis_calls.total() / max(1, commands), 2),
        "redis_calls": {
            name: round(calls / max(1, commands), 2)
            for name, calls in observed.redis_calls.most_common(12)
        },
        "snapshot_bytes": round(statistics.median(sizes)) if sizes else None,
        "client_errors": results["client_errors"],
        "setup_seconds": round(observed.setup_seconds, 1),
    }
    if observed.gc:
        found["gc_pauses"] = observed.gc
    if observed.profile:
        found["profile"] = observed.profile
    return found


def ratios(ours: dict[str, Any], floor: dict[str, Any]) -> dict[str, float | None]:
    def per_delivery(side: dict[str, Any]) -> float:
        return side["cpu_seconds"] / max(1, side["deliveries"])

    floor_cpu = per_delivery(floor)
    return {
        "p99_ratio": round(ours["p99_ms"] / floor["p99_ms"], 3) if floor["p99_ms"] else None,
        "p50_ratio": round(ours["p50_ms"] / floor["p50_ms"], 3) if floor["p50_ms"] else None,
        "cpu_per_delivery_ratio": round(per_delivery(ours) / floor_cpu, 3) if floor_cpu else None,
    }


def describe(name: str, side: dict[str, Any], settings: argparse.Namespace) -> None:
    seconds = settings.duration
    print(
        f"{name:5} all widgets  p50 {side['p50_ms']:7.2f}  p90 {side['p90_ms']:7.2f}  "
        f"p99 {side['p99_ms']:7.2f}  max {side['max_ms']:7.2f} ms   "
        f"(ack p50 {side['ack_p50_ms']:.2f}, p99 {side['ack_p99_ms']:.2f} ms)"
    )
    print(
        f"{'':5} {side['commands']} commands, {side['deliveries']} deliveries in {seconds:.0f} s; "
        f"lost {side['lost']}, out of order {side['out_of_order']}, "
        f"rejected {sum(side['rejected'].values())}, timeouts {side['timeouts']}, "
        f"late sends {side['late_sends']}"
    )
    print(
        f"{'':5} server CPU {side['cpu_seconds']:.2f} s ({side['cpu_seconds'] / seconds:.0%} of "
        f"a core, {side['cpu_ms_per_delivery']:.3f} ms/delivery), peak RSS "
        f"{side['peak_rss_mb']:.0f} MB; Redis CPU {side['redis_cpu_seconds']} s; "
        f"clients' CPU {side['client_cpu_seconds']:.1f} s; snapshot {side['snapshot_bytes']} B"
    )
    calls = ", ".join(f"{name} {n:g}" for name, n in side["redis_calls"].items())
    print(f"{'':5} Redis commands per command {side['redis_calls_per_command']:g}: {calls}")
    if "gc_pauses" in side:
        print(f"{'':5} GC pauses of {gc_pauses.REPORTED_MS:g} ms or more: {side['gc_pauses']}")
    for line in side.get("profile", []):
        print(f"{'':5} {line}")


def main(arguments: list[str] | None = None) -> dict[str, Any]:
    settings = options(arguments)
    widgets = settings.meetings * settings.members
    folder = Path(tempfile.mkdtemp(prefix="companion-fanout-"))
    print(f"before: {load_average()}; logs in {folder}")
    with PrivateRedis() as redis:
        print(
            f"{widgets} widgets ({settings.meetings} meetings x {settings.members}), "
            f"{settings.rate:g} command/s per meeting, {settings.warmup:g} s warm-up + "
            f"{settings.duration:g} s measured; gunicorn + gevent (Procfile), {redis.described}"
        )
        ours = measure(OURS, redis, settings, folder)
        describe("ours", ours, settings)
        floor: dict[str, Any] = {}
        if not settings.no_floor:
            payload = {PAYLOAD_BYTES_VARIABLE: str(ours["snapshot_bytes"] or 4000)}
            floor = measure(BARE, redis, settings, folder, payload)
            describe("floor", floor, settings)
    print(f"after: {load_average()}")
    report = {**ours, **({"floor_" + k: v for k, v in floor.items()} if floor else {})}
    report |= ratios(ours, floor) if floor else {}
    report |= {
        "widgets": widgets,
        "meetings": settings.meetings,
        "members": settings.members,
        "rate_per_meeting": settings.rate,
        "warmup_s": settings.warmup,
        "duration_s": settings.duration,
        "client_processes": settings.client_processes,
        "redis": redis.described,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    report.pop("profile", None)
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
