"""A served app sets the garbage collector for one thread carrying every meeting; an app in a
test's threads leaves the collector as Python has it (see companion/collector.py)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from flask import Flask

from companion.collector import THRESHOLDS

SERVED = """
import gevent.monkey
gevent.monkey.patch_all()
import gc, json, sys
from companion import create_app
create_app({"INSTANCE_PATH": sys.argv[1], "REDIS_URL": sys.argv[2] or None})
print(json.dumps({"thresholds": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def test_a_gevent_server_freezes_what_it_built_and_collects_young_objects_rarely(
    tmp_path: Path, redis_url: str
) -> None:
    ran = subprocess.run(
        [sys.executable, "-c", SERVED, str(tmp_path / "instance"), redis_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    settled = json.loads(ran.stdout.strip().splitlines()[-1])
    assert tuple(settled["thresholds"]) == THRESHOLDS
    # The app, its modules and routes: tens of thousands of objects no collection visits again.
    assert settled["frozen"] > 20_000


def test_an_app_in_threads_leaves_the_collector_alone(app: Flask) -> None:
    assert gc.get_threshold() != THRESHOLDS
    assert app.extensions["socketio"].async_mode == "threading"
