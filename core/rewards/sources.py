"""XP from what other features tell (their facts), never from their tables: an FAQ entry
rated helpful earns its author ``xp_faq``, a report that led to a resolved (not
dismissed) case earns each reporter ``xp_report``, an attended event earns ``xp_event``.
Each thing is rewarded once (the ledger's ``source``): an entry rated helpful, unrated and
rated again earns its author once per rater, however often the fact repeats. Nobody earns
for rating their own entry. Linked persons (:class:`~core.facts.PersonsLinked`) get one
wallet per scope."""

from __future__ import annotations

from townsquare.core.facts import CaseResolved, EventAttended, FaqRated, PersonsLinked
from townsquare.core.features import Context
from townsquare.core.persons import account_platform
from townsquare.core.refs import CommunityRef
from townsquare.core.rewards.levels import Member, settle
from townsquare.core.rewards.services import Services
from townsquare.core.rewards.settings import RewardsSettings
from townsquare.core.rewards.store import LedgerEntry


async def _reward(
    services: Services,
    ctx: Context,
    community: CommunityRef,
    platform: str,
    user_id: str,
    field: str,
    entry: LedgerEntry,
) -> None:
    settings = await ctx.settings(RewardsSettings, community)
    amount = int(getattr(settings, field))
    if not settings.enabled or amount <= 0 or not user_id:
        return
    scope = services.scope(ctx, community)
    where = community
    if account_platform(platform) != account_platform(community.platform):
        where = CommunityRef(account_platform(platform), community.id)  # only its person counts
    quiet = account_platform(ctx.bot.platform) != account_platform(where.platform) or (
        where is not community
    )
    member = Member(where, user_id, "")
    await services.award(ctx, member, amount, entry, settings=settings, scope=scope, quiet=quiet)


async def faq_rated(services: Services, fact: FaqRated, ctx: Context) -> None:
    community = fact.community
    if not fact.helpful or fact.author_id is None or community is None:
        return
    author_platform = fact.author_platform or fact.platform
    rater = (account_platform(fact.platform), fact.user_id)
    if rater == (account_platform(author_platform), fact.author_id):
        return
    source = f"faq:{fact.entry_id}:{rater[0]}:{fact.user_id}"
    await _reward(
        services,
        ctx,
        community,
        author_platform,
        fact.author_id,
        "xp_faq",
        LedgerEntry("faq", source=source),
    )


async def case_resolved(services: Services, fact: CaseResolved, ctx: Context) -> None:
    community = fact.community
    if fact.dismissed or community is None:
        return
    for reporter in dict.fromkeys(fact.reporter_ids):
        source = f"case:{account_platform(fact.platform)}:{fact.case_id}:{reporter}"
        await _reward(
            services,
            ctx,
            community,
            fact.platform,
            reporter,
            "xp_report",
            LedgerEntry("report", source=source),
        )


async def event_attended(services: Services, fact: EventAttended, ctx: Context) -> None:
    community = fact.community
    if community is None:
        return
    source = f"event:{account_platform(fact.platform)}:{fact.event_id}:{fact.user_id}"
    await _reward(
        services,
        ctx,
        community,
        fact.platform,
        fact.user_id,
        "xp_event",
        LedgerEntry("event", source=source),
    )


async def persons_linked(services: Services, fact: PersonsLinked, ctx: Context) -> None:
    """The two persons' wallets become one in each scope, at the level their XP makes
    together (published as a level change, announced nowhere: nobody wrote anything)."""
    if fact.keep == fact.merged:
        return
    store = services.store(ctx.tx)
    for wallet in await store.fold(fact.keep, fact.merged, ctx.now):
        community = services.community_of(ctx, wallet.scope)
        if community is None:  # a scope no running bot serves: its level waits
            continue
        settings = await ctx.settings(RewardsSettings, community)
        member = Member(community, wallet.user_id, wallet.display_name, wallet.username)
        settled = await settle(ctx, wallet, wallet, settings, member, None, quiet=True)
        if settled != wallet:
            await store.save(settled, ctx.now)
