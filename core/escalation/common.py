"""What the escalation modules share: their services, refusals, the audit log and the
private answer.

The feature is one :class:`~core.features.Feature` (one name, one ``/help`` group, one
savepoint per event), its handlers spread over modules by job: :mod:`.reports`,
:mod:`.cases`, :mod:`.moderation`, :mod:`.inbox_commands`. They receive a
:class:`Services` instead of the feature, so no module reaches into another's state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from townsquare.core.actions import SendDirect, SendEphemeral
from townsquare.core.capabilities import Capability
from townsquare.core.escalation.ledger import Ledger
from townsquare.core.escalation.memory import RecentMessages
from townsquare.core.escalation.policy import EscalationPolicy, EscalationSettings
from townsquare.core.escalation.store import AuditEntry, Case, EscalationStore
from townsquare.core.features import Context
from townsquare.core.features import community_translator as core_translator
from townsquare.core.i18n import Translator, _
from townsquare.core.persons import PersonDirectory
from townsquare.core.refs import Actor, CommunityRef, MessageRef
from townsquare.core.scope import IdRef
from townsquare.core.text import TextLike, as_text

StoreFactory = Callable[[Any], EscalationStore]
Find = Callable[[IdRef, object, Context], Awaitable[Any | None]]

MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class Services:
    """The feature's collaborators, handed to every module."""

    store: StoreFactory
    policy: EscalationPolicy
    """The operator's defaults; a community's ``/escalation set`` values apply on top."""
    memory: RecentMessages
    find: Find
    """:meth:`core.features.Feature.find` of the feature: a case the caller may name."""
    people: PersonDirectory | None = None
    """Whose accounts are one person (warnings follow the person); None: each account
    is its own person."""

    async def policy_of(self, ctx: Context, community: CommunityRef) -> EscalationPolicy:
        return self.policy.with_overrides((await ctx.settings(EscalationSettings, community)).rules)

    def ledger(self, ctx: Context) -> Ledger:
        """Warnings, counted by person (:mod:`.ledger`), in ``ctx``'s transaction."""
        return Ledger(self.store(ctx.tx), self.people)

    def author_of(self, bot: str, message: MessageRef | None) -> Actor | None:
        if message is None:
            return None
        remembered = self.memory.get(bot, message)
        return remembered.author if remembered else None


class Refused(Exception):
    """A case or moderation action that may not happen; the message says why."""

    def __init__(self, message: TextLike) -> None:
        super().__init__(as_text(message).plain())
        self.text = as_text(message)


def clean(reason: object) -> str | None:
    if not isinstance(reason, str) or not reason.strip():
        return None
    return reason.strip()[:MAX_REASON]


def same_community(community: CommunityRef | None, platform: str, community_id: str) -> bool:
    return community is not None and (community.platform, community.id) == (
        platform,
        community_id,
    )


async def community_translator(ctx: Context, community: CommunityRef) -> Translator:
    """The language of ``community`` (case cards and notices follow the origin's)."""
    if same_community(ctx.event.community, community.platform, community.id):
        return ctx.tr
    return await core_translator(ctx.tx, community, ctx.default_locale)


def has_forms(ctx: Context, bot: str) -> bool:
    """The bot ``bot`` runs here on a platform with forms (its cards' Warn and Mute ask)."""
    info = ctx.bots.get(bot)
    return info is not None and Capability.FORMS in info.capabilities


def not_a_duration(tr: Translator, raw: str) -> str:
    """What ``/mute`` (and the Mute form) answers to a duration it cannot read."""
    return (
        tr(_("{value} is not a duration; try 30m, 2h or 1d."), value=raw)
        + f"\n{tr(_('Usage'))}: /mute <duration> [reason]"
    )


async def audit(
    store: EscalationStore,
    ctx: Context,
    case: Case | None,
    actor: Actor,
    action: str,
    *,
    community: CommunityRef | None = None,
    target: str | None = None,
    note: str | None = None,
) -> None:
    where = community or (case.community if case else None)
    if where is None:
        return
    await store.audit(
        AuditEntry(
            platform=where.platform,
            community_id=where.id,
            actor_id=actor.user_id,
            actor_name=actor.display_name,
            action=action,
            at=ctx.now,
            case_id=case.id if case else None,
            target_id=target,
            note=note,
        )
    )


def privately(ctx: Context, tr: Translator, text: TextLike, *, note_refusal: bool = True) -> None:
    """Tell the caller something nobody else may see: an ephemeral answer where the
    platform has one for this interaction, else a direct message.

    Where the platform refuses the direct message (a Telegram member who never started
    the bot, closed Discord DMs), the chat gets a neutral note that names nobody and
    says nothing about reports or the message: the caller learns to open a private
    chat with the bot, the offender learns nothing."""
    event = ctx.event
    actor = event.actor
    if actor is None:
        return
    if ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL) and event.channel:
        ctx.emit(
            SendEphemeral(
                bot=ctx.bot.name,
                channel=event.channel,
                user_id=actor.user_id,
                display_name=actor.display_name,
                text=as_text(text),
                interaction_id=ctx.interaction_id,
            )
        )
        return
    channel = event.channel
    public = note_refusal and channel is not None and not channel.is_direct
    ctx.emit(
        SendDirect(
            bot=ctx.bot.name,
            user_id=actor.user_id,
            display_name=actor.display_name,
            text=as_text(text),
            fallback_channel=channel if public else None,
            fallback_text=as_text(
                tr(
                    _(
                        "I could not answer someone here privately. To get my "
                        "answers, open a private chat with me (press Start there), "
                        "then try again."
                    )
                )
            )
            if public
            else None,
        )
    )
