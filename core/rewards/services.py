"""What the parts of the rewards feature share: the store, the person directory, the dice,
and the few lookups every part makes (whose wallet, in which scope)."""

from __future__ import annotations

import random
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from townsquare.core.features import Context
from townsquare.core.persons import PersonDirectory, account_platform
from townsquare.core.refs import ChannelRef, CommunityRef
from townsquare.core.rewards.levels import Member, level_for, settle
from townsquare.core.rewards.recent import RecentTexts
from townsquare.core.rewards.rules import Economy, Periods
from townsquare.core.rewards.scopes import scope_of
from townsquare.core.rewards.settings import RewardsSettings
from townsquare.core.rewards.store import LedgerEntry, RewardsStore, Wallet

StoreFactory = Callable[[Any], RewardsStore]

_PERSONS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], int]] = weakref.WeakKeyDictionary()
"""Accounts' persons read (or made) ahead for a chunk, per transaction, outside any
feature's savepoint: a person created by a handler that then fails is never kept here."""
_SETTINGS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], RewardsSettings]] = (
    weakref.WeakKeyDictionary()
)
"""The settings read in a transaction, by community."""
_JUDGING: weakref.WeakKeyDictionary[Any, dict[tuple[str, str, str], Judging]] = (
    weakref.WeakKeyDictionary()
)
"""What judging a community's messages takes, per transaction."""


@dataclass(slots=True)
class Judging:
    """What every ordinary message of one community needs, worked out once per transaction
    (:meth:`Services.judging`): its settings, scope and store, the persons read ahead, and
    each channel's multiplier (0: no XP)."""

    settings: RewardsSettings
    economy: Economy
    scope: str
    store: RewardsStore
    persons: dict[tuple[str, str], int]
    """The transaction's accounts read ahead (:meth:`Services.known`)."""
    family: str
    """The community's account platform (:func:`core.persons.account_platform`)."""
    key: tuple[str, str]
    """The community as :attr:`Services.registered` names it."""
    enabled: bool = True
    channels: dict[str, float] = field(default_factory=dict)

    def multiplier(self, channel_id: str) -> float:
        """The channel's XP multiplier, 0 where it gives none (a no-XP channel)."""
        found = self.channels.get(channel_id)
        if found is None:
            settings = self.settings
            found = self.channels[channel_id] = (
                0.0 if settings.quiet(channel_id) else settings.multiplier(channel_id)
            )
        return found


@dataclass
class Services:
    store: StoreFactory
    persons: PersonDirectory
    roll: random.Random = field(default_factory=random.Random)
    registered: set[tuple[str, str]] = field(default_factory=set)
    """Communities known to have their row (and weekly post) already (after commit)."""
    recent: RecentTexts = field(default_factory=RecentTexts)
    cooling: Cooling = field(default_factory=lambda: Cooling())
    """Accounts known to be in their cooldown (:class:`Cooling`)."""
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    """The time a chunk is read ahead at (the pipeline's clock; tests move both)."""
    scopes: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """``(bot, platform, community id) -> scope``: the spaces are the config's."""

    def known(self, tx: Any) -> dict[tuple[str, str], int]:
        found = _PERSONS.get(tx)
        if found is None:
            found = _PERSONS[tx] = {}
        return found

    async def settings(self, ctx: Context) -> RewardsSettings:
        """The event's community's settings, read once per transaction (every message
        needs them; :func:`forget_settings` after changing them)."""
        known = _SETTINGS.get(ctx.tx)
        if known is None:
            known = _SETTINGS[ctx.tx] = {}
        community = ctx.community
        key = (community.platform, community.id)
        found = known.get(key)
        if found is None:
            found = known[key] = await ctx.settings(RewardsSettings)
        return found

    def judged(self, ctx: Context) -> Judging | None:
        """:meth:`judging` if this transaction worked it out already (no coroutine)."""
        known = _JUDGING.get(ctx.tx)
        if known is None:
            return None
        community = ctx.community
        return known.get((ctx.bot.name, community.platform, community.id))

    async def judging(self, ctx: Context) -> Judging:
        """What judging the event's community's messages takes, once per transaction
        (:func:`forget_settings` after changing a setting)."""
        tx, community = ctx.tx, ctx.community
        known = _JUDGING.get(tx)
        if known is None:
            known = _JUDGING[tx] = {}
        key = (ctx.bot.name, community.platform, community.id)
        found = known.get(key)
        if found is None:
            settings = await self.settings(ctx)
            family = account_platform(community.platform)
            found = known[key] = Judging(
                settings,
                settings.economy,
                self.scope(ctx, community),
                self.store(tx),
                self.known(tx),
                family,
                (family, community.id),
                settings.enabled,
            )
        return found

    async def person(self, ctx: Context, platform: str, user_id: str) -> int:
        """The person of the account (created the first time it is asked about)."""
        key = (account_platform(platform), user_id)
        found = self.known(ctx.tx).get(key)
        if found is None:
            found = await self.persons.person_of(ctx.tx, platform, user_id)
        return found

    def scope(self, ctx: Context, community: CommunityRef) -> str:
        """The scope of ``community``, whichever running bot serves it (a fact may come
        through another platform's bot: a case resolved from the managers' inbox)."""
        key = (ctx.bot.name, community.platform, community.id)
        found = self.scopes.get(key)
        if found is None:
            found = self.scopes[key] = self._scope(ctx, community)
        return found

    def _scope(self, ctx: Context, community: CommunityRef) -> str:
        space = ctx.spaces.of(ctx.bot.name, community.id)
        if space is None and ctx.spaces.spaces:
            family = account_platform(community.platform)
            for candidate in ctx.spaces.spaces:
                for place in candidate.places:
                    info = ctx.bots.get(place.bot)
                    if (
                        info is not None
                        and place.community_id == community.id
                        and account_platform(info.platform) == family
                    ):
                        return scope_of(candidate, community)
        return scope_of(space, community)

    def community_of(self, ctx: Context, scope: str) -> CommunityRef | None:
        """A community a running bot serves whose settings are ``scope``'s economy: a
        space's first community, or the scope's community (None if no bot serves it)."""
        platforms = {name: info.platform for name, info in ctx.bots.items()}
        platforms.setdefault(ctx.bot.name, ctx.bot.platform)
        if scope.startswith("space:"):
            name = scope.removeprefix("space:")
            for space in ctx.spaces.spaces:
                if space.name == name:
                    for place in space.places:
                        if place.bot in platforms:
                            return CommunityRef(platforms[place.bot], place.community_id)
            return None
        family, _, community_id = scope.partition(":")
        for platform in sorted(set(platforms.values())):
            if account_platform(platform) == family:
                return CommunityRef(platform, community_id)
        return None

    async def award(
        self,
        ctx: Context,
        member: Member,
        delta: int,
        entry: LedgerEntry,
        *,
        channel: ChannelRef | None = None,
        settings: RewardsSettings | None = None,
        scope: str | None = None,
        quiet: bool = False,
    ) -> Wallet | None:
        """Add ``delta`` XP (negative takes, never below zero) to ``member``'s wallet at
        once, with its ledger row, level change and role rewards; None if ``entry``'s
        source was rewarded before. Call before this handler writes anything else: what
        ordinary messages left pending is written first. ``scope``: the wallet's, if not
        ``member.community``'s; ``quiet``: as :func:`core.rewards.levels.settle`."""
        store = self.store(ctx.tx)
        await store.flush()
        settings = settings or await ctx.settings(RewardsSettings, member.community)
        person = await self.person(ctx, member.community.platform, member.user_id)
        scope = scope or self.scope(ctx, member.community)
        wallet = await store.wallet(scope, person, lock=True)
        if not member.display_name:
            member = replace(member, display_name=wallet.display_name or member.user_id)
        named = _named(wallet, member)
        after = replace(
            named, xp=max(0, wallet.xp + delta), periods=wallet.periods.add(delta, ctx.now)
        )
        after = replace(after, level=level_for(after, settings))
        if not await store.adjust(after, after.xp - wallet.xp, entry, ctx.now):
            return None
        settled = await settle(ctx, wallet, after, settings, member, channel, quiet=quiet)
        if settled != after:
            await store.save(settled, ctx.now)
        return settled

    async def reset(
        self,
        ctx: Context,
        member: Member,
        entry: LedgerEntry,
        channel: ChannelRef | None,
        *,
        settings: RewardsSettings | None = None,
        scope: str | None = None,
        quiet: bool = False,
    ) -> Wallet:
        """XP and level back to zero, at once, with a ledger row (``settings``, ``scope``
        and ``quiet`` as :meth:`award`)."""
        store = self.store(ctx.tx)
        await store.flush()
        settings = settings or await ctx.settings(RewardsSettings, member.community)
        person = await self.person(ctx, member.community.platform, member.user_id)
        scope = scope or self.scope(ctx, member.community)
        wallet = await store.wallet(scope, person, lock=True)
        after = replace(
            _named(wallet, member),
            xp=0,
            level=0,
            next_xp_at=None,
            miss=None,
            digest=None,
            periods=Periods(),
        )
        await store.reset(after, entry, ctx.now)
        ctx.after_commit(self.cooling.clear)  # the member may earn at once again
        settled = await settle(ctx, wallet, after, settings, member, channel, quiet=quiet)
        if settled != after:
            await store.save(settled, ctx.now)
        return settled


class Cooling:
    """The accounts this process saw earn XP, until their cooldown ends: a message of one
    of them (most messages: a member writes several a minute) is passed over with no
    person, settings or wallet looked up, and a chunk of only such messages costs no
    statement. ``(bot, community id, user id) -> when the cooldown ends``, set once a
    grant commits.

    It only ever passes messages over: a grant is still decided from the wallet read from
    the database, so several processes never grant twice in one cooldown, whatever each
    remembers. What it can get wrong: after ``/xp reset`` or a shorter ``cooldown`` in
    another process, this one passes a member over until the cooldown it remembers ends
    (in this process both forget everything: :func:`forget_settings`)."""

    LIMIT = 100_000

    def __init__(self) -> None:
        self._until: dict[tuple[str, str, str], datetime] = {}
        _COOLINGS.add(self)

    def cooling(self, bot: str, community_id: str, user_id: str, now: datetime) -> bool:
        until = self._until.get((bot, community_id, user_id))
        return until is not None and now < until

    def granted(
        self, bot: str, community_id: str, user_id: str, until: datetime, now: datetime
    ) -> None:
        if len(self._until) >= self.LIMIT:
            self._until = {key: at for key, at in self._until.items() if now < at}
            if len(self._until) >= self.LIMIT:
                self._until.clear()
        self._until[(bot, community_id, user_id)] = until

    def clear(self) -> None:
        self._until.clear()


_COOLINGS: weakref.WeakSet[Cooling] = weakref.WeakSet()
"""Every runtime's, so that a settings change clears them (:func:`forget_settings`)."""


def _named(wallet: Wallet, member: Member) -> Wallet:
    """The wallet naming ``member``'s account where it names none yet."""
    if wallet.user_id:
        return wallet
    return replace(
        wallet,
        platform=account_platform(member.community.platform),
        user_id=member.user_id,
        display_name=member.display_name,
        username=member.username,
    )


def forget_settings(ctx: Context) -> None:
    """After ``/levels`` changed a setting: the next read in this transaction reads it
    (and, once it commits, nobody is passed over for a cooldown it may have shortened)."""
    _SETTINGS.pop(ctx.tx, None)
    _JUDGING.pop(ctx.tx, None)
    ctx.after_commit(_forget_cooldowns)


def _forget_cooldowns() -> None:
    for cooling in list(_COOLINGS):
        cooling.clear()
