"""A set over time, in Chromium: the contract each member agrees to and a facilitator may
rewrite, and the next meeting, which every open widget moves on to.

Each person keeps a python client connected, so who is present never changes as pages come and
go; the pages are the people's own widgets, at the side panel's width, on a phone and a desktop.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Dialog, Page, expect

from tests.browser.conftest import (
    DESKTOP,
    LIVE,
    SHOWS_VERSION,
    SIDE_PANEL,
    OpenPage,
    assert_no_axe_violations,
    reveal,
    shows_version,
)
from tests.support import (
    CommandedMeeting,
    ServerProcess,
    Widget,
    close_all,
    join_set,
    post_created,
)

MEMBERS = {"ada": "Ada", "ben": "Ben", "mo": "Mo"}
AGREE = "I agree to keep to this contract"
AGREED = "You have agreed to keep to this contract."


class SetMeeting(CommandedMeeting):
    """Fay facilitates; Ada, Ben and Mo are members. Mo only ever has a python client."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.set_id = self.seat(base_url, "Ward leaders", "Fay", MEMBERS)["set_id"]
        self.version = self.widgets["facilitator"].call("sync")["version"]

    def open(self, page: Page, who: str) -> Page:
        """``who``'s widget in ``page``, showing the meeting as it is now."""
        page.goto(self.urls[who])
        expect(page.locator(LIVE)).to_be_attached()
        page.wait_for_function(SHOWS_VERSION, arg=self.version)
        return page


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[SetMeeting]:
    scripted = SetMeeting(live_server.url)
    yield scripted
    close_all(list(scripted.widgets.values()))


def rules(page: Page) -> list[str]:
    return page.locator("#contract-items li").all_inner_texts()


# --- The contract -------------------------------------------------------------------------------


def test_members_read_and_agree_to_the_contract_at_the_opening_by_keyboard_and_by_touch(
    meeting: SetMeeting, open_page: OpenPage, axe_script: str
) -> None:
    contract = meeting.meeting()["contract"]
    assert contract["items"] and contract["agreed"] == []
    fay = meeting.open(open_page(**DESKTOP), "facilitator")
    ada = meeting.open(open_page(**SIDE_PANEL), "ada")
    ben = meeting.open(open_page(phone=True), "ben")

    # At the opening the contract is there in full on a desktop; in a side panel or on a phone,
    # where the rules alone would fill two screens, one tap away, above the agree button.
    expect(fay.locator("#contract-box")).to_have_attribute("open", "")
    for page in (ada, ben):
        expect(page.locator("#contract-box")).not_to_have_attribute("open", "")
        page.locator("#contract-summary").click()
        expect(page.locator("#contract-box")).to_have_attribute("open", "")
    for page in (fay, ada, ben):
        expect(page.locator("#contract-items li")).to_have_count(len(contract["items"]))
        assert rules(page) == contract["items"]
    for page in (ada, ben):
        expect(page.get_by_role("button", name=AGREE)).to_be_visible()
        expect(page.locator("#contract-status")).to_have_text(
            "Please read it, and say when you agree to keep to it."
        )
    expect(fay.get_by_role("button", name=AGREE)).to_have_count(0)
    expect(fay.locator("#contract-status")).to_have_text("0 of 3 members have agreed to it.")
    assert_no_axe_violations(ada, axe_script, "Ada's contract at the opening, 280 px")

    # Ada agrees by keyboard; Ben by touch.
    ada.get_by_role("button", name=AGREE).focus()
    ada.keyboard.press("Enter")
    expect(ada.locator("#contract-status")).to_have_text(AGREED)
    expect(ada.get_by_role("button", name=AGREE)).to_have_count(0)
    expect(ada.locator("#contract-heading")).to_be_focused()  # not lost to the top of the page
    expect(fay.locator("#contract-status")).to_have_text("1 of 3 members have agreed to it.")
    ben.get_by_role("button", name=AGREE).tap()
    expect(ben.locator("#contract-status")).to_have_text(AGREED)
    expect(fay.locator("#contract-status")).to_have_text("2 of 3 members have agreed to it.")
    for page in (fay, ada, ben):
        expect(page.locator("#activity")).to_contain_text("Ada agreed to keep to the contract.")
        expect(page.locator("#activity")).to_contain_text("Ben agreed to keep to the contract.")
    agreed = meeting.widgets["facilitator"].wait_for(
        "snapshot", lambda s: len(s["meeting"]["contract"]["agreed"]) == 2
    )["meeting"]["contract"]["agreed"]
    assert set(agreed) == {meeting.ids["ada"], meeting.ids["ben"]}


def test_a_facilitator_rewrites_the_contract_and_everyone_is_asked_to_agree_again(
    meeting: SetMeeting, open_page: OpenPage, axe_script: str
) -> None:
    meeting.send("ada", "agree_contract")
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    ada = meeting.open(open_page(**SIDE_PANEL), "ada")
    expect(ada.locator("#contract-status")).to_have_text(AGREED)
    expect(ada.locator("#contract-editor")).to_be_hidden()  # members cannot rewrite it

    # Fay opens the editor by keyboard: it holds today's rules, one a line.
    fay.locator("#contract-editor > summary").focus()
    fay.keyboard.press("Enter")
    editor = fay.get_by_label("One rule per line")
    expect(editor).to_have_value("\n".join(meeting.meeting()["contract"]["items"]))
    assert_no_axe_violations(fay, axe_script, "Fay's contract editor, 280 px")

    editor.fill("  We start and end on time.\n\nPhones stay face down.\n")
    fay.get_by_role("button", name="Save the contract").click()
    new_rules = ["We start and end on time.", "Phones stay face down."]
    for page in (fay, ada):
        expect(page.locator("#contract-items li")).to_have_text(new_rules)
        expect(page.locator("#activity")).to_contain_text(
            "Fay changed the contract; each member is asked to agree again."
        )
    expect(editor).to_have_value("\n".join(new_rules))
    expect(ada.get_by_role("button", name=AGREE)).to_be_visible()
    expect(ada.locator("#announcer")).to_have_text(
        "The contract has changed: please read it again."
    )
    expect(fay.locator("#contract-status")).to_have_text("0 of 3 members have agreed to it.")

    # The same words again are refused, and Fay is told why.
    editor.fill("\n".join(new_rules))
    fay.get_by_role("button", name="Save the contract").click()
    expect(fay.locator("#command-error")).to_have_text("The contract already says exactly this.")


def test_the_contract_is_folded_away_after_the_opening_and_opens_by_keyboard(
    meeting: SetMeeting, open_page: OpenPage, axe_script: str
) -> None:
    ben = meeting.open(open_page(**SIDE_PANEL), "ben")
    ben.locator("#contract-summary").click()  # read at the opening
    expect(ben.locator("#contract-box")).to_have_attribute("open", "")
    shows_version(ben, meeting.send("facilitator", "advance_phase"))  # check-in
    expect(ben.locator("#phase-name")).to_have_text("Check-in")
    box = ben.locator("#contract-box")
    expect(box).not_to_have_attribute("open", "")
    expect(ben.locator("#contract-items")).to_be_hidden()

    reveal(ben, "#contract-box")  # after the opening, the contract is with the set's things
    ben.locator("#contract-summary").focus()
    ben.keyboard.press("Enter")
    expect(box).to_have_attribute("open", "")
    expect(ben.locator("#contract-items li").first).to_be_visible()
    # Ben has not agreed yet: he still can, after the opening.
    ben.get_by_role("button", name=AGREE).click()
    expect(ben.locator("#contract-status")).to_have_text(AGREED)
    # His opening survives other people's changes.
    shows_version(ben, meeting.send("facilitator", "set_signal_window", {"seconds": 90}))
    expect(box).to_have_attribute("open", "")
    assert_no_axe_violations(ben, axe_script, "Ben's contract, opened at the check-in, 280 px")


# --- The next meeting ---------------------------------------------------------------------------


def test_a_facilitator_starts_the_next_meeting_and_every_open_widget_moves_to_it(
    meeting: SetMeeting, open_page: OpenPage, axe_script: str
) -> None:
    meeting.send("ada", "agree_contract")
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    ada = meeting.open(open_page(phone=True), "ada")
    ended_id = meeting.meeting()["id"]
    start_next = fay.get_by_role("button", name="Start the next meeting")
    expect(start_next).to_have_count(0)  # not while the meeting runs

    meeting.send("facilitator", "end_meeting")
    for page in (fay, ada):
        expect(page.locator("#phase-name")).to_have_text("Closed")
    expect(start_next).to_be_visible()
    expect(ada.get_by_role("button", name="Start the next meeting")).to_have_count(0)
    assert_no_axe_violations(fay, axe_script, "Fay's closed meeting, 280 px")

    start_next.focus()
    fay.keyboard.press("Enter")
    moved = meeting.widgets["mo"].wait_for("meeting_moved")
    assert moved["meeting_id"] != ended_id
    for page in (fay, ada):
        expect(page.locator("#announcer")).to_have_text("The set's next meeting has started.")
        expect(page.locator("#phase-name")).to_have_text("Opening")
        expect(page.locator(LIVE)).to_be_attached()
        expect(page.locator("#activity li")).to_have_count(0)  # a fresh meeting, a fresh log
        # Narrow pages both: the contract is one tap away, as at every opening there.
        expect(page.locator("#contract-summary")).to_be_visible()
    # The set keeps its contract, and who agreed to it.
    expect(ada.locator("#contract-status")).to_have_text(AGREED)
    expect(fay.get_by_role("button", name="Start the next meeting")).to_have_count(0)
    expect(fay.get_by_role("button", name="Next step")).to_be_visible()

    # The new meeting runs in the moved pages: Fay moves it on, Ada sees it.
    fay.get_by_role("button", name="Next step").click()
    expect(ada.locator("#phase-name")).to_have_text("Check-in")


def test_starting_the_next_meeting_sends_the_facilitators_own_token(
    meeting: SetMeeting, open_page: OpenPage
) -> None:
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    shows_version(fay, meeting.send("facilitator", "end_meeting"))
    requests: list[str] = []
    fay.on("request", lambda request: requests.append(request.headers.get("authorization", "")))
    fay.get_by_role("button", name="Start the next meeting").click()
    expect(fay.locator("#phase-name")).to_have_text("Opening")
    token = meeting.urls["facilitator"].partition("#")[2]
    assert f"Bearer {token}" in requests


# --- The second meeting: reporting back on the first one's actions ----------------------------

ADA_ACTIONS = ["Ask Sam to shadow me", "Draft the new rota"]


class SecondMeeting(SetMeeting):
    """The set's second meeting. In the first, Ada presented (sharing her issue's title) and
    named two actions; then Fay ended it and started this one, which opens on those actions."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.first_meeting_id = self.meeting()["id"]
        self.send("facilitator", "advance_phase")  # check-in
        self.send("facilitator", "advance_phase")  # bidding
        self.send(
            "ada", "place_bid", {"title": "A rota nobody likes", "minutes": 20, "share_title": True}
        )
        bid = next(
            b["id"] for b in self.meeting()["bids"] if b["participant_id"] == self.ids["ada"]
        )
        self.send("facilitator", "accept_bid", {"bid_id": bid})
        self.send("facilitator", "advance_phase")  # work: Ada presents
        self.send("facilitator", "advance_phase")  # clarifying questions
        self.send("ada", "end_work")  # on to her actions
        for text in ADA_ACTIONS:
            self.send("ada", "add_action", {"text": text})
        self.send("facilitator", "end_meeting")
        self.start_next()

    def token(self, who: str) -> str:
        return self.urls[who].partition("#")[2]

    def start_next(self) -> None:
        """Fay starts the next meeting over HTTP; every python client moves to it."""
        response = requests.post(
            f"{self.base_url}/api/sets/{self.set_id}/meetings",
            headers={"Authorization": f"Bearer {self.token('facilitator')}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        close_all(list(self.widgets.values()))
        self.widgets = {who: Widget(self.base_url, self.token(who)) for who in self.urls}
        self.version = self.widgets["facilitator"].wait_for("snapshot")["version"]
        self.version = self.widgets["facilitator"].call("sync")["version"]


@pytest.fixture
def second_meeting(live_server: ServerProcess) -> Iterator[SecondMeeting]:
    scripted = SecondMeeting(live_server.url)
    yield scripted
    close_all(list(scripted.widgets.values()))


def test_at_the_check_in_members_report_back_and_everyone_sees_the_speakers_report(
    second_meeting: SecondMeeting, open_page: OpenPage, axe_script: str
) -> None:
    meeting = second_meeting
    held = meeting.meeting()
    assert [a["text"] for a in held["report_back"]] == ADA_ACTIONS
    assert {a["status"] for a in held["report_back"]} == {"open"}
    fay = meeting.open(open_page(**DESKTOP), "facilitator")
    ada = meeting.open(open_page(**SIDE_PANEL), "ada")
    ben = meeting.open(open_page(phone=True), "ben")
    for page in (fay, ada, ben):
        expect(page.locator("#your-reports")).to_be_hidden()  # only at the check-in

    meeting.send("facilitator", "advance_phase")  # check-in
    for page in (fay, ada, ben):
        shows_version(page, meeting.version)
    forms = ada.locator("#your-report-forms > li")
    expect(forms).to_have_count(2)
    expect(forms.locator(".report-text")).to_have_text(ADA_ACTIONS)
    expect(forms.locator(".report-status")).to_have_text(["Not reported yet."] * 2)
    for page in (fay, ben):
        expect(page.locator("#your-reports")).to_be_hidden()  # they named no actions
    assert_no_axe_violations(ada, axe_script, "Ada's report-back forms at the check-in, 280 px")

    # Ada reports on her first action by keyboard alone.
    first = forms.nth(0)
    first.get_by_label("How it went").focus()
    first.get_by_label("How it went").select_option("In progress")
    ada.keyboard.press("Tab")
    ada.keyboard.type("Sam starts next week.")
    ada.keyboard.press("Tab")
    expect(first.get_by_role("button", name=f"Save your report: {ADA_ACTIONS[0]}")).to_be_focused()
    ada.keyboard.press("Enter")
    expect(ada.locator("#report-status")).to_have_text(
        "Your report is saved. Everyone in the set can see it."
    )
    expect(first.locator(".report-status")).to_have_text("Reported: In progress.")
    reported = meeting.widgets["facilitator"].wait_for(
        "snapshot", lambda s: s["meeting"]["report_back"][0]["status"] == "in_progress"
    )["meeting"]["report_back"][0]
    assert reported["reflection"] == "Sam starts next week."
    for page in (fay, ada, ben):
        expect(page.locator("#activity")).to_contain_text("Ada reported back on an action.")

    # When Ada speaks, everyone sees her actions and what became of them beside the round.
    while meeting.meeting()["round"]["current"] != meeting.ids["ada"]:
        current = meeting.meeting()["round"]["current"]
        who = next(w for w, i in meeting.ids.items() if i == current)
        meeting.send(who, "speaker_done")
    for page in (fay, ben):
        shows_version(page, meeting.version)
        block = page.locator("#speaker-reports-block")
        expect(block.locator("h3")).to_have_text("Ada's actions from last time")
        expect(block.locator("li")).to_have_count(2)
        expect(block.locator("li").nth(0)).to_contain_text(ADA_ACTIONS[0])
        expect(block.locator("li").nth(0)).to_contain_text("In progress")
        expect(block.locator("li").nth(0)).to_contain_text("“Sam starts next week.”")
        expect(block.locator("li").nth(1)).to_contain_text("Not reported yet")
    expect(ada.locator("#speaker-reports-block h3")).to_have_text("Your actions from last time")
    assert_no_axe_violations(ben, axe_script, "Ada's report seen by Ben, on a phone")


# --- Key learnings, private to each person ------------------------------------------------------

LEARNINGS_HEADING = "Your key learnings (private: only you can see them)"


def test_at_the_learning_review_each_person_keeps_up_to_three_private_learnings(
    meeting: SetMeeting, open_page: OpenPage, axe_script: str
) -> None:
    fay = meeting.open(open_page(**DESKTOP), "facilitator")
    ada = meeting.open(open_page(**SIDE_PANEL), "ada")
    ben = meeting.open(open_page(phone=True), "ben")
    for page in (fay, ada, ben):
        expect(page.locator("#learnings")).to_be_hidden()  # not before the learning review
    meeting.send("facilitator", "go_to_phase", {"phase": "learning_review"})
    for page in (ada, ben):
        expect(page.locator("#learnings-heading")).to_have_text(LEARNINGS_HEADING)
        expect(page.locator("#learning-list li")).to_have_count(0)
    assert_no_axe_violations(ada, axe_script, "Ada's learnings, none yet, 280 px")

    # Ada writes three by keyboard: Enter adds each, and the box is ready for the next.
    written = ["Ask before I fix", "Silence is useful", "My team knows more than I think"]
    field = ada.get_by_label("A key learning")
    for text in written:
        field.focus()
        ada.keyboard.type(text)
        ada.keyboard.press("Enter")
        expect(ada.locator("#learning-list li").last).to_contain_text(text)
        if text != written[-1]:
            expect(field).to_have_value("")
    expect(ada.locator("#learning-list li")).to_have_count(3)
    expect(ada.locator("#learning-status")).to_have_text("Added. Only you can see it.")
    expect(ada.locator("#learning-form")).to_be_hidden()  # three is the most
    private = meeting.widgets["ada"].wait_for("private", lambda m: len(m["learnings"]) == 3)
    assert [learning["text"] for learning in private["learnings"]] == written
    assert_no_axe_violations(ada, axe_script, "Ada's three learnings, 280 px")

    # Nobody else sees them: not Ben's page, nor anything the meeting shares.
    shows_version(ben, private["version"])
    expect(ben.locator("#learning-list li")).to_have_count(0)
    expect(ben.locator("body")).not_to_contain_text(written[1])
    expect(fay.locator("body")).not_to_contain_text(written[1])
    assert not meeting.widgets["ben"].received["private"] or all(
        m["learnings"] == [] for m in meeting.widgets["ben"].received["private"]
    )

    # Ada takes one back; the form comes back for another.
    remove = ada.get_by_role("button", name=f"Remove the learning: {written[1]}")
    remove.focus()
    ada.keyboard.press("Enter")
    expect(ada.locator("#learning-list li")).to_have_count(2)
    expect(ada.locator("#learning-list")).not_to_contain_text(written[1])
    expect(ada.locator("#learning-form")).to_be_visible()
    expect(ada.locator("#learning-room")).to_have_text("(1 more)")


# --- The summary, once the meeting has closed ---------------------------------------------------


def test_when_the_meeting_closes_everyone_sees_its_summary(
    meeting: SetMeeting, open_page: OpenPage, axe_script: str
) -> None:
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    ada = meeting.open(open_page(phone=True), "ada")
    ben = meeting.open(open_page(**DESKTOP), "ben")
    meeting.send("facilitator", "advance_phase")  # check-in
    meeting.send("facilitator", "advance_phase")  # bidding
    meeting.send("ada", "place_bid", {"title": "My rota", "minutes": 20, "share_title": True})
    meeting.send("ben", "place_bid", {"title": "A private matter", "minutes": 10})
    bids = {b["participant_id"]: b["id"] for b in meeting.meeting()["bids"]}
    for who in ("ada", "ben"):
        meeting.send("facilitator", "accept_bid", {"bid_id": bids[meeting.ids[who]]})
    meeting.send(
        "facilitator", "go_to_phase", {"phase": "work", "bid_id": bids[meeting.ids["ada"]]}
    )
    meeting.send("facilitator", "advance_phase")  # clarifying questions
    meeting.send("ada", "end_work")  # her actions
    meeting.send("ada", "add_action", {"text": "Swap two shifts"})
    meeting.send(
        "facilitator", "go_to_phase", {"phase": "work", "bid_id": bids[meeting.ids["ben"]]}
    )
    for page in (fay, ada, ben):
        expect(page.locator("#summary-card")).to_be_hidden()  # not while it runs
    meeting.send("facilitator", "end_meeting")

    summary = meeting.meeting()["summary"]
    assert summary is not None
    for page in (fay, ada, ben):
        card = page.locator("#summary-card")
        expect(card.locator("h2")).to_have_text("Meeting summary")
        expect(page.locator("#summary-total")).to_have_text(re.compile(r"^The meeting took "))
        expect(page.locator("#summary-phases li")).to_have_count(len(summary["phases"]))
        expect(page.locator("#summary-phases")).to_contain_text("Work: Ada")
        expect(page.locator("#summary-phases")).to_contain_text("Work: Ben")
        presenters = page.locator("#summary-presenters > li")
        expect(presenters).to_have_count(2)
        expect(presenters.nth(0)).to_contain_text("Ada")
        expect(presenters.nth(0)).to_contain_text("“My rota”")
        expect(presenters.nth(0)).to_contain_text("Swap two shifts")
        expect(presenters.nth(1)).to_contain_text("Ben")
        expect(presenters.nth(1)).to_contain_text("No actions named.")
        expect(card).not_to_contain_text("A private matter")  # Ben kept his title to himself
    assert_no_axe_violations(fay, axe_script, "the summary, 280 px")


# --- Your data ----------------------------------------------------------------------------------


def test_a_member_downloads_their_notes_and_deletes_their_data(
    second_meeting: SecondMeeting, open_page: OpenPage, axe_script: str
) -> None:
    meeting = second_meeting
    ada = meeting.open(open_page(**SIDE_PANEL), "ada")
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    reveal(ada, "#your-data-box")
    ada.locator("#your-data-box > summary").focus()
    ada.keyboard.press("Enter")
    expect(ada.locator("#your-data-box")).to_have_attribute("open", "")
    assert_no_axe_violations(ada, axe_script, "Your data, 280 px")

    with ada.expect_download() as downloading:
        ada.get_by_role("button", name="Download my actions and learnings").click()
    download = downloading.value
    assert download.suggested_filename == "my-actions-and-learnings.md"
    notes = Path(download.path()).read_text(encoding="utf-8")
    for text in ADA_ACTIONS:
        assert text in notes
    expect(ada.locator("#your-data-status")).to_contain_text("has been saved to your downloads")

    # The lead facilitator cannot leave the set this way: the server says why.
    fay.on("dialog", lambda dialog: dialog.accept())
    reveal(fay, "#your-data-box")
    fay.locator("#your-data-box > summary").click()
    fay.get_by_role("button", name="Delete my data from this set").click()
    expect(fay.locator("#your-data-status")).not_to_have_text(re.compile(r"^(|Deleting…)$"))
    expect(fay.get_by_role("button", name="Delete my data from this set")).to_be_enabled()
    expect(fay.locator(LIVE)).to_be_attached()

    # Ada deletes hers: asked first, then told, and this device forgets the set's link.
    assert meeting.set_id in ada.evaluate("window.localStorage.getItem('companion.links')")
    questions: list[str] = []

    def accept(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    ada.on("dialog", accept)
    ada.get_by_role("button", name="Delete my data from this set").click()
    expect(ada.locator("#your-data-status")).to_have_text(
        "Your data has been deleted from this set."
    )
    expect(ada.locator("#connection")).to_have_text(
        "Your data has been deleted. This link no longer works."
    )
    assert questions and "cannot be undone" in questions[0]
    assert meeting.set_id not in (
        ada.evaluate("window.localStorage.getItem('companion.links')") or ""
    )
    expect(fay.locator("#participants")).not_to_contain_text("Ada")


# --- Asking for time, and who is expected -------------------------------------------------------


def test_a_bid_may_share_its_title_and_facilitators_see_who_is_expected(
    live_server: ServerProcess, open_page: OpenPage, axe_script: str
) -> None:
    created = post_created(
        live_server.url,
        "/api/sets",
        {
            "set_name": "Ward leaders",
            "facilitator_name": "Fay",
            "expected_members": ["Ada", "Cy"],
            "admission": "open",
        },
    )
    joined = join_set(live_server.url, created["invite_token"], "ada")
    fay = open_page(**SIDE_PANEL)
    fay.goto(created["facilitator_url"])
    ada = open_page(**SIDE_PANEL)
    ada.goto(joined["widget_url"])
    for page in (fay, ada):
        expect(page.locator(LIVE)).to_be_attached()
    expected = fay.locator("#expected li")
    expect(expected).to_have_count(1)  # "ada" joined: names match whatever their case
    expect(expected).to_contain_text("Cy")
    expect(expected).to_contain_text("not here yet")
    expect(ada.locator("#expected-block")).to_be_hidden()
    assert_no_axe_violations(fay, axe_script, "the people card with who is expected, 280 px")

    # Ada asks for time by keyboard, and lets the summary show her title.
    ada.locator("#bid-box > summary").focus()
    ada.keyboard.press("Enter")
    ada.get_by_label("Your issue in a few words").fill("A rota nobody likes")
    share = ada.get_by_label("Show my issue's title in the summary")
    share.focus()
    ada.keyboard.press("Space")
    expect(share).to_be_checked()
    assert_no_axe_violations(ada, axe_script, "the bid form with its title choice, 280 px")
    ada.get_by_role("button", name="Ask for time").click()
    expect(fay.locator("#bids")).to_contain_text("A rota nobody likes")
    fay_widget = Widget(live_server.url, created["facilitator_token"])
    try:
        bids = fay_widget.wait_for("snapshot", lambda s: s["meeting"]["bids"])["meeting"]["bids"]
        assert bids[0]["share_title"] is True
    finally:
        fay_widget.close()
