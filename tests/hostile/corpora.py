"""Per platform, the native updates the hostile corpus sends (through the real mappers)
and the check of what the bot renders there (:mod:`tests.hostile.test_corpus`)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from typing import Any

from tests.fakes.discord.server import FakeDiscord
from tests.fakes.slack.blocks import pings as slack_pings
from tests.fakes.telegram.server import _check_text
from tests.hostile.support import BOT
from townsquare.adapters.discord import outbound as discord_out
from townsquare.adapters.slack import outbound as slack_out
from townsquare.adapters.slack.inbound import REPORT_SHORTCUT, SlackMapper
from townsquare.adapters.telegram import outbound as telegram_out
from townsquare.adapters.telegram.inbound import BotIdentity, TelegramMapper
from townsquare.core.commands import split_arguments
from townsquare.core.events import ButtonPressed, CommandIssued, Event, MemberJoined, MessagePosted
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole
from townsquare.core.sanitize import clean_event
from townsquare.core.text import Text

_numbers = itertools.count(1)


class Platform:
    """Builds one platform's native updates, maps them with its real mapper, renders
    actions with its real renderer and checks the rendering."""

    name = ""

    def __init__(self) -> None:
        self.community = "A1"

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

        env = self._envelope(user, name)
        return [clean_event(MemberJoined(**env, member=env["actor"]))]

    def say(self, user: str, text: str) -> list[Event]:

        env = self._envelope(user)
        message = MessageRef(env["channel"], env["event_id"])
        return [clean_event(MessagePosted(**env, message=message, text=text))]

    def command(self, user: str, text: str, *, reply_to: Event | None = None) -> list[Event]:

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

        env = self._envelope(user)
        message = MessageRef(env["channel"], "1")
        return [clean_event(ButtonPressed(**env, data=data, interaction_id="i", message=message))]

    def check(self, text: Text, members: set[str]) -> None:
        for body in discord_out.message_payloads(text):
            shown = FakeDiscord.pings(body["content"], body["allowed_mentions"])
            assert not shown["everyone"] and shown["roles"] == [], body["content"][:300]
            assert set(shown["users"]) <= members, shown


CORPORA = {"telegram": TelegramCorpus, "slack": SlackCorpus, "discord": DiscordCorpus}
