"""Bot API update JSON -> core events. Pure functions, shared by both backends.

Join de-duplication: for one join Telegram sends a ``new_chat_members`` service message and
(to admin bots) a ``chat_member`` update, with different ``update_id`` s. Both map to a
``MemberJoined`` whose ``event_id`` is ``join:<chat>:<user>:<minute>``, so the core's
``(platform, bot, event_id)`` record drops the second; :class:`JoinDeduplicator` also drops a
repeat that straddles a minute boundary within two minutes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.commands import CommandSyntaxError, parse_command_text, split_arguments
from core.events import (
    BotAdded,
    BotRemoved,
    ButtonPressed,
    CommandIssued,
    Event,
    MemberJoined,
    MemberLeft,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)
from core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole

ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "chat_member",
    "my_chat_member",
    "message_reaction",
]
"""Requested explicitly: without it Telegram withholds ``chat_member`` updates."""

MAX_TEXT = 16_384
"""Longer texts are cut before mapping (Telegram's own limit is 4096; this is a guard)."""

JSON = Mapping[str, Any]


@dataclass
class BotIdentity:
    id: int
    username: str


@dataclass
class JoinDeduplicator:
    window: float = 120.0
    _seen: dict[tuple[str, str], float] = field(default_factory=dict)

    def first(self, chat_id: str, user_id: str) -> bool:
        now = time.monotonic()
        if len(self._seen) > 10_000:
            self._seen = {k: t for k, t in self._seen.items() if now - t < self.window}
        key = (chat_id, user_id)
        seen = self._seen.get(key)
        self._seen[key] = now
        return seen is None or now - seen >= self.window


def _utc(timestamp: Any) -> datetime:
    """Bot API dates are Unix seconds; SDK dumps may give ISO strings instead."""
    if isinstance(timestamp, int | float):
        return datetime.fromtimestamp(timestamp, UTC)
    if isinstance(timestamp, str):
        try:
            return datetime.fromisoformat(timestamp).astimezone(UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def display_name(user: JSON) -> str:
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
    return name or user.get("username") or str(user.get("id", "?"))


def actor(user: JSON, roles: Mapping[str, PlatformRole] | None = None) -> Actor:
    user_id = str(user["id"])
    return Actor(
        user_id=user_id,
        display_name=display_name(user),
        is_bot=bool(user.get("is_bot")),
        platform_role=(roles or {}).get(user_id, PlatformRole.MEMBER),
        username=user.get("username"),
    )


def community_of(chat: JSON) -> CommunityRef | None:
    if chat.get("type") == "private":
        return None
    return CommunityRef("telegram", str(chat["id"]), title=chat.get("title", ""))


def channel_of(chat: JSON, message: JSON | None = None) -> ChannelRef:
    thread = None
    if message is not None and message.get("is_topic_message"):
        thread = message.get("message_thread_id")
    return ChannelRef(
        str(chat["id"]),
        thread_id=str(thread) if thread is not None else None,
        is_direct=chat.get("type") == "private",
        title=chat.get("title", ""),
    )


@dataclass
class TelegramMapper:
    """Maps updates for one bot. ``roles_of(chat_id)`` gives cached administrator roles."""

    platform: str
    bot: str
    me: BotIdentity
    joins: JoinDeduplicator = field(default_factory=JoinDeduplicator)

    def map(self, update: JSON, roles: Mapping[str, PlatformRole] | None = None) -> list[Event]:
        """Every event of one update; unknown or incomplete updates map to ``[]``."""
        try:
            return self._map(update, roles or {})
        except (KeyError, TypeError, ValueError):
            return []

    def _envelope(
        self,
        update: JSON,
        chat: JSON,
        when: Any,
        who: JSON | None,
        roles: Mapping[str, PlatformRole],
    ) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "bot": self.bot,
            "event_id": str(update["update_id"]),
            "occurred_at": _utc(when),
            "community": community_of(chat),
            "channel": channel_of(chat),
            "actor": actor(who, roles) if who else None,
            "raw": update,
        }

    def _map(self, update: JSON, roles: Mapping[str, PlatformRole]) -> list[Event]:
        if "message" in update:
            return self._message(update, update["message"], roles)
        if "edited_message" in update:
            message = update["edited_message"]
            if "from" not in message or not isinstance(message.get("text"), str):
                return []
            env = self._envelope(
                update, message["chat"], message.get("edit_date"), message["from"], roles
            )
            env["channel"] = channel_of(message["chat"], message)
            ref = MessageRef(env["channel"], str(message["message_id"]))
            return [MessageEdited(**env, message=ref, text=message["text"][:MAX_TEXT])]
        if "callback_query" in update:
            query = update["callback_query"]
            message = query.get("message") or {}
            chat = message.get("chat") or {"id": query["from"]["id"], "type": "private"}
            env = self._envelope(update, chat, message.get("date"), query["from"], roles)
            env["occurred_at"] = datetime.now(UTC)
            ref = MessageRef(env["channel"], str(message["message_id"])) if message else None
            return [
                ButtonPressed(
                    **env,
                    data=str(query.get("data", "")),
                    interaction_id=str(query["id"]),
                    message=ref,
                )
            ]
        if "chat_member" in update:
            return self._chat_member(update, update["chat_member"], roles)
        if "my_chat_member" in update:
            change = update["my_chat_member"]
            new = change["new_chat_member"]["status"]
            old = change["old_chat_member"]["status"]
            env = self._envelope(update, change["chat"], change.get("date"), change["from"], roles)
            if _present(new) and not _present(old):
                return [BotAdded(**env)]
            if _present(old) and not _present(new):
                return [BotRemoved(**env)]
            return []
        if "message_reaction" in update:
            reaction = update["message_reaction"]
            who = reaction.get("user")
            if who is None:
                return []  # anonymous (a channel or an anonymous admin): no member to credit
            added = [
                r
                for r in reaction.get("new_reaction", [])
                if r not in reaction.get("old_reaction", [])
            ]
            env = self._envelope(update, reaction["chat"], reaction.get("date"), who, roles)
            ref = MessageRef(env["channel"], str(reaction["message_id"]))
            return [
                ReactionAdded(
                    **{**env, "event_id": f"{update['update_id']}:{n}"},
                    message=ref,
                    emoji=_emoji(r),
                )
                for n, r in enumerate(added)
            ]
        return []

    def _message(
        self, update: JSON, message: JSON, roles: Mapping[str, PlatformRole]
    ) -> list[Event]:
        chat = message["chat"]
        who = message.get("from")
        if "new_chat_members" in message:
            return [
                self._joined(update, chat, message.get("date"), who, member, roles)
                for member in message["new_chat_members"]
                if self.joins.first(str(chat["id"]), str(member["id"]))
                and member["id"] != self.me.id
            ]
        if "left_chat_member" in message:
            member = message["left_chat_member"]
            if member["id"] == self.me.id:
                return []
            env = self._envelope(update, chat, message.get("date"), who, roles)
            removed = who is not None and who["id"] != member["id"]
            return [MemberLeft(**env, member=actor(member), removed=removed)]
        if who is None:
            return []  # channel posts and anonymous admins: nobody to answer
        text = message.get("text")
        if not isinstance(text, str):
            return []  # stickers, photos without caption and other service messages
        text = text[:MAX_TEXT]
        env = self._envelope(update, chat, message.get("date"), who, roles)
        env["channel"] = channel_of(chat, message)
        ref = MessageRef(env["channel"], str(message["message_id"]))
        reply = message.get("reply_to_message")
        reply_fields: dict[str, Any] = {}
        if reply and not (message.get("is_topic_message") and reply.get("forum_topic_created")):
            reply_fields = {
                "reply_to": MessageRef(env["channel"], str(reply["message_id"])),
                "reply_to_author": actor(reply["from"], roles) if reply.get("from") else None,
                "reply_to_text": reply.get("text") or reply.get("caption"),
            }
        parsed = parse_command_text(text, self.me.username)
        if parsed is None:
            if text.startswith("/") and _addressed_elsewhere(text, self.me.username):
                return []  # /cmd@otherbot is for another bot
            return [MessagePosted(**env, message=ref, text=text, **reply_fields)]
        name, arg_text = parsed
        try:
            argv, error = split_arguments(arg_text), None
        except CommandSyntaxError as syntax_error:
            argv, error = (), str(syntax_error)
        return [
            CommandIssued(
                **env,
                name=name,
                argv=argv,
                arg_text=arg_text,
                message=ref,
                syntax_error=error,
                **reply_fields,
            )
        ]

    def _chat_member(
        self, update: JSON, change: JSON, roles: Mapping[str, PlatformRole]
    ) -> list[Event]:
        old, new = change["old_chat_member"], change["new_chat_member"]
        member = new["user"]
        if member["id"] == self.me.id:
            return []
        chat = change["chat"]
        if _present(new["status"]) and not _present(old["status"]):
            if not self.joins.first(str(chat["id"]), str(member["id"])):
                return []
            return [
                self._joined(update, chat, change.get("date"), change.get("from"), member, roles)
            ]
        if _present(old["status"]) and not _present(new["status"]):
            env = self._envelope(update, chat, change.get("date"), change.get("from"), roles)
            removed = new["status"] == "kicked" or change["from"]["id"] != member["id"]
            return [MemberLeft(**env, member=actor(member), removed=removed)]
        return []

    def _joined(
        self,
        update: JSON,
        chat: JSON,
        when: Any,
        who: JSON | None,
        member: JSON,
        roles: Mapping[str, PlatformRole],
    ) -> MemberJoined:
        env = self._envelope(update, chat, when, who or member, roles)
        minute = int(env["occurred_at"].timestamp()) // 60
        env["event_id"] = f"join:{chat['id']}:{member['id']}:{minute}"
        return MemberJoined(**env, member=actor(member, roles))


def _present(status: str) -> bool:
    return status in ("creator", "administrator", "member", "restricted")


def _emoji(reaction: JSON) -> str:
    return str(
        reaction.get("emoji") or reaction.get("custom_emoji_id") or reaction.get("type", "?")
    )


def _addressed_elsewhere(text: str, username: str) -> bool:
    head = text.split(maxsplit=1)[0]
    return "@" in head and head.split("@", 1)[1].lower() != username.lower()


def roles_from_administrators(administrators: list[JSON]) -> dict[str, PlatformRole]:
    """``getChatAdministrators`` result -> roles by user id."""
    return {
        str(entry["user"]["id"]): PlatformRole.OWNER
        if entry.get("status") == "creator"
        else PlatformRole.ADMIN
        for entry in administrators
    }


def admin_change(update: JSON) -> str | None:
    """The chat id whose administrators changed, if this update says so."""
    change = update.get("chat_member")
    if not change:
        return None
    statuses = {change["old_chat_member"]["status"], change["new_chat_member"]["status"]}
    if statuses & {"administrator", "creator"}:
        return str(change["chat"]["id"])
    return None


def chat_of_update(raw: JSON) -> dict[str, Any] | None:
    """The chat an update belongs to, if any."""
    for key in ("message", "edited_message", "chat_member", "my_chat_member", "message_reaction"):
        if key in raw:
            chat: dict[str, Any] | None = raw[key].get("chat")
            return chat
    query = raw.get("callback_query")
    if query and query.get("message"):
        chat = query["message"].get("chat")
        return chat
    return None
