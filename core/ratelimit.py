"""Send slots: outbound traffic paced evenly a little under each platform's limits, and
never more in a window than the platform allows, however late a message arrives.

Every limit (one per bot, one per chat) is a key with two rules:

* **The pace.** An ``interval`` between two messages (the published window divided by
  its count, :data:`HEADROOM` under it). Slots are handed out in order with virtual
  scheduling (GCRA): a key remembers the theoretical time its next message may go, each
  caller is given the next free slot, and nothing is saved up during a quiet spell beyond
  ``burst`` (1 on every real platform: a burst on top of a steady rate is what a strict
  window answers with 429).
* **The window.** A slot is never earlier than ``window`` seconds after the moment the
  message ``count`` slots before it was known to have arrived: when its sender had the
  platform's answer (:meth:`SlotBook.sent`). A message reaches the platform some time
  after its slot (its sender woke late, the process was not scheduled before the request
  went out, the platform's side was slow), and always before its answer; so however late
  each one arrives, no ``window`` seconds see more than ``count`` of them.

The pace leaves a margin of each window (:data:`MARGIN`), so the window rule only holds a
slot back when a message took longer than that from its slot to its answer; it then
holds that one slot, not the pace: the messages behind it catch up (:data:`CATCH_UP`). A
late sender never gives its slot up either: it sends late, and the window rule accounts
for it where it matters, ``count`` slots later. So a host that is slow for a moment costs
no slot, and none is ever sent into a full window.

A message needs a slot of its chat and of its bot. The chat is checked first and the bot's
slot reserved only once the chat is free by then (or by the bot's slot after it:
:attr:`Limit.defer`), so a busy chat never leaves holes in the bot's schedule that other
chats could have used. One call, one answer: in memory here (one process), or one SQL
statement (:mod:`storage.ratelimit`) where several processes of one bot share a
PostgreSQL database and together must stay within the bot's limits. :mod:`core.pacing`
lines a process's senders up so that only a few per bot ask at a time, a slot or two
ahead.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from townsquare.core.capabilities import RateLimits, is_private_chat

HEADROOM = 0.985
"""Share of each published limit the pace uses: a message every ``window / (count *
0.985)`` seconds leaves, over one window, 1.5 % of it (0.9 s of a minute) for a message to
take from its slot to its answer before the window rule holds the one ``count`` slots
later back. The window rule alone keeps every window within its count, so the pace needs
no more room than that: a wider one only lowers the ceiling (it was 3 %, a 96.2 %
ceiling on a 1 s window, and lateness then cost the same points on top)."""

MARGIN = 0.015
"""...and at least this many seconds of each window (1.5 % of a 1 s window is 15 ms)."""

CATCH_UP = 0.5
"""Never two messages of one bot closer than this share of its interval: the messages
behind one the window rule held back (or a chat made wait, :attr:`Limit.defer`) catch
up with the pace at twice its rate rather than all at once."""

LOST = 5.0
"""Seconds after its slot a message whose sender never reported an answer (the process
was killed, the database could not be reached) counts as arrived. Until then the slot
``count`` places later waits: the message may still be on its way."""


@dataclass(frozen=True, slots=True)
class Limit:
    """One paced key: at most ``count`` messages in any ``window`` seconds, one every
    ``interval`` seconds, ``burst`` at once (:func:`paced`)."""

    key: str
    interval: float
    burst: int = 1
    count: int = 1
    window: float = 0.0
    """0: no window rule (pacing only)."""

    @property
    def tolerance(self) -> float:
        """How far ahead of its theoretical time a message may go (GCRA's tau)."""
        return (self.burst - 1) * self.interval

    @property
    def defer(self) -> float:
        """How far past its slot of this (bot's) limit a message may be booked to go, to
        wait there for its chat: at most until the next slot, so the bot's messages still
        go in the order of their slots, and the chat's message, asked for a little
        early, goes the moment its chat is free instead of a round trip after."""
        return max(0.0, self.interval - self.tolerance)


def paced(key: str, count: float, window: float, burst: int = 1) -> Limit:
    """The limit of ``count`` messages per ``window`` seconds (a count under 1, say one per
    2 s, is kept as one per ``window / count``)."""
    whole = max(1, math.floor(count))
    return Limit(key, interval(count, window), max(1, burst), whole, window * whole / count)


@dataclass(frozen=True, slots=True)
class Hold:
    """A reserved slot's place in one key's window: the ``seq``-th slot of ``key``."""

    key: str
    seq: int
    count: int
    window: float


@dataclass(frozen=True, slots=True)
class Slot:
    """The answer to a reservation: wait ``wait`` seconds, then send (``reserved``), or,
    when the chat (or the window) is not free yet, wait and ask again (nothing reserved)."""

    wait: float
    """Seconds from now (negative: the slot is already past, the answer came late)."""
    reserved: bool
    at: float | None = None
    """The reserved slot on the book's own clock (for tests and benchmarks)."""
    holds: tuple[Hold, ...] = ()
    """What :meth:`SlotBook.sent` marks as arrived."""
    chat_busy: bool = False
    """Not reserved because the chat is not free (else: the bot's window is not)."""
    fallback: bool = False
    """Reserved in this process's memory while the shared book could not be reached."""


class SlotBook(Protocol):
    """Where slots are reserved: :class:`MemorySlots`, or the database for several
    processes (:class:`storage.ratelimit.SqlSlots`)."""

    async def reserve(self, bot: Limit, chat: Limit | None) -> Slot:
        """A slot for one message under ``bot`` (and ``chat``): reserved in both when the
        chat is free by the bot's next slot, else nothing reserved and how long to wait."""
        ...

    async def sent(self, slot: Slot, at: float | None = None) -> None:
        """The platform answered the message sent in ``slot`` (or its request failed) at
        ``at`` (``time.monotonic()``; None: now): it had arrived by then, and the window
        rule counts it from then."""
        ...

    async def pause(self, limits: Sequence[Limit], seconds: float) -> None:
        """The platform answered 429: no slot of ``limits`` before ``seconds`` from now."""
        ...

    async def close(self) -> None:
        """Release what the book holds (its database connections)."""
        ...


@dataclass(slots=True)
class _Key:
    next: float
    """Theoretical time of the key's next message (GCRA's TAT)."""
    seq: int = 0
    """Slots reserved so far."""
    window: dict[int, tuple[bool, float]] = field(default_factory=dict)
    """The last ``count`` slots by ``seq % count``: (answered, when answered or slot)."""
    until: float = -math.inf
    """When none of them holds a slot back any more."""
    last: float = -math.inf
    """When the key's latest message goes."""


class MemorySlots:
    """Slots in this process's memory: enough for SQLite (one process per database)."""

    keep = 10_000
    """Keys kept before the idle ones (nothing reserved ahead) are forgotten."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._keys: dict[str, _Key] = {}

    async def reserve(self, bot: Limit, chat: Limit | None) -> Slot:
        return self.reserve_now(bot, chat)

    def reserve_now(self, bot: Limit, chat: Limit | None) -> Slot:
        now = self.clock()
        bot_key = self._keys.get(bot.key) or _Key(now)
        window = _window_free(bot_key, bot, now)
        if window is None:  # the message `count` slots back may still be on its way
            return Slot(bot.interval, reserved=False)
        paced = max(now, bot_key.next - bot.tolerance)
        send_at = at = max(paced, window, bot_key.last + bot.interval * CATCH_UP)
        chat_key = None
        if chat is not None:
            chat_key = self._keys.get(chat.key) or _Key(now)
            chat_window = _window_free(chat_key, chat, now)
            if chat_window is None:
                return Slot(_expiry(chat_key, chat) - now, reserved=False, chat_busy=True)
            chat_free = max(chat_key.next - chat.tolerance, chat_window)
            if chat_free > at + bot.defer:
                return Slot(chat_free - bot.defer - now, reserved=False, chat_busy=True)
            send_at = max(at, chat_free)
        holds = [_take(self._keys, bot.key, bot_key, bot, send_at, paced)]
        if chat is not None and chat_key is not None:
            holds.append(_take(self._keys, chat.key, chat_key, chat, send_at, send_at))
        if len(self._keys) > self.keep:
            self._forget_idle(now)
        return Slot(send_at - now, reserved=True, at=send_at, holds=tuple(holds))

    async def sent(self, slot: Slot, at: float | None = None) -> None:
        self.sent_now(slot, at)

    def sent_now(self, slot: Slot, at: float | None = None) -> None:
        now = self.clock() if at is None else at
        for hold in slot.holds:
            if hold.window <= 0:
                continue
            key = self._keys.get(hold.key)
            if key is not None and key.seq <= hold.seq + hold.count:  # not overwritten
                key.window[hold.seq % hold.count] = (True, now)
                key.until = max(key.until, now + hold.window)

    async def pause(self, limits: Sequence[Limit], seconds: float) -> None:
        until = self.clock() + seconds
        for limit in limits:
            key = self._keys.setdefault(limit.key, _Key(until))
            key.next = max(key.next, until + limit.tolerance)

    async def close(self) -> None:
        pass

    def _forget_idle(self, now: float) -> None:
        self._keys = {
            name: key for name, key in self._keys.items() if key.next > now or key.until > now
        }


def _window_free(key: _Key, limit: Limit, now: float) -> float | None:
    """When ``limit``'s window lets its next message go: ``window`` after the message
    ``count`` slots back was answered, or counted as :data:`LOST`; None while it is
    neither."""
    entry = key.window.get(key.seq % limit.count) if limit.window > 0 else None
    if entry is None:
        return -math.inf
    answered, at = entry
    if answered:
        return at + limit.window
    if at + LOST > now:
        return None
    return at + LOST + limit.window


def _expiry(key: _Key, limit: Limit) -> float:
    """When the unanswered message ``count`` slots back counts as arrived."""
    _, at = key.window[key.seq % limit.count]
    return at + LOST


def _take(
    keys: dict[str, _Key], name: str, key: _Key, limit: Limit, at: float, paced_at: float
) -> Hold:
    """Book the slot ``paced_at`` of ``limit``'s pace for a message going at ``at``."""
    hold = Hold(name, key.seq, limit.count, limit.window)
    if limit.window > 0:
        key.window[key.seq % limit.count] = (False, at)
        key.until = max(key.until, at + LOST + limit.window)
    key.seq += 1
    key.next = max(key.next, paced_at) + limit.interval
    key.last = max(key.last, at)
    keys[name] = key
    return hold


def interval(count: float, window: float) -> float:
    """Seconds between two paced messages for ``count`` per ``window`` seconds."""
    return max(window / HEADROOM, window + MARGIN) / count


def bot_limit(bot: str, limits: RateLimits) -> Limit:
    return paced(f"bot:{bot}", limits.per_bot, 1.0, limits.burst)


def chat_limit(bot: str, lane: str, limits: RateLimits) -> Limit:
    """The limit of the chat a lane sends to: a private chat's own (Telegram: 1/s) or a
    group's (Telegram: 20/min), told apart by the lane kind and the platform's rule."""
    kind, _, chat_id = lane.removeprefix(f"{bot}:").partition(":")
    private = kind == "dm" or (kind == "chat" and is_private_chat(limits.private_chats, chat_id))
    if private and limits.per_private is not None:
        return paced(f"lane:{lane}", limits.per_private, limits.per_private_window, limits.burst)
    return paced(f"lane:{lane}", limits.per_chat, limits.per_chat_window, limits.burst)
