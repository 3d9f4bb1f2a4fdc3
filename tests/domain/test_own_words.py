"""The words the widget shows are our own: guidance, prompts, signals and the default contract do
not reproduce the source documents' phrasing, which is reference material, not copy."""

from __future__ import annotations

import re

import pytest

from companion.domain import contract, phases, prompts, signals

# Phrases of the seed documents a prompt or guidance line could most easily have been copied from:
# the presenter's questions, the members' example questions, and the contract's points.
SEED_PHRASES = [
    "What am I trying to do",
    "What is stopping me",
    "What can I do about it",
    "Who knows what I'm trying to do",
    "Who cares",
    "Who can help",
    "Can you tell me more",
    "What would happen if",
    "What do you feel most challenged by",
    "Which part of the scenario do you struggle most with",
    "leave their baggage",
    "tune into both physical and inner state",
    "no one is more expert than the presenter",
    "move the individuals thinking on",
    "To provide a safe space for us all to share our experiences",
    "Allow everyone time to speak and respond",
    "Honest and constructive in terms of feedback",
    "conversations won't be shared outwith the group",
    "encourage open honest conversations",
    "Respectful of each group member's different backgrounds",
    "no judgement in the way experiences have occurred",
    "Support challenge each other",
    "Belief that we can do something about our situation",
]


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]+", " ", text.lower()).split())


def texts_users_read() -> list[str]:
    """Everything the server hands the widget to show. The advice side of each reframe is left
    out: it quotes, on purpose, the kind of question we help members avoid."""
    return [
        *phases.GUIDANCE.values(),
        *phases.STAGE_GUIDANCE.values(),
        *prompts.FRAMING,
        *prompts.CLARIFYING,
        *prompts.OPEN,
        *(question for _, question in prompts.REFRAMES),
        *(signal.label for signal in signals.CATALOGUE),
        *(signal.meaning for signal in signals.CATALOGUE),
        *contract.DEFAULT_CONTRACT,
    ]


@pytest.mark.parametrize("phrase", SEED_PHRASES)
def test_no_text_reproduces_a_seed_phrase(phrase: str) -> None:
    copied = [text for text in texts_users_read() if normalised(phrase) in normalised(text)]
    assert not copied, f"{phrase!r} is copied in {copied}"


def test_there_are_prompts_for_every_moment_that_needs_them() -> None:
    assert len(prompts.FRAMING) >= 5 and len(prompts.OPEN) >= 5 and len(prompts.CLARIFYING) >= 3
    questions = [*prompts.FRAMING, *prompts.CLARIFYING, *prompts.OPEN]
    assert all(text.endswith("?") for text in questions)
    assert {"pause", "clarity", "slow_down", "advice"} <= set(signals.KINDS)
