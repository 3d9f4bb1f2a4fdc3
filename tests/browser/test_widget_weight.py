"""A phone on a weak connection loads little: the widget's first load is at most 80 KB over the
wire (text compressed), and a second load costs only revalidations.

Bytes are counted by Chromium itself (the DevTools protocol's ``encodedDataLength``: headers and
compressed bodies as they crossed the network). How long a start takes on a slow connection is
measured in benchmarks/widget_start.py, not here.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.browser.conftest import LIVE, OpenPage
from tests.support import ServerProcess, create_set

FIRST_LOAD_BUDGET_BYTES = 80 * 1024


class WireCounter:
    """Every response's bytes on the wire, by URL, as Chromium's network stack counted them."""

    def __init__(self, page: Page) -> None:
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.statuses: dict[str, int] = {}
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        session.on("Network.responseReceived", self._response)
        session.on("Network.loadingFinished", self._finished)

    def _response(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["response"]["url"]
        self.statuses[event["requestId"]] = event["response"]["status"]

    def _finished(self, event: dict[str, Any]) -> None:
        self.bytes[event["requestId"]] = int(event["encodedDataLength"])

    def total(self) -> int:
        return sum(self.bytes.values())

    def by_url(self) -> dict[str, int]:
        return {self.urls.get(rid, rid): size for rid, size in self.bytes.items()}


def open_widget(page: Page, url: str) -> WireCounter:
    counter = WireCounter(page)
    page.goto(url)
    page.wait_for_selector(LIVE)
    page.wait_for_function("Number(document.body.dataset.version || 0) > 0")
    page.wait_for_load_state("networkidle")
    return counter


def test_the_first_load_of_the_widget_is_at_most_80_kb_and_compressed(
    open_page: OpenPage, live_server: ServerProcess
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    page = open_page(phone=True)
    counter = open_widget(page, created["facilitator_url"])
    sizes = counter.by_url()
    assert counter.total() <= FIRST_LOAD_BUDGET_BYTES, sorted(sizes.items(), key=lambda i: -i[1])
    script = next(size for url, size in sizes.items() if url.endswith("socket.io.min.js"))
    assert script < 20 * 1024, "the 47 KB Socket.IO client travels compressed"
    assert not [url for url in sizes if "teams-js" in url], "Teams' library only when framed"


def test_a_second_load_revalidates_instead_of_downloading_again(
    open_page: OpenPage, live_server: ServerProcess
) -> None:
    created = create_set(live_server.url, "Ward leaders", "Fay")
    page = open_page(phone=True)
    first = open_widget(page, created["facilitator_url"])
    page.goto("about:blank")
    second = open_widget(page, created["facilitator_url"])
    assert second.total() < first.total() / 4, (first.total(), second.total())
    fetched_again = [
        counter_url
        for rid, counter_url in second.urls.items()
        if "/static/" in counter_url
        and second.statuses.get(rid) == 200
        and second.bytes.get(rid, 0) > 1024
    ]
    assert fetched_again == [], "unchanged files come from the cache (304 or kept)"
