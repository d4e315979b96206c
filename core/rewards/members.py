"""``/rank``, ``/top`` and the leaderboard's buttons: what members run."""

from __future__ import annotations

from townsquare.core.actions import EditMessage
from townsquare.core.events import CommandIssued
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.persons import account_platform
from townsquare.core.rewards import rules
from townsquare.core.rewards.ranking import (
    PAGE,
    Rank,
    TopPage,
    board_buttons,
    board_key,
    board_of,
    board_text,
    rank_text,
    send_rank,
)
from townsquare.core.rewards.services import Services
from townsquare.core.rewards.settings import RewardsSettings
from townsquare.core.rewards.thanking import Receiver
from townsquare.core.rewards.thanks import mentioned

PERIOD_WORDS = {
    "week": rules.Period.WEEK,
    "w": rules.Period.WEEK,
    "settimana": rules.Period.WEEK,
    "неделя": rules.Period.WEEK,
    "month": rules.Period.MONTH,
    "m": rules.Period.MONTH,
    "mese": rules.Period.MONTH,
    "месяц": rules.Period.MONTH,
    "all": rules.Period.ALL,
    "tutto": rules.Period.ALL,
    "всё": rules.Period.ALL,
    "все": rules.Period.ALL,
}
OFF = _("Levels and reputation are off in this community.")


async def target_of(services: Services, ctx: Context, raw: str | None) -> Receiver | None:
    """The member a command names: its argument (``<@id>``, ``@username``, an id), else
    the author of the message it replies to, else the caller."""
    event = ctx.event
    assert isinstance(event, CommandIssued) and event.actor is not None
    platform = account_platform(event.platform)
    if raw:
        ids, handles = mentioned(raw)
        if ids:
            return Receiver(ids[0], ids[0], platform)
        if handles:
            scope = services.scope(ctx, ctx.community)
            wallet = await services.store(ctx.tx).by_handle(scope, handles[0])
            if wallet is None:
                return None
            return Receiver(wallet.user_id, wallet.display_name, wallet.platform, wallet.username)
        text = raw.strip()
        return Receiver(text, text, platform) if text.isalnum() and text.isascii() else None
    who = event.reply_to_author if event.reply_to_author is not None else event.actor
    return Receiver(who.user_id, who.display_name, platform, who.username)


async def rank(services: Services, ctx: Context, raw: str | None) -> None:
    tr = ctx.tr
    store = services.store(ctx.tx)
    await store.flush()  # before anything of this handler is written
    settings = await ctx.settings(RewardsSettings)
    if not settings.enabled:
        ctx.respond(tr(OFF))
        return
    target = await target_of(services, ctx, raw)
    event = ctx.event
    assert event.actor is not None
    if target is None:
        ctx.respond(tr(_("I know no member {name} here."), name=(raw or "")[:64]))
        return
    community = ctx.community
    scope = services.scope(ctx, community)
    person = await services.person(ctx, target.platform, target.user_id)
    wallet = await store.wallet(scope, person)
    position, members = await store.position(scope, wallet.xp)
    own = person == await services.person(ctx, event.platform, event.actor.user_id)
    name = target.display_name if target.display_name != target.user_id else wallet.display_name
    space = ctx.space
    found = Rank(
        name=name or target.user_id,
        wallet=wallet,
        progress=rules.progress(settings.curve, wallet.xp, settings.level_xp),
        position=position if wallet.xp > 0 else None,
        members=members,
        community=space.name if space is not None else community.title or community.id,
    )
    await send_rank(ctx, found, rank_text(found, tr, own=own, now=ctx.now))


def period_of(raw: str | None) -> rules.Period | None:
    if not raw:
        return rules.Period.ALL
    return PERIOD_WORDS.get(raw.strip().lower())


async def top(services: Services, ctx: Context, raw: str | None) -> None:
    tr = ctx.tr
    period = period_of(raw)
    if period is None:
        ctx.respond(tr(_("Choose week, month or all: /top week")))
        return
    settings = await ctx.settings(RewardsSettings)
    if not settings.enabled:
        ctx.respond(tr(OFF))
        return
    event = ctx.event
    assert event.channel is not None
    scope = services.scope(ctx, ctx.community)
    standings, members = await services.store(ctx.tx).board(scope, period, ctx.now, 0, PAGE)
    board = board_of(event.event_id)
    ctx.reply(
        board_text(standings, members, period, 0, tr),
        board_buttons(board, period, 0, members, tr),
        key=board_key(event.channel.id, board),
    )


async def page(services: Services, data: TopPage, ctx: Context) -> None:
    """A leaderboard button: the message shows the page asked for (the last one, if the
    board got shorter meanwhile)."""
    event, tr = ctx.press, ctx.tr
    if event.channel is None or event.community is None:
        ctx.answer()
        return
    scope = services.scope(ctx, event.community)
    store = services.store(ctx.tx)
    wanted = data.page
    standings, members = await store.board(scope, data.period, ctx.now, wanted * PAGE, PAGE)
    last = max(0, -(-members // PAGE) - 1)
    if wanted > last:
        wanted = last
        standings, members = await store.board(scope, data.period, ctx.now, wanted * PAGE, PAGE)
    ctx.emit(
        EditMessage(
            bot=ctx.bot.name,
            key=board_key(event.channel.id, data.board),
            text=board_text(standings, members, data.period, wanted, tr),
            buttons=board_buttons(data.board, data.period, wanted, members, tr),
        )
    )
    ctx.answer()
