"""gunicorn settings for one server with several workers that share one set of metrics.

    PROMETHEUS_MULTIPROC_DIR=/run/companion/metrics \\
        gunicorn -c deploy/gunicorn/multiprocess_metrics.py --workers 2 ... 'companion:create_app()'

Only for several workers under one gunicorn master (the Procfile runs one worker per process, and
each such process serves its own metrics: it needs none of this). Each worker keeps its values in
files in ``PROMETHEUS_MULTIPROC_DIR``, and a scrape of any worker adds up all of them
(prometheus_client's multiprocess mode, docs/operations.md). The directory is this master's alone:
two masters sharing one would each report the other's widgets.

Here, gunicorn's hooks do the bookkeeping that prometheus_client leaves to the server: the files
of a run before are cleared as the master starts (counters would otherwise carry on from them),
and a worker that exits is marked dead, so its widgets and meetings drop out of the gauges while
its counts stay in the totals.
"""

from __future__ import annotations

import glob
import os
from typing import Any

from prometheus_client import multiprocess

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# The files prometheus_client writes there: <type>[_<mode>]_<pid>.db; nothing else is touched.
METRIC_FILES = ("counter_*.db", "gauge_*.db", "histogram_*.db", "summary_*.db")


def _directory() -> str:
    directory = os.environ.get(VARIABLE, "")
    if not directory or not os.path.isdir(directory):
        raise SystemExit(
            f"deploy/gunicorn/multiprocess_metrics.py needs {VARIABLE} set to a directory of this "
            f"server's own, where every worker keeps its metrics; it is {directory!r}."
        )
    return directory


def on_starting(server: Any) -> None:
    """Before any worker: last run's values would add to this one's, and its dead workers' live
    gauges would never drop out."""
    directory = _directory()
    for pattern in METRIC_FILES:
        for path in glob.glob(os.path.join(directory, pattern)):
            os.remove(path)


def child_exit(server: Any, worker: Any) -> None:
    """A worker gone (stopped, crashed or replaced): its gauges no longer count."""
    multiprocess.mark_process_dead(worker.pid, _directory())
