"""What analytics counts from other features' facts, and the simple events (a mixin of
:class:`~core.analytics.feature.Analytics`, whose ``dir(type(self))`` finds these
handlers as its own).

Each fact is counted in the community it names and, if that community is in a
``[[spaces]]`` entry, in the space too, on the UTC day of the fact's ``at``. No other
feature is imported: the facts are all there is to read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from townsquare.core.analytics.rules import account_digest, community_scope, day_of, space_scope
from townsquare.core.analytics.store import AnalyticsStore, Counter
from townsquare.core.events import MemberLeft, ReactionAdded
from townsquare.core.facts import (
    CaseClaimed,
    CaseOpened,
    CaseResolved,
    EventAttended,
    FaqAnswered,
    FaqRated,
    FaqUnanswered,
    FeedbackFiled,
    FeedbackStatusChanged,
    ReputationGiven,
)
from townsquare.core.features import Context, on
from townsquare.core.persons import account_platform
from townsquare.core.spaces import Space

SCOPE_CACHE_LIMIT = 200_000
"""How many communities' scopes the process remembers before it stops remembering more."""
SHIPPED = "done"
"""The feedback status that means shipped (``FeedbackStatusChanged.new``)."""


def _space_of(ctx: Context, platform: str, community_id: str) -> Space | None:
    """The space of the community ``community_id`` on ``platform``, which the bot that
    handles the fact need not serve: a manager on Telegram ships an idea filed on Discord,
    and the fact names the Discord community. The handling bot's own community first,
    then one a running bot of that platform serves; with no running bot of that platform
    (the memory adapters of tests, whose bots are all ``console``), the one place of a
    space with that id, if there is exactly one."""
    wanted = account_platform(platform)
    if account_platform(ctx.bot.platform) == wanted:
        own = ctx.spaces.of(ctx.event.bot, community_id)
        if own is not None:
            return own
    served = {name for name, bot in ctx.bots.items() if account_platform(bot.platform) == wanted}
    places = [
        (space, place)
        for space in ctx.spaces.spaces
        for place in space.places
        if place.community_id == community_id
    ]
    if served:
        return next((space for space, place in places if place.bot in served), None)
    if len(places) == 1:
        return places[0][0]
    return ctx.spaces.of(ctx.event.bot, community_id)


class Counting:
    """The counting handlers of :class:`~core.analytics.feature.Analytics`."""

    store: Callable[[Any], AnalyticsStore]
    """The feature's own store (:class:`~core.analytics.feature.Analytics`)."""
    _scope_cache: dict[tuple[str, str, str], tuple[str, ...]]

    def _scopes(self, ctx: Context, platform: str, community_id: str | None) -> tuple[str, ...]:
        """The community's scope, and its space's if it is in one (``[[spaces]]`` is read
        once per community: the config does not change while the process runs)."""
        if community_id is None:
            return ()
        key = (ctx.event.bot, platform, community_id)
        found = self._scope_cache.get(key)
        if found is None:
            space = _space_of(ctx, platform, community_id)
            own = community_scope(platform, community_id)
            found = (own,) if space is None else (own, space_scope(space.name))
            if len(self._scope_cache) < SCOPE_CACHE_LIMIT:
                self._scope_cache[key] = found
        return found

    def _add(self, ctx: Context, scopes: tuple[str, ...], day: int, counter: Counter) -> None:
        store = self.store(ctx.tx)
        for scope in scopes:
            store.add(scope, day, counter)

    # -- events ---------------------------------------------------------------------------

    @on(ReactionAdded)
    async def reacted(self, event: ReactionAdded, ctx: Context) -> None:
        if event.actor is None or event.actor.is_bot or event.community is None:
            return
        scopes = self._scopes(ctx, event.platform, event.community.id)
        self._add(ctx, scopes, day_of(event.occurred_at), "reactions")

    @on(MemberLeft)
    async def left(self, event: MemberLeft, ctx: Context) -> None:
        if event.channel_only or event.member.is_bot or event.community is None:
            return
        scopes = self._scopes(ctx, event.platform, event.community.id)
        self._add(ctx, scopes, day_of(event.occurred_at), "leaves")

    # -- facts ----------------------------------------------------------------------------

    @on(FaqAnswered)
    async def answered(self, fact: FaqAnswered, ctx: Context) -> None:
        scopes, day = self._scopes(ctx, fact.platform, fact.community_id), day_of(fact.at)
        self._add(ctx, scopes, day, "questions")
        self._add(ctx, scopes, day, "answered")
        if fact.automatic:
            self._add(ctx, scopes, day, "answered_by_bot")
        asker = account_digest(fact.platform, fact.user_id)
        for scope in scopes:
            await self.store(ctx.tx).bot_answered(scope, asker, fact.at)

    @on(EventAttended)
    async def attended(self, fact: EventAttended, ctx: Context) -> None:
        scopes = self._scopes(ctx, fact.platform, fact.community_id)
        self._add(ctx, scopes, day_of(fact.at), "checkins")

    @on(ReputationGiven)
    async def thanked(self, fact: ReputationGiven, ctx: Context) -> None:
        scopes, day = self._scopes(ctx, fact.platform, fact.community_id), day_of(fact.at)
        for scope in scopes:
            self.store(ctx.tx).thanked(scope, day, fact.person_id)

    @on(FaqUnanswered)
    async def unanswered(self, fact: FaqUnanswered, ctx: Context) -> None:
        scopes = self._scopes(ctx, fact.platform, fact.community_id)
        self._add(ctx, scopes, day_of(fact.at), "questions")

    @on(FaqRated)
    async def rated(self, fact: FaqRated, ctx: Context) -> None:
        if fact.helpful:
            scopes = self._scopes(ctx, fact.platform, fact.community_id)
            self._add(ctx, scopes, day_of(fact.at), "helpful")

    @on(CaseOpened)
    async def case_opened(self, fact: CaseOpened, ctx: Context) -> None:
        scopes = self._scopes(ctx, fact.platform, fact.community_id)
        self._add(ctx, scopes, day_of(fact.at), "cases_opened")
        if fact.source == "signal":
            self._add(ctx, scopes, day_of(fact.at), "signals")
        for scope in scopes:
            await self.store(ctx.tx).case_opened(scope, fact.case_id, fact.at)

    @on(CaseClaimed)
    async def case_claimed(self, fact: CaseClaimed, ctx: Context) -> None:
        await self.store(ctx.tx).case_moved(fact.case_id, claimed_at=fact.at)

    @on(CaseResolved)
    async def case_resolved(self, fact: CaseResolved, ctx: Context) -> None:
        await self.store(ctx.tx).case_moved(fact.case_id, resolved_at=fact.at)

    @on(FeedbackFiled)
    async def feedback_filed(self, fact: FeedbackFiled, ctx: Context) -> None:
        scopes = self._scopes(ctx, fact.platform, fact.community_id)
        self._add(ctx, scopes, day_of(fact.at), "feedback_filed")

    @on(FeedbackStatusChanged)
    async def feedback_moved(self, fact: FeedbackStatusChanged, ctx: Context) -> None:
        """An idea marked done is shipped on that day, in the community it was filed in
        (the fact's): once per idea, however often it is reopened and done again."""
        if fact.new != SHIPPED or fact.old == SHIPPED:
            return
        day, store = day_of(fact.at), self.store(ctx.tx)
        for scope in self._scopes(ctx, fact.platform, fact.community_id):
            if await store.shipped(scope, fact.idea_id, day):
                store.add(scope, day, "feedback_shipped")
