"""Server time: the one clock every deadline and bid arrival is read against."""

from __future__ import annotations

import time


def now_ms() -> int:
    """Epoch milliseconds. Widgets show deadlines against it, corrected by their own offset."""
    return time.time_ns() // 1_000_000
