"""Bot API update JSON -> core events. Pure functions, shared by both backends.

Both backends feed this module the update exactly as the Bot API sent it (the raw JSON of
``getUpdates`` or of the webhook request; no SDK model in between), so one mapping serves
them both, and a test also maps both SDKs' dumps of the same update and expects the same
events.

What cannot be read is never dropped silently: an update of a kind this bot asks for
(:data:`ALLOWED_UPDATES`) whose shape the mapping cannot read (a field missing or of the
wrong type) maps to one :class:`~core.events.UpdateRejected`, which the pipeline stores with
its payload. Updates that are readable but mean nothing to the core (stickers, promotions,
a command for another bot) map to ``[]``, and so do kinds the bot never asked for
(``channel_post``, ``inline_query``, ``business_connection``, kinds newer than this code):
a self-hosted server or an old webhook registration may send them, and storing each as a
rejection would only fill the table with noise.

Membership de-duplication: for one join Telegram sends a ``new_chat_members`` service
message *and* (to bots that are administrators) a ``chat_member`` update, with different
``update_id`` s; a leave likewise comes as ``left_chat_member`` and ``chat_member``. Which of
the two arrives first, and whether the ``chat_member`` one comes at all, varies (service
messages can be hidden in large groups; non-admin bots get no ``chat_member``). So neither is
preferred: both map to the same event, and

* its ``event_id`` is derived from the change, ``join:<chat>:<user>:<minute>`` (or
  ``leave:``), not from the update, so the core's durable ``(platform, bot, event_id)``
  record drops the second even across a restart between the two;
* :class:`MembershipLog` drops a repeat of the same change within two minutes in process,
  which also covers the pair straddling a minute boundary. A genuine rejoin after a leave
  is a new change and passes (with a distinct id even within the same minute).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from townsquare.core.commands import CommandSyntaxError, parse_command_text, split_arguments
from townsquare.core.events import (
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
    UpdateRejected,
)
from townsquare.core.refs import (
    Actor,
    Attachment,
    ChannelRef,
    CommunityRef,
    MessageRef,
    PlatformRole,
)
from townsquare.core.sanitize import clean_event, clean_events

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

SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
"""What reading a malformed update raises (a field missing, an object where a string was)."""


@dataclass
class BotIdentity:
    id: int
    username: str
    reads_all_group_messages: bool = True
    """``getMe.can_read_all_group_messages``: False while privacy mode is on."""


@dataclass
class MembershipLog:
    """The last membership change (join or leave) seen per chat and user, in process.

    :meth:`event_id` returns the id for a change, or ``None`` when it repeats the last one
    within ``window`` seconds (the second report of one join or leave).
    """

    window: float = 120.0
    clock: Callable[[], float] = time.monotonic
    _last: dict[tuple[str, str], tuple[str, float, str | None, str]] = field(default_factory=dict)
    """(chat, user) -> (kind, when seen, the update that reported it, the id given)"""
    _ids: dict[tuple[str, str, str], tuple[str, int]] = field(default_factory=dict)
    """(kind, chat, user) -> (last base id, its sequence number)"""

    def event_id(
        self, kind: str, chat_id: str, user_id: str, when: datetime, update: str | None = None
    ) -> str | None:
        """``update`` names the reporting update: the same update seen again (delivered
        again because storing it failed) gets the same id, not ``None``, so a retry is
        never mistaken for the second report of its own change."""
        now = self.clock()
        if len(self._last) > 10_000:
            self._forget(now)
        last = self._last.get((chat_id, user_id))
        if last is not None and last[0] == kind and now - last[1] < self.window:
            return last[3] if update is not None and last[2] == update else None
        base = f"{kind}:{chat_id}:{user_id}:{int(when.timestamp()) // 60}"
        previous = self._ids.get((kind, chat_id, user_id))
        sequence = previous[1] + 1 if previous is not None and previous[0] == base else 0
        self._ids[(kind, chat_id, user_id)] = (base, sequence)
        # A rejoin within the minute of the first join gets a suffix; after a restart the
        # count is lost and such a rejoin is taken for the first join (a greeting skipped).
        event_id = base if sequence == 0 else f"{base}:{sequence}"
        self._last[(chat_id, user_id)] = (kind, now, update, event_id)
        return event_id

    def _forget(self, now: float) -> None:
        self._last = {k: v for k, v in self._last.items() if now - v[1] < self.window}
        self._ids = {k: v for k, v in self._ids.items() if (k[1], k[2]) in self._last}


def _utc(timestamp: Any) -> datetime:
    """Bot API dates are Unix seconds; SDK dumps may give ISO strings instead."""
    if isinstance(timestamp, int | float) and not isinstance(timestamp, bool):
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
    """The chat, plus the forum topic when ``message`` was posted in one (replies go back
    to the same topic)."""
    thread = None
    if message is not None and message.get("is_topic_message"):
        thread = message.get("message_thread_id")
    return ChannelRef(
        str(chat["id"]),
        thread_id=str(thread) if thread is not None else None,
        is_direct=chat.get("type") == "private",
        title=chat.get("title", ""),
    )


MEDIA_KINDS = (
    ("photo", "photo"),
    ("video", "video"),
    ("animation", "video"),
    ("video_note", "video"),
    ("audio", "audio"),
    ("voice", "voice"),
    ("document", "document"),
    ("sticker", "sticker"),
)
"""Message fields that hold a file, and the kind each is to the core."""


def media(message: JSON) -> tuple[Attachment, ...]:
    """The files of a message, without links: a Telegram file's download link carries
    the bot's token, so it is never passed on."""
    found = []
    for field_name, kind in MEDIA_KINDS:
        value = message.get(field_name)
        if not value:
            continue
        name = value.get("file_name") or value.get("title") or "" if isinstance(value, dict) else ""
        found.append(Attachment(kind, str(name)))
    return tuple(found)


ANONYMOUS_ADMIN_BOT = 1087968824
"""``@GroupAnonymousBot``: the placeholder ``from`` of messages by anonymous administrators."""


def sender(message: JSON, roles: Mapping[str, PlatformRole]) -> Actor | None:
    """Who wrote ``message``, or ``None`` when nobody can be answered.

    A message "on behalf of" a chat carries ``sender_chat`` and a placeholder ``from``. When
    that chat is the group itself the author is an anonymous administrator (Telegram
    guarantees only administrators can post so), so they are an admin of this chat; another
    chat (a channel a member speaks as) is an ordinary participant. Channel posts copied
    into a discussion group (``is_automatic_forward``) are nobody's message.
    """
    chat = message["chat"]
    on_behalf = message.get("sender_chat")
    if on_behalf:
        if message.get("is_automatic_forward"):
            return None
        is_this_chat = on_behalf.get("id") == chat.get("id")
        return Actor(
            user_id=str(on_behalf["id"]),
            display_name=on_behalf.get("title") or on_behalf.get("username") or "Anonymous",
            is_bot=False,
            platform_role=PlatformRole.ADMIN if is_this_chat else PlatformRole.MEMBER,
            username=on_behalf.get("username"),
        )
    who = message.get("from")
    return actor(who, roles) if who else None


@dataclass
class TelegramMapper:
    """Maps updates for one bot. ``roles`` are the chat's cached administrator roles."""

    platform: str
    bot: str
    me: BotIdentity
    memberships: MembershipLog = field(default_factory=MembershipLog)

    def map(self, update: JSON, roles: Mapping[str, PlatformRole] | None = None) -> list[Event]:
        """Every event of one update: ``[]`` for what the core has no use for, one
        :class:`UpdateRejected` for an update whose shape cannot be read."""
        try:
            return clean_events(self._map(update, roles or {}))
        except SHAPE_ERRORS as error:
            return [self.rejected(update, error)]

    def rejected(self, update: Any, error: Exception) -> UpdateRejected:
        """The stored trace of an update that cannot be mapped; ``update`` may be anything
        the server sent (even not an object)."""
        payload: JSON = update if isinstance(update, Mapping) else {"payload": update}
        update_id = payload.get("update_id")
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            event_id = str(update_id)
        else:  # no id to recognise a redelivery by: the body itself is the identity
            body = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
            digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
            event_id = "sha256:" + digest
        return clean_event(
            UpdateRejected(
                platform=self.platform,
                bot=self.bot,
                event_id=event_id,
                occurred_at=datetime.now(UTC),
                community=None,
                channel=None,
                actor=None,
                raw=payload,
                update_kind=update_kind(update) if isinstance(update, Mapping) else "unknown",
                reason=f"{type(error).__name__}: {error}"[:500],
            )
        )

    def _envelope(
        self,
        update: JSON,
        chat: JSON,
        when: Any,
        who: Actor | None,
        message: JSON | None = None,
    ) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "bot": self.bot,
            "event_id": str(update["update_id"]),
            "occurred_at": _utc(when),
            "community": community_of(chat),
            "channel": channel_of(chat, message),
            "actor": who,
            "raw": update,
        }

    def _map(self, update: JSON, roles: Mapping[str, PlatformRole]) -> list[Event]:
        if "message" in update:
            return self._message(update, update["message"], roles)
        if "edited_message" in update:
            return self._edited(update, update["edited_message"], roles)
        if "callback_query" in update:
            return self._callback(update, update["callback_query"], roles)
        if "chat_member" in update:
            return self._chat_member(update, update["chat_member"], roles)
        if "my_chat_member" in update:
            change = update["my_chat_member"]
            new, old = change["new_chat_member"], change["old_chat_member"]
            who = actor(change["from"], roles)
            env = self._envelope(update, change["chat"], change.get("date"), who)
            if _present(new) and not _present(old):
                return [BotAdded(**env)]
            if _present(old) and not _present(new):
                return [BotRemoved(**env)]
            return []
        if "message_reaction" in update:
            return self._reaction(update, update["message_reaction"], roles)
        return []

    def _message(
        self, update: JSON, message: JSON, roles: Mapping[str, PlatformRole]
    ) -> list[Event]:
        chat = message["chat"]
        if "new_chat_members" in message:
            who = message.get("from")
            return [
                event
                for member in message["new_chat_members"]
                if member["id"] != self.me.id
                for event in self._membership(
                    "join", update, chat, message.get("date"), who, member, roles
                )
            ]
        if "left_chat_member" in message:
            member = message["left_chat_member"]
            if member["id"] == self.me.id:
                return []  # my_chat_member reports the bot's own removal
            return self._membership(
                "leave", update, chat, message.get("date"), message.get("from"), member, roles
            )
        who = sender(message, roles)
        if who is None:
            return []  # channel posts, automatic forwards: nobody to answer
        text = message.get("text")
        if not isinstance(text, str):
            text = message.get("caption")  # a photo or file with a question under it
        files = media(message)
        if not isinstance(text, str):
            if not (files and chat.get("type") == "private"):
                return []  # stickers, media without caption and other service messages
            text = ""  # a file sent privately to the bot (a ticket keeps a note of it)
        text = text[:MAX_TEXT]
        env = self._envelope(update, chat, message.get("date"), who, message)
        ref = MessageRef(env["channel"], str(message["message_id"]))
        reply_fields = self._reply(message, env["channel"], roles)
        parsed = parse_command_text(text, self.me.username)
        if parsed is None:
            if text.startswith("/") and _addressed_elsewhere(text, self.me.username):
                return []  # /cmd@otherbot is for another bot
            return [MessagePosted(**env, message=ref, text=text, attachments=files, **reply_fields)]
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

    def _reply(
        self, message: JSON, channel: ChannelRef, roles: Mapping[str, PlatformRole]
    ) -> dict[str, Any]:
        """``reply_to`` fields; in a forum every message "replies" to the topic's creation
        message, which is not a reply a member made."""
        reply = message.get("reply_to_message")
        if not reply or reply.get("forum_topic_created"):
            return {}
        return {
            "reply_to": MessageRef(channel, str(reply["message_id"])),
            "reply_to_author": sender(reply, roles),
            "reply_to_text": reply.get("text") or reply.get("caption"),
        }

    def _edited(
        self, update: JSON, message: JSON, roles: Mapping[str, PlatformRole]
    ) -> list[Event]:
        who = sender(message, roles)
        text = message.get("text")
        if not isinstance(text, str):
            text = message.get("caption")
        if who is None or not isinstance(text, str):
            return []
        env = self._envelope(
            update, message["chat"], message.get("edit_date") or message.get("date"), who, message
        )
        ref = MessageRef(env["channel"], str(message["message_id"]))
        return [MessageEdited(**env, message=ref, text=text[:MAX_TEXT])]

    def _callback(
        self, update: JSON, query: JSON, roles: Mapping[str, PlatformRole]
    ) -> list[Event]:
        message = query.get("message") or {}
        chat = message.get("chat") or {"id": query["from"]["id"], "type": "private"}
        env = self._envelope(update, chat, None, actor(query["from"], roles), message or None)
        env["occurred_at"] = datetime.now(UTC)  # a callback query carries no date
        ref = MessageRef(env["channel"], str(message["message_id"])) if message else None
        return [
            ButtonPressed(
                **env, data=str(query.get("data", "")), interaction_id=str(query["id"]), message=ref
            )
        ]

    def _reaction(
        self, update: JSON, reaction: JSON, roles: Mapping[str, PlatformRole]
    ) -> list[Event]:
        who = reaction.get("user")
        if who is None:
            return []  # anonymous (a channel or an anonymous admin): no member to credit
        old = reaction.get("old_reaction", [])
        added = [r for r in reaction.get("new_reaction", []) if r not in old]
        env = self._envelope(update, reaction["chat"], reaction.get("date"), actor(who, roles))
        ref = MessageRef(env["channel"], str(reaction["message_id"]))
        return [
            ReactionAdded(
                **{**env, "event_id": f"{update['update_id']}:{n}"}, message=ref, emoji=_emoji(r)
            )
            for n, r in enumerate(added)
        ]

    def _chat_member(
        self, update: JSON, change: JSON, roles: Mapping[str, PlatformRole]
    ) -> list[Event]:
        old, new = change["old_chat_member"], change["new_chat_member"]
        member = new["user"]
        if member["id"] == self.me.id:
            return []
        chat, when, by = change["chat"], change.get("date"), change.get("from")
        if _present(new) and not _present(old):
            return self._membership("join", update, chat, when, by, member, roles)
        if _present(old) and not _present(new):
            kicked = new.get("status") == "kicked" or (by is not None and by["id"] != member["id"])
            return self._membership("leave", update, chat, when, by, member, roles, kicked)
        return []  # promotions, restrictions: not a membership change

    def _membership(
        self,
        kind: str,
        update: JSON,
        chat: JSON,
        when: Any,
        by: JSON | None,
        member: JSON,
        roles: Mapping[str, PlatformRole],
        removed: bool | None = None,
    ) -> list[Event]:
        """One ``MemberJoined``/``MemberLeft`` per change, however many updates report it."""
        occurred = _utc(when)
        event_id = self.memberships.event_id(
            kind, str(chat["id"]), str(member["id"]), occurred, str(update["update_id"])
        )
        if event_id is None:
            return []
        env = self._envelope(update, chat, when, actor(by or member, roles))
        env["event_id"] = event_id
        env["occurred_at"] = occurred
        if kind == "join":
            return [MemberJoined(**env, member=actor(member, roles))]
        if removed is None:  # a service message: removed when someone else did it
            removed = by is not None and by["id"] != member["id"]
        return [MemberLeft(**env, member=actor(member), removed=removed)]


def _present(member: JSON) -> bool:
    """In the chat: a restricted member may have left (``is_member`` false) yet stay listed."""
    status = member.get("status")
    if status == "restricted":
        return bool(member.get("is_member"))
    return status in ("creator", "administrator", "member")


def _emoji(reaction: JSON) -> str:
    return str(
        reaction.get("emoji") or reaction.get("custom_emoji_id") or reaction.get("type", "?")
    )


def _addressed_elsewhere(text: str, username: str) -> bool:
    head = text.split(maxsplit=1)[0]
    return "@" in head and head.split("@", 1)[1].lower() != username.lower()


def update_kind(update: JSON) -> str:
    """What an update carries (``"message"``, ``"chat_member"``...): its one key besides
    ``update_id``, or ``"unknown"``."""
    kinds = [key for key in update if key != "update_id"]
    return str(kinds[0]) if kinds else "unknown"


def roles_from_administrators(administrators: Sequence[JSON]) -> dict[str, PlatformRole]:
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
    """The group whose administrators matter for this update, if any.

    ``None`` for private chats and channels, and for the bot's own removal (it can no
    longer ask)."""
    chat: dict[str, Any] | None = None
    for key in ("message", "edited_message", "chat_member", "my_chat_member", "message_reaction"):
        if key in raw:
            chat = raw[key].get("chat")
            break
    else:
        query = raw.get("callback_query")
        if query and query.get("message"):
            chat = query["message"].get("chat")
    if "my_chat_member" in raw and not _present(raw["my_chat_member"]["new_chat_member"]):
        return None
    if chat is None or chat.get("type") not in ("group", "supergroup"):
        return None
    return chat
