"""Feedback: the board in this channel, an idea, a similar one offered before filing, a
vote, a member refused a status change, and the manager's change that every backer hears
of privately (a few seconds later, in one message each)."""

from __future__ import annotations

from townsquare.bots.scenes import Step

SCENE = [
    Step("", "note", "Alice opens a feedback board; members send ideas and vote."),
    Step("Alice", "say", "/feedback board here"),
    Step("Bob", "say", "/feedback A dark mode for the mobile app"),
    Step("Carol", "say", "/idea please add dark mode to the app"),
    Step("Carol", "say", "/feedback vote 1"),
    Step("Bob", "say", "/feedback status 1 done"),
    Step("Alice", "say", "/feedback status 1 planned Coming in the spring release"),
    Step("Alice", "say", "/feedback list"),
]
