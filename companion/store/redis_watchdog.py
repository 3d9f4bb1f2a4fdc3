"""Keeps the embedded redis-server from outliving every app that uses it.

Run as its own small process (``python redis_watchdog.py <redis-server> <config> <users.lock>``),
detached from the app that starts it, so that ``kill -9`` of that app does not take it along. It
starts redis-server in the foreground as its child, then every half second asks the kernel
whether any app still holds the shared users lock: an app holds it for as long as it lives, and
the kernel drops it when the app dies, however it dies. When nobody holds it, the watchdog takes
it, stops redis-server (SIGTERM, on which Redis fsyncs its append-only file and exits) and exits,
keeping the lock until the server is down so that no new app finds a server on its way out. If
the server exits on its own, so does the watchdog; the app that notices starts a new pair.

Only the standard library: this is started once per server, and must start fast and small.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import subprocess
import sys
import time

POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


def main(redis_executable: str, config_path: str, users_lock_path: str) -> int:
    _detach()
    users_lock = os.open(users_lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    watchdog_pid = os.getpid()
    server = subprocess.Popen(
        [redis_executable, config_path],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: _stop_when_parent_dies(watchdog_pid),
    )
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    while server.poll() is None:
        time.sleep(POLL_SECONDS)
        if server.poll() is None and _nobody_holds(users_lock):
            server.terminate()
            server.wait()
    return 0


def _detach() -> None:
    """Fork once more and leave the session, as a daemon does: the app's ``subprocess.run`` returns
    as soon as the first process exits, init adopts the watchdog, and no zombie is left behind in
    the app, nor a signal sent to the app's terminal reaches the server."""
    if os.fork():
        os._exit(0)
    os.setsid()


def _nobody_holds(users_lock: int) -> bool:
    """Apps hold the lock shared; an exclusive one is granted only when none of them is left."""
    try:
        fcntl.flock(users_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _stop_when_parent_dies(watchdog_pid: int) -> None:
    """In the server, before it runs: should the watchdog itself be killed, Linux sends the server
    SIGTERM, so it still does not run on alone."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != watchdog_pid:
        os.kill(os.getpid(), signal.SIGTERM)  # the watchdog died before prctl took hold


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
