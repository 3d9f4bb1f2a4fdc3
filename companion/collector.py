"""The garbage collector, set for a process that serves every meeting on one thread.

Under gevent one thread carries every widget of the process, so while Python's cycle collector
runs, every meeting waits. Left at its defaults it ran a young collection every 700 new objects,
kept promoting the objects of commands still in flight, and so reached a full collection of the
whole heap (a quarter of a million objects with 1,000 widgets) every few seconds: 100 to 200 ms
during which nothing was delivered (docs/performance.md).
"""

from __future__ import annotations

import gc

# Almost everything a command makes is freed by reference counting as soon as it is done; the
# collector is only needed for the few cycles left behind (werkzeug's route matcher leaves one per
# request). Young collections this far apart see few commands in flight, so little is promoted.
THRESHOLDS = (50_000, 20, 10)


def settle_for_serving() -> None:
    """Called once the app is built, before it serves. What exists by now (modules, the app, its
    routes and schemas) lives as long as the process, so it is frozen out of every later
    collection; what the first collection finds unreachable goes first, so nothing is frozen in
    that could have been freed."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
