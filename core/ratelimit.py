"""Send slots: outbound traffic paced evenly a little under each platform's limits.

Every limit (one per bot, one per chat) is a key with an ``interval`` between two messages
(the published window divided by its count, :data:`HEADROOM` under it). Slots are reserved
in order with virtual scheduling (GCRA): a key remembers the theoretical time its next
message may go, each caller is given the next free slot and sleeps until then, so waiters
are never all woken to race for a token, and nothing is saved up during a quiet spell
beyond ``burst`` (1 on every real platform: a burst on top of a steady rate is exactly what
a strict window answers with 429).

A message needs a slot of its chat and of its bot. The chat's slot is checked first and
the bot's reserved only once the chat is free by then, so a busy chat never leaves holes in
the bot's schedule that other chats could have used; the chat's next slot then counts from
the moment the message really goes (the bot's slot). One call, one answer: in memory here
(one process), or one SQL statement (:mod:`storage.ratelimit`) where several processes of
one bot share a PostgreSQL database and together must stay within the bot's limits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from townsquare.core.capabilities import RateLimits, is_private_chat

HEADROOM = 0.97
"""Share of each published limit the pacing uses: a message every ``window / (count *
0.97)`` seconds leaves, over one window, 3 % of it (1.8 s of a minute) for the network and
the event loop to deliver two messages a little early or late without the platform
counting one too many."""

MARGIN = 0.040
"""...and at least this many seconds of each window: on a busy host two requests can
reach the platform tens of milliseconds closer together than they left, which 3 % of a
1 s window (30 ms) does not always cover."""


@dataclass(frozen=True, slots=True)
class Limit:
    """One paced key: at most one message per ``interval`` seconds, ``burst`` at once."""

    key: str
    interval: float
    burst: int = 1

    @property
    def tolerance(self) -> float:
        """How far ahead of its theoretical time a message may go (GCRA's tau)."""
        return (self.burst - 1) * self.interval


@dataclass(frozen=True, slots=True)
class Slot:
    """The answer to a reservation: wait ``wait`` seconds, then send (``reserved``), or,
    when the chat is not free yet, wait and ask again (nothing was reserved)."""

    wait: float
    """Seconds from now (negative: the slot is already past, the answer came too late)."""
    reserved: bool
    at: float | None = None
    """The reserved slot on the book's own clock (for tests and benchmarks)."""


class SlotBook(Protocol):
    """Where slots are reserved: :class:`MemorySlots`, or the database for several
    processes (:class:`storage.ratelimit.SqlSlots`)."""

    async def reserve(
        self,
        bot: Limit,
        chat: Limit | None,
        *,
        again: bool = False,
        not_before: float | None = None,
    ) -> Slot:
        """A slot for one message under ``bot`` (and ``chat``): reserved in both when the
        chat is free by the bot's next slot, else nothing reserved and the chat's wait.
        The chat is not free before ``not_before`` (``time.monotonic()``) either: its last
        message went later than its slot, and its pace counts from then.

        ``again``: the message holds a slot already but its sender woke too late to use it
        (sending now would crowd the messages holding the next slots): a new bot slot
        whatever the chat, and the chat's next slot counted from the new one."""
        ...

    async def pause(self, limits: Sequence[Limit], seconds: float) -> None:
        """The platform answered 429: no slot of ``limits`` before ``seconds`` from now."""
        ...


class MemorySlots:
    """Slots in this process's memory: enough for SQLite (one process per database)."""

    keep = 10_000
    """Keys kept before the idle ones (nothing reserved ahead) are forgotten."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._next: dict[str, float] = {}
        """Theoretical time of each key's next message (GCRA's TAT)."""

    async def reserve(
        self,
        bot: Limit,
        chat: Limit | None,
        *,
        again: bool = False,
        not_before: float | None = None,
    ) -> Slot:
        return self.reserve_now(bot, chat, again=again, not_before=not_before)

    def reserve_now(
        self,
        bot: Limit,
        chat: Limit | None,
        *,
        again: bool = False,
        not_before: float | None = None,
    ) -> Slot:
        now = self.clock()
        bot_next = self._next.get(bot.key, now)
        send_at = max(now, bot_next - bot.tolerance)
        if chat is not None:
            chat_next = self._next.get(chat.key, now)
            if not_before is not None:
                chat_next = max(chat_next, not_before + chat.tolerance)
            if again:
                self._next[chat.key] = max(chat_next, send_at + chat.interval)
            elif chat_next - chat.tolerance > send_at:
                return Slot(chat_next - chat.tolerance - now, reserved=False)
            else:
                self._next[chat.key] = max(chat_next, send_at) + chat.interval
        self._next[bot.key] = max(bot_next, now) + bot.interval
        if len(self._next) > self.keep:
            self._forget_idle(now)
        return Slot(send_at - now, reserved=True, at=send_at)

    async def pause(self, limits: Sequence[Limit], seconds: float) -> None:
        until = self.clock() + seconds
        for limit in limits:
            self._next[limit.key] = max(self._next.get(limit.key, 0.0), until + limit.tolerance)

    def _forget_idle(self, now: float) -> None:
        self._next = {key: at for key, at in self._next.items() if at > now}


def interval(count: float, window: float) -> float:
    """Seconds between two paced messages for ``count`` per ``window`` seconds."""
    return max(window / HEADROOM, window + MARGIN) / count


def bot_limit(bot: str, limits: RateLimits) -> Limit:
    return Limit(f"bot:{bot}", interval(limits.per_bot, 1.0), max(1, limits.burst))


def chat_limit(bot: str, lane: str, limits: RateLimits) -> Limit:
    """The limit of the chat a lane sends to: a private chat's own (Telegram: 1/s) or a
    group's (Telegram: 20/min), told apart by the lane kind and the platform's rule."""
    kind, _, chat_id = lane.removeprefix(f"{bot}:").partition(":")
    private = kind == "dm" or (kind == "chat" and is_private_chat(limits.private_chats, chat_id))
    if private and limits.per_private is not None:
        pace = interval(limits.per_private, limits.per_private_window)
    else:
        pace = interval(limits.per_chat, limits.per_chat_window)
    return Limit(f"lane:{lane}", pace, max(1, limits.burst))
