"""Escalation: members flag and report a rude message privately; Alice claims, warns and
resolves the case (the console has no buttons, so she types what they say); a detector's
false alarm is dismissed with one command."""

from __future__ import annotations

from townsquare.bots.scenes import Step

SCENE = [
    Step("", "note", "Without a managers' inbox, cases reach the managers privately."),
    Step("Alice", "say", "/managers"),
    Step("", "note", "Mallory is rude to Bob. Members flag it; Bob reports it privately."),
    Step("Mallory", "join"),
    Step("Mallory", "say", "Bob, nobody wants your ideas here. Go away."),
    Step("Bob", "react", "🚩"),
    Step("Carol", "react", "🚩"),
    Step("Dave", "react", "🚩"),
    Step("Bob", "reply", "/report insulting me"),
    Step("", "note", "Alice handles the case: claim, warn, resolve (a note is required)."),
    Step("Alice", "say", "/case 1 claim"),
    Step("Alice", "say", "/case 1 warn"),
    Step("Alice", "say", "/case 1 resolve"),
    Step("Alice", "say", "/case 1 resolve Warned Mallory and talked to Bob"),
    Step("", "note", "A detector flags a joke as a threat; Alice dismisses it for good."),
    Step("Mallory", "say", "ti ammazzo 😂 (scherzo, Bob!)"),
    Step("Alice", "say", "/case 2 dismiss"),
    Step("Alice", "say", "/cases all"),
]
