"""The icons: the sizes and modes Teams requires, and the same design the script draws."""

from __future__ import annotations

import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from companion.teams.package import icon_bytes
from tests.support import REPO_ROOT

BLUE = (0x28, 0x57, 0xA4)


def icon(name: str) -> Image.Image:
    image = Image.open(io.BytesIO(icon_bytes(name)))
    image.load()
    return image


def pixels(image: Image.Image) -> list[tuple[int, ...]]:
    """Each pixel's channels (``getdata`` is deprecated in recent Pillow)."""
    data, bands = image.tobytes(), len(image.getbands())
    return [tuple(data[i : i + bands]) for i in range(0, len(data), bands)]


def test_the_color_icon_is_192_pixels_square_and_opaque_in_full_colour() -> None:
    color = icon("color.png")
    assert color.format == "PNG"
    assert color.size == (192, 192)
    assert color.mode == "RGB", "no transparency: Teams shows it on its own background"
    counts = Counter(pixels(color))
    assert counts.most_common(1)[0][0] == BLUE, "the favicon's blue is the background"
    assert counts[(255, 255, 255)] > 192 * 192 // 20, "white dots, not a blank square"


def test_the_outline_icon_is_32_pixels_white_on_transparent() -> None:
    outline = icon("outline.png")
    assert outline.format == "PNG"
    assert outline.size == (32, 32)
    assert outline.mode == "RGBA"
    all_pixels = pixels(outline)
    not_white = [p for p in all_pixels if p[3] > 0 and p[:3] != (255, 255, 255)]
    assert not_white == [], "every visible pixel is white, only its alpha varies"
    transparent = sum(1 for p in all_pixels if p[3] == 0)
    solid = sum(1 for p in all_pixels if p[3] == 255)
    assert transparent > 32 * 32 // 2, "the background is fully transparent"
    assert solid > 32 * 32 // 10, "the dots are drawn, and drawn solid"


@pytest.mark.parametrize("name", ["color.png", "outline.png"])
def test_the_script_draws_the_committed_icons(tmp_path: Path, name: str) -> None:
    """Committed and drawn agree, so the PNGs can always be remade from scripts/teams-icons
    (within a few levels of grey at the edges, should Pillow's drawing change)."""
    script = REPO_ROOT / "scripts" / "teams-icons"
    subprocess.run([sys.executable, script, "--output", tmp_path], check=True, capture_output=True)
    drawn = Image.open(tmp_path / name)
    committed = icon(name)
    assert (drawn.size, drawn.mode) == (committed.size, committed.mode)
    difference = ImageChops.difference(drawn, committed).getextrema()
    assert max(high for _, high in difference) <= 16, difference
