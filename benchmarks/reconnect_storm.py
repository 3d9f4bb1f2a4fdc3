"""A reconnect storm: the production server restarted under 1,000 connected widgets.

Seats 125 meetings of 8 widgets on ours (the Procfile's gunicorn + gevent worker, on a private
Redis or REDIS_URL), then restarts the server as a deploy does: SIGTERM, wait for it to exit
(gunicorn's graceful shutdown), start it again on the same port. Every widget reconnects by
itself with python-socketio's back-off, set as socket.io-client's in the browser widget: waits of
1 s doubling to 5 s, with jitter, and 20 s for the server to accept each attempt (python-socketio
alone would give it 1 s: ``--connect-timeout 1`` shows what that does to a storm). Measured: from
the SIGTERM until every widget has resynced (been welcomed again and received a fresh snapshot of
its meeting), and each widget's own time.

Run: .venv/bin/python -m benchmarks.reconnect_storm [--meetings 125] [--members 8]
     [--graceful-timeout S]  (instead of the Procfile's)
     [--connect-timeout S]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.stack import (
    OUR_APP,
    PrivateRedis,
    load_average,
    production_server,
    server_env,
    stop_server,
)
from benchmarks.swarm import BROWSER_CONNECT_TIMEOUT_SECONDS, OURS, Swarm, spread
from tests.support import REPO_ROOT, ServerProcess, free_port

RESYNC_TIMEOUT_SECONDS = 120.0
GUNICORN_GRACEFUL_TIMEOUT_SECONDS = 30.0  # gunicorn's own default
SETTLE_SECONDS = 2.0


def options(arguments: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=125)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--graceful-timeout", type=float, help="gunicorn's, in seconds")
    parser.add_argument("--target-s", type=float, default=15.0)
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=BROWSER_CONNECT_TIMEOUT_SECONDS,
        help="seconds a widget waits for the server to accept an attempt",
    )
    return parser.parse_args(arguments)


def graceful_override(seconds: float | None) -> tuple[str, ...]:
    return ("--graceful-timeout", f"{seconds:g}") if seconds else ()


def procfile_graceful_timeout() -> float:
    """How long gunicorn, as deployed, lets the old worker finish before the new one serves."""
    found = re.search(r"--graceful-timeout (\S+)", (REPO_ROOT / "Procfile").read_text())
    return float(found.group(1)) if found else GUNICORN_GRACEFUL_TIMEOUT_SECONDS


def restart(
    server: ServerProcess, env: dict[str, str], log: Path, overrides: tuple[str, ...]
) -> tuple[ServerProcess, dict]:
    """SIGTERM and a new process on the same port; the moments each step took, from the signal."""
    signalled = time.monotonic()
    stop_server(server, timeout=RESYNC_TIMEOUT_SECONDS)
    exited = time.monotonic()
    successor = production_server(OUR_APP, env, log, port=server.port, overrides=overrides)
    successor.start(timeout=RESYNC_TIMEOUT_SECONDS)
    moments = {"old_exited_s": exited - signalled, "new_serving_s": time.monotonic() - signalled}
    return successor, {"signalled": signalled, **moments}


def storm(settings: argparse.Namespace, redis: PrivateRedis, folder: Path) -> dict[str, Any]:
    widgets = settings.meetings * settings.members
    overrides = graceful_override(settings.graceful_timeout)
    env = server_env(redis.url)
    server = production_server(
        OUR_APP, env, folder / "server.log", port=free_port(), overrides=overrides
    )
    try:
        server.start(timeout=60)
        with Swarm(
            server.url,
            OURS,
            settings.meetings,
            settings.members,
            settings.client_processes,
            reconnect=True,
            connect_timeout=settings.connect_timeout,
        ) as swarm:
            time.sleep(SETTLE_SECONDS)
            since = time.monotonic()
            swarm.ask("resync", (since, since + RESYNC_TIMEOUT_SECONDS))
            server, moments = restart(server, env, folder / "server.log", overrides)
            results = swarm.resync_results(timeout=RESYNC_TIMEOUT_SECONDS + 30)
            setup_seconds = swarm.setup_seconds
    finally:
        stop_server(server)
    return figures(results, moments, widgets, setup_seconds, settings)


def figures(
    results: dict[str, Any],
    moments: dict[str, float],
    widgets: int,
    setup_seconds: float,
    settings: argparse.Namespace,
) -> dict[str, Any]:
    """Times in seconds from the SIGTERM (the swarm's clock is the machine's monotonic one);
    ``after_disconnect`` from each widget's own disconnect."""
    resync = results["resync_s"]
    own = [r - d for r, d in zip(results["resync_s"], results["disconnect_s"], strict=True)]
    found = {f"resync_{name}_s": round(v, 2) for name, v in spread(resync)}
    found |= {f"after_disconnect_{name}_s": round(v, 2) for name, v in spread(own)}
    found |= {
        "all_resynced_s": round(max(resync), 2) if resync else None,
        "widgets": widgets,
        "resynced": len(resync),
        "not_resynced": results["not_resynced"],
        "first_disconnect_s": round(min(results["disconnect_s"]), 2) if resync else None,
        "old_exited_s": round(moments["old_exited_s"], 2),
        "new_serving_s": round(moments["new_serving_s"], 2),
        "graceful_timeout_s": settings.graceful_timeout or procfile_graceful_timeout(),
        "connect_timeout_s": settings.connect_timeout,
        "client_errors": results["client_errors"],
        "setup_seconds": round(setup_seconds, 1),
        "target_s": settings.target_s,
    }
    found["met"] = bool(resync) and not found["not_resynced"] and max(resync) < settings.target_s
    return found


def main(arguments: list[str] | None = None) -> dict[str, Any]:
    settings = options(arguments)
    folder = Path(tempfile.mkdtemp(prefix="companion-storm-"))
    print(f"before: {load_average()}; logs in {folder}")
    with PrivateRedis() as redis:
        found = storm(settings, redis, folder)
        found["redis"] = redis.described
    print(
        f"{found['widgets']} widgets; SIGTERM at 0 s: old process gone at "
        f"{found['old_exited_s']} s (first widget cut off at {found['first_disconnect_s']} s), "
        f"new one serving at {found['new_serving_s']} s"
    )
    print(
        f"resynced {found['resynced']}/{found['widgets']}: all by {found['all_resynced_s']} s "
        f"(target {settings.target_s:g} s: {'met' if found['met'] else 'MISSED'}); per widget "
        f"p50 {found['resync_p50_s']} s, max {found['resync_max_s']} s from the SIGTERM, p50 "
        f"{found['after_disconnect_p50_s']} s, max {found['after_disconnect_max_s']} s from its "
        f"own disconnect"
    )
    if found["client_errors"]:
        print(f"the widgets' engineio logged: {found['client_errors']}")
    print(f"after: {load_average()}")
    print(json.dumps(found))
    return found


if __name__ == "__main__":
    main()
