"""The Teams app package: a zip with manifest.json and the two icons at its root, as Teams wants.

The icons are committed PNGs (drawn by ``scripts/teams-icons``), so building a package needs
nothing beyond the standard library.
"""

from __future__ import annotations

import io
import json
import zipfile
from importlib.resources import files
from typing import Any

from companion.teams.manifest import COLOR_ICON, OUTLINE_ICON

PACKAGE_FILENAME = "als-companion-teams.zip"
# A fixed time for every entry: the same deployment and version give byte-identical packages.
ENTRY_TIME = (1980, 1, 1, 0, 0, 0)


def icon_bytes(name: str) -> bytes:
    """One of the committed icons, read from the installed package."""
    return files("companion.teams").joinpath("icons", name).read_bytes()


def build_package(manifest: dict[str, Any]) -> bytes:
    """The zip's bytes: ``manifest.json``, ``color.png`` and ``outline.png``, nothing else."""
    entries = {
        "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode() + b"\n",
        COLOR_ICON: icon_bytes(COLOR_ICON),
        OUTLINE_ICON: icon_bytes(OUTLINE_ICON),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in entries.items():
            package.writestr(_entry(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    """An entry readable by everyone once unzipped (``rw-r--r--``), dated ``ENTRY_TIME``."""
    entry = zipfile.ZipInfo(name, date_time=ENTRY_TIME)
    entry.external_attr = 0o644 << 16
    return entry
