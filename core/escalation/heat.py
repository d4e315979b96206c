"""The "heat" detector: a conversation running hot, whatever the words.

Three patterns, each within a sliding ``window``:

* a burst of replies between the same two members, both ways (a quarrel);
* one member shouting (mostly capital letters) several times;
* distinct members flagging one message with a flag-like reaction (🚩, ⚠️, 🛑...).

State is kept in memory, bounded, and keyed by message id so an event processed twice
(a batch retried after a failed commit) counts once. Heat is about the last minutes, so
losing it on restart only delays a signal; cases themselves are durable.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from townsquare.core.escalation.signals import ObservedMessage, ObservedReaction, Severity, Signal
from townsquare.core.i18n import _
from townsquare.core.refs import Actor

FLAG_EMOJI = frozenset(
    {
        "🚩",
        "⚠",
        "🛑",
        "🚫",
        "⛔",
        "triangular_flag_on_post",
        "warning",
        "octagonal_sign",
        "no_entry_sign",
        "no_entry",
    }
)


def is_flag(emoji: str) -> bool:
    """A flag-like reaction: Unicode (any variation) or a Slack-style ``:name:``."""
    cleaned = emoji.replace("\ufe0f", "").strip().strip(":")
    return cleaned in FLAG_EMOJI


def is_shouting(text: str, *, min_letters: int = 12, ratio: float = 0.8) -> bool:
    """Mostly capital letters over enough letters to not be an acronym."""
    upper = sum(map(str.isupper, text))
    if upper < min_letters * ratio:
        return False
    cased = upper + sum(map(str.islower, text))
    return cased >= min_letters and upper / cased >= ratio


@dataclass(frozen=True, slots=True)
class _Reply:
    at: datetime
    message_id: str
    author: str


class _Bounded(OrderedDict[str, "deque[_Reply]"]):
    """Least recently used keys go first once ``limit`` is reached."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def get_deque(self, key: str) -> deque[_Reply]:
        found = self.get(key)
        if found is None:
            found = self[key] = deque()
            while len(self) > self.limit:
                self.popitem(last=False)
        self.move_to_end(key)
        return found


class HeatDetector:
    name = "heat"

    def __init__(
        self,
        *,
        window: timedelta = timedelta(minutes=2),
        reply_burst: int = 6,
        shouts: int = 3,
        flags: int = 3,
        cooldown: timedelta = timedelta(minutes=10),
        max_tracked: int = 5000,
    ) -> None:
        self.window = window
        self.reply_burst = reply_burst
        self.shouts = shouts
        self.flags = flags
        self.cooldown = cooldown
        self._replies = _Bounded(max_tracked)
        self._shouts = _Bounded(max_tracked)
        self._flaggers: OrderedDict[str, set[str]] = OrderedDict()
        self._max_tracked = max_tracked
        self._quiet_until: OrderedDict[str, datetime] = OrderedDict()

    def on_message(self, message: ObservedMessage) -> list[Signal]:
        signals: list[Signal] = []
        author = message.author
        other = message.reply_to_author
        if other is not None and other.user_id != author.user_id and not other.is_bot:
            signal = self._quarrel(message, other)
            if signal is not None:
                signals.append(signal)
        if is_shouting(message.text):
            signal = self._shouting(message)
            if signal is not None:
                signals.append(signal)
        return signals

    def _record(self, window: deque[_Reply], entry: _Reply) -> None:
        while window and entry.at - window[0].at > self.window:
            window.popleft()
        if all(seen.message_id != entry.message_id for seen in window):
            window.append(entry)

    def _cooling(self, key: str, at: datetime) -> bool:
        """True while a signal for ``key`` was given recently; starts the cooldown if not."""
        until = self._quiet_until.get(key)
        if until is not None and at < until:
            return True
        self._quiet_until[key] = at + self.cooldown
        self._quiet_until.move_to_end(key)
        while len(self._quiet_until) > self._max_tracked:
            self._quiet_until.popitem(last=False)
        return False

    def _quarrel(self, message: ObservedMessage, other: Actor) -> Signal | None:
        first, second = sorted((message.author.user_id, other.user_id))
        key = f"{message.community}|{message.message.channel.id}|{first}|{second}"
        window = self._replies.get_deque(key)
        self._record(window, _Reply(message.at, message.message.message_id, message.author.user_id))
        authors = {reply.author for reply in window}
        if len(window) < self.reply_burst or len(authors) < 2:
            return None
        if self._cooling(key, message.at):
            return None
        minutes = max(1, round(self.window.total_seconds() / 60))
        return Signal(
            detector=self.name,
            kind="heat",
            severity=Severity.MEDIUM,
            evidence=_("replies between {first} and {second} within {minutes} min: {count}"),
            message=message.message,
            offender=message.author,
            values={
                "count": str(len(window)),
                "first": message.author.display_name,
                "second": other.display_name,
                "minutes": str(minutes),
            },
        )

    def _shouting(self, message: ObservedMessage) -> Signal | None:
        key = f"{message.community}|{message.author.user_id}"
        window = self._shouts.get_deque(key)
        self._record(window, _Reply(message.at, message.message.message_id, message.author.user_id))
        if len(window) < self.shouts or self._cooling(f"shout|{key}", message.at):
            return None
        minutes = max(1, round(self.window.total_seconds() / 60))
        return Signal(
            detector=self.name,
            kind="shouting",
            severity=Severity.LOW,
            evidence=_("messages in capitals within {minutes} min: {count}"),
            message=message.message,
            offender=message.author,
            values={"count": str(len(window)), "minutes": str(minutes)},
        )

    def on_reaction(self, reaction: ObservedReaction) -> list[Signal]:
        if not is_flag(reaction.emoji) or reaction.reactor.is_bot:
            return []
        author = reaction.message_author
        if author is not None and author.user_id == reaction.reactor.user_id:
            return []
        message = reaction.message
        key = f"{reaction.community}|{message.channel.id}|{message.message_id}"
        flaggers = self._flaggers.get(key)
        if flaggers is None:
            flaggers = self._flaggers[key] = set()
            while len(self._flaggers) > self._max_tracked:
                self._flaggers.popitem(last=False)
        flaggers.add(reaction.reactor.user_id)
        if len(flaggers) != self.flags:
            return []
        return [
            Signal(
                detector=self.name,
                kind="flags",
                severity=Severity.MEDIUM,
                evidence="🚩 × {count}",
                message=message,
                offender=author,
                values={"count": str(len(flaggers))},
            )
        ]
