"""The live path at scale, beside the bare stacks: many meetings' widgets on one production server.

Three sides, each driven by the same swarm with the same traffic: ours as deployed (the Procfile:
gunicorn + gevent worker, one worker); the floor (benchmarks/bare_server.py: the least a
Flask-SocketIO server can do per command, one GET, one SET and one broadcast of our snapshot's
size, on the same stack); and the Node peer (benchmarks/node_peer/server.js: the same on Node's
Socket.IO 4, the server users would otherwise pick). Each side seats N meetings of M real
Socket.IO widgets, and each meeting clicks at ``--rate`` commands per second (hands, timers,
signals). Measured, after a warm-up: the delay from a command's sending until every widget of its
meeting holds the version it made, lost and out-of-order versions, the server's CPU and memory,
Redis commands per command and the bytes each widget receives per change.

A noisy machine drifts, so the sides take turns: ours, floor, Node, ours, floor, Node, ...
(``--rounds``, 3 by default), each turn a fresh Redis, a fresh server and a fresh swarm with its
own warm-up. Each ratio (ours to the floor, ours to Node) is taken within a round, and reported as
the median of the rounds with its spread (min-max).

Run: .venv/bin/python -m benchmarks.fanout [--meetings 125] [--members 8] [--rate 1]
     [--warmup 15] [--duration 60] [--rounds 3] [--sides ours,floor,node] [--swarm python|node]
     [--pin] [--client-processes 2] [--profile FILE] [--gc-pauses]
The last line printed is one JSON object with every figure: each the median of the rounds, but
for the counts of what went wrong (lost, out of order, timeouts ...), which are summed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis as redis_py

from benchmarks import gc_pauses, node_side
from benchmarks.hotspots import Profiler
from benchmarks.redis_calls import calls_per_command, command_calls
from benchmarks.stack import (
    BARE_APP,
    OUR_APP,
    PAYLOAD_BYTES_VARIABLE,
    Meter,
    PrivateRedis,
    load_average,
    production_server,
    server_env,
    split_cores,
    stop_server,
    worker_pid,
)
from benchmarks.swarm import BARE, OURS, Swarm, Traffic, percentile, spread
from tests.support import ServerProcess

FLOOR, NODE = "floor", "node"
SIDES = (OURS, FLOOR, NODE)
PYTHON_SWARM, NODE_SWARM = "python", "node"
COLLECT_MARGIN_SECONDS = 60.0
DEFAULT_PAYLOAD_BYTES = 4000  # the floor's and the peer's, when ours measured no snapshot
# What went wrong is summed over the rounds (one round's loss must show); the rest is a median.
SUMMED = frozenset(
    {
        "lost",
        "lost_versions",
        "out_of_order",
        "duplicates",
        "timeouts",
        "late_sends",
        "rejected",
        "client_errors",
    }
)
SPREAD_FIGURES = (
    "p50_ms",
    "p99_ms",
    "max_ms",
    "cpu_ms_per_delivery",
    "redis_calls_per_command",
    "bytes_per_delivery",
)
SWARM_BUSY_SHARE = 0.9  # a swarm process using this much of a core cannot be trusted to keep up
# A loop late by this much at p99 is a loaded machine's ordinary jitter, not a swarm falling behind.
SWARM_LAG_NOISE_MS = 10.0


def options(arguments: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=125)
    parser.add_argument("--members", type=int, default=8, help="widgets per meeting (at least 3)")
    parser.add_argument("--rate", type=float, default=1.0, help="commands/s in each meeting")
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds not measured")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured")
    parser.add_argument("--rounds", type=int, default=3, help="turns of every side, alternating")
    parser.add_argument(
        "--sides", default=",".join(SIDES), help=f"which of {','.join(SIDES)}, ours first"
    )
    parser.add_argument("--no-floor", action="store_true", help="measure ours only")
    parser.add_argument("--no-node", action="store_true", help="leave the Node peer out")
    parser.add_argument(
        "--swarm",
        choices=(PYTHON_SWARM, NODE_SWARM),
        default=PYTHON_SWARM,
        help="python-socketio's asyncio clients, or socket.io-client on Node (cheaper)",
    )
    parser.add_argument(
        "--pin", action="store_true", help="the server on the first core, the swarm on the rest"
    )
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="py-spy our worker while measured (to FILE)")
    parser.add_argument(
        "--gc-pauses", action="store_true", help="log the Python workers' collection pauses"
    )
    parsed = parser.parse_args(arguments)
    if parsed.members < 3:
        parser.error("--members must be at least 3: a facilitator, a presenter, someone to ask")
    if parsed.rate * parsed.duration < 1:
        parser.error("--duration must hold at least one command per meeting (rate x duration >= 1)")
    if parsed.rounds < 1:
        parser.error("--rounds must be at least 1")
    parsed.sides = _sides(parser, parsed)
    return parsed


def _sides(parser: argparse.ArgumentParser, parsed: argparse.Namespace) -> tuple[str, ...]:
    sides = tuple(side.strip() for side in parsed.sides.split(",") if side.strip())
    if unknown := set(sides) - set(SIDES):
        parser.error(f"unknown sides: {', '.join(sorted(unknown))}")
    if not sides or sides[0] != OURS or len(set(sides)) != len(sides):
        parser.error("--sides starts with ours and names each side once")
    dropped = {FLOOR, NODE} if parsed.no_floor else {NODE} if parsed.no_node else set()
    return tuple(side for side in sides if side not in dropped)


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


@dataclass
class Observed:
    """What the parent saw of the stack during the measured interval."""

    results: dict[str, Any]
    meters: dict[str, Meter]
    redis_calls: tuple[Counter[str], Counter[str]]  # INFO commandstats before and after
    profile: list[str]
    setup_seconds: float
    since: float
    until: float
    swarm_cores: int
    gc: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Placement:
    """Where the server and the swarm run: on cores of their own (``--pin``), or anywhere."""

    server: tuple[int, ...] = ()
    swarm: tuple[int, ...] = ()

    @classmethod
    def of(cls, settings: argparse.Namespace) -> Placement:
        return cls(*split_cores()) if settings.pin else cls()

    def swarm_cores(self, processes: int) -> int:
        """How many cores the swarm's processes can use between them."""
        return len(self.swarm) if self.swarm else min(processes, os.cpu_count() or 1)

    def described(self) -> str:
        if not self.server:
            return "unpinned"
        return f"server on CPU {_cores(self.server)}, swarm on CPU {_cores(self.swarm)}"


def _cores(cores: tuple[int, ...]) -> str:
    return ",".join(str(core) for core in cores)


def side_server(
    side: str,
    redis: PrivateRedis,
    settings: argparse.Namespace,
    folder: Path,
    payload_bytes: int,
    cpus: tuple[int, ...],
) -> ServerProcess:
    """A fresh server of ``side``, not started: ours or the floor as the Procfile runs them, the
    Node peer as ``node server.js``; the floor and the peer broadcast ``payload_bytes``."""
    log = folder / f"{side}-{time.monotonic_ns()}.log"
    payload = {PAYLOAD_BYTES_VARIABLE: str(payload_bytes)}
    if side == NODE:
        return node_side.node_peer_server(server_env(redis.url, payload), log, cpus)
    probe = f"-c python:{gc_pauses.__name__}" if settings.gc_pauses else ""
    if side == OURS:
        return production_server(OUR_APP, server_env(redis.url, None, probe), log, cpus=cpus)
    return production_server(BARE_APP, server_env(redis.url, payload, probe), log, cpus=cpus)


def side_swarm(
    side: str, url: str, settings: argparse.Namespace, folder: Path, cpus: tuple[int, ...]
) -> Swarm | node_side.NodeSwarm:
    """The swarm for ``side``: ours is driven through its own API, the floor and the Node peer
    through their one ``command`` event; python-socketio's clients, or Node's."""
    kind = OURS if side == OURS else BARE
    shape = (url, kind, settings.meetings, settings.members, settings.client_processes)
    if settings.swarm == NODE_SWARM:
        log = folder / f"swarm-{side}-{time.monotonic_ns()}.log"
        return node_side.NodeSwarm(*shape, log, cpus)
    return Swarm(*shape, cpus=cpus)


def measure(
    side: str,
    redis: PrivateRedis,
    settings: argparse.Namespace,
    folder: Path,
    payload_bytes: int = DEFAULT_PAYLOAD_BYTES,
) -> dict[str, Any]:
    """One side, one swarm, one measured interval; the server stopped whatever happens."""
    placement = Placement.of(settings)
    server = side_server(side, redis, settings, folder, payload_bytes, placement.server)
    try:
        server.start(timeout=60)
        with side_swarm(side, server.url, settings, folder, placement.swarm) as swarm:
            swarm_cores = placement.swarm_cores(len(swarm.pids))
            observed = observe(server, swarm, redis, settings, side, swarm_cores)
    finally:
        stop_server(server)
    if settings.gc_pauses and side != NODE:
        observed.gc = gc_pauses.pauses(server.log(), observed.since, observed.until)
    return {"side": side, **figures(observed, settings)}


def observe(
    server: ServerProcess,
    swarm: Swarm | node_side.NodeSwarm,
    redis: PrivateRedis,
    settings: argparse.Namespace,
    side: str,
    swarm_cores: int,
) -> Observed:
    """Drive the traffic; meter the server, the swarm and Redis (and profile our server when
    asked) from the end of the warm-up to the end of the measured interval."""
    assert server.process is not None
    traffic = Traffic(settings.rate, settings.warmup, settings.duration, settings.seed)
    start_at = time.monotonic() + 1.0
    swarm.ask("traffic", (traffic, start_at))
    since, until = start_at + traffic.warmup, start_at + traffic.warmup + traffic.duration
    sleep_until(since)
    pids = [server.process.pid] + ([] if side == NODE else [worker_pid(server)])
    profiler = Profiler(pids[-1], settings.profile if side == OURS else None)
    meters = {"server": Meter(pids).start(), "clients": Meter(swarm.pids).start()}
    if redis.pid:
        meters["redis"] = Meter([redis.pid]).start()
    with contextlib.closing(redis_py.Redis.from_url(redis.url)) as counter:
        calls_before = command_calls(counter)
        profiler.start(traffic.duration)
        sleep_until(until)
        for meter in meters.values():
            meter.stop()
        calls = (calls_before, command_calls(counter))
    results = swarm.traffic_results(timeout=COLLECT_MARGIN_SECONDS)
    profiler.finish()
    return Observed(
        results, meters, calls, profiler.summary, swarm.setup_seconds, since, until, swarm_cores
    )


def _median(values: list[int]) -> int | None:
    return round(statistics.median(values)) if values else None


def swarm_cpu_share(clients: Meter, seconds: float, cores: int) -> float:
    """How busy the swarm was: its busiest process's share of a core, or all of them together
    over the cores they had, whichever is higher (near 1, the swarm is what runs out)."""
    busiest = max(clients.cpu_seconds_each, default=0.0) / seconds
    return round(max(busiest, clients.cpu_seconds / seconds / max(1, cores)), 3)


def figures(observed: Observed, settings: argparse.Namespace) -> dict[str, Any]:
    results, meters = observed.results, observed.meters
    server, deliveries, commands = meters["server"], results["deliveries"], results["commands"]
    seconds = observed.until - observed.since
    found = {f"{name}_ms": round(value, 2) for name, value in spread(results["everyone_ms"])}
    found |= {f"ack_{name}_ms": round(value, 2) for name, value in spread(results["ack_ms"])}
    lag = results["lag_ms"]
    calls = calls_per_command(None, *observed.redis_calls, commands)
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
        "cpu_share": round(server.cpu_seconds / seconds, 3),
        "cpu_ms_per_delivery": round(1000 * server.cpu_seconds / max(1, deliveries), 4),
        "cpu_ms_per_command": round(1000 * server.cpu_seconds / max(1, commands), 3),
        "peak_rss_mb": round(server.peak_rss / 2**20, 1),
        "client_cpu_seconds": round(meters["clients"].cpu_seconds, 3),
        "swarm": settings.swarm,
        "swarm_cpu_share": swarm_cpu_share(meters["clients"], seconds, observed.swarm_cores),
        "swarm_lag_p99_ms": round(percentile(lag, 0.99), 2) if lag else None,
        "swarm_lag_max_ms": round(max(lag), 2) if lag else None,
        "redis_cpu_seconds": round(meters["redis"].cpu_seconds, 3) if "redis" in meters else None,
        "redis_calls_per_command": calls.total,
        "redis_calls": dict(list(calls.by_name.items())[:12]),
        "snapshot_bytes": _median(results["snapshot_bytes"]),
        "bytes_per_delivery": _median(results["state_bytes"]),
        "client_errors": results["client_errors"],
        "setup_seconds": round(observed.setup_seconds, 1),
    }
    if observed.gc:
        found["gc_pauses"] = observed.gc
    if observed.profile:
        found["profile"] = observed.profile
    return found


def swarm_limited(side: dict[str, Any], allowed_lag_ms: float) -> str | None:
    """Why the swarm, by its own measurements, may not have kept up (None if it did): a process
    near a whole core, its event loop late by ``allowed_lag_ms`` or more at p99, or more than
    1 % of the commands sent over 100 ms after they were due."""
    reasons = []
    if side["swarm_cpu_share"] >= SWARM_BUSY_SHARE:
        reasons.append(f"its CPU at {side['swarm_cpu_share']:.0%} of its cores")
    if (side["swarm_lag_p99_ms"] or 0) >= allowed_lag_ms:
        reasons.append(f"its event loop late by {side['swarm_lag_p99_ms']:.0f} ms at p99")
    if side["late_sends"] > side["commands"] / 100:
        reasons.append(f"{side['late_sends']} commands sent over 100 ms late")
    return "; ".join(reasons) or None


def ratios(ours: dict[str, Any], other: dict[str, Any], suffix: str = "") -> dict[str, Any]:
    """Ours over ``other`` within one round: p99, p50, CPU per delivery."""

    def per_delivery(side: dict[str, Any]) -> float:
        return side["cpu_seconds"] / max(1, side["deliveries"])

    def ratio(mine: float, theirs: float) -> float | None:
        return round(mine / theirs, 3) if _known(mine) and _known(theirs) and theirs else None

    return {
        f"p99_ratio{suffix}": ratio(ours["p99_ms"], other["p99_ms"]),
        f"p50_ratio{suffix}": ratio(ours["p50_ms"], other["p50_ms"]),
        f"cpu_per_delivery_ratio{suffix}": ratio(per_delivery(ours), per_delivery(other)),
    }


def _known(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def median_of(rounds: list[Any], key: str = "") -> Any:
    """The rounds' figures as one: numbers by their median, tallies key by key (a name missing
    from a round counts 0 there), counts of what went wrong (``SUMMED``) added up, text as the
    first round's."""
    present = [value for value in rounds if _known(value)]
    if not present:
        return None
    if all(isinstance(value, dict) for value in present):
        names = dict.fromkeys(name for value in present for name in value)
        return {name: median_of([value.get(name, 0) for value in present], name) for name in names}
    if all(isinstance(value, (int, float)) for value in present):
        if key in SUMMED:
            return sum(present)
        middle = statistics.median(present)
        whole = all(isinstance(value, int) for value in present) and float(middle).is_integer()
        return int(middle) if whole else round(middle, 4)
    return present[0]


def combined(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One side's rounds as one set of figures, every key kept (but the profile's text, and the
    side's name, which the keys' prefix gives)."""
    left_out = {"profile", "side"}
    names = dict.fromkeys(name for found in rounds for name in found if name not in left_out)
    return {name: _combined(name, [found.get(name) for found in rounds]) for name in names}


def _combined(name: str, values: list[Any]) -> Any:
    if name in SUMMED and any(isinstance(value, dict) for value in values):
        return dict(sum((Counter(value) for value in values if value), Counter()))
    return median_of(values, name)


def describe(side: dict[str, Any], settings: argparse.Namespace, label: str) -> None:
    seconds = settings.duration
    print(
        f"{label:9} all widgets  p50 {side['p50_ms']:7.2f}  p90 {side['p90_ms']:7.2f}  "
        f"p99 {side['p99_ms']:7.2f}  max {side['max_ms']:7.2f} ms   "
        f"(ack p50 {side['ack_p50_ms']:.2f}, p99 {side['ack_p99_ms']:.2f} ms)"
    )
    print(
        f"{'':9} {side['commands']} commands, {side['deliveries']} deliveries in {seconds:.0f} s; "
        f"lost {side['lost']}, out of order {side['out_of_order']}, "
        f"rejected {sum(side['rejected'].values())}, timeouts {side['timeouts']}, "
        f"late sends {side['late_sends']}"
    )
    print(
        f"{'':9} server CPU {side['cpu_seconds']:.2f} s ({side['cpu_share']:.0%} of a core, "
        f"{side['cpu_ms_per_delivery']:.3f} ms/delivery), peak RSS {side['peak_rss_mb']:.0f} MB; "
        f"Redis CPU {side['redis_cpu_seconds']} s; {side['bytes_per_delivery']} B per delivery, "
        f"snapshot {side['snapshot_bytes']} B"
    )
    print(
        f"{'':9} swarm ({side['swarm']}): {side['client_cpu_seconds']:.1f} s of CPU, busiest "
        f"{side['swarm_cpu_share']:.0%} of a core, its loop late by {side['swarm_lag_p99_ms']} ms "
        f"at p99 ({side['swarm_lag_max_ms']} max)"
    )
    calls = ", ".join(f"{name} {n:g}" for name, n in side["redis_calls"].items())
    print(f"{'':9} Redis commands per command {side['redis_calls_per_command']:g}: {calls}")
    if "gc_pauses" in side:
        print(f"{'':9} GC pauses of {gc_pauses.REPORTED_MS:g} ms or more: {side['gc_pauses']}")
    for line in side.get("profile", []):
        print(f"{'':9} {line}", flush=True)


def prepare(settings: argparse.Namespace) -> None:
    """What a run needs before its first turn: the Node side's packages, when a Node peer or
    swarm is asked for (so a machine without Node says so at once, not after ours' rounds)."""
    if NODE in settings.sides or settings.swarm == NODE_SWARM:
        node_side.ensure_installed()


def run_rounds(settings: argparse.Namespace, folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Every side in turn, ``--rounds`` times: each turn a Redis, a server and a swarm of its own.
    The floor and the Node peer broadcast the size of ours' first snapshot."""
    prepare(settings)
    measured: dict[str, list[dict[str, Any]]] = {side: [] for side in settings.sides}
    payload_bytes = 0
    for number in range(1, settings.rounds + 1):
        for side in settings.sides:
            with PrivateRedis() as redis:
                broadcast = payload_bytes or DEFAULT_PAYLOAD_BYTES
                found = measure(side, redis, settings, folder, broadcast)
            if side == OURS and not payload_bytes:
                payload_bytes = found["snapshot_bytes"] or DEFAULT_PAYLOAD_BYTES
            measured[side].append(found)
            describe(found, settings, f"{side} {number}/{settings.rounds}")
            allowed_lag_ms = max(SWARM_LAG_NOISE_MS, found["p99_ms"] / 2)
            if reason := swarm_limited(found, allowed_lag_ms):
                print(f"{'':9} the swarm may not have kept up: {reason}", flush=True)
    return measured


def round_ratios(measured: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each round's ratios of ours to the floor (``p99_ratio`` ...) and to Node (``*_to_node``)."""
    found = []
    for number, ours in enumerate(measured[OURS]):
        these: dict[str, Any] = {}
        if FLOOR in measured:
            these |= ratios(ours, measured[FLOOR][number])
        if NODE in measured:
            these |= ratios(ours, measured[NODE][number], "_to_node")
        found.append(these)
    return found


def spreads(
    measured: dict[str, list[dict[str, Any]]], per_round_ratios: list[dict[str, Any]]
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Every ratio and the chief figures of each side, round by round, and as [min, max]."""
    rows: dict[str, list[Any]] = {}
    for name in per_round_ratios[0] if per_round_ratios else {}:
        rows[name] = [these[name] for these in per_round_ratios]
    for side, rounds in measured.items():
        prefix = "" if side == OURS else f"{side}_"
        for name in SPREAD_FIGURES:
            rows[prefix + name] = [found[name] for found in rounds]
    ranges = {}
    for name, values in rows.items():
        known = [value for value in values if value is not None]
        ranges[name] = [min(known), max(known)] if known else None
    return rows, ranges


def print_rounds(medians: dict[str, Any], ranges: dict[str, Any], rows: dict[str, Any]) -> None:
    """Each ratio and chief figure: its median, its spread, and every round's value."""
    for name, values in rows.items():
        low, high = ranges[name] or ("-", "-")
        print(f"{name:34} {medians.get(name)!s:>9}  (spread {low}-{high}; rounds {values})")


def main(arguments: list[str] | None = None) -> dict[str, Any]:
    settings = options(arguments)
    widgets = settings.meetings * settings.members
    folder = Path(tempfile.mkdtemp(prefix="companion-fanout-"))
    before = os.getloadavg()
    print(f"before: {load_average()}; logs in {folder}")
    described_redis = "REDIS_URL" if os.environ.get("REDIS_URL") else "a private redis-server"
    print(
        f"{widgets} widgets ({settings.meetings} meetings x {settings.members}), "
        f"{settings.rate:g} command/s per meeting, {settings.warmup:g} s warm-up + "
        f"{settings.duration:g} s measured; sides {', '.join(settings.sides)} in turn, "
        f"{settings.rounds} rounds; {settings.swarm} swarm, {Placement.of(settings).described()}; "
        f"{described_redis} per turn (no persistence)",
        flush=True,
    )
    measured = run_rounds(settings, folder)
    print(f"after: {load_average()}")
    per_round_ratios = round_ratios(measured)
    rows, ranges = spreads(measured, per_round_ratios)
    report = combined(measured[OURS])
    for side in settings.sides[1:]:
        report |= {f"{side}_{k}": v for k, v in combined(measured[side]).items()}
    report |= {name: median_of(values) for name, values in rows.items() if "ratio" in name}
    print_rounds(report, ranges, rows)
    report |= {
        "spread": ranges,
        "per_round": rows,
        "rounds": settings.rounds,
        "sides": list(settings.sides),
        "pinned": Placement.of(settings).described(),
        "widgets": widgets,
        "meetings": settings.meetings,
        "members": settings.members,
        "rate_per_meeting": settings.rate,
        "warmup_s": settings.warmup,
        "duration_s": settings.duration,
        "client_processes": settings.client_processes,
        "redis": f"{described_redis} per turn",
        "load_average_before": [round(x, 2) for x in before],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
