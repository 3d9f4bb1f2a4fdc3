"""The set's record as a file: what it holds (meetings, dates, attendance, presenters, actions and
their report-back), what it never holds (signals, learnings, unshared titles), Markdown that
cannot be turned into links, and CSV a spreadsheet cannot run. Pure rules, no Redis."""

from __future__ import annotations

import copy
import csv
import io
from dataclasses import dataclass, replace

import pytest

from companion.domain import phases, set_record, sets
from companion.domain.model import LearningSet, Meeting, Roster, Status
from tests.domain.driver import START_MS, MeetingDriver
from tests.domain.test_between_meetings import worked_meeting

FORTNIGHT_MS = 14 * 86_400_000
MADE_MS = START_MS + 2 * FORTNIGHT_MS
ADA_LEARNED = "Ada learned to wait for the question"
COMPLAINT = "My manager"  # Bob's issue, whose title he did not share


@dataclass
class KeptSet:
    """What the store would give the view: the set, its meetings newest first, its roster."""

    learning_set: LearningSet
    meetings: list[Meeting]
    roster: Roster

    def markdown(self) -> str:
        return set_record.markdown(self.learning_set, self.meetings, self.roster, MADE_MS)

    def rows(self) -> list[dict[str, str]]:
        text = set_record.csv_text(self.learning_set, self.meetings, self.roster, MADE_MS)
        assert text.startswith(set_record.BYTE_ORDER_MARK)
        return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def second_meeting(learning_set: LearningSet, first: MeetingDriver) -> MeetingDriver:
    """A fortnight later, on the same roster: Fay, Ada and Bob come, Cy does not."""
    driver = MeetingDriver()
    driver.clock_ms = START_MS + FORTNIGHT_MS
    driver.meeting = phases.new_meeting("m2", "s1", "Ward leaders", driver.clock_ms)
    driver.meeting.roster = copy.deepcopy(first.meeting.roster)
    sets.open_meeting(learning_set, driver.meeting)
    for person in ("fay", "ada", "bob"):
        driver.join(person)
    return driver


def action_id(learning_set: LearningSet, text: str) -> str:
    return next(action.id for action in learning_set.actions if action.text == text)


def two_meetings(end_second: bool = True) -> KeptSet:
    """Ada presents "Rota gaps" (shared) and Bob "My manager" (kept private) at the first
    meeting, where signals are sent and learnings noted; at the second Ada reports back."""
    first = worked_meeting()
    first.run("send_signal", "cy", kind="advice")
    first.run("add_learning", "ada", text=ADA_LEARNED)
    first.run("end_meeting", "fay")
    learning_set = LearningSet("s1", "Ward leaders", START_MS / 1000)
    sets.take_in(learning_set, first.meeting)
    second = second_meeting(learning_set, first)
    second.run("advance_phase", "fay")  # the check-in, where the owners report back
    reported = action_id(learning_set, "Ask HR for the data")
    second.run("report_back", "ada", action_id=reported, status="done", reflection="HR said yes")
    if end_second:
        second.run("end_meeting", "fay")
        sets.take_in(learning_set, second.meeting)
    return KeptSet(learning_set, [second.meeting, first.meeting], second.meeting.roster)


def test_the_markdown_holds_each_meeting_newest_first_with_its_facts() -> None:
    text = two_meetings().markdown()
    assert text.startswith("# The record of Ward leaders\n")
    assert "Made 2023-12-12T22:13Z. Dates and times are in UTC, written as ISO 8601." in text
    second, first = (
        text.index("## Meeting of 2023-11-28T22:13Z"),
        text.index("## Meeting of 2023-11-14T22:13Z"),
    )
    assert second < first, "newest first"
    first_part, second_part = text[first:], text[second:first]
    assert "Attended: Fay, Ada, Bob, Cy." in first_part
    assert "Attended: Fay, Ada, Bob." in second_part
    assert "- Ada: Rota gaps" in first_part
    assert "- Bob (kept the issue's title private)" in first_part
    assert "- Ask HR for the data (Ada; done): HR said yes" in first_part
    assert "- Draft a new rota (Ada; not reported on yet)" in first_part
    assert "- Talk to my manager (Bob; not reported on yet)" in first_part
    assert "Nobody presented." in second_part
    reported = second_part[second_part.index("### Reported back at this meeting") :]
    assert "- Ask HR for the data (Ada; done): HR said yes" in reported


def test_it_never_holds_learnings_signals_or_a_title_kept_private() -> None:
    kept = two_meetings()
    assert kept.learning_set.learnings, "the set does keep a private learning"
    assert kept.meetings[1].bids[1].title == COMPLAINT and not kept.meetings[1].bids[1].share_title
    rows = kept.rows()
    for text in (kept.markdown(), "\n".join(map(str, rows))):
        assert ADA_LEARNED not in text
        assert COMPLAINT not in text
        assert "advice" not in text.lower(), "the signal Cy sent"
    assert {r["record"] for r in rows} == {
        "set",
        "meeting",
        "attended",
        "presenter",
        "action",
        "report_back",
    }


def test_the_csv_has_a_header_and_one_row_per_fact() -> None:
    rows = two_meetings().rows()
    assert list(rows[0]) == list(set_record.CSV_COLUMNS)
    facts = [(r["meeting_id"], r["record"], r["person"], r["text"], r["status"]) for r in rows]
    assert facts[0] == ("", "set", "", "Ward leaders", "")
    assert ("m2", "meeting", "", "", "ended") in facts
    assert ("m1", "attended", "Cy", "", "") in facts
    assert ("m2", "attended", "Cy", "", "") not in facts
    assert ("m1", "presenter", "Ada", "Rota gaps", "") in facts
    assert ("m1", "presenter", "Bob", "", "") in facts
    [reported] = [r for r in rows if r["record"] == "action" and r["text"] == "Ask HR for the data"]
    assert (reported["meeting_date"], reported["status"], reported["report_back"]) == (
        "2023-11-14T22:13Z",
        "done",
        "HR said yes",
    )
    [told] = [r for r in rows if r["record"] == "report_back"]
    assert (told["meeting_id"], told["person"], told["text"], told["status"]) == (
        "m2",
        "Ada",
        "Ask HR for the data",
        "done",
    ), "the report, at the meeting where Ada made it"
    assert rows[0]["meeting_date"] == "2023-12-12T22:13Z", "when the file was made"


def test_the_csv_is_rfc_4180_with_crlf_and_quotes() -> None:
    kept = two_meetings()
    kept.learning_set.name = 'Ward "A", nights'
    text = set_record.csv_text(kept.learning_set, kept.meetings, kept.roster, MADE_MS)
    lines = text[1:].split("\r\n")
    assert lines[0] == ",".join(set_record.CSV_COLUMNS)
    assert lines[1] == ',2023-12-12T22:13Z,set,,"Ward ""A"", nights",,'
    assert lines[-1] == "", "every line ends with CRLF"
    assert "\n" not in text.replace("\r\n", "")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(start: str) -> None:
    assert set_record.neutralised(f'{start}HYPERLINK("http://x")') == (
        f'\'{start}HYPERLINK("http://x")'
    )


def test_formula_looking_actions_and_names_are_neutralised_in_the_file() -> None:
    kept = two_meetings()
    for action in kept.learning_set.actions:
        if action.text == "Draft a new rota":
            action.text = '=HYPERLINK("http://evil.example","Rota")'
    kept.roster.entries["bob"].name = "@Bob"
    rows = kept.rows()
    assert '\'=HYPERLINK("http://evil.example","Rota")' in [r["text"] for r in rows]
    assert "'@Bob" in [r["person"] for r in rows]
    assert not any(
        value.startswith(set_record.FORMULA_STARTS) for r in rows for value in r.values()
    )
    assert set_record.neutralised("Ordinary") == "Ordinary"


def test_markdown_marks_in_what_people_wrote_are_escaped() -> None:
    kept = two_meetings()
    kept.roster.entries["ada"].name = "[Ada](http://evil.example)"
    kept.learning_set.name = "# Ward *leaders*"
    text = kept.markdown()
    assert text.startswith("# The record of \\# Ward \\*leaders\\*\n")
    assert "\\[Ada\\](http://evil.example)" in text
    assert "[Ada](" not in text


def test_presenters_are_left_out_when_the_set_chose_not_to_keep_them() -> None:
    kept = two_meetings()
    kept.learning_set.settings = replace(kept.learning_set.settings, record_presenters=False)
    text = kept.markdown()
    assert "The set chose not to keep who presented, so this record does not say." in text
    assert "### Presenters" not in text and "Rota gaps" not in text
    assert not [r for r in kept.rows() if r["record"] == "presenter"]


def test_a_meeting_still_going_on_shows_what_it_holds_so_far() -> None:
    kept = two_meetings(end_second=False)
    text = kept.markdown()
    second = text[
        text.index("## Meeting of 2023-11-28T22:13Z") : text.index("## Meeting of 2023-11-14")
    ]
    assert "Still going on: what follows is the meeting so far." in second
    assert "Attended: Fay, Ada, Bob." in second
    assert "Who presented is recorded once the meeting ends." in second
    assert "- Ask HR for the data (Ada; done): HR said yes" in text, "the report made so far"
    assert ("m2", "open") in [
        (r["meeting_id"], r["status"]) for r in kept.rows() if r["record"] == "meeting"
    ]


def test_actions_of_a_meeting_no_longer_kept_are_still_listed() -> None:
    kept = two_meetings()
    kept.meetings = kept.meetings[:1]  # the first meeting expired on its own clock
    text = kept.markdown()
    assert "## Meeting of 2023-11-14" not in text
    earlier = text[text.index("## Actions from meetings no longer kept") :]
    assert "- Ask HR for the data (Ada; done): HR said yes" in earlier
    rows = [r for r in kept.rows() if r["meeting_id"] == "m1"]
    assert {r["record"] for r in rows} == {"action"} and all(r["meeting_date"] == "" for r in rows)


def test_a_set_without_meetings_says_so() -> None:
    empty = KeptSet(LearningSet("s1", "New set", 0.0), [], Roster("s1"))
    assert "The set has no meetings on record." in empty.markdown()
    assert [r["record"] for r in empty.rows()] == ["set"]


def test_someone_removed_since_stays_on_the_record_of_what_they_attended() -> None:
    kept = two_meetings()
    kept.roster.entries["cy"].status = Status.REMOVED
    assert "Attended: Fay, Ada, Bob, Cy." in kept.markdown()


def test_making_the_file_changes_nothing() -> None:
    kept = two_meetings(end_second=False)
    before = copy.deepcopy(kept)
    kept.markdown()
    kept.rows()
    assert kept == before
