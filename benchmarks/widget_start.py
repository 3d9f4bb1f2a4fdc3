"""How long a phone on a slow connection waits before the widget is live: connected, with the
meeting drawn. Chromium (Debian's), driven by Playwright, throttled through the DevTools protocol.

Profiles (latency is added to every request, both ways together):
- ``slow-3g``: WebPageTest's "3G Slow": 400 ms round trip, 400 kbit/s down and up. The target
  (under 3 s) is set on this one.
- ``devtools-slow-3g``: Chrome DevTools' own "Slow 3G" preset: 2,000 ms and 400 kbit/s at 80 %.
  Every request there costs 2 s on its own, so no page needing more than one round trip after
  its HTML can start within 3 s; it is reported to show how a very poor line fares.

For each profile, a first visit (empty cache) and a second one (the browser's cache kept).

Run: .venv/bin/python -m benchmarks.widget_start [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.support import UNHURRIED, ServerProcess, create_set

KBIT = 1000 / 8  # bytes per second in one kbit/s
PROFILES: dict[str, dict[str, float]] = {
    "slow-3g": {"latency": 400, "download": 400 * KBIT, "upload": 400 * KBIT},
    "devtools-slow-3g": {"latency": 2000, "download": 400 * KBIT * 0.8, "upload": 400 * KBIT * 0.8},
}
# A function, not an expression: the page's policy forbids evaluating strings.
LIVE_AND_DRAWN = (
    "() => document.querySelector('#connection[data-state=live]') !== null"
    " && Number(document.body.dataset.version || 0) > 0"
)


def throttle(page: Page, profile: dict[str, float]) -> None:
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": profile["latency"],
            "downloadThroughput": profile["download"],
            "uploadThroughput": profile["upload"],
        },
    )


def time_to_live(page: Page, url: str) -> float:
    """Milliseconds from the start of navigation to the widget live with the meeting drawn."""
    page.goto("about:blank")
    page.goto(url, wait_until="commit")
    page.wait_for_function(LIVE_AND_DRAWN, timeout=60_000, polling=10)
    return float(page.evaluate("performance.now()"))


def measure(browser: Browser, url: str, profile: dict[str, float]) -> tuple[float, float]:
    """A phone's first visit, then its second with the cache it kept."""
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        throttle(page, profile)
        first = time_to_live(page, url)
        second = time_to_live(page, url)
        return first, second
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="visits per profile (5)")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="widget-start-"))
    env = {"COMPANION_INSTANCE_PATH": str(folder / "instance"), **UNHURRIED}
    server = ServerProcess(env, folder / "server.log").start()
    results: dict[str, Any] = {}
    try:
        created = create_set(server.url, "Ward leaders", "Fay")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            for name, profile in PROFILES.items():
                runs = [
                    measure(browser, created["facilitator_url"], profile)
                    for _ in range(options.runs)
                ]
                results[name] = report(name, runs)
            browser.close()
    finally:
        server.stop()
    print(json.dumps(results))


def report(name: str, runs: list[tuple[float, float]]) -> dict[str, float]:
    first = [run[0] for run in runs]
    second = [run[1] for run in runs]
    summary = {
        "first_median_ms": round(statistics.median(first)),
        "first_max_ms": round(max(first)),
        "second_median_ms": round(statistics.median(second)),
        "second_max_ms": round(max(second)),
    }
    print(
        f"{name:18} first visit median {summary['first_median_ms']:5} ms"
        f" (max {summary['first_max_ms']}), second visit median"
        f" {summary['second_median_ms']:5} ms (max {summary['second_max_ms']})"
    )
    return summary


if __name__ == "__main__":
    main()
