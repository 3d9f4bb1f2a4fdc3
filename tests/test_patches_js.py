"""The widget's patches.js applies a patch exactly as companion/domain/patches.py does, refuses the
same ones, and says when to ask for a snapshot. Node runs the module itself, on patches the
server's diff made of a meeting run through the rules, and on patches that do not fit."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from typing import Any

import pytest

from companion.domain.codec import MOMENT_KEYS, public_view
from companion.domain.model import Role
from companion.domain.patches import PatchDoesNotApply, apply, diff
from tests.domain.driver import meeting_with
from tests.domain.test_patches import VIEW
from tests.support import REPO_ROOT

PATCHES_JS = REPO_ROOT / "companion" / "static" / "patches.js"
# Reads the cases from the file named first, answers each: the meeting after the patch, or the
# refusal; then what followPatch says of a few held versions.
RUNNER = """
import { readFileSync } from "node:fs";
import { applyPatch, followPatch, PatchDoesNotApply } from "%s";
const { cases, follows } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const applied = cases.map(({ view, patch }) => {
  try {
    return { meeting: applyPatch(view, patch) };
  } catch (error) {
    if (error instanceof PatchDoesNotApply) return { refused: true };
    throw error;
  }
});
const followed = follows.map(({ version, meeting, patch }) => followPatch(version, meeting, patch));
console.log(JSON.stringify({ applied, followed }));
"""
BAD_PATCHES: list[Any] = [
    [],
    {"set": []},
    {"unset": ["missing"]},
    {"splice": {"phase": [[0, 1, []]]}},
    {"splice": {"activity": [[0, 4, []]]}},
    {"splice": {"activity": [[0, True, []]]}},
    {"splice": {"activity": [[0, 1]]}},
    {"set": {"phase": "x"}, "unset": ["phase"]},
    {"add": {"phase": "x"}},
]


def a_meeting_in_views() -> list[dict[str, Any]]:
    """The views a meeting's widgets are sent as it runs: people come and go, the log slides,
    hands go up, signals count and fade."""
    driver = meeting_with(["ada", "bob", "cy"])
    driver.join("obi", Role.OBSERVER)
    views = [public_view(driver.meeting, driver.clock_ms)]

    def step(verb: str, actor: str, **args: Any) -> None:
        driver.run(verb, actor, **args)
        views.append(public_view(driver.meeting, driver.clock_ms))

    step("advance_phase", "fay")  # check-in: each member speaks in turn
    while driver.meeting.round is not None and driver.meeting.round.current is not None:
        step("speaker_done", driver.meeting.round.current)
    step("advance_phase", "fay")  # bidding
    step("place_bid", "ada", title="Handover", minutes=20)
    step("accept_bid", "fay", bid_id=driver.meeting.bids[0].id)
    for _ in range(3):
        step("advance_phase", "fay")
    step("raise_hand", "bob")
    step("raise_hand", "cy")
    step("lower_hand", "bob")
    step("send_signal", "cy", kind="pause")
    step("start_timer", "fay", timer="speaker", seconds=180)
    driver.leave("bob")
    views.append(public_view(driver.meeting, driver.clock_ms))
    driver.clock_ms += 120_000  # the signal fades
    step("extend_timer", "fay", timer="meeting", seconds=60)
    return views


def cases() -> list[dict[str, Any]]:
    views = a_meeting_in_views()
    good = [
        {"view": before, "patch": diff(before, after, always=MOMENT_KEYS)}
        for before, after in itertools.pairwise(views)
    ]
    return [*good, *({"view": VIEW, "patch": patch} for patch in BAD_PATCHES)]


def follows() -> list[dict[str, Any]]:
    patch = {"type": "patch", "version": 5, "from": 4, "set": {"phase": "bidding"}}
    return [
        {"version": 4, "meeting": VIEW, "patch": patch},
        {"version": 5, "meeting": VIEW, "patch": patch},
        {"version": 3, "meeting": VIEW, "patch": patch},
        {"version": 4, "meeting": None, "patch": patch},
        {"version": 4, "meeting": VIEW, "patch": {**patch, "unset": ["missing"]}},
    ]


@pytest.fixture(scope="module")
def node_answers(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], dict[str, Any]]:
    node = shutil.which("node")
    assert node, "Node comes with npm, which scripts/test installs"
    folder = tmp_path_factory.mktemp("patches_js")
    runner = folder / "runner.mjs"
    runner.write_text(RUNNER % PATCHES_JS.as_uri())
    corpus = json.loads(json.dumps({"cases": cases(), "follows": follows()}))
    (folder / "cases.json").write_text(json.dumps(corpus))
    done = subprocess.run(
        [node, "--no-warnings", str(runner), str(folder / "cases.json")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return corpus["cases"], json.loads(done.stdout)


def test_it_applies_each_patch_as_the_server_does_and_refuses_the_same(
    node_answers: tuple[list[Any], dict[str, Any]],
) -> None:
    corpus, answers = node_answers
    assert len(answers["applied"]) == len(corpus) > len(BAD_PATCHES) + 15
    for case, answer in zip(corpus, answers["applied"], strict=True):
        try:
            expected: dict[str, Any] = {"meeting": apply(case["view"], case["patch"])}
        except PatchDoesNotApply:
            expected = {"refused": True}
        assert answer == expected, case["patch"]


def test_it_says_to_take_a_patch_that_follows_and_to_ask_for_a_snapshot_after_a_gap(
    node_answers: tuple[list[Any], dict[str, Any]],
) -> None:
    _, answers = node_answers
    assert answers["followed"] == [
        {"meeting": {**VIEW, "phase": "bidding"}},
        {"stale": True},
        {"resync": True},
        {"resync": True},
        {"resync": True},
    ]


def test_the_corpus_has_the_kinds_of_change_a_meeting_makes() -> None:
    patches = [case["patch"] for case in cases()[: -len(BAD_PATCHES)]]
    spliced = {key for patch in patches for key in patch.get("splice", {})}
    assert {"activity", "participants"} <= spliced
    assert all(set(MOMENT_KEYS) <= set(patch["set"]) for patch in patches)
