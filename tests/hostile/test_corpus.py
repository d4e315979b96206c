"""A property-based hostile corpus: names, texts, ids and button payloads generated per
platform, through the real mappers (Telegram, Slack; Discord events as its mapper builds
them), every built-in feature, and the platform's renderer. For each example:

* no feature fails (nothing logged by the dispatcher, no ``feature_errors`` counted);
* nothing rendered injects markup or a mention: Telegram HTML parses as the Bot API
  would and links only the example's own members, Discord pings nobody but them (never
  ``@everyone`` or a role), Slack broadcasts nothing and names only them;
* what a second community sends by id or payload changes nothing at all.

The default size keeps CI under a minute; ``TOWNSQUARE_HOSTILE_EXAMPLES`` sets the number
of examples per platform for a longer run.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.escalation.support import Clock
from tests.hostile.corpora import CORPORA, MANAGER, MEMBER, OFFENDER, Platform
from tests.hostile.support import feature_state, two_communities
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import Action
from townsquare.core.events import Event
from townsquare.core.scope import MAX_ID
from townsquare.core.text import Text

EXAMPLES = int(os.environ.get("TOWNSQUARE_HOSTILE_EXAMPLES", "30"))
FRAGMENTS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0123>",
    "<@U0ADMIN>",
    "@everyone",
    "@here",
    "<@&123456789012345678>",
    "<@123456789012345678>",
    "<b>",
    "</a>",
    '<a href="tg://user?id=42">x</a>',
    "&amp;",
    "*bold* _it_ ~s~ `c` ||spoiler||",
    "[link](https://evil.example)",
    "{mention}",
    "{name}{community}{{",
    "${HOME}",
    "{0.__class__}",
    "%s%n",
    "\u200b\u200d\u2060",
    "\u202e\u2066",
    "\ud800",
    "\udfff",
    "\x00",
    "\n\n> quote",
    "#1",
    '"',
    "“",
]
ANY_CHARACTER = st.characters(exclude_categories=())
"""Every code point, lone surrogates included."""


def hostile_text(max_size: int = 40) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(ANY_CHARACTER, max_size=12))
    joined = st.lists(piece, max_size=6).map("".join)
    long = st.tuples(st.sampled_from([*FRAGMENTS, "x", "é"]), st.integers(1, 10_000)).map(
        lambda pair: (pair[0] * pair[1])[:10_000]
    )
    return st.one_of(joined, st.text(ANY_CHARACTER, max_size=max_size), long)


NUMBERS = st.one_of(
    st.integers(-3, 6),
    st.integers(MAX_ID - 1, 2**80),
    st.sampled_from(["#1", "1e3", "٣", "²", "0x1", "-1", "", " 1"]),
)
IDS = st.one_of(NUMBERS.map(str), hostile_text(12))
PAYLOADS = st.one_of(
    st.tuples(st.sampled_from(["poll", "case", "faq", "onb"]), IDS, hostile_text(8)).map(
        lambda parts: ":".join(parts)
    ),
    st.tuples(NUMBERS.map(str), st.sampled_from(["0", "1", "r", "claim", "y", "s"])).map(
        lambda parts: f"poll:{parts[0]}:{parts[1]}"
    ),
    hostile_text(64),
)


@dataclass(frozen=True)
class Example:
    name: str
    text: str
    question: str
    ident: str
    payload: str


EXAMPLE = st.builds(
    Example,
    name=hostile_text(),
    text=hostile_text(),
    question=hostile_text(),
    ident=IDS,
    payload=PAYLOADS,
)


class Failures(logging.Handler):
    """Collects what the dispatcher logs as a feature failure."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@pytest.fixture
def failures() -> Iterator[Failures]:
    handler = Failures()
    logger = logging.getLogger("core")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def texts_of(actions: list[Action]) -> list[Text]:
    found: list[Text] = []
    for action in actions:
        for attribute in ("text", "caption", "fallback_text"):
            value = getattr(action, attribute, None)
            if isinstance(value, Text):
                found.append(value)
    return found


async def one_example(runtime: Runtime, corpus: Platform, example: Example) -> list[Action]:
    """Everything a member and a manager can send with the example's strings in A."""
    corpus.community = "A1"
    events: list[Event] = []
    events += corpus.join(MANAGER, example.name)
    events += corpus.join(MEMBER, example.name)
    events += corpus.join(OFFENDER, example.name)
    said = corpus.say(OFFENDER, example.text)
    events += said
    events += corpus.command(MEMBER, f"/faq {example.question}")
    events += corpus.command(MEMBER, f"/report {example.text}", reply_to=said[0])
    events += corpus.command(MANAGER, f'/poll "{example.question}" "{example.name}" b')
    # and one poll that is always valid, the hostile name (unquoted, unspaced) an option
    option = "".join(c for c in example.name if not c.isspace() and c not in "\"“„«'‘")
    events += corpus.command(MANAGER, f"/poll Q? A{option[:60]} B")
    events += corpus.command(MANAGER, f"/welcome set {example.text} {{mention}}")
    events += corpus.command(MANAGER, "/welcome preview")
    events += corpus.command(MANAGER, f"/case {example.ident}")
    events += corpus.command(MANAGER, f"/poll results {example.ident}")
    events += corpus.command(MEMBER, f"/vote {example.ident} 1")
    events += corpus.command(MEMBER, f"/vote 1 {example.ident}")
    events += corpus.command(MANAGER, f"/faq list {example.ident}")
    events += corpus.command(MANAGER, f"/mute {example.ident}d {example.text}", reply_to=said[0])
    events += corpus.command(MANAGER, f"/escalation set report_limit {example.ident}")
    events += corpus.command(MANAGER, f"/escalation set thresholds {example.ident} mute")
    events += corpus.command(MANAGER, f"/verify timeout {example.ident}m")
    events += corpus.press(MEMBER, example.payload)
    actions: list[Action] = []
    for event in events:
        actions += await runtime.pipeline.process([event])
    return actions


async def from_elsewhere(runtime: Runtime, corpus: Platform, example: Example) -> list[Action]:
    """Another community's manager names the example's id and presses its payload."""
    corpus.community = "B1"
    events: list[Event] = []
    for text in (
        f"/poll close {example.ident}",
        f"/poll export {example.ident}",
        f"/case {example.ident} resolve {example.text[:50]}",
        f"/faq remove {example.ident}",
        f"/faq helpful {example.ident}",
    ):
        events += corpus.command(MANAGER, text)
    events += corpus.press(MANAGER, example.payload)
    for poll in range(1, 4):
        events += corpus.press(MANAGER, f"poll:{poll}:0")
    actions: list[Action] = []
    for event in events:
        actions += await runtime.pipeline.process([event])
    return actions


@pytest.mark.parametrize("platform", sorted(CORPORA))
def test_hostile_corpus(tmp_path: Path, platform: str, failures: Failures) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hostile.db'}"
    corpus = CORPORA[platform]()
    loop = asyncio.new_event_loop()
    context = two_communities(url, platform, Clock())
    runtime, _adapter = loop.run_until_complete(context.__aenter__())
    members = {MANAGER, MEMBER, OFFENDER}
    if platform == "slack":
        members = {f"U{m}" for m in members} | members

    checked: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(example=EXAMPLE)
    def run(example: Example) -> None:
        before_errors = dict(runtime.metrics.snapshot())
        actions = loop.run_until_complete(one_example(runtime, corpus, example))
        for text in texts_of(actions):
            corpus.check(text, {m.removeprefix("U") for m in members} | members)
            checked.append(1)
        state = loop.run_until_complete(feature_state(runtime))
        elsewhere = loop.run_until_complete(from_elsewhere(runtime, corpus, example))
        after = loop.run_until_complete(feature_state(runtime))
        changed = {
            name: [row for row in after[name] if row not in state.get(name, [])]
            for name in after
            if after[name] != state.get(name)
        }
        assert changed == {}, f"B changed {changed}"
        for text in texts_of(elsewhere):
            corpus.check(text, members)
        errors = {
            key: value - before_errors.get(key, 0)
            for key, value in runtime.metrics.snapshot().items()
            if key.startswith("feature_errors") and value != before_errors.get(key, 0)
        }
        assert errors == {}, errors
        assert failures.records == [], failures.records[:1]

    try:
        run()
        state = loop.run_until_complete(feature_state(runtime))
        assert state["polls"] and state["escalation_cases"], "the features did their work"
        assert len(checked) > 5 * EXAMPLES, "and what they said was rendered and checked"
    finally:
        loop.run_until_complete(context.__aexit__(None, None, None))
        loop.close()
