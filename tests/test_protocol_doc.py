"""docs/protocol.md's roles table says exactly what the engine enforces."""

from pathlib import Path

from companion.domain.model import Role
from companion.domain.rules import CLIENT_COMMANDS, COMMANDS
from companion.schemas import COMMAND_SCHEMAS

PROTOCOL = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"
COLUMNS = [Role.FACILITATOR, Role.CO_FACILITATOR, Role.MEMBER, Role.OBSERVER]


def documented_roles() -> dict[str, set[Role]]:
    text = PROTOCOL.read_text()
    table = text.split("<!-- roles-table:start -->")[1].split("<!-- roles-table:end -->")[0]
    rows = [line for line in table.strip().splitlines()[2:]]
    documented = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        event = cells[0].strip("`")
        documented[event] = {role for role, cell in zip(COLUMNS, cells[1:], strict=True) if cell}
    return documented


def test_every_client_command_is_documented_with_its_roles() -> None:
    documented = documented_roles()
    assert set(documented) == set(CLIENT_COMMANDS)
    for event, roles in documented.items():
        assert roles == set(COMMANDS[event].roles), event


def test_every_client_command_has_a_schema_and_nothing_else_does() -> None:
    assert set(COMMAND_SCHEMAS) == set(CLIENT_COMMANDS)
