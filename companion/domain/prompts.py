"""Prompts the widget offers: to a presenter framing their issue, and to members asking questions.

Written in our own words. Their purpose is the set's values: the presenter stays the expert on their
own issue, so members are helped to ask rather than tell.
"""

from __future__ import annotations

# For whoever will present: ways into their issue before and while they describe it.
FRAMING = (
    "What do I want to change, or to achieve?",
    "What gets in the way, and what part of that is mine?",
    "What have I tried so far, and what happened?",
    "Who else has a stake in this, and how do they see it?",
    "Who could help me, and what would I ask of them?",
    "What would be different if this were resolved?",
)

# For members during clarifying questions: facts, so everyone understands the situation.
CLARIFYING = (
    "Who is involved, and what are their roles?",
    "How long has this been going on?",
    "What does the situation look like on a typical day?",
    "Could you say a little more about what you mean by that?",
)

# For members during open questions: questions that hand the thinking back to the presenter.
OPEN = (
    "What would a good outcome look like for you?",
    "What options can you see from where you stand?",
    "What might happen if you did nothing?",
    "What feels hardest about this for you?",
    "What would you do if you knew you could not fail?",
    "Which of these steps feels possible this week?",
)

# Advice dressed as a question, and an open question that does the same work without telling.
REFRAMES = (
    ("Have you thought of…?", "What else might you try?"),
    ("Why don't you just…?", "What stops you from acting on it?"),
    ("In my team we…", "What have you seen work elsewhere?"),
)
