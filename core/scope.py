"""Whatever a command or a button names by id is looked for in the caller's community only.

Poll, case and FAQ ids are global numbers, so without a rule a manager of one community
could close, read or export another community's poll by guessing its id. The rule lives
in one place, the framework, and a feature only declares what its ids name:

1. The id parameter says what it names: ``Param("id", ref=POLL_ID)`` with
   ``POLL_ID = IdRef("poll", _("There is no poll #{id}."))``.
2. The feature resolves that kind with one method, a plain lookup by id::

       @resolves(POLL_ID)
       async def _poll(self, poll_id: int, ctx: Context) -> Poll | None:
           return await self.store(ctx.tx).get(poll_id, ctx.event.platform)

3. Before the handler runs, :class:`core.features.Feature` parses the id
   (:func:`parse_id`: digits, ``#12`` too, at most :data:`MAX_ID` so it fits a 64-bit SQL
   integer), calls the resolver, and keeps the result only if :meth:`Scope.includes` it
   (its ``platform`` and ``community_id`` are the caller's) or the feature's
   :meth:`~core.features.Feature.reaches` says the caller may see it from elsewhere (a
   case from the managers' inbox on another platform). Otherwise the caller gets the
   ``unknown`` sentence, word for word what an id that never existed gets, and the
   handler never runs. The handler reads the object from ``invocation.found["id"]``.

Button presses and other paths name ids too: they call
:meth:`~core.features.Feature.find` (the same rule, without the answer), and a press is
honoured only on the message the bot sent the button in (:func:`press_matches`).

Once spaces exist, a :class:`Scope` holds every community of the caller's space.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from townsquare.core.events import ButtonPressed, Event
from townsquare.core.refs import MessageRef

MAX_ID = 2**63 - 1
"""The largest id SQL stores (a signed 64-bit integer); a larger number names nothing."""
_MAX_DIGITS = len(str(MAX_ID))


@dataclass(frozen=True, slots=True)
class IdRef:
    """What kind of thing an id parameter names, and what an unknown one answers.

    ``unknown`` is a translatable template with ``{id}``; it is also the answer to an id
    that exists in another community, so nothing tells the two apart."""

    kind: str
    unknown: str


class Scoped(Protocol):
    """Anything named by id: it belongs to one community (or, with none, one chat)."""

    @property
    def platform(self) -> str: ...

    @property
    def community_id(self) -> str | None: ...


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Owned(Generic[T]):
    """A thing whose store keys it by community rather than carrying it (an FAQ entry),
    with the community it was found in, so the framework can check it like any other."""

    thing: T
    platform: str
    community_id: str | None


def parse_id(text: object) -> int | None:
    """``12`` or ``#12`` as a positive id that fits SQL, else None (also for non-ASCII
    digits, which ``str.isdigit`` accepts, and for numbers past :data:`MAX_ID`)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 0 < text <= MAX_ID else None
    if not isinstance(text, str):
        return None
    value = text.strip().removeprefix("#")
    if not value.isascii() or not value.isdigit() or len(value) > _MAX_DIGITS:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def shown_id(text: object, limit: int = 24) -> str:
    """The id as the caller typed it, for the "there is no #id" answer (shortened, so a
    10,000-character argument is not echoed back)."""
    value = str(text if text is not None else "").strip().removeprefix("#")
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Scope:
    """Where the caller stands: the community (or, outside one, the chat) whose things
    they may name by id.

    ``platforms`` holds the event's platform and its community's: a bot's platform may
    be a backend's name (``telegram-ptb``) while the community is Telegram's, and stores
    keep one or the other."""

    platforms: frozenset[str]
    community_id: str | None
    channel_id: str | None

    @classmethod
    def of(cls, event: Event) -> Scope:
        community = event.community
        platforms = {event.platform} | ({community.platform} if community is not None else set())
        return cls(
            platforms=frozenset(platforms),
            community_id=community.id if community is not None else None,
            channel_id=event.channel.id if event.channel is not None else None,
        )

    def includes(self, found: Scoped) -> bool:
        """``found`` belongs to the caller's community (a thing outside any community,
        a poll in a direct chat, belongs to its chat only)."""
        if found.platform not in self.platforms:
            return False
        if found.community_id is not None:
            return found.community_id == self.community_id
        return self.community_id is None and getattr(found, "channel_id", None) == (self.channel_id)


def press_matches(event: ButtonPressed, bot: str, channel_id: str, sent: MessageRef | None) -> bool:
    """The press came from the message ``bot`` sent the button in, by the platform's own
    message reference, not the payload: a forged or replayed payload pressed anywhere
    else does nothing.

    ``sent`` is the message as the platform reported it on delivery. Until that is
    stored (the instant between the platform accepting the message and the delivery
    worker recording it, when a quick member may already press) the press must come from
    the button's chat ``channel_id``: another chat or another community never counts."""
    where = event.message
    if where is None or event.bot != bot:
        return False
    if sent is None:
        return where.channel.id == channel_id
    return where.message_id == sent.message_id and where.channel.id == sent.channel.id
