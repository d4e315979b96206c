"""What a handler is given for one event: :class:`Context`, and :class:`BotInfo`.

The context carries the batch transaction, the caller's role, the community's language
and settings, the spaces, and collects what the handler emits (actions, delivered after
commit) and publishes (facts, handled after commit). It is part of the features API and
is imported from :mod:`core.features` (or ``townsquare``) by feature authors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from townsquare.core.actions import (
    MAX_FORM_TEXT,
    Action,
    AnswerButton,
    AskText,
    ButtonRows,
    SendEphemeral,
    SendMessage,
)
from townsquare.core.buttons import Payload
from townsquare.core.capabilities import Capability
from townsquare.core.commands import CommandSpec
from townsquare.core.events import ButtonPressed, CommandIssued, Event, MessagePosted
from townsquare.core.facts.fact import Fact, encode
from townsquare.core.facts.published import MAX_DEPTH, FactChainTooLong, PublishedFact
from townsquare.core.i18n import DEFAULT_LANGUAGE, Translator
from townsquare.core.persons import account_platform
from townsquare.core.refs import CommunityRef
from townsquare.core.roles import Role
from townsquare.core.settings import FeatureSettings, language_of, model, read
from townsquare.core.spaces import Space, Spaces
from townsquare.core.store import Transaction
from townsquare.core.text import Text, TextLike, as_text

S = TypeVar("S", bound=FeatureSettings)


@dataclass(frozen=True, slots=True)
class BotInfo:
    """What features may know about the bot that received the event."""

    name: str
    platform: str
    capabilities: frozenset[Capability]


async def community_translator(
    tx: Transaction, community: CommunityRef | None, default_locale: str
) -> Translator:
    """Translations in the community's language (``/lang``), else the configured default:
    the one reader of the language (:class:`core.settings.Language`)."""
    return language_of(await tx.settings(community) if community else {}, default_locale)


@dataclass
class Context:
    """Everything a handler needs for one event; collects the actions it emits."""

    event: Event
    tx: Transaction
    role: Role
    bot: BotInfo
    now: datetime
    commands: Sequence[CommandSpec] = ()
    settings_models: Sequence[type[FeatureSettings]] = ()
    """Every settings model of the running features and the core (``/settings``)."""
    bots: dict[str, BotInfo] = field(default_factory=dict)
    default_locale: str = DEFAULT_LANGUAGE
    escalate_to: str | None = None
    """``[defaults] escalate_to``: the managers' inbox as ``bot:channel_id``, if set."""
    managers: frozenset[str] = frozenset()
    """``[defaults] managers`` (``platform:user_id``), to resolve the role of someone other
    than the caller with :func:`core.roles.resolve_role` (the target of a ``/warn``)."""
    spaces: Spaces = field(default_factory=Spaces)
    """``[[spaces]]``: which communities are one community (:attr:`space`)."""
    actions: list[Action] = field(default_factory=list)
    fact_depth: int = 0
    """How deep in a chain of facts this handler runs: 0 for an event, the fact's depth
    for a fact handler (see :meth:`publish`)."""
    published: int = 0
    """How many facts this handler published."""
    heard: Callable[[type[Fact]], bool] = field(default=lambda _type: True, repr=False)
    """Whether any feature subscribes to a fact type: one nobody handles is not stored."""
    _translator: Translator | None = field(default=None, repr=False)
    _elsewhere: dict[CommunityRef, Translator] = field(default_factory=dict, repr=False)

    async def locale(self) -> str:
        """The community's language: ``/lang`` setting, else ``[defaults] locale``."""
        return (await self.translator()).language

    async def translator(self) -> Translator:
        """Translations for this community (the dispatcher reads them once per event)."""
        if self._translator is None:
            self._translator = await community_translator(
                self.tx, self.event.community, self.default_locale
            )
        return self._translator

    async def translator_of(self, platform: str, community_id: str | None) -> Translator:
        """Translations in another community's language: a post made there (a space poll
        in each of its communities) speaks that community's language, not the caller's.
        Read once per community per event."""
        if community_id is None:
            return language_of({}, self.default_locale)
        where = CommunityRef(account_platform(platform), community_id)  # not the backend
        if where == self.event.community:
            return await self.translator()
        found = self._elsewhere.get(where)
        if found is None:
            found = self._elsewhere[where] = await community_translator(
                self.tx, where, self.default_locale
            )
        return found

    @property
    def tr(self) -> Translator:
        """Translations in the event's community's language, read before the handler."""
        if self._translator is None:
            raise RuntimeError("the translator is not read yet: await ctx.translator()")
        return self._translator

    @property
    def space(self) -> Space | None:
        """The space of the event's community, if it is in one."""
        community = self.event.community
        return self.spaces.of(self.bot.name, community.id if community is not None else None)

    @property
    def shared_community(self) -> CommunityRef:
        """The community whose shared things (the FAQ, the rules, the managers' inbox)
        the event's community uses: its own, or in a space the first community the config
        lists for it, so the space has one of each."""
        return self.shared_of(self.community)

    def shared_of(self, community: CommunityRef) -> CommunityRef:
        """:attr:`shared_community` of any community a running bot serves."""
        return self.spaces.shared(
            community, {name: bot.platform for name, bot in self.bots.items()}
        )

    @property
    def community(self) -> CommunityRef:
        """The event's community, for handlers of commands that need one
        (:attr:`CommandSpec.needs_community`: the dispatcher refused the others)."""
        community = self.event.community
        if community is None:
            raise RuntimeError(f"{self.event.kind} has no community")
        return community

    @property
    def press(self) -> ButtonPressed:
        """The press being handled (in a :func:`pressed` handler)."""
        event = self.event
        if not isinstance(event, ButtonPressed):
            raise TypeError(f"{event.kind} is not a button press")
        return event

    async def settings(self, kind: type[S], community: CommunityRef | None = None) -> S:
        """The settings ``kind`` of ``community`` (default: the event's), with defaults;
        in a space, the fields the space shares are its first community's."""
        where = community or self.community
        stored = await self.tx.settings(where)
        spaced = model(kind).space_keys
        shared = self.shared_of(where) if spaced and self.spaces.spaces else where
        if shared != where:
            theirs = await self.tx.settings(shared)
            stored = {k: v for k, v in stored.items() if k not in spaced}
            stored |= {k: v for k, v in theirs.items() if k in spaced}
        return read(kind, stored)

    async def update_settings(
        self, kind: type[S], community: CommunityRef | None = None, **values: Any
    ) -> None:
        """Store these fields of ``kind`` (None stores an empty value: the default); a
        field a space shares is stored at its first community."""
        where = community or self.community
        spaced = model(kind).space_keys
        for key, value in model(kind).dump(values).items():
            target = self.shared_of(where) if key in spaced else where
            await self.tx.set_setting(target, key, value, self.now)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this event's effects are committed: the only safe moment
        to update an in-memory cache (a retried batch or a failed handler rolls back)."""
        self.tx.after_commit(callback)

    def emit(self, action: Action) -> None:
        self.actions.append(action)

    def publish(self, fact: Fact) -> None:
        """Tell other features what changed: ``fact`` is stored with this handler's
        writes (never if the handler fails) and handled by every ``@on(type(fact))``
        after commit, once (:mod:`core.facts.published`). Raises
        :class:`~core.facts.FactError` for a fact that cannot be stored, and
        :class:`~core.facts.published.FactChainTooLong` past the chain's limit."""
        depth = self.fact_depth + 1
        if depth > MAX_DEPTH:
            raise FactChainTooLong(
                f"{fact.kind} would be {depth} facts deep (at most {MAX_DEPTH}): a loop?"
            )
        payload = encode(fact)  # a fact that could not be stored fails even if unheard
        if not self.heard(type(fact)):
            return
        channel = self.event.channel
        self.tx.publish(
            PublishedFact(
                payload={**payload, "depth": depth},
                platform=fact.platform,
                bot=self.bot.name,
                community_id=fact.community_id,
                channel_id=channel.id if channel is not None else None,
                at=self.now,
            )
        )
        self.published += 1

    def can(self, capability: Capability) -> bool:
        return capability in self.bot.capabilities

    @property
    def interaction_id(self) -> str | None:
        event = self.event
        if isinstance(event, CommandIssued | ButtonPressed):
            return event.interaction_id
        return None

    def reply(self, text: TextLike, buttons: ButtonRows = (), *, key: str | None = None) -> None:
        """Post in the event's channel (as a reply to the triggering message, if any)."""
        event = self.event
        if event.channel is None:
            raise ValueError(f"{event.kind} has no channel to reply in")
        reply_to = None
        if isinstance(event, MessagePosted | CommandIssued):
            reply_to = event.message
        self.emit(
            SendMessage(
                bot=self.bot.name,
                channel=event.channel,
                text=as_text(text),
                buttons=buttons,
                reply_to=reply_to,
                key=key,
                interaction_id=self.interaction_id,
            )
        )

    def respond(self, text: TextLike) -> None:
        """Answer the caller: privately where the platform can (a Slack or Discord
        ephemeral to a slash command), otherwise as a reply in the channel."""
        event = self.event
        if (
            self.interaction_id is not None
            and self.can(Capability.EPHEMERAL)
            and event.channel is not None
            and event.actor is not None
        ):
            self.emit(
                SendEphemeral(
                    bot=self.bot.name,
                    channel=event.channel,
                    user_id=event.actor.user_id,
                    display_name=event.actor.display_name,
                    text=as_text(text),
                    interaction_id=self.interaction_id,
                )
            )
        else:
            self.reply(text)

    def answer(self, toast: str = "", *, alert: bool = False) -> None:
        """Acknowledge the button press being handled, with an optional short toast."""
        self.emit(AnswerButton(**self._press_answer("answer"), toast=toast, alert=alert))

    def _press_answer(self, method: str) -> dict[str, Any]:
        """Who and where an answer to the button press being handled goes."""
        event = self.event
        if not isinstance(event, ButtonPressed):
            raise TypeError(f"{method}() is only for ButtonPressed events")
        return {
            "bot": self.bot.name,
            "interaction_id": event.interaction_id,
            "channel": event.channel,
            "user_id": event.actor.user_id if event.actor else None,
        }

    def ask_text(
        self,
        *,
        title: str,
        label: str,
        fallback_text: str,
        min_length: int = 1,
        max_length: int = MAX_FORM_TEXT,
        placeholder: str = "",
        submit: str = "",
        data: Payload | str | None = None,
    ) -> None:
        """Answer the button press being handled with a form asking for one text
        (:class:`~core.actions.AskText`); the submission comes back as a
        :class:`~core.events.ButtonPressed` with ``data`` (default: the pressed button's)
        and the text. Where the platform has no forms the member gets ``fallback_text``
        privately instead."""
        address = self._press_answer("ask_text")
        event = self.event
        assert isinstance(event, ButtonPressed)
        self.emit(
            AskText(
                **address,
                title=title,
                label=label,
                data=event.data if data is None else data if isinstance(data, str) else data.pack(),
                fallback_text=fallback_text,
                min_length=min_length,
                max_length=max_length,
                placeholder=placeholder,
                submit=submit,
            )
        )

    def text(self, value: TextLike) -> Text:
        return as_text(value)
