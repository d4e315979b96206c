"""discord.py gateway objects -> core events. Pure mapping, no I/O.

The transport resolves what needs the client's caches (the guild, a cached member) and
passes it in; these functions only read attributes, so they are tested against real
discord.py objects parsed from realistic gateway payloads.

Interactions: ``event_id`` is the interaction's snowflake; ``interaction_id`` is the
:class:`~adapters.discord.interactions.InteractionRef` the transport built (id, how it is
acknowledged, token), which features copy into their answers so any process can send
them.

Ids and times:

* ``event_id`` is the Discord snowflake where the event has one (messages, interactions).
  Events without one get an id built from what makes them unique and stable under
  redelivery: a join is ``(guild, user, joined_at)``, a leave ends that membership, a
  reaction is ``(message, user, emoji)``, an edit ``(message, edited_timestamp)``.
* ``occurred_at`` is the snowflake's time, ``joined_at`` or the edit time, all UTC.

Roles: the guild owner is :attr:`PlatformRole.OWNER`; Administrator, Manage Server or
Manage Messages make :attr:`PlatformRole.ADMIN` (a manager); ``[defaults] managers`` in the
config add more managers in the core.

Channels: ``ChannelRef.id`` is the channel the message is in; a Discord thread is a channel
of its own, so replies reach the same thread through its id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import discord

from townsquare.adapters.discord.interactions import InteractionRef
from townsquare.adapters.discord.outbound import FORM_INPUT_ID, pressed_data
from townsquare.core.events import (
    BotAdded,
    BotRemoved,
    ButtonPressed,
    CommandIssued,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)
from townsquare.core.refs import (
    Actor,
    Attachment,
    ChannelRef,
    CommunityRef,
    MessageRef,
    PlatformRole,
)
from townsquare.core.sanitize import sanitized

PLATFORM = "discord"

# Ordinary messages: default (0), reply (19). Joins, pins, boosts... are system messages
# that Discord also delivers as MESSAGE_CREATE; membership arrives through its own events.
USER_MESSAGE_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


def utcnow() -> datetime:
    return datetime.now(UTC)


def platform_role(
    user_id: int, owner_id: int | None, permissions: discord.Permissions | None
) -> PlatformRole:
    if owner_id is not None and user_id == owner_id:
        return PlatformRole.OWNER
    if permissions is None:
        return PlatformRole.MEMBER
    if permissions.administrator or permissions.manage_guild or permissions.manage_messages:
        return PlatformRole.ADMIN
    return PlatformRole.MEMBER


def actor(
    user: discord.abc.User,
    *,
    owner_id: int | None = None,
    permissions: discord.Permissions | None = None,
) -> Actor:
    """An actor; for a guild :class:`discord.Member` the role comes from its guild
    permissions unless ``permissions`` (an interaction's resolved ones) are given."""
    if permissions is None and isinstance(user, discord.Member):
        permissions = user.guild_permissions
        owner_id = owner_id if owner_id is not None else user.guild.owner_id
    return Actor(
        user_id=str(user.id),
        display_name=user.display_name,
        is_bot=user.bot,
        platform_role=platform_role(user.id, owner_id, permissions),
        username=user.name,
    )


def community(guild: discord.Guild | None) -> CommunityRef | None:
    if guild is None:
        return None
    return CommunityRef(PLATFORM, str(guild.id), title=guild.name or "")


def community_id(guild_id: int | None, guild: discord.Guild | None) -> CommunityRef | None:
    if guild is not None:
        return community(guild)
    return CommunityRef(PLATFORM, str(guild_id)) if guild_id is not None else None


def channel(value: Any) -> ChannelRef:
    """A ChannelRef for a discord.py channel (text, thread, DM or partial)."""
    is_direct = isinstance(value, discord.DMChannel | discord.GroupChannel) or (
        isinstance(value, discord.PartialMessageable) and value.guild_id is None
    )
    return ChannelRef(str(value.id), is_direct=is_direct, title=getattr(value, "name", "") or "")


def channel_id(value: int, *, guild_id: int | None, guild: discord.Guild | None) -> ChannelRef:
    if guild is not None:
        found = guild.get_channel_or_thread(value)
        if found is not None:
            return channel(found)
    return ChannelRef(str(value), is_direct=guild_id is None)


def system_channel(guild: discord.Guild) -> ChannelRef | None:
    """Where Discord itself posts join notices: the natural place for a greeting. A guild
    whose system channel is switched off gets its first text channel (in the order the
    client shows them) where the bot may write; ``/welcome channel here`` overrides both."""
    target: discord.TextChannel | None = guild.system_channel
    me = guild.me
    if target is None and me is not None:
        target = next(
            (
                candidate
                for candidate in guild.text_channels
                if candidate.permissions_for(me).send_messages
            ),
            None,
        )
    return channel(target) if target is not None else None


def message_ref(message: discord.Message | discord.PartialMessage) -> MessageRef:
    return MessageRef(channel(message.channel), str(message.id))


@sanitized
def message_posted(message: discord.Message, *, bot: str) -> MessagePosted | None:
    """MESSAGE_CREATE of a member (system messages give None)."""
    if message.type not in USER_MESSAGE_TYPES:
        return None
    reply_to = reply_author = reply_text = None
    reference = message.reference
    if reference is not None and reference.message_id is not None:
        reply_to = MessageRef(
            channel_id(
                reference.channel_id,
                guild_id=reference.guild_id,
                guild=message.guild,
            ),
            str(reference.message_id),
        )
        resolved = reference.resolved
        if isinstance(resolved, discord.Message):
            reply_author = actor(resolved.author)
            reply_text = resolved.content
    return MessagePosted(
        platform=PLATFORM,
        bot=bot,
        event_id=str(message.id),
        occurred_at=message.created_at,
        community=community(message.guild),
        channel=channel(message.channel),
        actor=actor(message.author),
        raw={"t": "MESSAGE_CREATE", "message": message},
        message=message_ref(message),
        text=message.content,
        reply_to=reply_to,
        reply_to_author=reply_author,
        reply_to_text=reply_text,
        attachments=tuple(attachment(item) for item in message.attachments),
    )


def attachment(item: discord.Attachment) -> Attachment:
    """A file of a message, with its CDN link (Discord signs it; it works for a while)."""
    kind = (item.content_type or "").split("/", 1)[0]
    named = {"image": "photo", "video": "video", "audio": "audio"}.get(kind, "file")
    return Attachment(named, item.filename, item.url)


@sanitized
def message_edited(
    payload: discord.RawMessageUpdateEvent, *, bot: str, guild: discord.Guild | None
) -> MessageEdited | None:
    """MESSAGE_UPDATE that changed the text (embed unfurls also arrive as updates)."""
    data: Mapping[str, Any] = payload.data
    if "content" not in data or data.get("edited_timestamp") is None:
        return None
    author = payload.message.author
    edited = discord.utils.parse_time(data["edited_timestamp"]) or utcnow()
    where = channel_id(payload.channel_id, guild_id=payload.guild_id, guild=guild)
    return MessageEdited(
        platform=PLATFORM,
        bot=bot,
        event_id=f"edit:{payload.message_id}:{data['edited_timestamp']}",
        occurred_at=edited.astimezone(UTC),
        community=community_id(payload.guild_id, guild),
        channel=where,
        actor=actor(author),
        raw={"t": "MESSAGE_UPDATE", "d": data},
        message=MessageRef(where, str(payload.message_id)),
        text=str(data.get("content") or ""),
    )


@sanitized
def message_deleted(
    payload: discord.RawMessageDeleteEvent, *, bot: str, guild: discord.Guild | None
) -> MessageDeleted:
    """MESSAGE_DELETE; ``actor`` is the author when the message was cached (Discord does
    not say who deleted it)."""
    cached = payload.cached_message
    where = channel_id(payload.channel_id, guild_id=payload.guild_id, guild=guild)
    return MessageDeleted(
        platform=PLATFORM,
        bot=bot,
        event_id=f"delete:{payload.message_id}",
        occurred_at=utcnow(),
        community=community_id(payload.guild_id, guild),
        channel=where,
        actor=actor(cached.author) if cached is not None else None,
        raw={"t": "MESSAGE_DELETE", "d": payload},
        message=MessageRef(where, str(payload.message_id)),
    )


def _joined_key(member: discord.Member) -> str:
    return member.joined_at.isoformat() if member.joined_at else "?"


@sanitized
def member_joined(member: discord.Member, *, bot: str) -> MemberJoined:
    """GUILD_MEMBER_ADD; Discord does not say who invited, so the actor is the member."""
    who = actor(member)
    return MemberJoined(
        platform=PLATFORM,
        bot=bot,
        event_id=f"join:{member.guild.id}:{member.id}:{_joined_key(member)}",
        occurred_at=(member.joined_at or utcnow()).astimezone(UTC),
        community=community(member.guild),
        channel=system_channel(member.guild),
        actor=who,
        raw={"t": "GUILD_MEMBER_ADD", "member": member},
        member=who,
    )


@sanitized
def member_left(
    payload: discord.RawMemberRemoveEvent, *, bot: str, guild: discord.Guild | None, now: datetime
) -> MemberLeft:
    """GUILD_MEMBER_REMOVE (left, kicked or banned: Discord does not tell which)."""
    user = payload.user
    if isinstance(user, discord.Member) and user.joined_at is not None:
        key = _joined_key(user)
    else:
        key = f"at:{discord.utils.time_snowflake(now)}"
    who = actor(user) if isinstance(user, discord.Member) else actor(user, owner_id=None)
    return MemberLeft(
        platform=PLATFORM,
        bot=bot,
        event_id=f"leave:{payload.guild_id}:{user.id}:{key}",
        occurred_at=now,
        community=community_id(payload.guild_id, guild),
        channel=system_channel(guild) if guild is not None else None,
        actor=who,
        raw={"t": "GUILD_MEMBER_REMOVE", "d": payload},
        member=who,
    )


def emoji_text(emoji: discord.PartialEmoji) -> str:
    """A unicode emoji as itself, a custom one as ``<:name:id>``."""
    return emoji.name or "" if emoji.is_unicode_emoji() else str(emoji)


@sanitized
def reaction_added(
    payload: discord.RawReactionActionEvent,
    *,
    bot: str,
    guild: discord.Guild | None,
    reactor: discord.abc.User | None,
    author: discord.abc.User | None,
) -> ReactionAdded:
    where = channel_id(payload.channel_id, guild_id=payload.guild_id, guild=guild)
    emoji = emoji_text(payload.emoji)
    who = actor(reactor) if reactor is not None else Actor(str(payload.user_id), "")
    author_id = payload.message_author_id
    message_author = None
    if author is not None:
        message_author = actor(author)
    elif author_id is not None:
        message_author = Actor(str(author_id), "")
    return ReactionAdded(
        platform=PLATFORM,
        bot=bot,
        event_id=f"reaction:{payload.message_id}:{payload.user_id}:{emoji}",
        occurred_at=utcnow(),
        community=community_id(payload.guild_id, guild),
        channel=where,
        actor=who,
        raw={"t": "MESSAGE_REACTION_ADD", "d": payload},
        message=MessageRef(where, str(payload.message_id)),
        emoji=emoji,
        message_author=message_author,
    )


@sanitized
def bot_added(guild: discord.Guild, *, bot: str) -> BotAdded:
    """GUILD_CREATE for a guild the bot was not in (startup and outages give
    ``guild_available`` instead, which is not an addition)."""
    me = guild.me
    joined = me.joined_at if me is not None and me.joined_at is not None else None
    key = joined.isoformat() if joined else f"at:{discord.utils.time_snowflake(utcnow())}"
    return BotAdded(
        platform=PLATFORM,
        bot=bot,
        event_id=f"guild-join:{guild.id}:{key}",
        occurred_at=(joined or utcnow()).astimezone(UTC),
        community=community(guild),
        channel=system_channel(guild),
        actor=None,
        raw={"t": "GUILD_CREATE", "guild": guild},
    )


@sanitized
def bot_removed(guild: discord.Guild, *, bot: str, now: datetime) -> BotRemoved:
    return BotRemoved(
        platform=PLATFORM,
        bot=bot,
        event_id=f"guild-remove:{guild.id}:{discord.utils.time_snowflake(now)}",
        occurred_at=now,
        community=community(guild),
        channel=None,
        actor=None,
        raw={"t": "GUILD_DELETE", "guild": guild},
    )


def interaction_actor(interaction: discord.Interaction, owner_id: int | None) -> Actor:
    """The user of an interaction; in a guild, the permissions Discord resolved for them."""
    if interaction.guild_id is not None:
        return actor(interaction.user, owner_id=owner_id, permissions=interaction.permissions)
    return actor(interaction.user)


def _interaction_channel(interaction: discord.Interaction) -> ChannelRef | None:
    if interaction.channel is not None:
        return channel(interaction.channel)
    if interaction.channel_id is not None:
        return ChannelRef(str(interaction.channel_id), is_direct=interaction.guild_id is None)
    return None


def _interaction_community(
    interaction: discord.Interaction, guild: discord.Guild | None
) -> CommunityRef | None:
    return community_id(interaction.guild_id, guild)


@sanitized
def command_issued(
    interaction: discord.Interaction,
    name: str,
    argv: tuple[str, ...],
    *,
    bot: str,
    guild: discord.Guild | None,
    ref: InteractionRef,
) -> CommandIssued:
    """A slash command (INTERACTION_CREATE type 2, CHAT_INPUT)."""
    return CommandIssued(
        platform=PLATFORM,
        bot=bot,
        event_id=str(interaction.id),
        occurred_at=interaction.created_at,
        community=_interaction_community(interaction, guild),
        channel=_interaction_channel(interaction),
        actor=interaction_actor(interaction, guild.owner_id if guild else None),
        raw={"t": "INTERACTION_CREATE", "d": interaction.data},
        name=name,
        argv=argv,
        interaction_id=ref.encode(),
    )


@sanitized
def report_from_menu(
    interaction: discord.Interaction,
    command: str,
    *,
    bot: str,
    guild: discord.Guild | None,
    ref: InteractionRef,
) -> CommandIssued | None:
    """A message menu ("Report to managers", "Send as feedback"): ``command`` (``/report``,
    ``/feedback``) as a reply to the target."""
    data: Mapping[str, Any] = interaction.data or {}
    target_id = data.get("target_id")
    resolved = (data.get("resolved") or {}).get("messages", {}).get(str(target_id))
    where = _interaction_channel(interaction)
    if target_id is None or resolved is None or where is None:
        return None
    author_data = resolved.get("author") or {}
    author = None
    if author_data:
        author_id = int(author_data["id"])
        member = guild.get_member(author_id) if guild is not None else None
        if member is not None:
            author = actor(member)
        else:
            author = Actor(
                str(author_id),
                author_data.get("global_name") or author_data.get("username", ""),
                is_bot=bool(author_data.get("bot")),
                username=author_data.get("username"),
            )
    return CommandIssued(
        platform=PLATFORM,
        bot=bot,
        event_id=str(interaction.id),
        occurred_at=interaction.created_at,
        community=_interaction_community(interaction, guild),
        channel=where,
        actor=interaction_actor(interaction, guild.owner_id if guild else None),
        raw={"t": "INTERACTION_CREATE", "d": data},
        name=command,
        argv=(),
        reply_to=MessageRef(where, str(target_id)),
        reply_to_author=author,
        reply_to_text=str(resolved.get("content") or ""),
        interaction_id=ref.encode(),
    )


@sanitized
def button_pressed(
    interaction: discord.Interaction,
    *,
    bot: str,
    guild: discord.Guild | None,
    ref: InteractionRef,
) -> ButtonPressed | None:
    """A button press (INTERACTION_CREATE type 3, component type 2)."""
    data: Mapping[str, Any] = interaction.data or {}
    if data.get("component_type") != discord.ComponentType.button.value:
        return None
    pressed = pressed_data(str(data.get("custom_id", "")))[0]
    return _press(interaction, data, bot=bot, guild=guild, pressed=pressed, ref=ref)


def _press(
    interaction: discord.Interaction,
    data: Mapping[str, Any],
    *,
    bot: str,
    guild: discord.Guild | None,
    pressed: str,
    ref: InteractionRef,
    text: str | None = None,
) -> ButtonPressed:
    where = _interaction_channel(interaction)
    message = None
    if interaction.message is not None and where is not None:
        message = MessageRef(where, str(interaction.message.id))
    return ButtonPressed(
        platform=PLATFORM,
        bot=bot,
        event_id=str(interaction.id),
        occurred_at=interaction.created_at,
        community=_interaction_community(interaction, guild),
        channel=where,
        actor=interaction_actor(interaction, guild.owner_id if guild else None),
        raw={"t": "INTERACTION_CREATE", "d": data},
        data=pressed,
        interaction_id=ref.encode(),
        message=message,
        text=text,
    )


def _form_text(components: Any) -> str | None:
    """The value of the form's text input, in a Label (type 18, today's modals) or an
    action row (type 1, older modals)."""
    for component in components or ():
        if not isinstance(component, Mapping):
            continue
        if component.get("type") == discord.ComponentType.text_input.value:
            if component.get("custom_id") == FORM_INPUT_ID:
                return str(component.get("value") or "")
            continue
        nested = component.get("components") or (
            [component["component"]] if isinstance(component.get("component"), Mapping) else []
        )
        found = _form_text(nested)
        if found is not None:
            return found
    return None


@sanitized
def form_submitted(
    interaction: discord.Interaction,
    *,
    bot: str,
    guild: discord.Guild | None,
    ref: InteractionRef,
) -> ButtonPressed | None:
    """A submitted form (INTERACTION_CREATE type 5, MODAL_SUBMIT) -> the press it
    answers: ``data`` is the modal's ``custom_id`` (the form's data), ``text`` what the
    member entered. None for a modal the bot does not know."""
    data: Mapping[str, Any] = interaction.data or {}
    text = _form_text(data.get("components"))
    if text is None or not data.get("custom_id"):
        return None
    return _press(
        interaction,
        data,
        bot=bot,
        guild=guild,
        pressed=str(data["custom_id"]),
        ref=ref,
        text=text,
    )
