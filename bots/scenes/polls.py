"""A poll: the console has no buttons, so members vote by typing what the buttons say."""

from __future__ import annotations

from townsquare.bots.scenes import Step

SCENE = [
    Step("", "note", "Alice runs a poll; members vote, one changes their mind."),
    Step("Alice", "say", '/poll “Where do we meet?” "Café Central" Library --closes 2h'),
    Step("Bob", "say", "/vote 1 1"),
    Step("Carol", "say", "/vote 1 2"),
    Step("Bob", "say", "/vote 1 2"),
    Step("Bob", "say", "/poll close 1"),
    Step("Alice", "say", "/poll results 1"),
    Step("Alice", "say", "/poll close 1"),
]
