"""Rewards: XP and levels for taking part, reputation for helping, role rewards, the
leaderboard and its weekly post.

* Messages earn XP (:mod:`core.rewards.earning`): a chunk of messages is read ahead in a
  few statements and written at its end, so an ordinary message costs next to nothing.
* Other features' facts earn XP (:mod:`core.rewards.sources`), thank-yous give
  reputation (:mod:`core.rewards.thanking`).
* Members see ``/rank`` and ``/top`` (:mod:`core.rewards.members`); managers set it all
  with ``/levels`` and change XP with ``/xp`` (:mod:`core.rewards.adjust`).
* One wallet per person per scope (:mod:`core.rewards.scopes`): a linked person's XP is
  counted once, and a space has one leaderboard across its platforms.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from townsquare.core.commands import Invocation
from townsquare.core.events import Event, JobDue, MessagePosted
from townsquare.core.facts import CaseResolved, EventAttended, FaqRated, PersonsLinked
from townsquare.core.features import Context, Feature, command, job, on, pressed, subcommand
from townsquare.core.persons import PersonDirectory
from townsquare.core.privacy import KeepsPersonalData, PersonalData
from townsquare.core.rewards import adjust, earning, manage, members, sources, thanking, weekly
from townsquare.core.rewards.ranking import TopPage
from townsquare.core.rewards.services import Services, StoreFactory
from townsquare.core.rewards.settings import RewardsSettings
from townsquare.core.rewards.specs import LEVELS, RANK, THANKS, TOP, XP


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else " ".join(str(v) for v in value)  # type: ignore[attr-defined]


class Rewards(KeepsPersonalData, Feature):
    name = "rewards"
    settings_models = (RewardsSettings,)

    def __init__(
        self, store: StoreFactory, persons: PersonDirectory, roll: random.Random | None = None
    ) -> None:
        self.services = Services(store, persons, roll or random.Random())

    def personal_data(self, tx: Any) -> PersonalData:
        return self.services.store(tx)

    # -- a chunk of messages at once ------------------------------------------------------

    async def prepare(self, events: Sequence[Event], tx: Any) -> None:
        await earning.prepare(self.services, events, tx)

    async def finish(self, tx: Any) -> None:
        await self.services.store(tx).flush()

    # -- messages and facts ----------------------------------------------------------------

    @on(MessagePosted)
    async def posted(self, event: MessagePosted, ctx: Context) -> None:
        """A thank-you first (written at once, before anything else of this handler),
        then the XP the message earns (kept for the chunk's end)."""
        if thanking.may_thank(event):
            await thanking.thank_words(self.services, event, ctx)
        await earning.posted(self.services, event, ctx)

    @on(FaqRated)
    async def faq_rated(self, fact: FaqRated, ctx: Context) -> None:
        await sources.faq_rated(self.services, fact, ctx)

    @on(CaseResolved)
    async def case_resolved(self, fact: CaseResolved, ctx: Context) -> None:
        await sources.case_resolved(self.services, fact, ctx)

    @on(EventAttended)
    async def event_attended(self, fact: EventAttended, ctx: Context) -> None:
        await sources.event_attended(self.services, fact, ctx)

    @on(PersonsLinked)
    async def linked(self, fact: PersonsLinked, ctx: Context) -> None:
        await sources.persons_linked(self.services, fact, ctx)

    # -- members' commands -----------------------------------------------------------------

    @command(RANK)
    async def rank(self, invocation: Invocation, ctx: Context) -> None:
        await members.rank(self.services, ctx, _text(invocation.args.get("member")))

    @command(TOP)
    async def top(self, invocation: Invocation, ctx: Context) -> None:
        await members.top(self.services, ctx, _text(invocation.args.get("period")))

    @pressed(TopPage)
    async def page(self, data: TopPage, ctx: Context) -> None:
        await members.page(self.services, data, ctx)

    @command(THANKS)
    async def thanks(self, invocation: Invocation, ctx: Context) -> None:
        words = invocation.args.get("members") or ()
        await thanking.thanks_command(
            self.services, ctx, (words,) if isinstance(words, str) else tuple(words)
        )

    # -- managers' commands ----------------------------------------------------------------

    @command(XP)
    async def xp(self, invocation: Invocation, ctx: Context) -> None:
        ctx.respond(ctx.tr(adjust.HOW))

    @subcommand("xp", "give")
    async def give(self, invocation: Invocation, ctx: Context) -> None:
        amount, member = str(invocation.args["amount"]), _text(invocation.args.get("member"))
        await adjust.change(self.services, ctx, amount, member, +1)

    @subcommand("xp", "take")
    async def take(self, invocation: Invocation, ctx: Context) -> None:
        amount, member = str(invocation.args["amount"]), _text(invocation.args.get("member"))
        await adjust.change(self.services, ctx, amount, member, -1)

    @subcommand("xp", "reset")
    async def reset(self, invocation: Invocation, ctx: Context) -> None:
        await adjust.reset(self.services, ctx, _text(invocation.args.get("member")))

    @command(LEVELS)
    async def levels(self, invocation: Invocation, ctx: Context) -> None:
        await manage.show(ctx)

    @subcommand("levels", "set")
    async def levels_set(self, invocation: Invocation, ctx: Context) -> None:
        await manage.set_key(ctx, str(invocation.args["key"]), str(invocation.args["value"]))

    @subcommand("levels", "role")
    async def levels_role(self, invocation: Invocation, ctx: Context) -> None:
        await manage.role(ctx, str(invocation.args["level"]), str(invocation.args["role"]))

    @subcommand("levels", "channel")
    async def levels_channel(self, invocation: Invocation, ctx: Context) -> None:
        await manage.channel(ctx, str(invocation.args["state"]))

    @subcommand("levels", "announce")
    async def levels_announce(self, invocation: Invocation, ctx: Context) -> None:
        await manage.announce(ctx, str(invocation.args["where"]))

    # -- the weekly post -------------------------------------------------------------------

    @job(earning.WEEKLY_JOB)
    async def weekly(self, event: JobDue, ctx: Context) -> None:
        await weekly.post(self.services, event, ctx)
