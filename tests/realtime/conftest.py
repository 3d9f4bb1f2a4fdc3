"""Fixtures for tests that talk to a live server over Socket.IO."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import Widget, close_all


@pytest.fixture
def widgets() -> Iterator[list[Widget]]:
    """Widgets a test opens, closed together at the end."""
    opened: list[Widget] = []
    yield opened
    close_all(opened)
