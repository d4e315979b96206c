"""``/xp give|take <n> [member]`` and ``/xp reset [member]``: managers change a member's
XP, each change a ledger row naming the manager.

The member is named (``<@id>`` as Discord and Slack write a mention, ``@username``, or a
platform id) or, where the platform has replies, the author of the message the command
replies to: Discord's slash commands cannot reply, so there the member is an option.
A named member must have a wallet in the caller's scope (they earned or were given XP
here before): an id from elsewhere answers as an unknown member would, and nobody gets a
wallet here by being named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from townsquare.core.events import CommandIssued
from townsquare.core.features import Context
from townsquare.core.i18n import Translator, _
from townsquare.core.persons import account_platform
from townsquare.core.refs import CommunityRef
from townsquare.core.rewards.levels import Member
from townsquare.core.rewards.ranking import number
from townsquare.core.rewards.services import Services
from townsquare.core.rewards.settings import RewardsSettings
from townsquare.core.rewards.store import LedgerEntry
from townsquare.core.rewards.thanks import mentioned
from townsquare.core.text import bold, compose

MAX_GIVE = 1_000_000
HOW = _(
    "Name the member or reply to their message: /xp give 50 @member, /xp take 50 @member "
    "or /xp reset @member."
)
UNKNOWN = _("I know no member {name} here.")


@dataclass(frozen=True, slots=True)
class Target:
    member: Member
    entry_by: dict[str, str]
    scope: str
    quiet: bool = False
    """The member's account is on another platform of the space than the caller's: their
    roles there follow at their next message there."""


def _amount(raw: str) -> int | None:
    text = raw.strip().replace(",", "").replace("_", "")
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_GIVE:
        return None
    return int(text)


async def _named(services: Services, ctx: Context, raw: str) -> Member | None:
    """The member ``raw`` names, if they have a wallet in the caller's scope."""
    event = ctx.event
    platform = account_platform(event.platform)
    scope = services.scope(ctx, ctx.community)
    store = services.store(ctx.tx)
    ids, handles = mentioned(raw)
    if ids:
        user_id, where = ids[0], platform
    elif handles:
        found = await store.by_handle(scope, handles[0])
        if found is None:
            return None
        user_id, where = found.user_id, found.platform
    else:
        user_id, where = raw.strip(), platform
        if not (user_id.isascii() and user_id.isalnum()):
            return None
    persons = await services.persons.persons_of(ctx.tx, where, [user_id], create=False)
    person = persons.get(user_id)
    if person is None:
        return None
    wallet = await store.wallet(scope, person)
    if not wallet.user_id:  # no wallet here: not a member this scope knows
        return None
    name = wallet.display_name if wallet.user_id == user_id else ""
    community = ctx.community
    if where != platform:  # only the account's person counts (as for facts)
        community = CommunityRef(where, community.id)
    username = wallet.username if wallet.user_id == user_id else None
    return Member(community, user_id, name or user_id, username)


async def target(services: Services, ctx: Context, raw: str | None) -> Target | None:
    """The member the command is about (named, else replied to), or None once the caller
    is told why there is none."""
    event = ctx.event
    assert isinstance(event, CommandIssued) and event.actor is not None
    tr = ctx.tr
    if raw and raw.strip():
        member = await _named(services, ctx, raw)
        if member is None:
            ctx.respond(tr(UNKNOWN, name=raw.strip()[:64]))
            return None
    else:
        replied = event.reply_to_author
        if replied is None:
            if event.reply_to is None:
                ctx.respond(tr(HOW))
            else:
                ctx.respond(tr(_("I do not know who wrote that message; reply to a newer one.")))
            return None
        if replied.is_bot:
            ctx.respond(tr(_("Bots have no levels.")))
            return None
        member = Member(ctx.community, replied.user_id, replied.display_name, replied.username)
    by = {
        "by_platform": account_platform(event.platform),
        "by_user_id": event.actor.user_id,
        "by_name": event.actor.display_name,
    }
    quiet = account_platform(member.community.platform) != account_platform(event.platform)
    return Target(member, by, services.scope(ctx, ctx.community), quiet)


async def change(services: Services, ctx: Context, raw: str, member: str | None, sign: int) -> None:
    """``/xp give|take``; the amount and the member in either order (``/xp give @bob 50``
    reads as ``/xp give 50 @bob``)."""
    tr = ctx.tr
    amount = _amount(raw)
    if amount is None and member is not None and _amount(member) is not None:
        amount, member = _amount(member), raw
    if amount is None:
        ctx.respond(tr(_("Give a whole number from {low} to {high}."), low=1, high=MAX_GIVE))
        return
    found = await target(services, ctx, member)
    if found is None:
        return
    kind = "give" if sign > 0 else "take"
    wallet = await services.award(
        ctx,
        found.member,
        sign * amount,
        LedgerEntry(kind, **found.entry_by),
        channel=ctx.event.channel,
        settings=await ctx.settings(RewardsSettings),
        scope=found.scope,
        quiet=found.quiet,
    )
    assert wallet is not None  # a manager's change has no source: it always applies
    sentence = (
        _("{manager} gave {member} {n} XP: now {xp} XP, level {level}.")
        if sign > 0
        else _("{manager} took {n} XP from {member}: now {xp} XP, level {level}.")
    )
    ctx.reply(_said(tr, sentence, found, number(tr, amount), wallet.xp, wallet.level))


async def reset(services: Services, ctx: Context, member: str | None) -> None:
    tr = ctx.tr
    found = await target(services, ctx, member)
    if found is None:
        return
    store = services.store(ctx.tx)
    await store.flush()
    entry = LedgerEntry("reset", **found.entry_by)
    person = await services.person(ctx, found.member.community.platform, found.member.user_id)
    before = await store.wallet(found.scope, person)
    await services.reset(
        ctx,
        found.member,
        entry,
        ctx.event.channel,
        settings=await ctx.settings(RewardsSettings),
        scope=found.scope,
        quiet=found.quiet,
    )
    ctx.reply(
        compose(
            tr(
                _("{manager} reset the XP of {member} (it was {xp} XP, level {level})."),
                xp=number(tr, before.xp),
                level=before.level,
                manager="{manager}",
                member="{member}",
            ),
            manager=bold(found.entry_by["by_name"]),
            member=bold(found.member.display_name),
        )
    )


def _said(tr: Translator, sentence: str, found: Target, n: str, xp: int, level: int) -> Any:
    return compose(
        tr(sentence, n=n, xp=number(tr, xp), level=level, manager="{manager}", member="{member}"),
        manager=bold(found.entry_by["by_name"]),
        member=bold(found.member.display_name),
    )
