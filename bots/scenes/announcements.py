"""Announcements: one posted at once (the console cannot pin, and says so), one every
week from two hours on, the list of what is scheduled, and a cancel."""

from __future__ import annotations

from townsquare.bots.scenes import Step

SCENE = [
    Step("", "note", "Alice announces the evening, then a weekly reminder she thinks better of."),
    Step("Alice", "say", "/announce --pin Board games night: tomorrow at 19:00 in the library!"),
    Step("Alice", "say", "/announce --at in 2h --every weekly Bring a game to share on Friday."),
    Step("Alice", "say", "/announcements"),
    Step("Alice", "say", "/announce cancel 2"),
    Step("Bob", "say", "/announce Free pizza for @everyone"),
]
