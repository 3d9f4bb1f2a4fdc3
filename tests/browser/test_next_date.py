"""The next meeting's date in Chromium: a facilitator sets it in London; a member whose browser is
in New York and in German sees it on their own clock and in their own words, without reloading,
and takes it away as a calendar file. Errors are said in the form; the date shows on the first
screen once a meeting has ended. Zero axe-core violations at 280 px, on a phone and a desktop.

Each person keeps a python client connected, so who is present never changes as pages come and go.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    DESKTOP,
    LIVE,
    SHOWS_VERSION,
    OpenPage,
    assert_no_axe_violations,
    reveal,
)
from tests.support import CommandedMeeting, ServerProcess, close_all

LONDON = {"timezone_id": "Europe/London", "locale": "en-GB"}
NEW_YORK_IN_GERMAN = {"timezone_id": "America/New_York", "locale": "de-DE"}
NARROW = {"width": 280, "height": 800}


class PlannedMeeting(CommandedMeeting):
    """Fay facilitates; Mo is a member."""

    def __init__(self, base_url: str) -> None:
        self.set_id = self.seat(base_url, "Ward leaders", "Fay", {"mo": "Mo"})["set_id"]
        self.version = self.widgets["facilitator"].call("sync")["version"]

    def open(self, page: Page, who: str) -> Page:
        page.goto(self.urls[who])
        expect(page.locator(LIVE)).to_be_attached()
        page.wait_for_function(SHOWS_VERSION, arg=self.version)
        reveal(page, "#next-date-card")
        return page


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[PlannedMeeting]:
    planned = PlannedMeeting(live_server.url)
    yield planned
    close_all(list(planned.widgets.values()))


def open_form(page: Page) -> None:
    """By keyboard: the disclosure's summary, then Enter."""
    page.locator("#next-date-editor > summary").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#next-date-editor")).to_have_attribute("open", "")


def plan(page: Page, day: str, time: str, minutes: str, zone: str | None = None) -> None:
    page.fill("#next-date-day", day)
    page.fill("#next-date-time", time)
    page.fill("#next-date-minutes", minutes)
    if zone is not None:
        page.fill("#next-date-zone", zone)


def save(page: Page) -> None:
    page.get_by_role("button", name="Save the date").focus()
    page.keyboard.press("Enter")


def calendar_download(page: Page) -> Calendar:
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download for your calendar").click()
    download = downloading.value
    assert re.fullmatch(r"next-meeting-\d{4}-\d{2}-\d{2}\.ics", download.suggested_filename)
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n")
    return Calendar.from_ical(raw)


def test_a_date_set_in_london_shows_on_a_new_york_members_own_clock_and_in_their_words(
    meeting: PlannedMeeting, open_page: OpenPage, axe_script: str
) -> None:
    fay = meeting.open(open_page(**NARROW, **LONDON), "facilitator")
    mo = meeting.open(open_page(phone=True, **NEW_YORK_IN_GERMAN), "mo")
    expect(mo.locator("#next-date-none")).to_have_text("No date is set yet.")
    expect(mo.locator("#next-date-editor")).to_be_hidden()
    expect(mo.get_by_role("button", name="Download for your calendar")).to_be_hidden()

    open_form(fay)
    expect(fay.locator("#next-date-zone")).to_have_value("Europe/London")  # the browser's own
    assert_no_axe_violations(fay, axe_script, "the next meeting's form, 280 px")
    plan(fay, "2027-01-12", "10:00", "90")
    fay.locator("#next-date-invite").check()
    save(fay)
    expect(fay.locator("#next-date-form-status")).to_have_text(
        "Saved. Everyone in the set now sees the new date."
    )

    # Fay sees it on London's clock, in British English.
    expect(fay.locator("#next-date-when")).to_have_text(
        re.compile(r"Tuesday,? 12 January 2027,? 10:00\s?\u2013\s?11:30")
    )
    expect(fay.locator("#next-date-zone-note")).to_have_text(
        "Shown in your time zone, Europe/London."
    )
    expect(fay.locator("#next-date-length")).to_have_text("Lasts 1 hour 30 minutes.")

    # Mo, without reloading: New York's clock, in German, and the time it was planned on.
    expect(mo.locator("#next-date-when")).to_have_text(
        re.compile(r"Dienstag, 12\. Januar 2027, 05:00\s?\u2013\s?06:30")
    )
    expect(mo.locator("#next-date-zone-note")).to_have_text(
        re.compile(r"^Planned as Dienstag, 12\. Januar 2027 um 10:00, Europe/London time\.$")
    )
    expect(mo.locator("#announcer")).to_contain_text("Next meeting: Dienstag, 12. Januar 2027")
    assert_no_axe_violations(mo, axe_script, "the next meeting on a phone")

    first = calendar_download(mo)
    expect(mo.locator("#next-date-status")).to_contain_text("is in your downloads")
    (event,) = first.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Ward leaders"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert "/join#" in str(event["URL"]), "Fay chose to put the invite in"

    # Fay moves it an hour later: Mo's page follows; the calendar entry is the same one, updated.
    fay.fill("#next-date-time", "11:00")
    save(fay)
    expect(mo.locator("#next-date-when")).to_have_text(re.compile(r"06:00\s?\u2013\s?07:30"))
    second = calendar_download(mo)
    (moved,) = second.walk("VEVENT")
    assert str(moved["UID"]) == str(event["UID"])
    assert int(moved["SEQUENCE"]) == int(event["SEQUENCE"]) + 1


def test_a_refused_date_is_said_in_the_form_and_points_at_its_field(
    meeting: PlannedMeeting, open_page: OpenPage, axe_script: str
) -> None:
    fay = meeting.open(open_page(phone=True, **LONDON), "facilitator")
    open_form(fay)
    plan(fay, "2021-05-04", "10:00", "90")
    save(fay)
    error = fay.locator("#next-date-error")
    expect(error).to_have_text("That time has already passed. Choose one still to come.")
    expect(error).to_have_attribute("role", "alert")
    expect(fay.locator("#next-date-day")).to_have_attribute("aria-invalid", "true")
    expect(fay.locator("#next-date-day")).to_be_focused()
    assert_no_axe_violations(fay, axe_script, "a refused date on a phone")

    plan(fay, "2027-01-12", "10:00", "600")
    save(fay)
    expect(error).to_have_text("A meeting lasts between 15 minutes and 8 hours.")
    expect(fay.locator("#next-date-minutes")).to_be_focused()
    expect(fay.locator("#next-date-day")).not_to_have_attribute("aria-invalid", "true")

    plan(fay, "2027-01-12", "10:00", "90", zone="Europe/Atlantis")
    save(fay)
    expect(error).to_contain_text("We don't know that time zone.")
    expect(fay.locator("#next-date-zone")).to_be_focused()

    plan(fay, "2027-03-28", "01:30", "90", zone="Europe/London")
    save(fay)
    expect(error).to_contain_text("The clocks go forward at that time")
    expect(fay.locator("#next-date-time")).to_be_focused()
    expect(fay.locator("#next-date-none")).to_have_text("No date is set yet. Set one below.")


def test_a_facilitator_takes_the_date_away_and_the_first_screen_says_it_once_a_meeting_ends(
    meeting: PlannedMeeting, open_page: OpenPage, axe_script: str
) -> None:
    fay = meeting.open(open_page(**DESKTOP, **LONDON), "facilitator")
    mo = meeting.open(open_page(**NARROW, **NEW_YORK_IN_GERMAN), "mo")
    open_form(fay)
    plan(fay, "2027-02-09", "14:00", "120")
    save(fay)
    expect(mo.locator("#next-date-when")).to_have_text(re.compile(r"09:00\s?\u2013\s?11:00"))
    expect(fay.locator("#next-date-line")).to_be_hidden()  # not while the meeting runs

    meeting.send("facilitator", "end_meeting")
    expect(fay.locator("#next-date-line")).to_have_text(
        re.compile(r"^Next meeting: Tuesday,? 9 February 2027 at 14:00\.$")
    )
    expect(mo.locator("#next-date-line")).to_have_text(
        re.compile(r"^Next meeting: Dienstag, 9\. Februar 2027 um 09:00\.$")
    )
    assert_no_axe_violations(fay, axe_script, "the ended meeting with its next date, desktop")
    assert_no_axe_violations(mo, axe_script, "the ended meeting with its next date, 280 px")

    fay.on("dialog", lambda dialog: dialog.accept())
    fay.get_by_role("button", name="Remove the date").click()
    expect(fay.locator("#next-date-form-status")).to_have_text("The date has been taken away.")
    expect(mo.locator("#next-date-none")).to_have_text("No date is set yet.")
    expect(mo.locator("#next-date-line")).to_be_hidden()
    expect(mo.get_by_role("button", name="Download for your calendar")).to_be_hidden()
    expect(fay.get_by_role("button", name="Remove the date")).to_be_hidden()
