"""A process's senders lined up for the send slots (:mod:`core.ratelimit`): per bot, a
few senders at a time ask the book, a slot or two ahead of the clock.

Every waiting message reserving its slot at once would book a bot's schedule seconds
ahead, and a process the host does not run for a moment would sit on slots the others
could have used; every waiter asking the database again and again would flood it. Here
the first senders of a bot in this process (the heads of its line, :data:`HEADS`) reserve
the next slots, and each lets the next one in line ask only once its own slot is within
one interval (or one round trip to the book, if that takes longer). So a process holds
only the next few slots of a bot (the ones due, the ones after), several processes take
turns at the bot's rate, and one that stalls delays only its own few messages: it sends
them late (the window rule then keeps the platform's count right) rather than giving
them up.

A message whose chat is not free yet leaves the line at once (nothing reserved), waits
for its chat, and lines up again; one the bot's window holds back (a message ``count``
slots back not answered yet) keeps its place and asks again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from townsquare.core.ratelimit import Limit, Slot, SlotBook

HEADS = 4
"""Senders of one bot in this process that may ask the book at once: on a loaded host a
round trip to the database can take longer than the bot's interval (20.8 ms at Discord's
50/s), and one at a time would then fall behind the pace."""


class Pacer:
    """This process's way to a :class:`core.ratelimit.SlotBook`."""

    def __init__(self, book: SlotBook, heads: int = HEADS) -> None:
        self.book = book
        self.heads = heads
        self._lines: dict[str, asyncio.Semaphore] = {}
        """One line per bot limit (asyncio's semaphore wakes its waiters in order)."""
        self.trip = 0.0
        """How long asking the book takes here lately (the slowest of the last few, fading
        by a tenth each time): a head lets the next sender ask at least this long before
        its own slot, so that one's answer comes before its slot is due."""

    async def slot(self, bot: Limit, chat: Limit | None) -> Slot:
        """Sleep until a slot of ``bot`` (and ``chat``) is due, and return it: send then,
        and report the platform's answer with :meth:`sent`."""
        loop = asyncio.get_running_loop()
        line = self._lines.setdefault(bot.key, asyncio.Semaphore(self.heads))
        while True:
            async with line:
                while True:
                    slot = await self._ask(bot, chat)
                    due = loop.time() + slot.wait  # counted from when the book answered
                    if slot.reserved or slot.chat_busy:
                        break
                    await _until(loop, due)  # the bot's window: nobody here goes first
                if slot.reserved:
                    await _until(loop, due - max(bot.interval, self.trip))
            await _until(loop, due)
            if slot.reserved:
                return slot

    async def _ask(self, bot: Limit, chat: Limit | None) -> Slot:
        loop = asyncio.get_running_loop()
        asked = loop.time()
        slot = await self.book.reserve(bot, chat)
        self.trip = max(loop.time() - asked, 0.9 * self.trip)
        return slot

    async def sent(self, slot: Slot, at: float | None = None) -> None:
        """The platform answered the message sent in ``slot`` (or its request failed), at
        ``at`` (the event loop's clock; None: now)."""
        await self.book.sent(slot, asyncio.get_running_loop().time() if at is None else at)

    async def pause(self, limits: Sequence[Limit], seconds: float) -> None:
        await self.book.pause(limits, seconds)


async def _until(loop: asyncio.AbstractEventLoop, at: float) -> None:
    if at > loop.time():
        await asyncio.sleep(at - loop.time())
