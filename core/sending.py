"""How the delivery worker sends one outbox row (:mod:`core.delivery`): its pace, its
idempotency key, and the post that replaces a private message the platform refused."""

from __future__ import annotations

import asyncio
import time
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
    UnrestrictMember,
)
from townsquare.core.errors import DeliveryError
from townsquare.core.ports import Adapter, Delivered
from townsquare.core.ratelimit import Limit, SlotBook, bot_limit, chat_limit
from townsquare.core.store import OutboxItem
from townsquare.core.text import compose, mention


def paced_by(item: OutboxItem, adapter: Adapter) -> tuple[Limit, Limit | None] | None:
    """The bot's and the chat's limit a row is paced by (None: not paced; answers to a
    press, moderation, roles and publications to followers are not messages; edits and
    deletions count for the bot; a pin is paced like a message, Telegram posts a notice of
    it in the chat)."""
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
    if isinstance(action, EditMessage | DeleteMessage):
        return bot, None
    return bot, chat_limit(item.bot, item.lane, adapter.limits)


LATE = 0.010
"""Seconds a sender may wake after its slot and still use it. One that wakes later (the
event loop was busy, the process was not scheduled) takes a new slot instead: sending at
once would put it next to the messages of other chats holding the following slots of the
bot, and a strict window (30 in any second) would count one too many. Well under the
pacing's margin (:data:`core.ratelimit.MARGIN`: 40 ms of a 1 s window), leaving the rest
for the network's own jitter."""

RESERVE_AGAIN = 3
"""How often a late sender takes a new slot before it sends anyway."""


async def wait_for_slot(
    slots: SlotBook, item: OutboxItem, adapter: Adapter, last_sent: float | None = None
) -> float:
    """Sleep until this row's reserved send slot (asking again while its chat is not free
    yet: nothing is reserved for the bot meanwhile), taking a new one if it woke late.

    ``last_sent`` (``time.monotonic()``) is what this returned for the lane's previous
    message: when its slot was, or when it really went if later than :data:`LATE` after
    (the chat's pace then counts from the real time, not from the slot it missed).
    """
    clock = time.monotonic
    limits = paced_by(item, adapter)
    if limits is None:
        return clock()
    bot, chat = limits
    not_before = None
    if chat is not None and last_sent is not None:
        not_before = last_sent + chat.interval
    slot = await slots.reserve(bot, chat, not_before=not_before)
    while not slot.reserved:
        await asyncio.sleep(slot.wait)
        slot = await slots.reserve(bot, chat, not_before=not_before)
    asked = clock()  # a slot's wait counts from when the book answered
    for _ in range(RESERVE_AGAIN):
        due = asked + slot.wait
        if due > clock():
            await asyncio.sleep(due - clock())
        if clock() - due <= LATE:
            return due
        slot = await slots.reserve(bot, chat, again=True)
        asked = clock()
    await asyncio.sleep(max(0.0, asked + slot.wait - clock()))
    return max(clock(), asked + slot.wait)


async def hold(slots: SlotBook, item: OutboxItem, adapter: Adapter, seconds: float) -> None:
    """Hold the lane (and the bot's shared budget) for ``seconds`` after a 429."""
    limits = paced_by(item, adapter)
    if limits is None:
        await asyncio.sleep(seconds)
        return
    bot, chat = limits
    await slots.pause([bot] if chat is None else [bot, chat], seconds)


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
