"""An event with a capacity: the console has no buttons, so members answer by typing
what the buttons say; a seat that frees promotes the first one waiting."""

from __future__ import annotations

from townsquare.bots.scenes import Step

SCENE = [
    Step("", "note", "Alice plans an evening with two seats; a third member waits for one."),
    Step("Alice", "say", '/event "Board games night" tomorrow 19:00 --capacity 2 --where Library'),
    Step("Bob", "say", "/event rsvp 1 going"),
    Step("Carol", "say", "/event rsvp 1 going"),
    Step("Dan", "say", "/event rsvp 1 going"),
    Step("Carol", "say", "/event rsvp 1 no"),
    Step("Bob", "say", "/event 1"),
]
