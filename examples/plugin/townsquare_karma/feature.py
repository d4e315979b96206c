"""``/karma``: thank a member for a message, see who helped most.

- ``/karma`` as a reply to someone's message gives its author one point: once per
  message and giver, never to yourself or to a bot.
- ``/karma`` alone tells you your points; ``/karma top`` lists the five most thanked.
- Each thanks publishes :class:`~townsquare_karma.facts.KarmaGiven`; this feature's own
  ``@on(KarmaGiven)`` handler congratulates a member reaching a milestone (5, 10, 25...
  points), after the thanks is committed, like any other feature subscribing would.
  Managers turn that off with ``/karma milestones off`` (a typed setting,
  :class:`KarmaSettings`, stored per community as ``karma.milestones``).

Everything a feature needs comes from ``townsquare``; the table is the plugin's own
(:mod:`townsquare_karma.store`), created by the migration branch named in
:attr:`Karma.migrations`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from townsquare import (
    CommandIssued,
    CommandSpec,
    Context,
    Feature,
    FeatureSettings,
    Invocation,
    Param,
    Role,
    Transaction,
    bold,
    command,
    compose,
    lines,
    mention,
    on,
    subcommand,
)

from townsquare_karma.facts import KarmaGiven
from townsquare_karma.store import KarmaStore, SqlKarmaStore, Thanks

TOP = 5
MILESTONES = frozenset({5, 10, 25, 50, 100, 250, 500, 1000})

KARMA = CommandSpec(
    "karma",
    "Thank the author of a message (reply with /karma), or see your karma",
    subcommands=(
        CommandSpec("top", "The most thanked members"),
        CommandSpec(
            "milestones",
            "Congratulate members reaching 5, 10, 25... karma",
            Role.MANAGER,
            params=(Param("state", "on|off"),),
        ),
    ),
    needs_community=True,
    elsewhere="Karma belongs to a community; use /karma in one of its channels.",
)


@dataclass(frozen=True, slots=True)
class KarmaSettings(FeatureSettings):
    """This community's karma settings, with their defaults."""

    namespace: ClassVar[str] = "karma"
    milestones: bool = True


class Karma(Feature):
    name = "karma"
    migrations: ClassVar[Path] = Path(__file__).parent / "migrations"
    """The plugin's Alembic branch: townsquare applies it with its own migrations."""
    settings_models = (KarmaSettings,)

    def __init__(self, store: Callable[[Transaction], KarmaStore] = SqlKarmaStore) -> None:
        self.store = store

    @command(KARMA)
    async def karma(self, invocation: Invocation, ctx: Context) -> None:
        event = ctx.event
        assert isinstance(event, CommandIssued) and event.actor is not None
        community, store = ctx.community, self.store(ctx.tx)
        author = event.reply_to_author
        if author is None or event.reply_to is None:
            points = await store.points(community.platform, community.id, event.actor.user_id)
            ctx.respond(f"You have {points} karma. Reply to a helpful message with /karma.")
            return
        if author.user_id == event.actor.user_id:
            ctx.respond("Karma comes from others: you cannot thank yourself.")
            return
        if author.is_bot:
            ctx.respond("Bots do not collect karma.")
            return
        given = Thanks(
            platform=community.platform,
            community_id=community.id,
            message_id=f"{event.reply_to.channel.id}/{event.reply_to.message_id}",
            giver_id=event.actor.user_id,
            receiver_id=author.user_id,
            receiver_name=author.display_name,
            given_at=ctx.now,
        )
        if not await store.give(given):
            ctx.respond("You already thanked them for that message.")
            return
        points = await store.points(community.platform, community.id, author.user_id)
        ctx.reply(
            compose(
                "{giver} thanked {author}: karma {points}.",
                giver=bold(event.actor.display_name),
                author=mention(author.user_id, author.display_name),
                points=str(points),
            )
        )
        ctx.publish(
            KarmaGiven(
                platform=community.platform,
                community_id=community.id,
                at=ctx.now,
                giver_id=event.actor.user_id,
                receiver_id=author.user_id,
                receiver_name=author.display_name,
                points=points,
            )
        )

    @subcommand("karma", "top")
    async def top(self, invocation: Invocation, ctx: Context) -> None:
        community = ctx.community
        leaders = await self.store(ctx.tx).top(community.platform, community.id, TOP)
        if not leaders:
            ctx.respond("Nobody has karma yet: reply to a helpful message with /karma.")
            return
        ranked = (f"{place}. {name} — {points}" for place, (name, points) in enumerate(leaders, 1))
        ctx.respond(lines(bold("Most thanked:"), *ranked))

    @subcommand("karma", "milestones")
    async def switch_milestones(self, invocation: Invocation, ctx: Context) -> None:
        state = str(invocation.args.get("state")).lower()
        if state not in ("on", "off"):
            ctx.respond("Say on or off.")
            return
        await ctx.update_settings(KarmaSettings, milestones=state == "on")
        ctx.respond(f"Karma milestones are {state}.")

    @on(KarmaGiven)
    async def milestone(self, fact: KarmaGiven, ctx: Context) -> None:
        """Runs after the thanks is committed, in the channel it was given in."""
        community = fact.community
        if fact.points not in MILESTONES or community is None:
            return
        if (await ctx.settings(KarmaSettings, community)).milestones:
            ctx.reply(
                compose(
                    "🎉 {member} reached {points} karma!",
                    member=mention(fact.receiver_id, fact.receiver_name),
                    points=str(fact.points),
                )
            )
