"""The Teams package's tests: the official manifest schema.

``MicrosoftTeams.schema.json`` is Microsoft's Teams app manifest schema v1.29, copied unchanged
from https://developer.microsoft.com/json-schemas/teams/v1.29/MicrosoftTeams.schema.json (through
``../shared/teams/``), so CI validates against it from a clean clone with no network. It is JSON
Schema draft-04, which has no ``const``: the tests check ``manifestVersion`` themselves.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker

SCHEMA = Path(__file__).resolve().parent / "MicrosoftTeams.schema.json"
PACKAGE_FILES = {"manifest.json", "color.png", "outline.png"}


@pytest.fixture(scope="session")
def manifest_validator() -> Draft4Validator:
    """Not ``check_schema``: one pattern, for Excel custom functions' names, is an ECMAScript
    ``\\p{L}`` that Python's ``re`` cannot compile; no manifest of ours reaches it."""
    schema = json.loads(SCHEMA.read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    return Draft4Validator(schema, format_checker=FormatChecker())


def schema_problems(validator: Draft4Validator, manifest: dict[str, Any]) -> list[str]:
    """Every way ``manifest`` breaks the schema, each with where, for a readable failure."""
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(manifest)
    ]


def unpacked(package: bytes) -> dict[str, bytes]:
    """A package's files by name."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def string_values(value: Any) -> list[str]:
    """Every string anywhere in a JSON value, so no URL in the manifest escapes a check."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in string_values(item)]
    if isinstance(value, list):
        return [text for item in value for text in string_values(item)]
    return [value] if isinstance(value, str) else []
