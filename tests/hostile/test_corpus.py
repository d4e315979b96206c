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
import itertools
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord import outbound as discord_out
from adapters.slack import outbound as slack_out
from adapters.slack.inbound import REPORT_SHORTCUT, SlackMapper
from adapters.telegram import outbound as telegram_out
from adapters.telegram.inbound import BotIdentity, TelegramMapper
from bots.runtime import Runtime
from core.actions import Action
from core.commands import split_arguments
from core.events import CommandIssued, Event, MemberJoined, MessagePosted
from core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole
from core.scope import MAX_ID
from core.text import Text
from tests.escalation.support import Clock
from tests.fakes.discord.server import FakeDiscord
from tests.fakes.slack.blocks import pings as slack_pings
from tests.fakes.telegram.server import _check_text
from tests.hostile.support import BOT, feature_state, two_communities

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

_numbers = itertools.count(1)


class Platform:
    """Builds one platform's native updates, maps them with its real mapper, renders
    actions with its real renderer and checks the rendering."""

    name = ""

    def __init__(self) -> None:
        self.community = "A1"

    def members(self, example: Example) -> dict[str, str]:
        """user id -> name of everyone in this example."""
        raise NotImplementedError

    def join(self, user: str, name: str) -> list[Event]:
        raise NotImplementedError

    def say(self, user: str, text: str) -> list[Event]:
        raise NotImplementedError

    def command(self, user: str, text: str, *, reply_to: Event | None = None) -> list[Event]:
        raise NotImplementedError

    def press(self, user: str, data: str) -> list[Event]:
        raise NotImplementedError

    def check(self, text: Text, members: set[str]) -> None:
        raise NotImplementedError


MANAGER, MEMBER, OFFENDER = "7001", "7002", "7003"


class TelegramCorpus(Platform):
    name = "telegram"

    def __init__(self) -> None:
        super().__init__()
        self.mapper = TelegramMapper("telegram", BOT, BotIdentity(9000, "town_bot"))
        self.names: dict[str, str] = {}

    def _chat(self) -> dict[str, Any]:
        return {
            "id": -1000000000001 if self.community == "A1" else -1000000000002,
            "type": "supergroup",
            "title": self.community,
        }

    def _user(self, user: str) -> dict[str, Any]:
        return {"id": int(user), "is_bot": False, "first_name": self.names.get(user, "M")}

    def _map(self, update: dict[str, Any]) -> list[Event]:
        roles = {MANAGER: PlatformRole.ADMIN}
        return self.mapper.map({"update_id": next(_numbers), **update}, roles)

    def join(self, user: str, name: str) -> list[Event]:
        self.names[user] = name
        member = self._user(user)
        change = {
            "chat": self._chat(),
            "from": member,
            "date": 1_700_000_000,
            "old_chat_member": {"status": "left", "user": member},
            "new_chat_member": {"status": "member", "user": member},
        }
        return self._map({"chat_member": change})

    def _message(self, user: str, text: str, **extra: Any) -> dict[str, Any]:
        return {
            "message_id": next(_numbers),
            "from": self._user(user),
            "chat": self._chat(),
            "date": 1_700_000_000,
            "text": text,
            **extra,
        }

    def say(self, user: str, text: str) -> list[Event]:
        return self._map({"message": self._message(user, text)})

    def command(self, user: str, text: str, *, reply_to: Event | None = None) -> list[Event]:
        head = text.split(maxsplit=1)[0]
        extra: dict[str, Any] = {
            "entities": [{"type": "bot_command", "offset": 0, "length": len(head)}]
        }
        if isinstance(reply_to, MessagePosted) and reply_to.actor is not None:
            extra["reply_to_message"] = self._message(reply_to.actor.user_id, reply_to.text)
            extra["reply_to_message"]["message_id"] = int(reply_to.message.message_id)
        return self._map({"message": self._message(user, text, **extra)})

    def press(self, user: str, data: str) -> list[Event]:
        query = {
            "id": f"q{next(_numbers)}",
            "from": self._user(user),
            "chat_instance": "1",
            "data": data,
            "message": self._message(user, "poll"),
        }
        return self._map({"callback_query": query})

    def check(self, text: Text, members: set[str]) -> None:
        for chunk in telegram_out.render_chunks(text):
            problem = _check_text({"text": chunk, "parse_mode": "HTML"}) if chunk.strip() else None
            assert problem is None, (problem, chunk[:300])
            for href in re.findall(r'<a href="([^"]*)"', chunk):
                user = href.removeprefix("tg://user?id=")
                assert user in members or href.startswith("https://t.me/"), href


class SlackCorpus(Platform):
    name = "slack"

    def __init__(self) -> None:
        super().__init__()
        self.mapper = SlackMapper(BOT, "U0BOT", team_id="T0A1")
        self.names: dict[str, str] = {}

    def _team(self) -> str:
        return "T0A1" if self.community == "A1" else "T0B1"

    def _users(self, user: str) -> Actor:
        role = PlatformRole.ADMIN if user == f"U{MANAGER}" else PlatformRole.MEMBER
        return Actor(user, self.names.get(user, "M"), platform_role=role)

    def _event(self, event: dict[str, Any]) -> list[Event]:
        body = {
            "team_id": self._team(),
            "type": "event_callback",
            "event_id": f"Ev{next(_numbers)}",
            "event": event,
        }
        return self.mapper.event(body, self._users)

    def join(self, user: str, name: str) -> list[Event]:
        self.names[f"U{user}"] = name
        return self._event(
            {
                "type": "member_joined_channel",
                "user": f"U{user}",
                "channel": "C0GENERAL",
                "team": self._team(),
            }
        )

    def say(self, user: str, text: str) -> list[Event]:
        return self._event(
            {
                "type": "message",
                "user": f"U{user}",
                "text": text,
                "channel": "C0GENERAL",
                "ts": f"1700000000.{next(_numbers):06d}",
                "channel_type": "channel",
            }
        )

    def command(self, user: str, text: str, *, reply_to: Event | None = None) -> list[Event]:
        name, _space, rest = text.partition(" ")
        if name == "/report" and isinstance(reply_to, MessagePosted) and reply_to.actor:
            shortcut = {
                "type": "message_action",
                "callback_id": REPORT_SHORTCUT,
                "team": {"id": self._team()},
                "user": {"id": f"U{user}"},
                "channel": {"id": "C0GENERAL"},
                "trigger_id": f"t{next(_numbers)}",
                "message": {
                    "user": reply_to.actor.user_id,
                    "ts": reply_to.message.message_id,
                    "text": reply_to.text,
                },
            }
            reported = self.mapper.shortcut(shortcut, self._users)
            return [reported] if reported is not None else []
        payload = {
            "team_id": self._team(),
            "channel_id": "C0GENERAL",
            "user_id": f"U{user}",
            "command": name,
            "text": rest,
            "trigger_id": f"t{next(_numbers)}",
        }
        return [self.mapper.command(payload, self._users)]

    def press(self, user: str, data: str) -> list[Event]:
        payload = {
            "type": "block_actions",
            "team": {"id": self._team()},
            "user": {"id": f"U{user}", "team_id": self._team()},
            "trigger_id": f"t{next(_numbers)}",
            "container": {"type": "message", "message_ts": "1.1", "channel_id": "C0GENERAL"},
            "channel": {"id": "C0GENERAL"},
            "actions": [{"type": "button", "action_id": "a", "value": data}],
        }
        return self.mapper.action(payload, self._users)

    def check(self, text: Text, members: set[str]) -> None:
        for fallback, blocks in slack_out.messages(text):
            shown = slack_pings({"text": fallback, "blocks": blocks})
            assert shown["broadcast"] == [], fallback[:300]
            assert set(shown["users"]) <= {f"U{m}" for m in members}, shown


class DiscordCorpus(Platform):
    """Discord's mapper reads discord.py objects, built only by its gateway: the events
    are made here as :mod:`adapters.discord.inbound` makes them (the lone-surrogate join
    goes through the real gateway in ``test_surrogates``)."""

    name = "discord"

    def _envelope(self, user: str, name: str = "M") -> dict[str, Any]:
        role = PlatformRole.ADMIN if user == MANAGER else PlatformRole.MEMBER
        return {
            "platform": "discord",
            "bot": BOT,
            "event_id": str(next(_numbers)),
            "occurred_at": datetime.now(UTC),
            "community": CommunityRef("discord", self.community),
            "channel": ChannelRef("200"),
            "actor": Actor(user, name, platform_role=role),
        }

    def join(self, user: str, name: str) -> list[Event]:
        from core.sanitize import clean_event

        env = self._envelope(user, name)
        return [clean_event(MemberJoined(**env, member=env["actor"]))]

    def say(self, user: str, text: str) -> list[Event]:
        from core.sanitize import clean_event

        env = self._envelope(user)
        message = MessageRef(env["channel"], env["event_id"])
        return [clean_event(MessagePosted(**env, message=message, text=text))]

    def command(self, user: str, text: str, *, reply_to: Event | None = None) -> list[Event]:
        from core.sanitize import clean_event

        name, _space, rest = text.partition(" ")
        env = self._envelope(user)
        try:
            argv, error = split_arguments(rest), None
        except ValueError as problem:
            argv, error = (), str(problem)
        posted = reply_to if isinstance(reply_to, MessagePosted) else None
        return [
            clean_event(
                CommandIssued(
                    **env,
                    name=name.lstrip("/"),
                    argv=argv,
                    arg_text=rest,
                    syntax_error=error,
                    interaction_id=f"i{env['event_id']}",
                    reply_to=posted.message if posted else None,
                    reply_to_author=posted.actor if posted else None,
                    reply_to_text=posted.text if posted else None,
                )
            )
        ]

    def press(self, user: str, data: str) -> list[Event]:
        from core.events import ButtonPressed
        from core.sanitize import clean_event

        env = self._envelope(user)
        message = MessageRef(env["channel"], "1")
        return [clean_event(ButtonPressed(**env, data=data, interaction_id="i", message=message))]

    def check(self, text: Text, members: set[str]) -> None:
        for body in discord_out.message_payloads(text):
            shown = FakeDiscord.pings(body["content"], body["allowed_mentions"])
            assert not shown["everyone"] and shown["roles"] == [], body["content"][:300]
            assert set(shown["users"]) <= members, shown


CORPORA = {"telegram": TelegramCorpus, "slack": SlackCorpus, "discord": DiscordCorpus}


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
