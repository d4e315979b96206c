"""``/rank``, ``/top`` and the weekly post: what a wallet and a leaderboard look like.

``/rank`` answers with the rank card (a PNG, :mod:`core.rewards.card`) where the platform
shows files (:attr:`~core.capabilities.Capability.FILES`), its text as the caption, and
with the text alone elsewhere. A member's own ``/rank`` also says why their messages
earn nothing at the moment: the cooldown (worked out from the wallet) or the reason the
last message that could have earned did not.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, ClassVar

from babel.numbers import format_decimal

from townsquare.core.actions import Button, ButtonRows, SendFile
from townsquare.core.buttons import MaxLen, Payload
from townsquare.core.capabilities import Capability
from townsquare.core.features import Context
from townsquare.core.i18n import Translator, _
from townsquare.core.rewards import rules
from townsquare.core.rewards.card import CardLabels, RankCard, render_rank_card
from townsquare.core.rewards.store import Standing, Wallet
from townsquare.core.text import Text, TextLike, bold, compose, lines

PAGE = 10
WEEKLY_TOP = 5

MISSES = {
    rules.Miss.CHANNEL: _("this channel gives no XP"),
    rules.Miss.TOO_SHORT: _("the message was too short"),
    rules.Miss.REPEATED: _("it repeated a message of yours that already earned XP"),
    rules.Miss.COPIED: _("it copied a message that already earned XP"),
    rules.Miss.COOLDOWN: _("it came during the cooldown"),
}
PERIODS = {
    rules.Period.WEEK: _("this week"),
    rules.Period.MONTH: _("this month"),
    rules.Period.ALL: _("all time"),
    rules.Period.LAST_WEEK: _("last week"),
}
PERIOD_BUTTONS = {
    rules.Period.WEEK: _("Week"),
    rules.Period.MONTH: _("Month"),
    rules.Period.ALL: _("All time"),
}


@dataclass(frozen=True, slots=True)
class TopPage(Payload):
    """A leaderboard's page button: ``top:<board>:<period>:<page>``. ``board`` names the
    message (its outbox key is ``top:<channel>:<board>``), so a press edits only a
    leaderboard posted in the channel it was pressed in."""

    prefix: ClassVar[str] = "top"
    board: Annotated[str, MaxLen(12)]
    period: rules.Period
    page: Annotated[int, MaxLen(4)]


def board_of(event_id: str) -> str:
    return hashlib.blake2b(event_id.encode("utf-8"), digest_size=6).hexdigest()


def board_key(channel_id: str, board: str) -> str:
    return f"top:{channel_id[:100]}:{board}"


def number(tr: Translator, value: int) -> str:
    return str(format_decimal(value, locale=tr.language))


@dataclass(frozen=True, slots=True)
class Rank:
    """Everything ``/rank`` shows."""

    name: str
    wallet: Wallet
    progress: rules.Progress
    position: int | None
    members: int
    community: str


def rank_text(rank: Rank, tr: Translator, *, own: bool, now: datetime) -> Text:
    progress = rank.progress
    parts: list[TextLike] = [
        compose(
            tr(_("{member} — level {level}"), level=number(tr, progress.level), member="{member}"),
            member=bold(rank.name),
        ),
        tr(
            _("{xp} XP · {done} / {step} XP to level {next}"),
            xp=number(tr, progress.xp),
            done=number(tr, progress.xp - progress.floor),
            step=number(tr, progress.next_at - progress.floor),
            next=number(tr, progress.level + 1),
        ),
        tr(_("Reputation: {n}"), n=number(tr, rank.wallet.reputation)),
    ]
    if rank.position is not None:
        parts.insert(
            2,
            tr(
                _("Rank #{position} of {members}"),
                position=number(tr, rank.position),
                members=number(tr, rank.members),
            ),
        )
    if own:
        parts.extend(why_not(rank.wallet, tr, now))
    return lines(*parts)


def why_not(wallet: Wallet, tr: Translator, now: datetime) -> list[str]:
    """Why the member's messages earn nothing right now, if they do not."""
    reasons = []
    if wallet.next_xp_at is not None and now < wallet.next_xp_at:
        seconds = max(1, int((wallet.next_xp_at - now).total_seconds()))
        reasons.append(
            tr.plural(
                _("Cooldown: your next message earns XP in {n} second."),
                _("Cooldown: your next message earns XP in {n} seconds."),
                seconds,
            )
        )
    if wallet.miss is not None:
        try:
            reason = tr(MISSES[rules.Miss(wallet.miss)])
        except ValueError:
            reason = wallet.miss
        reasons.append(tr(_("Your last message earned no XP: {reason}."), reason=reason))
    return reasons


async def send_rank(ctx: Context, rank: Rank, text: Text) -> None:
    """The card with the text as caption where the platform shows files, else the text."""
    event = ctx.event
    if not ctx.can(Capability.FILES) or event.channel is None:
        ctx.respond(text)
        return
    card = RankCard(
        display_name=rank.name,
        level=rank.progress.level,
        xp=rank.progress.xp,
        level_floor=rank.progress.floor,
        next_level_at=rank.progress.next_at,
        position=rank.position,
        members=rank.members,
        reputation=rank.wallet.reputation,
        community=rank.community,
        labels=CardLabels.translated(ctx.tr),
    )
    png = await asyncio.to_thread(render_rank_card, card)
    ctx.emit(
        SendFile(
            bot=ctx.bot.name,
            filename="rank.png",
            data=png,
            mime_type="image/png",
            caption=text,
            channel=event.channel,
        )
    )


def board_text(
    standings: list[Standing],
    members: int,
    period: rules.Period,
    page: int,
    tr: Translator,
) -> Text:
    pages = max(1, -(-members // PAGE))
    head = bold(tr(_("🏆 Leaderboard — {period}"), period=tr(PERIODS[period])))
    if not standings:
        return lines(head, tr(_("Nobody has earned XP here yet.")))
    rows = [
        compose(
            "{place}. {name} — {xp}",
            place=number(tr, page * PAGE + index + 1),
            name=bold(standing.display_name or "?"),
            xp=tr(
                _("{xp} XP (level {level})"),
                xp=number(tr, standing.xp),
                level=number(tr, standing.level),
            ),
        )
        for index, standing in enumerate(standings)
    ]
    footer = tr(_("Page {page} of {pages}"), page=page + 1, pages=pages)
    return lines(head, *rows, footer)


def board_buttons(
    board: str, period: rules.Period, page: int, members: int, tr: Translator
) -> ButtonRows:
    pages = max(1, -(-members // PAGE))
    moves: list[Button] = []
    if page > 0:
        moves.append(Button("◀", TopPage(board, period, page - 1).pack()))
    if page + 1 < pages:
        moves.append(Button("▶", TopPage(board, period, page + 1).pack()))
    periods = tuple(
        Button(tr(label), TopPage(board, other, 0).pack())
        for other, label in PERIOD_BUTTONS.items()
        if other is not period
    )
    return tuple(row for row in (tuple(moves), periods) if row)


def weekly_text(standings: list[Standing], tr: Translator) -> Text:
    """The weekly post: last week's top members."""
    rows = [
        compose(
            "{place}. {name} — {xp}",
            place=str(index + 1),
            name=bold(standing.display_name or "?"),
            xp=tr(_("{xp} XP"), xp=number(tr, standing.xp)),
        )
        for index, standing in enumerate(standings)
    ]
    return lines(
        bold(tr(_("🏆 Top contributors this week"))),
        *rows,
        tr(_("Thank you all! /top shows the whole leaderboard.")),
    )
