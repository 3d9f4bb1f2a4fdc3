"""``companion teams-package``, run as people run it: a separate process with arguments."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from tests.support import REPO_ROOT
from tests.teams.conftest import PACKAGE_FILES, schema_problems, unpacked


def companion(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "companion", *map(str, arguments)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_writes_a_package_of_exactly_the_three_files(
    tmp_path: Path, manifest_validator: Draft4Validator
) -> None:
    output = tmp_path / "app.zip"
    base = "https://example.org/als/"
    result = companion("teams-package", "--base-url", base, "--output", output)
    assert result.returncode == 0, result.stderr
    assert str(output) in result.stdout
    files = unpacked(output.read_bytes())
    assert set(files) == PACKAGE_FILES
    manifest = json.loads(files["manifest.json"])
    assert schema_problems(manifest_validator, manifest) == []
    (tab,) = manifest["configurableTabs"]
    assert tab["configurationUrl"] == "https://example.org/als/teams/config"
    assert files["color.png"].startswith(b"\x89PNG") and files["outline.png"].startswith(b"\x89PNG")


def test_packaging_the_same_deployment_again_gives_the_same_bytes(tmp_path: Path) -> None:
    """Same id, same version, same file: re-uploading it updates the app Teams already has."""
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    for output in (first, second):
        base = "https://example.org:8443"
        assert companion("teams-package", "--base-url", base, "--output", output).returncode == 0
    assert first.read_bytes() == second.read_bytes()


def test_the_sso_client_id_turns_sign_in_with_teams_on(
    tmp_path: Path, manifest_validator: Draft4Validator
) -> None:
    output = tmp_path / "app.zip"
    client_id = "6F1E2A47-3C1B-4D5E-9A8F-0B1C2D3E4F50"
    result = companion(
        "teams-package",
        *("--base-url", "https://example.org/als", "--output", output),
        *("--sso-client-id", client_id),
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads(unpacked(output.read_bytes())["manifest.json"])
    assert schema_problems(manifest_validator, manifest) == []
    assert manifest["webApplicationInfo"] == {
        "id": client_id.lower(),
        "resource": f"api://example.org/{client_id.lower()}",
    }


def test_an_sso_client_id_that_is_not_a_guid_is_refused(tmp_path: Path) -> None:
    result = companion(
        "teams-package",
        *("--base-url", "https://example.org", "--output", tmp_path / "app.zip"),
        *("--sso-client-id", "my-app"),
    )
    assert result.returncode == 2
    assert "--sso-client-id" in result.stderr
    assert not (tmp_path / "app.zip").exists()


def test_the_app_id_can_be_given(tmp_path: Path) -> None:
    output = tmp_path / "app.zip"
    app_id = "0F8FAD5B-D9CB-469F-A165-70867728950E"
    result = companion(
        "teams-package", "--base-url", "https://example.org", "--output", output, "--app-id", app_id
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(unpacked(output.read_bytes())["manifest.json"])["id"] == app_id.lower()


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--base-url", "http://example.org"], "HTTPS only"),
        (["--base-url", "https://example.org/?tenant=1"], "no query"),
        (["--base-url", "https://example.org/#tab"], "fragment"),
        (["--base-url", "https://example.org", "--app-id", "not-a-guid"], "invalid UUID value"),
    ],
)
def test_it_refuses_what_teams_cannot_use_with_status_2(
    tmp_path: Path, arguments: list[str], error: str
) -> None:
    output = tmp_path / "app.zip"
    result = companion("teams-package", *arguments, "--output", output)
    assert result.returncode == 2
    (message,) = [line for line in result.stderr.splitlines() if "error:" in line]
    assert message.startswith("companion teams-package: error: argument")
    assert error in message
    assert not output.exists()
