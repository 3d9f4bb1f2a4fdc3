"""The set's past in Chromium: two meetings run through the server, then the Set panel's past
meetings and attendance at the side panel's width (280x800), on a phone and on a desktop.

Each person keeps a python client connected while a meeting runs, so who attended is decided by
the script, not by pages coming and going. Fay attends both meetings, Ada and Ben both, Mo only the
first. Ada presents "Rota gaps" (title shared) at the first, names an action and keeps a private
learning; at the second she reports back on her action. The third meeting is on when the pages
open: a widget only ever opens a meeting still running, and the past is what it looks back on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    DESKTOP,
    LIVE,
    SHOWS_VERSION,
    OpenPage,
    assert_no_axe_violations,
    reveal,
)
from tests.support import CommandedMeeting, ServerProcess, Widget, close_all

MEMBERS = {"ada": "Ada", "ben": "Ben", "mo": "Mo"}
NARROW = {"width": 280, "height": 800}
ADA_LEARNING = "Ask before I advise"
NO_PRESENTERS = "The set chose not to keep who presented."


class PastMeetings(CommandedMeeting):
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.set_id = self.seat(base_url, "Ward leaders", "Fay", MEMBERS)["set_id"]
        self.version = self.widgets["facilitator"].call("sync")["version"]
        self.meeting_ids = [self.meeting()["id"]]
        self._first_meeting()
        self.start_next(present=("facilitator", "ada", "ben"))
        self._second_meeting()
        self.start_next(present=("facilitator", "ada", "ben"))

    def _first_meeting(self) -> None:
        self.send("facilitator", "advance_phase")  # check-in
        self.send("facilitator", "advance_phase")  # bidding
        self.send("ada", "place_bid", {"title": "Rota gaps", "minutes": 20, "share_title": True})
        self.send("ben", "place_bid", {"title": "My manager", "minutes": 20})
        for bid in self.meeting()["bids"]:
            self.send("facilitator", "accept_bid", {"bid_id": bid["id"]})
        self.send("facilitator", "advance_phase")  # Ada's work
        self.send("ada", "end_work")
        self.send("ada", "add_action", {"text": "Ask HR for the rota data"})
        self.send("facilitator", "go_to_phase", {"phase": "learning_review"})
        self.send("ada", "add_learning", {"text": ADA_LEARNING})
        self.send("facilitator", "end_meeting")

    def _second_meeting(self) -> None:
        self.send("facilitator", "advance_phase")  # check-in
        [action] = self.meeting()["report_back"]
        report = {"action_id": action["id"], "status": "done", "reflection": "HR sent it"}
        self.send("ada", "report_back", report)
        self.send("facilitator", "end_meeting")

    def start_next(self, present: tuple[str, ...]) -> str:
        """The facilitator starts the next meeting; only ``present`` come to it."""
        response = requests.post(
            f"{self.base_url}/api/sets/{self.set_id}/meetings",
            headers={"Authorization": f"Bearer {self.urls['facilitator'].partition('#')[2]}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        close_all(list(self.widgets.values()))
        self.widgets = {
            who: Widget(self.base_url, self.urls[who].partition("#")[2]) for who in present
        }
        self.version = self.widgets["facilitator"].call("sync")["version"]
        self.meeting_ids.append(response.json()["meeting_id"])
        return self.meeting_ids[-1]

    def open(self, page: Page, who: str) -> Page:
        page.goto(self.urls[who])
        expect(page.locator(LIVE)).to_be_attached()
        page.wait_for_function(SHOWS_VERSION, arg=1)
        return page


@pytest.fixture
def past(live_server: ServerProcess) -> Iterator[PastMeetings]:
    scripted = PastMeetings(live_server.url)
    yield scripted
    close_all(list(scripted.widgets.values()))


def show_past(page: Page, count: int) -> None:
    reveal(page, "#past-card")
    expect(page.locator("#past-list > li")).to_have_count(count)


def fits_width(page: Page) -> None:
    """Nothing but the attendance table's own region scrolls sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def test_a_facilitator_reads_the_past_and_the_whole_attendance_at_280_px(
    past: PastMeetings, open_page: OpenPage, axe_script: str
) -> None:
    fay = past.open(open_page(**NARROW), "facilitator")
    show_past(fay, 2)
    newest, oldest = fay.locator("#past-list details").all()
    assert newest.get_attribute("open") is None, "each meeting starts closed"
    oldest.locator("summary").focus()
    fay.keyboard.press("Enter")
    expect(oldest).to_have_attribute("open", "")
    expect(oldest).to_contain_text("Attended: Fay, Ada, Ben, Mo")
    expect(oldest).to_contain_text("Ada: “Rota gaps”")
    expect(oldest).not_to_contain_text("My manager")
    expect(oldest).to_contain_text("Ask HR for the rota data")
    expect(fay.locator("#past-actions")).to_contain_text("Done")
    expect(fay.locator("#past-actions")).to_contain_text("“HR sent it”")
    expect(fay.locator("#past-learnings-block")).to_be_hidden()
    expect(fay.locator("#past-card")).not_to_contain_text(ADA_LEARNING)
    expect(fay.locator("#past-card button, #past-card input")).to_have_count(0)

    table = fay.locator("#attendance-scroll table")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table.locator("thead th")).to_have_count(3)
    mo = table.locator("tbody tr", has_text="Mo")
    spoken = mo.locator("td .visually-hidden")
    expect(spoken).to_have_text(["absent", "attended"])  # newest meeting first
    expect(mo.locator('td [aria-hidden="true"]')).to_have_count(2)  # the mark the eye reads
    expect(fay.locator("#attendance-own")).to_have_text("")
    region = fay.locator("#attendance-scroll")
    region.focus()
    expect(region).to_be_focused()
    expect(region).to_have_attribute("role", "region")
    fits_width(fay)
    assert_no_axe_violations(fay, axe_script, "Fay's past meetings and attendance, 280 px")


def test_a_member_on_a_phone_sees_only_their_own_line_and_learnings(
    past: PastMeetings, open_page: OpenPage, axe_script: str
) -> None:
    ada = past.open(open_page(phone=True), "ada")
    show_past(ada, 2)
    expect(ada.locator("#attendance-own")).to_have_text("Your attendance: 2 of 2 meetings.")
    expect(ada.locator("#attendance-scroll tbody tr")).to_have_count(1)
    expect(ada.locator("#attendance-scroll tbody th")).to_have_text("Ada")
    expect(ada.locator("#past-learnings-block")).to_contain_text("only you can see these")
    expect(ada.locator("#past-learnings")).to_have_text(ADA_LEARNING)
    ada.locator("#past-list summary").first.tap()
    expect(ada.locator("#past-list details").first).to_contain_text("Attended: Fay, Ada, Ben")
    fits_width(ada)
    assert_no_axe_violations(ada, axe_script, "Ada's past meetings on a phone")

    mo = past.open(open_page(phone=True), "mo")
    show_past(mo, 2)
    expect(mo.locator("#attendance-own")).to_have_text("Your attendance: 1 of 2 meetings.")
    expect(mo.locator("#past-learnings-block")).to_be_hidden()


def test_on_a_desktop_the_past_stands_with_the_set(
    past: PastMeetings, open_page: OpenPage, axe_script: str
) -> None:
    fay = past.open(open_page(**DESKTOP), "facilitator")
    expect(fay.locator("#tabs")).to_be_hidden()
    show_past(fay, 2)
    fay.locator("#past-list summary").first.click()
    expect(fay.locator("#attendance-scroll tbody tr")).to_have_count(4)
    assert_no_axe_violations(fay, axe_script, "Fay's past meetings on a desktop")


def test_open_disclosures_stay_open_across_a_reconnect_a_reload_and_a_meeting_ending(
    past: PastMeetings, open_page: OpenPage
) -> None:
    ada = past.open(open_page(**NARROW), "ada")
    show_past(ada, 2)
    first_meeting = f'#past-list details[data-key="past:{past.meeting_ids[0]}"]'
    second_meeting = f'#past-list details[data-key="past:{past.meeting_ids[1]}"]'
    ada.locator(f"{first_meeting} summary").click()
    expect(ada.locator(first_meeting)).to_have_attribute("open", "")

    past.send("facilitator", "end_meeting")  # fetched again as the meeting ends
    show_past(ada, 3)
    expect(ada.locator(first_meeting)).to_have_attribute("open", "")
    expect(ada.locator("#attendance-own")).to_have_text("Your attendance: 3 of 3 meetings.")

    past.start_next(present=("facilitator", "ada"))  # Ada's page moves over and reconnects
    expect(ada.locator("#phase-name")).to_have_text("Opening")
    expect(ada.locator(LIVE)).to_be_attached()
    show_past(ada, 3)  # the meeting now running is not a past one
    expect(ada.locator(first_meeting)).to_have_attribute("open", "")
    assert ada.locator(second_meeting).get_attribute("open") is None

    ada.reload()
    expect(ada.locator(LIVE)).to_be_attached()
    show_past(ada, 3)
    expect(ada.locator(first_meeting)).to_have_attribute("open", "")
    assert ada.locator(second_meeting).get_attribute("open") is None


def test_the_facilitator_chooses_not_to_keep_presenters_and_the_past_names_none(
    past: PastMeetings, open_page: OpenPage, axe_script: str
) -> None:
    fay = past.open(open_page(**NARROW), "facilitator")
    ada = past.open(open_page(phone=True), "ada")
    show_past(ada, 2)
    expect(ada.locator("#past-card")).to_contain_text("Rota gaps")
    expect(ada.locator("#past-no-presenters")).to_be_hidden()

    reveal(fay, "#record-presenters")
    keep = fay.get_by_label("Keep who presented in past meetings")
    expect(keep).to_be_checked()
    keep.focus()
    fay.keyboard.press("Space")
    expect(fay.locator("#activity")).to_contain_text(
        "Fay chose not to keep who presented in past meetings."
    )
    expect(keep).not_to_be_checked()

    expect(ada.locator("#past-no-presenters")).to_have_text(NO_PRESENTERS)
    expect(ada.locator("#past-card")).not_to_contain_text("Rota gaps")
    ada.locator("#past-list summary").last.tap()
    expect(ada.locator("#past-list details").last).not_to_contain_text("Presenters")
    expect(ada.locator("#past-list details").last).to_contain_text("Ask HR for the rota data")
    assert_no_axe_violations(ada, axe_script, "Ada's past meetings with no presenters kept")
