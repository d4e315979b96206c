"""Onboarding: Alice writes the rules and a greeting and turns the rules gate on; Dora is
muted until she accepts (the console has no buttons, so she types /accept); a preview in
Italian; then twelve accounts join at once: the first newcomers are greeted one by one,
Alice gets one raid alert, and the rest share one combined greeting a few seconds later."""

from __future__ import annotations

from townsquare.bots.scenes import Step

RAIDERS = [f"raider{number:02d}" for number in range(1, 13)]

SCENE = [
    Step("", "note", "Alice writes the rules and a greeting; newcomers must accept the rules."),
    Step("Alice", "say", "/rules set Be kind. No ads. Stay on topic."),
    Step(
        "Alice",
        "say",
        "/welcome set Hi {mention}, welcome to {community}! We are {member_count} now.",
    ),
    Step("Alice", "say", "/welcome set Hi {nmae}!"),
    Step("Alice", "say", "/verify on"),
    Step("Dora", "join"),
    Step("Bob", "say", "/accept"),
    Step("Dora", "say", "/accept"),
    Step("Alice", "say", "/lang it"),
    Step("Alice", "say", "/welcome preview"),
    Step("Alice", "say", "/lang en"),
    Step("Alice", "say", "/verify off"),
    Step("", "note", "A join raid: twelve accounts arrive within a second."),
    *(Step(name, "join") for name in RAIDERS),
    Step("", "wait", "6"),
]
