"""Script never runs: what people write is shown as text, and the page's policy would stop a script
that got in anyway.

Names (the set's, the facilitator's, members', the expected members'), the contract, bid titles
(shared into the summary), actions, reports, learnings and notes are all written as HTML and script
(an ``img`` whose ``onerror`` runs, a ``script``, an attribute-breaking ``svg onload``, a
``javascript:`` string). Each page that shows them (the start page's result, the join page, the
widget at every phase, the notes download) must show the very text, run nothing
(``window.__xss`` stays undefined), gain no element from it and open no dialog. The Teams setup page
shows nothing anyone wrote outside Teams, so there it is its message and its policy that are
checked. The second line of defence is proven too: each page's Content-Security-Policy forbids
inline script, and a script element put into the page by hand does not run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Dialog, Page, expect

from tests.browser.conftest import DESKTOP, LIVE, SIDE_PANEL, OpenPage, reveal, shows_version
from tests.support import (
    CommandedMeeting,
    ServerProcess,
    Widget,
    close_all,
    join_set,
    post_created,
    start_next_meeting,
    token_of,
)

IMG = "<img src=x onerror=window.__xss=1>"
SCRIPT = "<script>window.__xss=1</script>"
SVG = '"><svg onload=window.__xss=1>'
JS = "javascript:window.__xss=1"

SET_NAME = f"{SCRIPT} {IMG}"
FACILITATOR = f"Fay {IMG}"
MEMBERS = {"ada": f"Ada {SVG}", "ben": f"Ben {SCRIPT}", "cy": f"Cy {JS}"}
EXPECTED = [f"Eve {IMG}", f"Fin {JS}"]
CONTRACT = [f"We listen {IMG}", f"No advice {SCRIPT}", f"Time {SVG}", JS]
TITLES = {"ada": f"Rota {IMG}{SVG}", "ben": f"{SCRIPT}{JS}"}
ACTIONS = {"ada": [f"Call {IMG}", f"Write {JS}"], "ben": [f"Visit {SVG}"]}
LEARNINGS = [f"Silence {SCRIPT}", f"Ask {SVG}"]
REFLECTION = f"It went {IMG} {SCRIPT}"

# Where the widget shows what people wrote. None of them holds an image, a script or a drawing of
# its own (the signal icons live in #signals, the QR code in its dialog).
CONTENT_REGIONS = [
    "#set-name",
    "#participants",
    "#expected",
    "#contract-items",
    "#speaking-order",
    "#speakers",
    "#work-summary",
    "#hands",
    "#bids",
    "#my-actions",
    "#named-actions",
    "#your-report-forms",
    "#speaker-reports",
    "#learning-list",
    "#summary-card",
    "#activity",
    "#announcer",
]
PAGES = ["/", "/join", "/w", "/teams/config", "/privacy", "/terms"]

INJECTED = """(regions) => ({
    xss: typeof window.__xss,
    inlineScripts: [...document.scripts].filter((s) => !s.src).length,
    handlers: [...document.querySelectorAll("*")].flatMap((e) => [...e.attributes]
        .filter((a) => a.name.startsWith("on")).map((a) => `${e.tagName} ${a.name}`)),
    scriptUrls: [...document.querySelectorAll("[href], [src], [action]")]
        .map((e) => e.getAttribute("href") || e.getAttribute("src") || e.getAttribute("action"))
        .filter((url) => /^\\s*javascript:/i.test(url)).length,
    elements: regions.flatMap((region) =>
        [...document.querySelectorAll(`${region} :is(img, script, svg, iframe, object, embed)`)]
            .map((e) => `${region} ${e.tagName}`)),
    openDialogs: document.querySelectorAll("dialog[open]").length,
})"""


def assert_nothing_injected(page: Page, regions: list[str] = CONTENT_REGIONS) -> None:
    found = page.evaluate(INJECTED, regions)
    assert found == {
        "xss": "undefined",
        "inlineScripts": 0,
        "handlers": [],
        "scriptUrls": 0,
        "elements": [],
        "openDialogs": 0,
    }, found


def dialogs_of(page: Page) -> list[str]:
    """The message of every dialog (``alert``, ``confirm``) ``page`` opens from now on, each
    dismissed as it comes."""
    messages: list[str] = []

    def note(dialog: Dialog) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", note)
    return messages


@pytest.fixture(scope="module")
def server(live_server: ServerProcess) -> ServerProcess:
    """The session's server: its settings let tests send commands at machine speed."""
    return live_server


# --- The pages before the widget ----------------------------------------------------------------


def test_the_start_page_takes_names_as_text_and_the_widget_shows_them_so(
    server: ServerProcess, open_page: OpenPage
) -> None:
    page = open_page(**DESKTOP)
    dialogs = dialogs_of(page)
    page.goto(f"{server.url}/")
    page.get_by_label("Name of the set").fill(SET_NAME)
    page.get_by_label("Your name (you will facilitate)").fill(FACILITATOR)
    page.get_by_label("Who you expect to join (optional, one name per line)").fill(
        "\n".join(EXPECTED)
    )
    page.get_by_role("button", name="Create the set and start").click()
    expect(page.get_by_role("heading", name="Your meeting is ready")).to_be_visible()
    assert_nothing_injected(page, ["#started"])

    page.get_by_role("link", name="Open the meeting").click()
    expect(page.locator(LIVE)).to_be_attached()
    expect(page.locator("#set-name")).to_have_text(SET_NAME)
    assert page.title() == f"{SET_NAME} · ALS Companion"
    expect(page.locator("#participants")).to_contain_text(FACILITATOR)
    for name in EXPECTED:
        expect(page.locator("#expected")).to_contain_text(name)
    assert_nothing_injected(page)
    assert dialogs == []


def test_the_join_page_takes_a_name_as_text_and_offers_to_continue_as_it(
    server: ServerProcess, open_page: OpenPage
) -> None:
    body = {"set_name": SET_NAME, "facilitator_name": "Fay", "admission": "open"}
    created = post_created(server.url, "/api/sets", body)
    page = open_page(**SIDE_PANEL)
    dialogs = dialogs_of(page)
    page.goto(created["invite_url"])
    page.get_by_label("Your name, as the set will see it").fill(MEMBERS["ada"])
    page.get_by_role("button", name="Join the meeting").click()
    expect(page.locator(LIVE)).to_be_attached()
    expect(page.locator("#participants")).to_contain_text(f"{MEMBERS['ada']} (you)")
    assert_nothing_injected(page)

    page.goto(created["invite_url"])  # the same device, back at the invite
    expect(page.locator("#continue-link")).to_have_text(f"Continue as {MEMBERS['ada']}")
    assert_nothing_injected(page, ["#welcome-back", "#join-form"])
    assert not re.match(
        r"\s*javascript:", page.locator("#continue-link").get_attribute("href") or ""
    )
    assert dialogs == []


def test_the_teams_setup_page_outside_teams_shows_only_its_message(
    server: ServerProcess, open_page: OpenPage
) -> None:
    page = open_page(**SIDE_PANEL)
    dialogs = dialogs_of(page)
    page.goto(f"{server.url}/teams/config")
    expect(page.locator("#outside-teams")).to_be_visible()
    expect(page.locator("#config-form")).to_be_hidden()
    assert_nothing_injected(page, ["main"])
    assert dialogs == []


# --- The widget, phase by phase -----------------------------------------------------------------


class WrittenMeeting(CommandedMeeting):
    """Everyone's words are markup. Fay facilitates; Ada, Ben and Cy are members, each with a
    python widget kept connected; Fay's and Ada's pages show what they see."""

    def __init__(self, base_url: str) -> None:
        body = {"set_name": SET_NAME, "facilitator_name": FACILITATOR, "expected_members": EXPECTED}
        created = post_created(base_url, "/api/sets", body | {"admission": "open"})
        self.base_url, self.set_id = base_url, created["set_id"]
        self.urls = {"facilitator": created["facilitator_url"]}
        self.ids = {"facilitator": created["participant_id"]}
        for who, name in MEMBERS.items():
            joined = join_set(base_url, created["invite_token"], name)
            self.urls[who], self.ids[who] = joined["widget_url"], joined["participant_id"]
        self.widgets = {who: Widget(base_url, token_of(self, who)) for who in self.urls}
        self.version = self.widgets["facilitator"].call("sync")["version"]

    def speak_until(self, who: str | None) -> None:
        """Speakers say they are done until it is ``who``'s turn (None: to the round's end)."""
        while (current := self.meeting()["round"]["current"]) not in (self.ids.get(who), None):
            self.send(next(w for w, i in self.ids.items() if i == current), "speaker_done")

    def bid_of(self, who: str) -> str:
        bids = self.meeting()["bids"]
        return next(b["id"] for b in bids if b["participant_id"] == self.ids[who])

    def present(self, who: str, asker: str) -> None:
        self.send("facilitator", "go_to_phase", {"phase": "work", "bid_id": self.bid_of(who)})
        self.send("facilitator", "advance_phase")  # clarifying questions
        self.send(asker, "raise_hand")
        self.send(who, "end_work")  # on to the actions
        for text in ACTIONS[who]:
            self.send(who, "add_action", {"text": text})

    def next_meeting(self) -> None:
        start_next_meeting(self, self.base_url, self.set_id)


@pytest.fixture
def written(server: ServerProcess) -> Iterator[WrittenMeeting]:
    meeting = WrittenMeeting(server.url)
    yield meeting
    close_all(list(meeting.widgets.values()))


def at_version(meeting: WrittenMeeting, *pages: Page) -> None:
    for page in pages:
        shows_version(page, meeting.version)
        assert_nothing_injected(page)


def expect_texts(page: Page, region: str, texts: list[str]) -> None:
    for text in texts:
        expect(page.locator(region)).to_contain_text(text)


def test_everything_a_meeting_shows_is_the_text_people_wrote(
    written: WrittenMeeting, open_page: OpenPage
) -> None:
    fay, ada = open_page(**DESKTOP), open_page(**SIDE_PANEL)
    dialogs = [*map(dialogs_of, (fay, ada))]
    for page, who in ((fay, "facilitator"), (ada, "ada")):
        page.goto(written.urls[who])
        expect(page.locator(LIVE)).to_be_attached()

    # The opening: the set, its people, who is expected, the contract.
    written.send("facilitator", "set_contract", {"items": CONTRACT})
    at_version(written, fay, ada)
    for page in (fay, ada):
        expect(page.locator("#set-name")).to_have_text(SET_NAME)
        expect_texts(page, "#participants", [FACILITATOR, *MEMBERS.values()])
        expect(page.locator("#contract-items li")).to_have_text(CONTRACT)
    expect_texts(fay, "#expected", EXPECTED)

    # The check-in's speaking order; bids whose titles are shared.
    written.send("facilitator", "advance_phase")
    at_version(written, fay, ada)
    expect_texts(fay, "#speaking-order", list(MEMBERS.values()))
    written.send("facilitator", "advance_phase")  # bidding
    for who, title in TITLES.items():
        written.send(who, "place_bid", {"title": title, "minutes": 10, "share_title": True})
        written.send("facilitator", "accept_bid", {"bid_id": written.bid_of(who)})
    at_version(written, fay, ada)
    expect_texts(fay, "#bids", [*TITLES.values(), MEMBERS["ada"], MEMBERS["ben"]])

    # Ada's work: a hand up, her actions, seen by her and by Fay; then Ben's.
    written.present("ada", asker="ben")
    at_version(written, fay, ada)
    expect_texts(fay, "#work-summary", [MEMBERS["ada"]])
    expect_texts(ada, "#my-actions", ACTIONS["ada"])
    expect_texts(fay, "#named-actions", ACTIONS["ada"])
    written.present("ben", asker="ada")
    at_version(written, fay, ada)

    # The learning review: Ada's private learnings, on her page.
    written.send("facilitator", "go_to_phase", {"phase": "learning_review"})
    for text in LEARNINGS:
        written.send("ada", "add_learning", {"text": text})
    at_version(written, fay, ada)
    expect(ada.locator("#learning-list li")).to_have_count(len(LEARNINGS))
    expect_texts(ada, "#learning-list", LEARNINGS)

    # The summary: the shared titles and everyone's actions.
    written.send("facilitator", "end_meeting")
    at_version(written, fay, ada)
    for page in (fay, ada):
        expect_texts(page, "#summary-card", [*TITLES.values(), *ACTIONS["ada"], *ACTIONS["ben"]])

    # The next meeting's check-in: Ada's report forms, then her report as everyone sees it.
    written.next_meeting()
    written.send("facilitator", "advance_phase")
    at_version(written, fay, ada)
    expect_texts(ada, "#your-report-forms", ACTIONS["ada"])
    action_id = next(
        a["id"] for a in written.meeting()["report_back"] if a["text"] == ACTIONS["ada"][0]
    )
    written.send(
        "ada", "report_back", {"action_id": action_id, "status": "done", "reflection": REFLECTION}
    )
    written.speak_until("ada")
    at_version(written, fay, ada)
    expect_texts(fay, "#speaker-reports", [ACTIONS["ada"][0], REFLECTION])
    assert dialogs == [[], []]


def test_the_notes_download_holds_the_words_escaped_and_is_never_a_page(
    written: WrittenMeeting, open_page: OpenPage
) -> None:
    written.send("facilitator", "advance_phase")  # check-in
    written.send("facilitator", "advance_phase")  # bidding
    written.send("ada", "place_bid", {"title": TITLES["ada"], "minutes": 10})
    written.send("facilitator", "accept_bid", {"bid_id": written.bid_of("ada")})
    written.present("ada", asker="ben")
    written.send("facilitator", "go_to_phase", {"phase": "learning_review"})
    for text in LEARNINGS:
        written.send("ada", "add_learning", {"text": text})
    ada = open_page(**SIDE_PANEL)
    dialogs = dialogs_of(ada)
    ada.goto(written.urls["ada"])
    shows_version(ada, written.version)
    reveal(ada, "#your-data-box")
    ada.locator("#your-data-box > summary").click()
    with ada.expect_download() as downloading:
        ada.get_by_role("button", name="Download my actions and learnings").click()
    notes = Path(downloading.value.path()).read_text(encoding="utf-8")
    assert "<" not in notes.replace("\\<", ""), (
        "every < is escaped, so no Markdown viewer makes HTML"
    )
    for text in [*ACTIONS["ada"], *LEARNINGS]:
        assert markdown_escaped(text) in notes
    assert_nothing_injected(ada)
    assert dialogs == []

    response = requests.get(
        f"{written.base_url}/api/me/notes.md",
        headers={"Authorization": f"Bearer {token_of(written, 'ada')}"},
        timeout=10,
    )
    assert response.headers["Content-Type"].startswith("text/markdown")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def markdown_escaped(text: str) -> str:
    """As the notes write it: Markdown's own marks escaped, so a note stays text."""
    return "".join(f"\\{ch}" if ch in "\\`*_[]<>#|" else ch for ch in text)


# --- The second line of defence -----------------------------------------------------------------


def script_sources(policy: str) -> list[str]:
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    return directives.get("script-src", directives.get("default-src", []))


@pytest.mark.parametrize("path", PAGES)
def test_every_page_forbids_inline_script(server: ServerProcess, path: str) -> None:
    policy = requests.get(f"{server.url}{path}", timeout=10).headers["Content-Security-Policy"]
    sources = script_sources(policy)
    assert sources == ["'self'"], policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert "object-src 'none'" in policy and "base-uri 'none'" in policy, policy


INJECT_BY_HAND = """() => new Promise((resolve) => {
    const blocked = [];
    document.addEventListener("securitypolicyviolation", (event) => {
        blocked.push(event.effectiveDirective);
        if (blocked.length === 3) resolve({blocked, xss: typeof window.__xss});
    });
    const script = document.createElement("script");
    script.textContent = "window.__xss = 1";
    document.body.append(script);
    const image = document.createElement("img");
    image.setAttribute("onerror", "window.__xss = 2");
    image.src = "data:,not an image";
    document.body.append(image);
    const link = document.createElement("a");
    link.href = "javascript:window.__xss = 3";
    document.body.append(link);
    link.click();
})"""


@pytest.mark.parametrize("path", PAGES)
def test_a_script_put_into_the_page_by_hand_does_not_run(
    server: ServerProcess, open_page: OpenPage, path: str
) -> None:
    """``page.evaluate`` goes through the DevTools protocol, which the policy does not govern; the
    elements it adds are the page's own, and those the policy does."""
    page = open_page(**SIDE_PANEL)
    dialogs = dialogs_of(page)
    page.goto(f"{server.url}{path}")
    outcome: dict[str, Any] = page.evaluate(INJECT_BY_HAND)
    assert outcome["xss"] == "undefined", outcome
    assert sorted(outcome["blocked"]) == ["script-src-attr", "script-src-elem", "script-src-elem"]
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []
