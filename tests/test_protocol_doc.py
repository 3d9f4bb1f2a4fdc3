"""docs/protocol.md's roles table says exactly what the engine enforces.

The table has a column for each kind of sender: the four roles of a meeting, the presenter (a
member whose bid is being worked on), and four who are never allowed anything (the last, a stage
view, is refused every command as ``read_only``: tests/realtime/test_stage.py). ``roles_table``
is the one parser of it; tests/realtime/test_authorisation_matrix.py checks the same table
against a running server.
"""

from pathlib import Path

from companion.domain import roster, rules
from companion.domain.model import Role
from companion.schemas import COMMAND_SCHEMAS

# What a widget may send: the meeting's commands, and the lobby's, which change the roster alone.
CLIENT_COMMANDS = rules.CLIENT_COMMANDS | roster.LOBBY_COMMANDS
COMMANDS = {**roster.COMMANDS, **rules.COMMANDS}

PROTOCOL = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"
TICK = "✓"
# Each column, and the role the rules know its senders by: the presenter is a member to the
# rules (only some rules look further), and the last four never get past the gate at all.
COLUMN_ROLES: dict[str, frozenset[Role]] = {
    "Facilitator": frozenset({Role.FACILITATOR}),
    "Co-facilitator": frozenset({Role.CO_FACILITATOR}),
    "Member": frozenset({Role.MEMBER}),
    "Presenter": frozenset({Role.MEMBER}),
    "Observer": frozenset({Role.OBSERVER}),
    "Removed": frozenset(),
    "Another meeting": frozenset(),
    "Unauthenticated": frozenset(),
    "Stage view": frozenset(),
}
NEVER_ALLOWED = ("Removed", "Another meeting", "Unauthenticated", "Stage view")
# Commands the rules narrow to the presenter among members (``not_presenter`` for the others).
PRESENTER_ONLY = frozenset({"end_work", "add_action"})


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def roles_table() -> dict[str, dict[str, str]]:
    """Each event's row of the table: the text of each column's cell, by the column's header."""
    text = PROTOCOL.read_text()
    table = text.split("<!-- roles-table:start -->")[1].split("<!-- roles-table:end -->")[0]
    header, _rule, *rows = table.strip().splitlines()
    columns = _cells(header)[1:]
    documented = {}
    for row in rows:
        event, *cells = _cells(row)
        documented[event.strip("`")] = dict(zip(columns, cells, strict=True))
    return documented


def documented_roles() -> dict[str, set[Role]]:
    """The roles the rules must let through for each event, by the ticked columns."""
    return {
        event: {role for column, cell in row.items() if cell for role in COLUMN_ROLES[column]}
        for event, row in roles_table().items()
    }


def test_every_client_command_is_documented_with_its_roles() -> None:
    documented = documented_roles()
    assert set(documented) == set(CLIENT_COMMANDS)
    for event, roles in documented.items():
        assert roles == set(COMMANDS[event].roles), event


def test_the_table_has_a_column_for_each_kind_of_sender_and_only_ticks_in_it() -> None:
    for event, row in roles_table().items():
        assert list(row) == list(COLUMN_ROLES), event
        assert set(row.values()) <= {TICK, ""}, event


def test_nobody_outside_the_meeting_is_ticked_for_anything() -> None:
    for event, row in roles_table().items():
        assert not any(row[column] for column in NEVER_ALLOWED), event


def test_the_presenter_may_do_what_a_member_may_and_end_their_work_and_name_actions() -> None:
    for event, row in roles_table().items():
        presenting = event in PRESENTER_ONLY and Role.MEMBER in COMMANDS[event].roles
        assert bool(row["Presenter"]) == (bool(row["Member"]) or presenting), event
        if event in PRESENTER_ONLY:
            assert not row["Member"], f"{event} is the presenter's alone among members"


def test_every_client_command_has_a_schema_and_nothing_else_does() -> None:
    assert set(COMMAND_SCHEMAS) == set(CLIENT_COMMANDS)
