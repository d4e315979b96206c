"""XP for ordinary messages: read ahead per chunk, judged by :mod:`core.rewards.rules`,
written at the chunk's end.

Cost, per chunk of messages: one read of the authors' persons (the people directory's)
and one of their wallets, on PostgreSQL for update (:func:`prepare`; accounts never seen
cost two statements more, making their persons).
A message in its cooldown (most of them: a member writes several messages a minute) then
costs no statement at all and records nothing: the cooldown is worked out from the wallet
when ``/rank`` asks. Any other reason a message earned nothing is stored only when it
differs from the last one; what messages earn is written in one statement per chunk. A
repeat is checked against the wallet, a copy against the texts that earned lately
(:mod:`core.rewards.recent`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from townsquare.core.events import Event, MessagePosted
from townsquare.core.features import Context
from townsquare.core.persons import account_platform
from townsquare.core.rewards import rules
from townsquare.core.rewards.levels import Member, settle
from townsquare.core.rewards.services import Cooling, Judging, Services
from townsquare.core.rewards.store import Wallet

WEEKLY_JOB = "rewards.weekly"


def ordinary(event: Event) -> bool:
    """A message that may earn XP: a member's, in a community's channel, not a command."""
    if not isinstance(event, MessagePosted):
        return False
    actor, channel = event.actor, event.channel
    return (
        actor is not None
        and not actor.is_bot
        and event.community is not None
        and channel is not None
        and not channel.is_direct
        and not rules.is_command(event.text)
    )


async def prepare(services: Services, events: Sequence[Event], tx: Any) -> None:
    """Read what the chunk's ordinary messages need: their authors' persons (from the
    person directory, which makes those of accounts never seen) and wallets (on
    PostgreSQL for update, in the same read)."""
    now = services.now()
    cooling = services.cooling
    users: dict[str, set[str]] = {}
    for event in events:
        if ordinary(event) and not _passed_over(cooling, event, now):  # type: ignore[arg-type]
            assert event.actor is not None
            users.setdefault(account_platform(event.platform), set()).add(event.actor.user_id)
    if not users:
        return  # nothing, or only members this process knows are in their cooldown
    known = services.known(tx)
    for platform, ids in users.items():  # one read a platform (and two to make new ones)
        wanted = [user_id for user_id in ids if (platform, user_id) not in known]
        if wanted:
            found = await services.persons.persons_of(tx, platform, wanted)
            known.update(((platform, user_id), person) for user_id, person in found.items())
    await services.store(tx).preload(known.values())


def _passed_over(cooling: Cooling, event: MessagePosted, now: datetime) -> bool:
    """The author earned in this community lately (this process saw it commit)."""
    assert event.actor is not None and event.community is not None
    return cooling.cooling(event.bot, event.community.id, event.actor.user_id, now)


async def posted(services: Services, event: MessagePosted, ctx: Context) -> None:
    """Judge an ordinary message and keep what it earns for the chunk's end.

    The order is what keeps it cheap: the cooldown and the channel are decided from the
    wallet read ahead before the text is looked at, and the text is fingerprinted only
    if it is long enough to earn."""
    if not ordinary(event) or _passed_over(services.cooling, event, ctx.now):
        return  # the common case: the member earned a moment ago (no read, no write)
    judging = services.judged(ctx) or await services.judging(ctx)
    if not judging.enabled:
        return  # rewards are off in this community
    actor, channel, now = event.actor, event.channel, ctx.now
    assert actor is not None and channel is not None
    store, scope, family = judging.store, judging.scope, account_platform(event.platform)
    person = judging.persons.get((family, actor.user_id))
    wallet = None if person is None else store.cached(scope, person, lock=True)
    locked = wallet is not None  # read ahead (for update, where that matters)
    if wallet is None:
        person, wallet = await _wallet_of(services, ctx, judging, family, actor.user_id)
    multiplier = judging.multiplier(channel.id)
    closed = rules.gate(now, next_at=wallet.next_xp_at, quiet=False, multiplier=multiplier)
    if closed is not None:
        if closed is not rules.Miss.COOLDOWN and wallet.miss != closed.value:
            await store.missed(replace(wallet, miss=closed.value), now)
        return  # in its cooldown (the common case): nothing read, nothing written
    economy = judging.economy
    normalised = rules.normalise(event.text)
    seen_by = text = None
    if not rules.too_short(normalised, economy.min_length):
        text = rules.digest(normalised)
        if not locked:
            wallet = await store.wallet(scope, wallet.person_id, lock=True)
        seen_by = _seen_by(services, ctx.tx, wallet, text, now)
    verdict = rules.judge(  # the cooldown again: the wallet read for update may differ
        rules.Message(event.text, now, channel.id, event.reply_to_text),
        economy,
        next_at=wallet.next_xp_at,
        multiplier=multiplier,
        quiet=False,
        seen_by=seen_by,
        roll=services.roll,
        normalised=normalised,
        digested=text,
    )
    match verdict:
        case rules.Missed(reason):
            if reason is not rules.Miss.COOLDOWN and wallet.miss != reason.value:
                await store.missed(replace(wallet, miss=reason.value), now)
        case rules.Earned(gained, next_at, text_digest):
            earned = Wallet(  # built, not replace()d: every earning message passes here
                scope=wallet.scope,
                person_id=wallet.person_id,
                xp=wallet.xp + gained,
                level=wallet.level,
                reputation=wallet.reputation,
                next_xp_at=next_at,
                miss=None,
                digest=text_digest,
                periods=wallet.periods.add(gained, now),
                display_name=actor.display_name,
                platform=family,
                user_id=actor.user_id,
                username=actor.username,
                synced=wallet.synced,
            )
            await _earned(services, event, ctx, judging, wallet, earned, text_digest)


def _seen_by(services: Services, tx: Any, wallet: Wallet, text: str, now: datetime) -> bool | None:
    """Whether the text earned lately in the wallet's scope: True by its owner (their last
    earning text, or one this process saw), False by someone else, None if not."""
    owner = services.recent.owner(tx, wallet.scope, text, now)
    if wallet.digest == text or owner == wallet.person_id:
        return True
    return None if owner is None else False


async def _wallet_of(
    services: Services, ctx: Context, judging: Judging, family: str, user_id: str
) -> tuple[int, Wallet]:
    """The account's person and wallet where the chunk did not read them ahead."""
    person = judging.persons.get((family, user_id))
    if person is None:
        person = await services.person(ctx, family, user_id)
    return person, await judging.store.wallet(judging.scope, person)


async def _earned(
    services: Services,
    event: MessagePosted,
    ctx: Context,
    judging: Judging,
    wallet: Wallet,
    earned: Wallet,
    text_digest: str,
) -> None:
    """Keep what a message earned (``wallet`` before, ``earned`` after) for the chunk's
    end, with what follows from it: a level change (announced and published) and the roles
    it brings, the community's weekly post scheduled the first time, the text and the
    cooldown remembered once the grant commits."""
    actor, channel, community, now = event.actor, event.channel, ctx.community, ctx.now
    assert actor is not None and channel is not None and earned.next_xp_at is not None
    settings, next_at = judging.settings, earned.next_xp_at
    level = rules.level_of(settings.curve, earned.xp, settings.level_xp, near=wallet.level)
    if level != wallet.level or settings.roles:  # else settle() would change nothing
        member = Member(community, actor.user_id, actor.display_name, actor.username)
        earned = await settle(ctx, wallet, earned, settings, member, channel)
    if judging.key not in services.registered:
        await _register(services, ctx, channel.id, settings)
    recent, tx, scope, person = services.recent, ctx.tx, judging.scope, wallet.person_id
    recent.add(tx, scope, text_digest, person)
    cooling, bot, community_id, user_id = services.cooling, event.bot, community.id, actor.user_id

    def committed() -> None:
        recent.commit(scope, text_digest, person, now)
        cooling.granted(bot, community_id, user_id, next_at, now)

    ctx.after_commit(committed)
    # Applied last: written with the chunk's other grants, so nothing of this message may
    # fail after it.
    await judging.store.earn(earned, now)


async def _register(services: Services, ctx: Context, channel_id: str, settings: Any) -> None:
    """The first XP earned in a community schedules its weekly post (once per process)."""
    community = ctx.community
    key = (account_platform(community.platform), community.id)
    if key in services.registered:
        return
    store = services.store(ctx.tx)
    if await store.register(key[0], community.id, channel_id, ctx.now) and settings.weekly:
        await schedule_weekly(ctx, community.platform, community.id, channel_id)
    ctx.after_commit(lambda: services.registered.add(key))


async def schedule_weekly(ctx: Context, platform: str, community_id: str, channel_id: str) -> None:
    await ctx.tx.schedule(
        kind=WEEKLY_JOB,
        due_at=rules.next_weekly(ctx.now),
        platform=platform,
        bot=ctx.bot.name,
        payload={"channel": channel_id},
        community_id=community_id,
        channel_id=channel_id,
        key=weekly_key(platform, community_id),
        now=ctx.now,
    )


def weekly_key(platform: str, community_id: str) -> str:
    return f"rewards-weekly:{account_platform(platform)}:{community_id}"[:128]
