"""Reputation: ``/thanks`` (a reply, or naming members) and thank-you replies.

A thank-you gives each member it names one reputation point: the author of the replied-to
message and anyone mentioned, at most :data:`MAX_RECEIVERS` per message, never the one who
thanks (whichever of their linked accounts they thank), never a bot. One member's thanks
to the same member count once per ``thanks_cooldown`` (12 hours by default), so two
members cannot trade reputation. ``/thanks`` answers who got a point; a thank-you reply
stays silent (the receiver's ``/rank`` shows it), so a chat full of "thanks!" gets no
bot replies.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from townsquare.core.events import CommandIssued, MessagePosted
from townsquare.core.facts.rewards import ReputationGiven
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.persons import account_platform
from townsquare.core.refs import Actor
from townsquare.core.rewards.earning import ordinary
from townsquare.core.rewards.services import Services
from townsquare.core.rewards.settings import RewardsSettings
from townsquare.core.rewards.thanks import is_thanks, mentioned
from townsquare.core.text import TextLike, bold, compose, join, lines

MAX_RECEIVERS = 3


@dataclass(frozen=True, slots=True)
class Receiver:
    user_id: str
    display_name: str
    platform: str
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Thanked:
    receiver: Receiver
    reputation: int | None
    """The receiver's reputation now; None if the thanks did not count (cooldown)."""


async def receivers(
    services: Services, ctx: Context, text: str, replied: Actor | None
) -> list[Receiver]:
    """Whom ``text`` (replying to ``replied``'s message) thanks, at most three."""
    platform = account_platform(ctx.event.platform)
    found: list[Receiver] = []
    if replied is not None and not replied.is_bot:
        found.append(Receiver(replied.user_id, replied.display_name, platform, replied.username))
    ids, handles = mentioned(text)
    for user_id in ids:
        found.append(Receiver(user_id, user_id, platform))
    if handles:
        store = services.store(ctx.tx)
        scope = services.scope(ctx, ctx.community)
        for handle in handles:
            wallet = await store.by_handle(scope, handle)
            if wallet is not None:
                found.append(
                    Receiver(wallet.user_id, wallet.display_name, wallet.platform, wallet.username)
                )
    unique = {(r.platform, r.user_id): r for r in reversed(found)}
    ordered = [r for r in found if unique.get((r.platform, r.user_id)) is r]
    return ordered[:MAX_RECEIVERS]


async def give(
    services: Services, ctx: Context, giver: Actor, names: list[Receiver]
) -> list[Thanked]:
    """Give each of ``names`` a point from ``giver`` (self-thanks dropped)."""
    store = services.store(ctx.tx)
    await store.flush()  # before anything of this handler is written
    settings = await ctx.settings(RewardsSettings)
    community = ctx.community
    scope = services.scope(ctx, community)
    mine = await services.person(ctx, ctx.event.platform, giver.user_id)
    since = ctx.now - timedelta(seconds=settings.thanks_cooldown)
    space = ctx.space
    results: list[Thanked] = []
    seen: set[int] = {mine}
    for receiver in names:
        person = await services.person(ctx, receiver.platform, receiver.user_id)
        if person in seen:
            continue
        seen.add(person)
        if not await store.thank(scope, mine, person, ctx.now, since):
            results.append(Thanked(receiver, None))
            continue
        wallet = await store.wallet(scope, person, lock=True)
        if not wallet.user_id:
            wallet = replace(
                wallet,
                platform=receiver.platform,
                user_id=receiver.user_id,
                display_name=receiver.display_name,
                username=receiver.username,
            )
        wallet = replace(wallet, reputation=wallet.reputation + 1)
        await store.save(wallet, ctx.now)
        ctx.publish(
            ReputationGiven(
                platform=account_platform(community.platform),
                community_id=community.id,
                at=ctx.now,
                scope=space.name if space is not None else None,
                person_id=person,
                user_id=receiver.user_id,
                from_user_id=giver.user_id,
                reputation=wallet.reputation,
            )
        )
        results.append(Thanked(receiver, wallet.reputation))
    return results


def may_thank(event: MessagePosted) -> bool:
    """Whether a message could be a thank-you (a reply, or naming someone): the cheap
    test every message passes, before its words are looked at."""
    return event.reply_to_author is not None or "@" in event.text


async def thank_words(services: Services, event: MessagePosted, ctx: Context) -> None:
    """A thank-you reply gives reputation, silently."""
    replied = event.reply_to_author
    if not ordinary(event) or not is_thanks(event.text):
        return
    settings = await ctx.settings(RewardsSettings)
    if not (settings.enabled and settings.thanks):
        return
    assert event.actor is not None
    names = await receivers(services, ctx, event.text, replied)
    if names:
        await give(services, ctx, event.actor, names)


async def thanks_command(services: Services, ctx: Context, words: tuple[str, ...]) -> None:
    event = ctx.event
    assert isinstance(event, CommandIssued) and event.actor is not None
    tr = ctx.tr
    if not (await ctx.settings(RewardsSettings)).enabled:
        ctx.respond(tr(_("Levels and reputation are off in this community.")))
        return
    names = await receivers(services, ctx, " ".join(words), event.reply_to_author)
    if not names:
        ctx.respond(
            tr(_("Reply with /thanks to the message of the member you thank, or name them."))
        )
        return
    given = await give(services, ctx, event.actor, names)
    if not given:
        ctx.respond(tr(_("You cannot thank yourself.")))
        return
    counted: list[TextLike] = []
    parts: list[TextLike] = []
    for thanked in given:
        name = bold(thanked.receiver.display_name)
        if thanked.reputation is None:
            parts.append(compose(tr(_("You thanked {member} recently already.")), member=name))
        else:
            counted.append(
                compose(
                    tr(_("{member} (reputation {n})"), n=thanked.reputation, member="{member}"),
                    member=name,
                )
            )
    if counted:
        head = compose(tr(_("Thanks given to {members}.")), members=join(counted, ", "))
        parts.insert(0, head)
    ctx.reply(lines(*parts))
