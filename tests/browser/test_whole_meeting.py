"""A whole meeting in Chromium: a facilitator and four members, each in their own browser context
and one on an emulated touch phone, from the opening to the close.

After every step, every widget must show the same version, phase, stage and speakers. Along the way
the test saves the screenshots in docs/screenshots/ that the README shows.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, SCREENSHOTS, SIDE_PANEL, OpenPage
from tests.support import ServerProcess, create_set, join_set

MEMBERS = ["Ada", "Ben", "Cy", "Di"]
AGREEMENT_TIMEOUT_SECONDS = 10.0

SHOWN = """() => ({
    version: document.body.dataset.version,
    phase: document.getElementById("phase-name").textContent,
    stage: document.getElementById("stage-name").hidden
        ? "" : document.getElementById("stage-name").textContent,
    speakers: [...document.querySelectorAll("#speakers > div")].map(
        (row) => row.querySelector("dt").textContent + ": "
            + row.querySelector("dd").textContent.replace(" (you)", "")),
})"""


class BrowserMeeting:
    """Five people, five browser contexts, one meeting."""

    def __init__(self, server: ServerProcess, open_page: OpenPage) -> None:
        created = create_set(server.url, "Ward leaders", "Fay")
        self.pages: dict[str, Page] = {"Fay": open_page(**SIDE_PANEL)}
        self._open(self.pages["Fay"], created["facilitator_url"])
        sizes: dict[str, dict[str, Any]] = {
            "Ada": {"phone": True},
            "Ben": SIDE_PANEL,
            "Cy": {"width": 1280, "height": 800},
            "Di": PHONE,
        }
        for name in MEMBERS:
            joined = join_set(server.url, created["invite_token"], name)
            self.pages[name] = open_page(**sizes[name])
            self._open(self.pages[name], joined["widget_url"])

    @staticmethod
    def _open(page: Page, url: str) -> None:
        page.goto(url)
        expect(page.locator("#connection")).to_have_text("Live")

    def __getitem__(self, name: str) -> Page:
        return self.pages[name]

    def agree(self, phase: str, stage: str = "", **speakers: str) -> dict[str, Any]:
        """Every widget reaches one state, with this phase, stage and these speakers."""
        expected = [
            f"{label.replace('_', ' ').capitalize()}: {who}" for label, who in speakers.items()
        ]
        deadline = time.monotonic() + AGREEMENT_TIMEOUT_SECONDS
        while True:
            seen = {name: page.evaluate(SHOWN) for name, page in self.pages.items()}
            first = seen["Fay"]
            agreed = all(state == first for state in seen.values())
            where = (first["phase"], first["stage"]) == (phase, stage)
            if agreed and where and (not speakers or first["speakers"] == expected):
                return first
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"widgets disagree or differ from {phase}/{stage}/{expected}: {seen}"
                )
            time.sleep(0.05)

    def click(self, name: str, button: str) -> None:
        self.pages[name].get_by_role("button", name=button, exact=True).click()

    def speak_in_turn(self, phase: str, order: list[str]) -> None:
        """Each speaker ends their turn from their own widget; everyone sees who is next."""
        for index, name in enumerate(order):
            upcoming = order[index + 1] if index + 1 < len(order) else "—"
            self.agree(phase, Speaking=name, Next=upcoming)
            expect(self.pages[name].locator("#your-turn")).to_have_text("It's your turn to speak.")
            self.click(name, "I'm done")
        self.agree(phase, Speaking="—", Next="—")


def capture(page: Page, view: str) -> None:
    """A full-page screenshot of this view in the Teams side panel (280 px) and on a phone."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for size_name, size in (("280", SIDE_PANEL), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(SCREENSHOTS / f"{view}-{size_name}.png"), full_page=True)
    if original:
        page.set_viewport_size(original)


@pytest.fixture
def meeting(live_server: ServerProcess, open_page: OpenPage) -> BrowserMeeting:
    return BrowserMeeting(live_server, open_page)


def test_a_whole_meeting_runs_from_opening_to_closed_in_five_browsers(
    meeting: BrowserMeeting,
) -> None:
    fay, ada, ben, cy, di = (meeting[name] for name in ["Fay", *MEMBERS])

    # Opening: the contract reminder and a moment of silence, on everyone's screen.
    meeting.agree("Opening")
    meeting.click("Fay", "Silence, 1 min")
    for page in meeting.pages.values():
        expect(page.locator("#timers [data-timer=silence]")).to_be_visible()
    meeting.agree("Opening")

    # Check-in: each member in turn; the phone taps, Cy uses the keyboard.
    meeting.click("Fay", "Next step")
    expect(cy.locator("#announcer")).to_contain_text("moved to Check-in")
    meeting.agree("Check-in", Speaking="Ada", Next="Ben")
    ada.get_by_role("button", name="I'm done", exact=True).tap()
    meeting.agree("Check-in", Speaking="Ben", Next="Cy")
    meeting.click("Ben", "Pass")
    meeting.agree("Check-in", Speaking="Cy", Next="Di")
    cy.get_by_role("button", name="I'm done", exact=True).focus()
    cy.keyboard.press("Enter")
    meeting.agree("Check-in", Speaking="Di", Next="—")
    meeting.click("Di", "I'm done")
    meeting.agree("Check-in", Speaking="—", Next="—")

    # Bidding: two bids, one kept private; the facilitator accepts both and puts Ben first.
    meeting.click("Fay", "Next step")
    meeting.agree("Bidding")
    ada.get_by_label("Your issue in a few words").fill("Rota gaps on night shifts")
    ada.get_by_label("Minutes you would like").fill("25")
    ada.get_by_role("button", name="Ask for time").tap()
    ben.get_by_role("button", name="Ask for time").click()
    expect(fay.locator("#bids .person")).to_have_count(2)
    meeting.click("Fay", "Accept Ada's bid")
    meeting.click("Fay", "Accept Ben's bid")
    meeting.click("Fay", "Move Ben's bid up")
    for page in meeting.pages.values():
        expect(page.locator("#bids .person-name").first).to_have_text(
            "Ben (you)" if page is ben else "Ben"
        )
        expect(page.locator("#bids")).to_contain_text("“Rota gaps on night shifts”")
    expect(ben.locator("#your-places")).to_contain_text("you present 1st")
    meeting.agree("Bidding")

    # Ben's work: presenting, then clarifying questions from raised hands.
    meeting.click("Fay", "Next step")
    meeting.agree("Work", "Presenting", Presenting="Ben", Next_question="—")
    expect(ben.locator("#your-turn")).to_contain_text("You are presenting")
    expect(ben.locator("#framing")).to_be_visible()
    capture(ben, "presenter")
    meeting.click("Fay", "Next step")
    meeting.agree("Work", "Clarifying questions", Presenting="Ben", Next_question="—")
    cy.get_by_role("button", name="Raise my hand").focus()
    cy.keyboard.press("Space")
    expect(cy.get_by_role("button", name="Lower my hand")).to_be_focused()
    meeting.click("Di", "Raise my hand")
    meeting.agree("Work", "Clarifying questions", Presenting="Ben", Next_question="Cy")
    expect(di.locator("#your-places")).to_contain_text("Your hand is up: 2nd in line.")
    meeting.click("Fay", "Give the floor to the next")
    meeting.agree(
        "Work", "Clarifying questions", Presenting="Ben", Has_the_floor="Cy", Next_question="Di"
    )
    expect(cy.locator("#your-turn")).to_have_text("You have the floor: ask your question.")

    # An anonymous signal from the phone reaches every widget, and screen readers hear it.
    ada.locator("#signals [data-command=send_signal]", has_text="Pause, please").tap()
    expect(ada.locator("#signal-status")).to_have_text("Sent, anonymously.")
    for page in meeting.pages.values():
        expect(page.locator("#signals [data-count-for=pause]")).to_have_text("1")
    expect(di.locator("#announcer")).to_contain_text("Someone signalled: Pause, please.")
    di.locator("#question-prompts summary").click()
    capture(di, "member")
    capture(fay, "facilitator")

    # Open questions, a step back and forward again, then Ben ends the questions himself.
    meeting.click("Fay", "Next step")
    meeting.agree(
        "Work", "Open questions", Presenting="Ben", Has_the_floor="Cy", Next_question="Di"
    )
    meeting.click("Fay", "Back to the previous step")
    meeting.agree(
        "Work", "Clarifying questions", Presenting="Ben", Has_the_floor="Cy", Next_question="Di"
    )
    meeting.click("Fay", "Next step")
    meeting.agree(
        "Work", "Open questions", Presenting="Ben", Has_the_floor="Cy", Next_question="Di"
    )
    meeting.click("Ben", "I'm done with questions")
    meeting.agree("Work", "Actions", Presenting="Ben")
    for action in ["Ask the charge nurses what they need", "Draft a rota with the team"]:
        ben.get_by_label("An action you will take").fill(action)
        ben.get_by_role("button", name="Add", exact=True).click()
    expect(ben.locator("#my-actions li")).to_have_count(2)
    expect(cy.locator("#named-actions")).to_contain_text("Draft a rota with the team")
    capture(ben, "presenter-actions")

    # Ben's closing round: everyone else first, Ben last.
    meeting.click("Ben", "I'm done")
    for page in meeting.pages.values():
        expect(page.locator("#speaking-order .person-name").last).to_contain_text("Ben")
    meeting.speak_in_turn("Closing round", ["Ada", "Cy", "Di", "Ben"])

    # Ada's work, from her phone, straight through to her closing round.
    meeting.click("Fay", "Next step")
    meeting.agree("Work", "Presenting", Presenting="Ada", Next_question="—")
    ada.get_by_role("button", name="I'm done with questions").tap()
    meeting.agree("Work", "Actions", Presenting="Ada")
    ada.get_by_label("An action you will take").fill("Talk to the ward manager on Monday")
    ada.get_by_role("button", name="Add", exact=True).tap()
    expect(fay.locator("#named-actions")).to_contain_text("Talk to the ward manager on Monday")
    ada.get_by_role("button", name="I'm done", exact=True).tap()
    meeting.speak_in_turn("Closing round", ["Ben", "Cy", "Di", "Ada"])

    # The learning review, and the end.
    meeting.click("Fay", "Next step")
    meeting.speak_in_turn("Learning review", ["Ada", "Ben", "Cy", "Di"])
    fay.once("dialog", lambda dialog: dialog.accept())
    meeting.click("Fay", "End the meeting")
    meeting.agree("Closed")
    for page in meeting.pages.values():
        expect(page.locator("#activity li").first).to_contain_text("Fay ended the meeting.")
