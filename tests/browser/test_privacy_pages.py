"""The privacy and terms pages pass axe-core in every theme, at the Teams side panel's width too.

Teams shows them from the app's listing, and people open them from a phone as often as from a
desk, so each page is checked in each theme at one of the widget's sizes, the way
test_accessibility.py checks the other pages.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    SIDE_PANEL,
    OpenPage,
    assert_no_axe_violations,
)
from tests.support import ServerProcess

# Theme query (as Teams sets it, or none for the OS preference) and how the browser is opened.
THEMES: dict[str, tuple[str, dict[str, Any]]] = {
    "light": ("?theme=light", {"viewport": DESKTOP}),
    "dark": ("?theme=dark", {"viewport": SIDE_PANEL}),
    "contrast": ("?theme=contrast", {"viewport": PHONE}),
    "os-dark": ("", {"viewport": SIDE_PANEL, "color_scheme": "dark"}),
}
PAGES = {"/privacy": "Privacy", "/terms": "Terms of use"}
SCROLLS_SIDEWAYS = "() => document.body.scrollWidth > window.innerWidth"


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("path", PAGES)
def test_the_page_has_no_axe_violations_and_fits_its_width(
    live_server: ServerProcess, open_page: OpenPage, axe_script: str, path: str, theme: str
) -> None:
    query, options = THEMES[theme][0], dict(THEMES[theme][1])
    viewport = options.pop("viewport")
    page = open_page(viewport["width"], viewport["height"], **options)
    page.goto(f"{live_server.url}{path}{query}")
    assert page.get_by_role("heading", level=1).inner_text() == PAGES[path]
    expected_theme = query.removeprefix("?theme=") or None
    assert page.evaluate("document.documentElement.dataset.theme || null") == expected_theme
    assert not page.evaluate(SCROLLS_SIDEWAYS), f"{path} scrolls sideways at {viewport}"
    assert_no_axe_violations(page, axe_script, f"{path} in the {theme} theme")
