"""A gunicorn config module that reports the worker's garbage-collection pauses, for
``benchmarks.fanout --gc-pauses``: ``gunicorn -c python:benchmarks.gc_pauses ...``.

A collection stops every greenlet of the worker at once, so one full (generation 2) collection of
a large heap delays every command in flight. Each collection of at least ``REPORTED_MS`` is written
to the server's log with its moment on the machine's monotonic clock, which the benchmark then
sums over its measured interval. Nothing here changes the app; the optional
``BENCH_GC_FREEZE`` / ``BENCH_GC_THRESHOLD`` variables try out a tuning the app does not have.
``BENCH_GC_WATCH=S`` also logs, every S seconds, what the young generation holds: a young
collection's pause grows with that list, which can be far longer than the collector's count.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import time
from collections import Counter
from typing import Any

REPORTED_MS = 1.0
LINE = re.compile(r"^gc-pause gen(?P<gen>\d) (?P<ms>[\d.]+) ms at (?P<at>[\d.]+)$")


def post_worker_init(worker: Any) -> None:
    """After the worker has loaded the app: optionally tune, then start reporting."""
    if os.environ.get("BENCH_GC_THRESHOLD"):
        gc.set_threshold(*(int(n) for n in os.environ["BENCH_GC_THRESHOLD"].split(",")))
    if os.environ.get("BENCH_GC_FREEZE"):
        gc.freeze()  # what the app has built by now is never scanned again
    started: list[float] = [0.0]

    def report(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        took = (time.perf_counter() - started[0]) * 1000
        if took >= REPORTED_MS:
            sys.stderr.write(
                f"gc-pause gen{info['generation']} {took:.2f} ms at {time.monotonic()}\n"
            )

    gc.callbacks.append(report)
    if os.environ.get("BENCH_GC_WATCH"):
        import gevent

        gevent.spawn(watch_young_generation, float(os.environ["BENCH_GC_WATCH"]))


def watch_young_generation(every_seconds: float) -> None:
    import gevent

    while True:
        gevent.sleep(every_seconds)
        young = gc.get_objects(0)
        kinds = Counter(type(found).__name__ for found in young).most_common(8)
        sys.stderr.write(f"gc-young count={gc.get_count()} objects={len(young)} {kinds}\n")
        del young


def pauses(log: str, since: float, until: float) -> dict[str, Any]:
    """Per generation: how many pauses of at least ``REPORTED_MS``, their sum and the longest."""
    found: dict[str, Any] = {}
    for line in log.splitlines():
        match = LINE.match(line.strip())
        if not match or not since <= float(match["at"]) <= until:
            continue
        entry = found.setdefault(f"gen{match['gen']}", {"count": 0, "total_ms": 0.0, "max_ms": 0.0})
        entry["count"] += 1
        entry["total_ms"] = round(entry["total_ms"] + float(match["ms"]), 1)
        entry["max_ms"] = max(entry["max_ms"], float(match["ms"]))
    return found
