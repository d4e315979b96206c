"""The common event model: every inbound update becomes exactly one of these.

Events are immutable. ``event_id`` is the platform's stable id (Telegram ``update_id``,
Slack ``event_id``/``trigger_id``, Discord snowflake), so redelivery is recognised by
``(platform, bot, event_id)``. ``raw`` keeps the native payload as an escape hatch; the
core never reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from townsquare.core.refs import Actor, Attachment, ChannelRef, CommunityRef, MessageRef


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    platform: str
    bot: str
    event_id: str
    occurred_at: datetime
    community: CommunityRef | None
    channel: ChannelRef | None
    actor: Actor | None
    raw: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def kind(self) -> str:
        return type(self).__name__


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted(Event):
    """A member's message. ``attachments``: the files it carries, where the adapter
    reads them (a Telegram photo's caption is its ``text``; a private message with a file
    and no caption arrives with ``text`` empty)."""

    message: MessageRef
    text: str
    reply_to: MessageRef | None = None
    reply_to_author: Actor | None = None
    reply_to_text: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEdited(Event):
    message: MessageRef
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDeleted(Event):
    message: MessageRef


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    """``member`` joined; ``actor`` is who added them (the member themself for a plain join).

    ``channel_only``: they joined one channel of a community they may already belong to
    (Slack ``member_joined_channel``), not the community itself."""

    member: Actor
    channel_only: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft(Event):
    """``member`` left or was removed; ``actor`` is who removed them, if known.

    ``channel_only``: they left one channel (Slack ``member_left_channel``) and are still
    in the community."""

    member: Actor
    removed: bool = False
    channel_only: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandIssued(Event):
    """``/name argv...`` from any platform.

    ``argv`` is already split by the command grammar (quotes resolved) but not yet bound to
    the command's parameters: the core binds it against the registered spec, so
    ``--flag`` versus ``--key value`` is decided in one place for every platform.
    ``syntax_error`` is set when the text could not be split (an unclosed quote).
    """

    name: str
    argv: tuple[str, ...] = ()
    arg_text: str | None = None
    """The raw argument text on text platforms, so ``rest`` parameters (a welcome template,
    the rules) keep their exact spacing and quotes."""
    message: MessageRef | None = None
    reply_to: MessageRef | None = None
    reply_to_author: Actor | None = None
    reply_to_text: str | None = None
    syntax_error: str | None = None
    interaction_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPressed(Event):
    """A press on a button the bot sent; ``data`` is the button's compact payload.

    A submitted form (:class:`core.actions.AskText`: a Discord modal, a Slack modal's
    ``view_submission``) arrives as a press too, with the form's ``data`` and the
    entered ``text``; an ordinary press has ``text`` None. Features route both by their
    ``data`` prefix, and must authorize a submission as they would a press."""

    data: str
    interaction_id: str
    message: MessageRef | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionAdded(Event):
    message: MessageRef
    emoji: str
    message_author: Actor | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BotAdded(Event):
    """The bot entered a community (or a channel of it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BotRemoved(Event):
    """The bot left or was removed from a community (or a channel of it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledEventInterest(Event):
    """How many are interested in one of the platform's own scheduled events changed (a
    member marked a Discord guild scheduled event "Interested", or took it back; ``actor``
    is that member). ``native_id`` is the platform's id of the scheduled event (the one the
    delivery worker stored for :class:`~core.actions.CreateScheduledEvent`), ``interested``
    the platform's own count read after the change, so a lost or repeated update never
    leaves a wrong number behind."""

    native_id: str
    interested: int


@dataclass(frozen=True, slots=True, kw_only=True)
class JobDue(Event):
    """A scheduled job reached its UTC due time; produced by the scheduler, not a platform.

    Jobs travel the same pipeline as platform events so they get the same guarantees:
    processed once, state and outbound messages committed together.
    """

    job_id: int
    job_kind: str
    payload: Mapping[str, Any]
    job_created_at: datetime | None = None
    """Which version of the job fired: one replaced meanwhile (same key) stays pending."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateRejected(Event):
    """An update the adapter could not map (a kind it does not know how to read, a field
    missing or malformed). It travels the pipeline like any event, so it is acknowledged
    only once stored, and the store keeps it with its ``raw`` payload for an operator to
    look at; no feature ever sees it, and its neighbours in the same batch are unaffected.

    ``update_kind`` names what the platform sent (``"message"``, ``"event_callback/message"``,
    ``"MESSAGE_CREATE"``); ``reason`` is the one-line cause that was logged."""

    update_kind: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GithubIssueOpened(Event):
    """The GitHub issue of an idea's request (``request_id``) is open: the worker opened
    it, or found the one an earlier try opened. Carries the request's bot and community,
    so the requester is answered in their language (:mod:`adapters.github.worker`)."""

    request_id: int
    repo: str
    number: int
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GithubIssueRefused(Event):
    """GitHub refused to open the issue of a request (a bad token, no right, no such
    repository): ``reason`` is what the operator should fix."""

    request_id: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GithubIssueClosed(Event):
    """GitHub's webhook: the issue of request ``request_id`` was closed, as
    ``state_reason`` (``completed`` or ``not_planned``) by ``closed_by`` (a GitHub
    login). ``event_id`` is ``github:`` and the ``X-GitHub-Delivery`` id."""

    request_id: int
    delivery_id: str
    repo: str
    number: int
    state_reason: str
    closed_by: str
    url: str


EVENT_TYPES: tuple[type[Event], ...] = (
    MessagePosted,
    MessageEdited,
    MessageDeleted,
    MemberJoined,
    MemberLeft,
    CommandIssued,
    ButtonPressed,
    ReactionAdded,
    BotAdded,
    BotRemoved,
    JobDue,
    GithubIssueOpened,
    GithubIssueRefused,
    GithubIssueClosed,
)
