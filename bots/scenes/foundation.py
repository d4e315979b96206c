"""Newcomers arrive, ask for help; a member is refused a manager command."""

from __future__ import annotations

from townsquare.bots.scenes import Step

SCENE = [
    Step("", "note", "Alice manages the community; Bob and Carol are newcomers."),
    Step("Bob", "join"),
    Step("Carol", "join"),
    Step("Bob", "say", "Hi all! What can the bot do?"),
    Step("Bob", "say", "/help"),
    Step("Alice", "say", "/help"),
    Step("Bob", "say", "/settings"),
    Step("Alice", "say", "/settings"),
    Step("Bob", "say", '/help "unclosed'),
    Step("Carol", "say", "/dance"),
]

FAREWELL = [Step("Carol", "leave")]
