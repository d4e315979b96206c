"""What follows a wallet's change of XP: its level, the level-up announcement, the facts
other features hear (:class:`~core.facts.MemberLevelledUp` /
:class:`~core.facts.MemberLevelledDown`) and the role rewards of the community it happened
in.

A level-up is announced once, where the community chose (:class:`Announce`), in the same
transaction that stores the XP. Role rewards follow the level in each community of the
scope with a platform that has member roles (Discord roles, Slack user groups): the wallet
remembers, per community, the level its roles were last given for (``synced``), so a
member who levelled up on Telegram gets their Discord role at their next message there,
and a demotion takes away what the lower level does not carry. Telegram groups have no
member roles: the level shows in ``/rank`` and the announcements.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from townsquare.core.actions import GiveRole, SendDirect, SendMessage, TakeRole
from townsquare.core.capabilities import Capability
from townsquare.core.facts.rewards import MemberLevelledDown, MemberLevelledUp
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.persons import account_platform
from townsquare.core.refs import ChannelRef, CommunityRef
from townsquare.core.refusals import refusable
from townsquare.core.rewards import rules
from townsquare.core.rewards.scopes import community_key
from townsquare.core.rewards.settings import Announce, RewardsSettings
from townsquare.core.rewards.store import Wallet
from townsquare.core.text import bold, compose, mention

LEVELLED_UP = _("🎉 {member} reached level {level}!")
ROLE_REASON = _("Level {level} reward")


@dataclass(frozen=True, slots=True)
class Member:
    """The account a change is about, in the community it happened in."""

    community: CommunityRef
    user_id: str
    display_name: str
    username: str | None = None


def level_for(wallet: Wallet, settings: RewardsSettings) -> int:
    return rules.level_of(settings.curve, wallet.xp, settings.level_xp)


def role_capable(ctx: Context, bot: str) -> bool:
    info = ctx.bots.get(bot) or (ctx.bot if ctx.bot.name == bot else None)
    return info is not None and bool({Capability.ROLES, Capability.USER_GROUPS} & info.capabilities)


async def settle(
    ctx: Context,
    before: Wallet,
    after: Wallet,
    settings: RewardsSettings,
    member: Member,
    channel: ChannelRef | None,
    *,
    quiet: bool = False,
) -> Wallet:
    """``after`` with its level worked out and its roles in ``member.community`` synced;
    the level change published and announced (call before storing it: nothing here may
    fail once the wallet is stored). ``quiet``: the bot handling this does not serve the
    member's community (a fact from another platform): published only; the roles follow
    at the member's next message there."""
    level = level_for(after, settings)
    if level != after.level:
        after = replace(after, level=level)
    if level != before.level:
        _publish(ctx, before, after, member)
        if level > before.level and not quiet:
            await _announce(ctx, level, settings, member, channel)
    if quiet:
        return after
    return await sync_roles(ctx, after, settings, member)


def _publish(ctx: Context, before: Wallet, after: Wallet, member: Member) -> None:
    space = after.scope.removeprefix("space:") if after.scope.startswith("space:") else None
    kind = MemberLevelledUp if after.level > before.level else MemberLevelledDown
    ctx.publish(
        kind(
            platform=account_platform(member.community.platform),
            community_id=member.community.id,
            at=ctx.now,
            scope=space,
            person_id=after.person_id,
            user_id=member.user_id,
            level=after.level,
            previous=before.level,
        )
    )


async def _announce(
    ctx: Context,
    level: int,
    settings: RewardsSettings,
    member: Member,
    channel: ChannelRef | None,
) -> None:
    tr = await ctx.translator_of(member.community.platform, member.community.id)
    text = compose(
        tr(LEVELLED_UP),
        member=mention(member.user_id, member.display_name),
        level=bold(str(level)),
    )
    match settings.announce:
        case Announce.CHANNEL:
            if channel is not None and not channel.is_direct:
                ctx.emit(SendMessage(bot=ctx.bot.name, channel=channel, text=text))
        case Announce.HERE:
            if settings.announce_channel:
                where = ChannelRef(settings.announce_channel)
                ctx.emit(SendMessage(bot=ctx.bot.name, channel=where, text=text))
        case Announce.DM:
            ctx.emit(
                SendDirect(
                    bot=ctx.bot.name,
                    user_id=member.user_id,
                    display_name=member.display_name,
                    text=text,
                )
            )
        case Announce.OFF:
            pass


async def sync_roles(
    ctx: Context, wallet: Wallet, settings: RewardsSettings, member: Member
) -> Wallet:
    """Give and take ``member``'s role rewards in their community for ``wallet``'s level
    (nothing where the community rewards no level with a role, or its platform has no
    member roles); the wallet remembers the level they match."""
    if not settings.roles:
        return wallet
    table = settings.role_table()
    community = community_key(member.community)
    key = f"{community}#{table_digest(table, settings.role_mode)}"
    synced = wallet.synced.get(key)
    if not table or synced == wallet.level or not role_capable(ctx, ctx.bot.name):
        return wallet
    give, take = rules.role_changes(synced, wallet.level, table, settings.role_mode)
    tr = await ctx.translator_of(member.community.platform, member.community.id)
    reason = tr(ROLE_REASON, level=wallet.level)
    bot, community_ref, user_id = ctx.bot.name, member.community, member.user_id
    name = member.display_name or member.user_id
    for role_id in sorted(take):
        taken = TakeRole(
            bot=bot, community=community_ref, user_id=user_id, role_id=role_id, reason=reason
        )
        ctx.emit(await refusable(ctx, taken, name))
    for role_id in sorted(give):
        given = GiveRole(
            bot=bot, community=community_ref, user_id=user_id, role_id=role_id, reason=reason
        )
        ctx.emit(await refusable(ctx, given, name))
    kept = {k: v for k, v in wallet.synced.items() if not k.startswith(f"{community}#")}
    return replace(wallet, synced={**kept, key: wallet.level})


def table_digest(table: dict[int, str], mode: rules.RoleMode) -> str:
    """Names a community's role table: when a manager changes it, every member's roles
    are given again for their level at their next message."""
    spelled = ",".join(f"{level}={role}" for level, role in sorted(table.items()))
    return rules.digest(f"{mode.value}:{spelled}")[:6]
