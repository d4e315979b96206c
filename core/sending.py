"""How the delivery worker sends one outbox row (:mod:`core.delivery`): its pace, its
idempotency key, and the post that replaces a private message the platform refused."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from townsquare.core.actions import (
    Action,
    AnswerButton,
    AskText,
    CrosspostMessage,
    DeleteMessage,
    EditMessage,
    GiveRole,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendFile,
    SendMessage,
    TakeRole,
    UnpinMessage,
    UnrestrictMember,
)
from townsquare.core.errors import DeliveryError
from townsquare.core.pacing import Pacer
from townsquare.core.ports import Adapter, Delivered
from townsquare.core.ratelimit import Limit, Slot, bot_limit, chat_limit
from townsquare.core.store import OutboxItem
from townsquare.core.text import compose, mention


def paced_by(item: OutboxItem, adapter: Adapter) -> tuple[Limit, Limit | None] | None:
    """The bot's and the chat's limit a row is paced by (None: not paced; answers to a
    press, moderation, roles and publications to followers are not messages; edits,
    deletions and unpins count for the bot; a pin is paced like a message, Telegram posts
    a notice of it in the chat)."""
    action = item.action
    if isinstance(
        action,
        AnswerButton
        | AskText
        | RestrictMember
        | UnrestrictMember
        | RemoveMember
        | GiveRole
        | TakeRole
        | CrosspostMessage,
    ):
        return None
    bot = bot_limit(item.bot, adapter.limits)
    if isinstance(action, EditMessage | DeleteMessage | UnpinMessage):
        return bot, None
    return bot, chat_limit(item.bot, item.lane, adapter.limits)


async def wait_for_slot(pacer: Pacer, item: OutboxItem, adapter: Adapter) -> Slot | None:
    """Sleep until this row's send slot (None: the row is not paced)."""
    limits = paced_by(item, adapter)
    if limits is None:
        return None
    return await pacer.slot(*limits)


async def send_in(pacer: Pacer, slot: Slot | None, adapter: Adapter, action: Action) -> Delivered:
    """Perform ``action`` in ``slot`` and report that the platform answered, whatever the
    answer (a 429 and a failed request count too: they may have reached it)."""
    try:
        return await adapter.perform(action)
    finally:
        if slot is not None:
            await pacer.sent(slot, asyncio.get_running_loop().time())


async def hold(pacer: Pacer, item: OutboxItem, adapter: Adapter, seconds: float) -> None:
    """Hold the lane (and the bot's shared budget) for ``seconds`` after a 429."""
    limits = paced_by(item, adapter)
    if limits is None:
        await asyncio.sleep(seconds)
        return
    bot, chat = limits
    await pacer.pause([bot] if chat is None else [bot, chat], seconds)


def with_idempotency_key(action: Action, row_id: int) -> Action:
    """A message that creates a post carries its outbox row id, the same in every retry
    and process (unless the feature gave its own key)."""
    if isinstance(action, SendMessage | SendDirect | SendFile) and action.idempotency_key is None:
        return replace(action, idempotency_key=str(row_id))
    return action


async def direct_fallback(
    adapter: Adapter, action: SendDirect | SendFile, row_id: int
) -> Delivered:
    """The refused private message as a post in ``fallback_channel``, with a mention of
    the member (or the action's ``fallback_text``); its own idempotency key, since it is
    another message than the private one."""
    assert action.fallback_channel is not None
    key = f"{row_id}f"
    if isinstance(action, SendFile):
        who = compose("{who} ", who=mention(action.user_id or "", action.display_name))
        return await adapter.perform(
            replace(
                action,
                channel=action.fallback_channel,
                user_id=None,
                fallback_channel=None,
                caption=who + action.caption,
                idempotency_key=key,
            )
        )
    if action.fallback_text is not None:  # the member stays anonymous in the channel
        return await adapter.perform(
            SendMessage(
                bot=action.bot,
                channel=action.fallback_channel,
                text=action.fallback_text,
                idempotency_key=key,
            )
        )
    text = compose("{who} ", who=mention(action.user_id, action.display_name)) + action.text
    return await adapter.perform(
        SendMessage(
            bot=action.bot,
            channel=action.fallback_channel,
            text=text,
            buttons=action.buttons,
            key=action.key,
            idempotency_key=key,
        )
    )


def describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if isinstance(error, DeliveryError) else f"{type(error).__name__}: {text}"
