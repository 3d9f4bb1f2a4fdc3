"""Playwright driving Debian's Chromium; the suite never downloads a browser."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Frame,
    Page,
    expect,
    sync_playwright,
)

from tests.support import REPO_ROOT

CHROMIUM = os.environ.get("COMPANION_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"

# The sizes the widget must work at: the Teams side panel's content width, a phone, a desktop.
SIDE_PANEL = {"width": 280, "height": 720}
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}

OpenPage = Callable[..., Page]

# The widget marks itself live, and the version it shows, on the page: tests wait on these.
LIVE = "#connection[data-state=live]"
SHOWS_VERSION = "(version) => Number(document.body.dataset.version || 0) >= version"


def shows_version(page: Page, version: int) -> None:
    """Wait until ``page`` shows ``version`` of the meeting, or a later one."""
    page.wait_for_function(SHOWS_VERSION, arg=version)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """A missing Chromium is a failure, not a skip: CI installs it."""
    assert Path(CHROMIUM).exists(), (
        f"Chromium not found at {CHROMIUM}; run: apt-get install chromium"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """Each call opens a page in its own context: a separate person on a separate device.

    ``phone=True`` emulates a touch phone (375x667, mobile viewport, touch events); any other
    keyword goes to ``browser.new_context`` (``color_scheme="dark"``, say).
    """
    contexts: list[BrowserContext] = []

    def open_page_sized(
        width: int = 1024, height: int = 768, phone: bool = False, **options: Any
    ) -> Page:
        if phone:
            options |= {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
            width, height = PHONE["width"], PHONE["height"]
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: pytest.fail(f"JavaScript error: {error}"))
        return page

    yield open_page_sized
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core from npm (package-lock.json); scripts/test installs it."""
    assert AXE_SCRIPT.exists(), f"{AXE_SCRIPT} is missing; run scripts/test (it runs npm ci)"
    return AXE_SCRIPT.read_text()


def axe_violations(page: Page, axe_script: str) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; returns its violations, each with its nodes.

    Evaluated through the DevTools protocol, which the page's CSP (no inline script) does not
    govern, so the page is tested with its real policy in force.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script)
    return page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ") + " :: " + n.failureSummary),
            }));
        }"""
    )


def assert_no_axe_violations(page: Page, axe_script: str, where: str) -> None:
    violations = axe_violations(page, axe_script)
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    )
    assert not violations, f"axe-core found violations on {where}:\n{report}"


# --- The widget's tabs: a narrow widget shows one panel at a time --------------------------------


def reveal(page: Page | Frame, selector: str) -> None:
    """In a narrow widget, open the tab whose panel holds ``selector``, as a person would."""
    panel = page.locator(".tab-panel", has=page.locator(selector))
    if panel.count() and panel.is_hidden():
        tab = panel.get_attribute("aria-labelledby")
        page.locator(f"#{tab}").click()


def each_tab(page: Page) -> Iterator[str]:
    """Open each of the widget's tabs in turn, yielding its name; a wide widget, which shows
    every panel at once, yields once ("all")."""
    tabs = page.locator('#tab-list [role="tab"]:visible')
    if not page.locator("#tabs").is_visible():
        yield "all"
        return
    for index in range(tabs.count()):
        tab = tabs.nth(index)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        yield tab.inner_text()
    tabs.first.click()
