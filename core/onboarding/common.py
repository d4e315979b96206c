"""What the onboarding modules share: their services, job keys, and the way to the
managers.

The feature is one :class:`~core.features.Feature` whose handlers delegate by job:
:mod:`.arrivals` (joins and leaves), :mod:`.greeting` (the greetings, one or combined),
:mod:`.verification` (the rules gate and ``/verify``), :mod:`.community_commands`
(``/welcome``, ``/rules``, ``/lang``). They receive a :class:`Services`, never the feature.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from townsquare.core.actions import SendMessage
from townsquare.core.events import Event
from townsquare.core.features import Context
from townsquare.core.inbox import managers_inbox
from townsquare.core.onboarding.raid import JoinRate
from townsquare.core.onboarding.specs import GATE_JOB
from townsquare.core.onboarding.store import Newcomer, OnboardingStore
from townsquare.core.refs import ChannelRef, CommunityRef
from townsquare.core.text import Text

log = logging.getLogger("townsquare.core.onboarding.feature")

StoreFactory = Callable[[Any], OnboardingStore]


@dataclass(frozen=True, slots=True)
class Services:
    store: StoreFactory
    rate: JoinRate
    """Joins per community in the last seconds (quiet, combining, raid)."""
    batch_window: timedelta
    """How long greetings wait to be combined during a burst of joins."""


def platform_of(event: Event) -> str:
    """The platform communities are stored under: the community's own (``telegram`` for
    both Telegram backends), or, for a press in a private chat without one, the bot's
    platform family."""
    if event.community is not None:
        return event.community.platform
    return event.platform.split("-", 1)[0]


def job_key(kind: str, platform: str, community_id: str, since: datetime, *rest: str) -> str:
    """A job key unique to one window or one join, so a member who leaves and joins again
    gets a deadline of their own instead of replacing the earlier one."""
    stamp = f"{since.timestamp():.6f}"
    return ":".join((kind, platform, community_id, *rest, stamp))[:128]


def gate_key(newcomer: Newcomer) -> str:
    return job_key(
        GATE_JOB, newcomer.platform, newcomer.community_id, newcomer.joined_at, newcomer.user_id
    )


async def to_managers(
    ctx: Context, community: CommunityRef, fallback: ChannelRef | None, text: Text
) -> None:
    """The managers' inbox (:mod:`core.inbox`), else the channel where it happened."""
    inbox = await managers_inbox(ctx, community)
    if inbox is not None:
        ctx.emit(SendMessage(bot=inbox.bot, channel=inbox.channel, text=text))
    elif fallback is not None and not fallback.is_direct:
        ctx.emit(SendMessage(bot=ctx.bot.name, channel=fallback, text=text))
    else:
        log.warning("managers of %s could not be told: no inbox, no channel", community.id)
