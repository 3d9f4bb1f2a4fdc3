"""The widget page loads one bundle of its modules (companion/static/bundle/widget.js), made by
esbuild from companion/static/widget.js and what it imports. It is committed, so the app needs no
Node at run time; this test fails when it is older than its sources. After changing the widget's
JavaScript, run ``npm run build`` and commit the bundle with the change."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

from tests.support import REPO_ROOT

BUNDLE = REPO_ROOT / "companion" / "static" / "bundle" / "widget.js"
ESBUILD = REPO_ROOT / "node_modules" / ".bin" / "esbuild"


def build_command(outfile: Path) -> list[str]:
    """package.json's own build script, writing elsewhere: the same flags, never a second copy."""
    script = json.loads((REPO_ROOT / "package.json").read_text())["scripts"]["build"]
    words = shlex.split(script)
    assert words[0] == "esbuild" and words[-1].startswith("--outfile=")
    return [str(ESBUILD), *words[1:-1], f"--outfile={outfile}"]


def test_the_committed_bundle_is_what_esbuild_makes_of_the_sources(tmp_path: Path) -> None:
    assert ESBUILD.exists(), "run scripts/test (it runs npm ci) to install esbuild"
    fresh = tmp_path / "widget.js"
    subprocess.run(build_command(fresh), cwd=REPO_ROOT, check=True, capture_output=True)
    assert BUNDLE.read_bytes() == fresh.read_bytes(), "stale bundle: run `npm run build`"


def test_the_widget_page_loads_the_bundle_and_not_the_modules_one_by_one() -> None:
    page = (REPO_ROOT / "companion" / "templates" / "widget.html").read_text()
    assert "bundle/widget.js" in page
    assert "modulepreload" not in page
