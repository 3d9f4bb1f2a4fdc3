"""The widget page loads one bundle of its modules (companion/static/bundle/widget.js), made by
esbuild from companion/static/widget.js and what it imports; the stage view's page loads its own
(bundle/stage.js, from companion/static/stage.js), so neither carries the other's code. They are
committed, so the app needs no Node at run time; this test fails when one is older than its
sources. After changing the JavaScript, run ``npm run build`` and commit the bundles with it."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

from tests.support import REPO_ROOT

BUNDLES = REPO_ROOT / "companion" / "static" / "bundle"
ENTRIES = ("widget.js", "stage.js")
ESBUILD = REPO_ROOT / "node_modules" / ".bin" / "esbuild"


def build_command(outdir: Path) -> list[str]:
    """package.json's own build script, writing elsewhere: the same flags, never a second copy."""
    script = json.loads((REPO_ROOT / "package.json").read_text())["scripts"]["build"]
    words = shlex.split(script)
    assert words[0] == "esbuild" and words[-1].startswith("--outdir=")
    return [str(ESBUILD), *words[1:-1], f"--outdir={outdir}"]


def test_the_committed_bundles_are_what_esbuild_makes_of_the_sources(tmp_path: Path) -> None:
    assert ESBUILD.exists(), "run scripts/test (it runs npm ci) to install esbuild"
    subprocess.run(build_command(tmp_path), cwd=REPO_ROOT, check=True, capture_output=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(ENTRIES)
    for name in ENTRIES:
        fresh = (tmp_path / name).read_bytes()
        assert (BUNDLES / name).read_bytes() == fresh, f"stale {name}: run `npm run build`"


def test_the_widget_page_loads_the_bundle_and_not_the_modules_one_by_one() -> None:
    page = (REPO_ROOT / "companion" / "templates" / "widget.html").read_text()
    assert "bundle/widget.js" in page
    assert "modulepreload" not in page


def test_the_stage_page_loads_its_own_bundle_and_not_the_widgets() -> None:
    page = (REPO_ROOT / "companion" / "templates" / "stage.html").read_text()
    assert "bundle/stage.js" in page
    assert "bundle/widget.js" not in page
