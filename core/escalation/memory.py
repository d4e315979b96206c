"""Recent messages, remembered briefly so a report or a flag can name the author.

Telegram, Discord and Slack tell the core who wrote a replied-to message; some sources do
not (the console adapter, Telegram reactions). The feature remembers the last few thousand
messages it saw (author and text, per bot and channel) and fills the gap from here. It is
a best-effort cache: after a restart an old message's author may be unknown, and the case
then carries no offender (Warn/Mute stay available as replies).

Unlike the caches that mirror stored rows, it is filled while the event is handled, not
after commit: it records what the platform said (this account wrote this text), which a
rolled-back batch does not make untrue, and a ``/report`` later in the same batch needs it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from townsquare.core.refs import Actor, MessageRef


@dataclass(frozen=True, slots=True)
class Remembered:
    author: Actor
    text: str
    reply_to_author: Actor | None = None


class RecentMessages:
    def __init__(self, limit: int = 5000, text_chars: int = 1000) -> None:
        self.limit = limit
        self.text_chars = text_chars
        self._items: OrderedDict[tuple[str, str, str], Remembered] = OrderedDict()

    @staticmethod
    def _key(bot: str, message: MessageRef) -> tuple[str, str, str]:
        return (bot, message.channel.id, message.message_id)

    def remember(
        self, bot: str, message: MessageRef, author: Actor, text: str, reply_to: Actor | None
    ) -> None:
        key = self._key(bot, message)
        self._items[key] = Remembered(author, text[: self.text_chars], reply_to)
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def edited(self, bot: str, message: MessageRef, text: str) -> Remembered | None:
        key = self._key(bot, message)
        found = self._items.get(key)
        if found is not None:
            found = self._items[key] = Remembered(
                found.author, text[: self.text_chars], found.reply_to_author
            )
        return found

    def get(self, bot: str, message: MessageRef) -> Remembered | None:
        return self._items.get(self._key(bot, message))
