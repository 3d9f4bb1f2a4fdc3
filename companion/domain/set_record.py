"""The set's record as a file for its facilitators to keep: its meetings with their dates, who
attended, who presented (if the set agreed to keep that) and the actions named, with what became
of each. As Markdown, to read, and as CSV, for a spreadsheet.

It is built from what the set's past shows everyone in it (``past_meetings.past_of_set``, asked for
nobody in particular, so no private learning is in it), and holds nothing else: never a signal,
a learning, an issue's title its presenter kept to themselves, a bid, the activity log or anything
about connections. Pure: the caller gives the time the file is made.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from companion.domain.markdown import plain
from companion.domain.model import ActionStatus, LearningSet, Meeting, Phase, Roster
from companion.domain.notes import STATUS_WORDS
from companion.domain.past_meetings import past_of_set

CSV_COLUMNS = ("meeting_id", "meeting_date", "record", "person", "text", "status", "report_back")
# A cell starting with one of these is read by spreadsheets as a formula (or, for tab and carriage
# return, lets one through): such a cell gets a leading apostrophe, so it stays the text it was.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel opens a UTF-8 file as UTF-8 only when it starts with the byte order mark.
BYTE_ORDER_MARK = "\ufeff"
SOMEONE_GONE = "someone no longer in the set"

Row = tuple[str, str, str, str, str, str, str]


def utc_moment(ms: int | None) -> str:
    """An instant as ISO 8601 in UTC to the minute ("2026-12-10T14:00Z"), the same for everyone
    whatever their own zone; the file says so."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%MZ")


def _past(learning_set: LearningSet, meetings: Sequence[Meeting], kept: Roster) -> dict[str, Any]:
    """The set's past as everyone in it may see it, with nobody's private learnings."""
    return past_of_set(learning_set, meetings, kept, None)


def _reports(meetings: Sequence[Meeting], kept: Roster) -> dict[str, list[dict[str, Any]]]:
    """What each meeting heard at its report-back, as it was said there: the set itself keeps
    only each action's latest report, so this is where an action's story over months is."""
    return {
        meeting.id: [
            {
                "meeting_id": meeting.id,
                "owner_name": _name(kept, action.owner_id),
                "text": action.text,
                "status": action.status.value,
                "reflection": action.reflection,
            }
            for action in meeting.report_back
            if action.status is not ActionStatus.OPEN
        ]
        for meeting in meetings
    }


def _name(kept: Roster, person_id: str) -> str:
    entry = kept.entries.get(person_id)
    return entry.name if entry is not None else ""


def _earlier_actions(past: dict[str, Any]) -> list[dict[str, Any]]:
    """Actions whose meeting has expired on its own clock: the set still keeps them."""
    kept_ids = {meeting["id"] for meeting in past["meetings"]}
    return [action for action in past["actions"] if action["meeting_id"] not in kept_ids]


# --- Markdown ------------------------------------------------------------------------------------


def markdown(
    learning_set: LearningSet, meetings: Sequence[Meeting], kept: Roster, made_ms: int
) -> str:
    past = _past(learning_set, meetings, kept)
    reports = _reports(meetings, kept)
    lines = _preamble(learning_set.name, made_ms, past["record_presenters"])
    for meeting in past["meetings"]:
        lines += _meeting_lines(meeting, past["record_presenters"], reports[meeting["id"]])
    if not past["meetings"]:
        lines += ["The set has no meetings on record.", ""]
    earlier = _earlier_actions(past)
    if earlier:
        lines += ["## Actions from meetings no longer kept", ""]
        lines += [_action_line(action) for action in earlier] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _preamble(set_name: str, made_ms: int, record_presenters: bool) -> list[str]:
    lines = [
        f"# The record of {plain(set_name)}",
        "",
        f"Made {utc_moment(made_ms)}. Dates and times are in UTC, written as ISO 8601.",
        "",
        "It holds the set's meetings, who attended, who presented and the actions named, with "
        "what became of them. It never holds signals, private learnings, or the title of an "
        "issue its presenter kept private.",
        "",
    ]
    if not record_presenters:
        lines += ["The set chose not to keep who presented, so this record does not say.", ""]
    return lines


def _meeting_lines(
    meeting: dict[str, Any], record_presenters: bool, reports: list[dict[str, Any]]
) -> list[str]:
    lines = [f"## Meeting of {utc_moment(meeting['started_ms'])}", ""]
    if meeting["phase"] == Phase.CLOSED.value:
        lines += [f"Ended {utc_moment(meeting['ended_ms'])}.", ""]
    else:
        lines += ["Still going on: what follows is the meeting so far.", ""]
    names = [plain(person["name"]) for person in meeting["attended"]]
    lines += [f"Attended: {', '.join(names)}." if names else "Nobody is recorded as attending.", ""]
    if record_presenters:
        lines += ["### Presenters", "", *_presenter_lines(meeting), ""]
    lines += ["### Actions named", ""]
    lines += [_action_line(action) for action in meeting["actions"]] or ["None."]
    if reports:
        lines += ["", "### Reported back at this meeting", ""]
        lines += [_action_line(report) for report in reports]
    return [*lines, ""]


def _presenter_lines(meeting: dict[str, Any]) -> list[str]:
    """Who presented is settled as a meeting ends, with its summary."""
    if meeting["phase"] != Phase.CLOSED.value:
        return ["Who presented is recorded once the meeting ends."]
    return [_presenter_line(p) for p in meeting["presenters"]] or ["Nobody presented."]


def _presenter_line(presenter: dict[str, Any]) -> str:
    if presenter["title"]:
        return f"- {plain(presenter['name'])}: {plain(presenter['title'])}"
    return f"- {plain(presenter['name'])} (kept the issue's title private)"


def _action_line(action: dict[str, Any]) -> str:
    owner = plain(action["owner_name"]) or SOMEONE_GONE
    words = STATUS_WORDS[ActionStatus(action["status"])]
    line = f"- {plain(action['text'])} ({owner}; {words})"
    return f"{line}: {plain(action['reflection'])}" if action["reflection"] else line


# --- CSV -----------------------------------------------------------------------------------------


def csv_text(
    learning_set: LearningSet, meetings: Sequence[Meeting], kept: Roster, made_ms: int
) -> str:
    """RFC 4180 (CRLF line ends, quoted where needed), a header row, then one row per fact. The
    text starts with the byte order mark, for Excel."""
    past = _past(learning_set, meetings, kept)
    reports = _reports(meetings, kept)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = [("", utc_moment(made_ms), "set", "", learning_set.name, "", "")]
    for meeting in past["meetings"]:
        rows += _meeting_rows(meeting, past["record_presenters"], reports[meeting["id"]])
    rows += [_action_row(action, "") for action in _earlier_actions(past)]
    writer.writerows([[neutralised(cell) for cell in row] for row in rows])
    return BYTE_ORDER_MARK + out.getvalue()


def neutralised(cell: str) -> str:
    """A cell a spreadsheet would take for a formula is kept as the text it is."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def _meeting_rows(
    meeting: dict[str, Any], record_presenters: bool, reports: list[dict[str, Any]]
) -> list[Row]:
    meeting_id, date = meeting["id"], utc_moment(meeting["started_ms"])
    ended = meeting["phase"] == Phase.CLOSED.value
    rows: list[Row] = [(meeting_id, date, "meeting", "", "", "ended" if ended else "open", "")]
    rows += [(meeting_id, date, "attended", p["name"], "", "", "") for p in meeting["attended"]]
    if record_presenters:
        rows += [
            (meeting_id, date, "presenter", p["name"], p["title"] or "", "", "")
            for p in meeting["presenters"]
        ]
    rows += [_action_row(action, date) for action in meeting["actions"]]
    rows += [_action_row(report, date, "report_back") for report in reports]
    return rows


def _action_row(action: dict[str, Any], date: str, record: str = "action") -> Row:
    """An action where it was named, with its latest report; or one report on it, where made."""
    owner = action["owner_name"] or SOMEONE_GONE
    return (
        action["meeting_id"],
        date,
        record,
        owner,
        action["text"],
        action["status"],
        action["reflection"],
    )
