"""Where a server process spends its CPU: py-spy sampling the gunicorn worker while a benchmark
measures it, summed up as the frames that hold the most samples (by themselves, and with
everything they call).

py-spy reads the process from outside (``--nonblocking``: it never pauses it), but it still takes
some CPU from the same two cores, so figures measured with ``--profile`` are not the ones to quote.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

PY_SPY = Path(sys.executable).parent / "py-spy"
SAMPLES_PER_SECOND = 100
SHOWN = 15
# A frame that is on (nearly) every stack says nothing about where the time goes.
EVERYWHERE = 0.95
FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


class Profiler:
    """Records ``pid`` into ``path`` (py-spy's raw, collapsed stacks) when given a path."""

    def __init__(self, pid: int, path: Path | None) -> None:
        self.pid = pid
        self.path = path
        self.process: subprocess.Popen[bytes] | None = None
        self.summary: list[str] = []

    def start(self, seconds: float) -> None:
        if self.path is None:
            return
        command = [str(PY_SPY), "record", "--pid", str(self.pid), "--nonblocking", "--gil"]
        command += ["--duration", str(max(1, int(seconds))), "--rate", str(SAMPLES_PER_SECOND)]
        command += ["--format", "raw", "--output", str(self.path)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def finish(self) -> None:
        if self.process is None:
            return
        try:
            _, errors = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, errors = self.process.communicate()
        if self.path is None or not self.path.exists():
            self.summary = [f"py-spy wrote no profile: {errors.decode(errors='replace')[-500:]}"]
            return
        self.summary = summarise(self.path.read_text())


def _frame(text: str) -> str:
    """``function (path/to/module.py:123)`` as ``function (module.py)``: lines apart, one place."""
    match = FRAME.match(text.strip())
    if not match:
        return text.strip()
    return f"{match['function']} ({Path(match['file']).name})"


def summarise(collapsed: str) -> list[str]:
    """The frames holding the most samples, by themselves (self) and with their callees."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count, frames = int(count_text), [_frame(f) for f in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return ["py-spy took no samples"]
    lines = [f"{total} samples of the worker on CPU; self time:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(SHOWN)]
    lines.append("with callees (frames on almost every stack left out):")
    telling = [(f, n) for f, n in inclusive.most_common() if n < EVERYWHERE * total]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in telling[: SHOWN * 2]]
    return lines
