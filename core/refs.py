"""Stable references to things that live on a platform.

Every id is the platform's own id as a string (Telegram chat ids are negative integers,
Discord ids are snowflakes, Slack ids are ``C0123``-style strings): the core never
interprets them, it only compares and stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PlatformRole(StrEnum):
    """What the platform itself says about a member's standing."""

    MEMBER = "member"
    ADMIN = "admin"
    OWNER = "owner"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class CommunityRef:
    """A Telegram chat, a Discord guild or a Slack workspace.

    ``url`` is the community's web address where only the platform knows it (a Slack
    workspace's ``https://<name>.slack.com/``, from ``auth.test``), for links to its
    messages; it is not part of the community's identity."""

    platform: str
    id: str
    title: str = ""
    url: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Where a message lives: a Telegram chat (plus forum topic), a Discord or Slack channel.

    ``thread_id`` is a Telegram forum ``message_thread_id``, a Discord thread or a Slack
    ``thread_ts``; replies go back to the same thread.
    """

    id: str
    thread_id: str | None = None
    is_direct: bool = False
    title: str = ""


@dataclass(frozen=True, slots=True)
class Actor:
    """A platform user as seen in one event."""

    user_id: str
    display_name: str
    is_bot: bool = False
    platform_role: PlatformRole = PlatformRole.UNKNOWN
    username: str | None = None


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message on the platform: the channel plus the platform's message id (Slack ``ts``)."""

    channel: ChannelRef
    message_id: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a member's message carries: ``kind`` (``photo``, ``video``, ``audio``,
    ``voice``, ``document``, ``sticker``, ``file``), its ``name`` if it has one, and ``url``
    where the platform gives a link another person can open (a Discord attachment's CDN
    link, a Slack file's permalink for members of the workspace). Telegram gives none a
    bot may pass on: its file links carry the bot's token."""

    kind: str
    name: str = ""
    url: str | None = None
