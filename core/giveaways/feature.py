"""``/giveaway``: a prize, an Enter button, and a draw at the deadline anyone can check.

The post goes out under the outbox key ``giveaway:<id>`` (a space giveaway's other posts
under ``giveaway:<id>:<n>``); each entry edits them, and the delivery worker coalesces
the edits (the newest count wins), as polls do. Entries are rows, one per person
(:mod:`core.persons`), so linked accounts enter once across a space. The deadline is a
durable job: it fires after a restart, and ``drawn_at`` makes the draw happen once even
if the job, ``/giveaway end`` and a second process all try (:mod:`core.giveaways.draw`
says how the winners are chosen and checked).

Requirements are checked when a member presses: ``--min-days`` against the roster's join
time in the community they press in, ``--min-level`` against the level facts the rewards
feature publishes (recorded here, per person and scope: features never read each other's
tables).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from townsquare.core.actions import EditMessage, SendDirect, SendFile, SendMessage
from townsquare.core.commands import Invocation
from townsquare.core.events import ButtonPressed, JobDue
from townsquare.core.facts.giveaways import GiveawayDrawn, GiveawayEntered
from townsquare.core.facts.rewards import LevelChanged
from townsquare.core.features import (
    Context,
    Feature,
    command,
    job,
    on,
    pressed,
    resolves,
    subcommand,
)
from townsquare.core.giveaways import render
from townsquare.core.giveaways.commands import (
    DRAW_JOB,
    GIVEAWAY,
    GIVEAWAY_ID,
    Problem,
    draw_key,
    read_request,
)
from townsquare.core.giveaways.draw import Round, commitment, new_seed, next_round, verify
from townsquare.core.giveaways.rules import (
    MAX_WINNERS,
    EnterButton,
    account_key,
    level_scope,
    person_key,
    refusal,
)
from townsquare.core.giveaways.store import Entry, Giveaway, GiveawayStore, Post
from townsquare.core.i18n import Translator, _
from townsquare.core.persons import PersonDirectory, account_platform
from townsquare.core.privacy import KeepsPersonalData
from townsquare.core.refs import ChannelRef
from townsquare.core.refusals import with_manager_notice
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef, press_matches
from townsquare.core.settings import TimeZone
from townsquare.core.text import bold, compose
from townsquare.core.when import zone

StoreFactory = Callable[[Any], GiveawayStore]

REFUSED_POST = _(
    "I could not post your giveaway #{id} {prize}: the platform refused it. Check that I "
    "may post messages with buttons in that channel, then start it again."
)
GAVE_UP_POST = _(
    "I could not post your giveaway #{id} {prize}: the platform kept failing, so I stopped "
    "trying. Start it again later."
)
ONLY_MANAGERS = _("Sorry, only managers can use {command}.")


class Giveaways(KeepsPersonalData, Feature):
    name = "giveaways"

    def __init__(self, store: StoreFactory, persons: PersonDirectory | None = None) -> None:
        self.store = store
        self.persons = persons
        """Entries and levels follow the person (without it, each account)."""

    # -- starting one ---------------------------------------------------------------------

    @command(GIVEAWAY)
    async def giveaway(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        if ctx.role < Role.MANAGER:
            ctx.respond(tr(ONLY_MANAGERS, command="/giveaway"))
            return
        if ctx.event.community is None:
            ctx.respond(tr(_("Start a giveaway in a community, not in a private chat.")))
            return
        settings = await ctx.settings(TimeZone)
        request = read_request(invocation, ctx.now, zone(settings.tz))
        space = ctx.space
        if isinstance(request, Problem):
            ctx.respond(tr(request.text, **request.values))
            return
        if request.space and space is None:
            ctx.respond(tr(_("This community is in no space, so --space has nowhere to post.")))
            return
        event = ctx.event
        assert event.channel is not None and event.actor is not None
        store = self.store(ctx.tx)
        seed = new_seed()
        created = await store.create(
            platform=event.platform,
            bot=event.bot,
            community_id=ctx.community.id,
            channel_id=event.channel.id,
            thread_id=event.channel.thread_id,
            prize=request.prize,
            winners=request.winners,
            requirements=request.requirements,
            ends_at=request.ends_at,
            seed=seed,
            seed_hash=commitment(seed),
            created_by=event.actor.user_id,
            now=ctx.now,
            space=space.name if request.space and space is not None else None,
        )
        if request.space and space is not None:
            here = (ctx.bot.name, ctx.community.id)
            platforms = {name: bot.platform for name, bot in ctx.bots.items()}
            others = [
                p for p in space.places if (p.bot, p.community_id) != here and p.bot in platforms
            ]
            created = await store.add_posts(created, others, platforms)
        for elsewhere in created.elsewhere:  # each in its community's language
            there = await _tr_of(elsewhere, ctx)
            ctx.emit(
                SendMessage(
                    bot=elsewhere.bot,
                    channel=ChannelRef(elsewhere.channel_id),
                    text=render.post(created, 0, there),
                    buttons=render.buttons(created, there),
                    key=elsewhere.key,
                )
            )
        prize = bold(created.prize)
        ctx.emit(
            with_manager_notice(
                SendMessage(
                    bot=ctx.bot.name,
                    channel=_channel(created),
                    text=render.post(created, 0, tr),
                    buttons=render.buttons(created, tr),
                    key=created.key,
                ),
                ctx,
                compose(tr(REFUSED_POST), id=str(created.id), prize=prize),
                compose(tr(GAVE_UP_POST), id=str(created.id), prize=prize),
            )
        )
        await ctx.tx.schedule(
            kind=DRAW_JOB,
            due_at=created.ends_at,
            platform=created.platform,
            bot=created.bot,
            payload={"giveaway": created.id},
            community_id=created.community_id,
            channel_id=created.channel_id,
            key=draw_key(created.id),
            now=ctx.now,
        )

    # -- entering -------------------------------------------------------------------------

    @pressed(EnterButton)
    async def pressed_enter(self, data: EnterButton, ctx: Context) -> None:
        event, tr = ctx.press, ctx.tr
        found = await self.store(ctx.tx).get(data.giveaway_id, event.platform)
        if found is None or event.actor is None or not await self._pressed_here(found, event, ctx):
            ctx.answer(tr(_("This giveaway no longer exists.")))
            return
        answer, refused = await self._enter(found, ctx, tr)
        ctx.answer(answer, alert=refused)

    @subcommand("giveaway", "enter")
    async def enter(self, invocation: Invocation, ctx: Context) -> None:
        answer, _refused = await self._enter(_named(invocation), ctx, ctx.tr)
        ctx.respond(answer)

    async def _enter(self, found: Giveaway, ctx: Context, tr: Translator) -> tuple[str, bool]:
        """Enter the caller; the answer, and whether it is a refusal."""
        actor, community = ctx.event.actor, ctx.event.community
        assert actor is not None
        if found.drawn_at is not None or ctx.now >= found.ends_at:
            return tr(_("This giveaway has ended.")), True
        if community is None:
            return tr(_("Enter from the community the giveaway is in.")), True
        person, aliases = await self._person(ctx)
        joined_at = await ctx.tx.member_since(community, actor.user_id)
        level = 0
        if found.requirements.min_level and person is not None:
            scope = level_scope(
                ctx.space.name if ctx.space is not None else None, ctx.event.platform, community.id
            )
            level = await self.store(ctx.tx).level(scope, aliases)
        why = refusal(found.requirements, joined_at=joined_at, level=level, now=ctx.now)
        if why is not None:
            return render.refused(why, found, joined_at, level, ctx.now, tr), True
        entrant = (
            person_key(person)
            if person is not None
            else account_key(ctx.event.platform, actor.user_id)
        )
        store = self.store(ctx.tx)
        entry = Entry(entrant, ctx.event.platform, ctx.bot.name, actor.user_id, actor.display_name)
        if not await store.enter(found.id, entry, [person_key(a) for a in aliases], ctx.now):
            return tr(_("You have already entered this giveaway.")), False
        count = await store.entry_count(found.id)
        ctx.publish(
            GiveawayEntered(
                platform=found.platform,
                community_id=found.community_id,
                at=ctx.now,
                giveaway_id=found.id,
                user_id=actor.user_id,
                entries=count,
            )
        )
        for post in found.posts:
            there = await _tr_of(post, ctx)
            ctx.emit(
                EditMessage(
                    bot=post.bot,
                    key=post.key,
                    text=render.post(found, count, there),
                    buttons=render.buttons(found, there),
                )
            )
        return tr(_("You are in. Good luck!")), False

    async def _person(self, ctx: Context) -> tuple[int | None, frozenset[int]]:
        """The caller's person and every id that means them (none without a directory)."""
        actor = ctx.event.actor
        if self.persons is None or actor is None:
            return None, frozenset()
        person = await self.persons.person_of(ctx.tx, ctx.event.platform, actor.user_id)
        return person, await self.persons.aliases(ctx.tx, person) | {person}

    @on(LevelChanged)
    async def level_changed(self, fact: LevelChanged, ctx: Context) -> None:
        scope = level_scope(fact.scope, fact.platform, fact.community_id)
        await self.store(ctx.tx).set_level(scope, fact.person_id, fact.level, fact.at)

    # -- drawing --------------------------------------------------------------------------

    @job(DRAW_JOB)
    async def deadline(self, event: JobDue, ctx: Context) -> None:
        found = await self.store(ctx.tx).get(int(event.payload["giveaway"]), event.platform)
        if found is not None:
            await self._draw(found, ctx)

    @subcommand("giveaway", "end")
    async def end(self, invocation: Invocation, ctx: Context) -> None:
        found = _named(invocation)
        if not await self._draw(found, ctx):
            ctx.respond(ctx.tr(_("Giveaway #{id} is already drawn."), id=found.id))

    @subcommand("giveaway", "reroll")
    async def reroll(self, invocation: Invocation, ctx: Context) -> None:
        tr, found = ctx.tr, _named(invocation)
        count = _count(invocation.args.get("count"))
        if count is None:
            ctx.respond(tr(_("Reroll 1 to {n} winners."), n=MAX_WINNERS))
            return
        if found.drawn_at is None:
            ctx.respond(
                tr(
                    _("Giveaway #{id} is not drawn yet: /giveaway end {id} draws it now."),
                    id=found.id,
                )
            )
            return
        store = self.store(ctx.tx)
        entries = await store.entries(found.id)
        drawn = next_round(
            found.seed, [e.entrant for e in entries], await store.rounds(found.id), count
        )
        if not drawn.winners:
            ctx.respond(tr(_("Everyone who entered giveaway #{id} has already won."), id=found.id))
            return
        if not await store.add_round(found.id, drawn, ctx.now, _caller(ctx)):
            ctx.respond(tr(_("Giveaway #{id} was just redrawn; try again."), id=found.id))
            return
        await self._announce(found, drawn, entries, ctx)

    async def _draw(self, found: Giveaway, ctx: Context) -> bool:
        """Draw round 1 of ``found``; False if it was drawn already (the draw happens once)."""
        store = self.store(ctx.tx)
        if not await store.mark_drawn(found.id, ctx.now):
            return False
        await ctx.tx.cancel_job(draw_key(found.id))
        found = replace(found, drawn_at=ctx.now)
        entries = await store.entries(found.id)
        drawn = next_round(found.seed, [e.entrant for e in entries], (), found.winners)
        await store.add_round(found.id, drawn, ctx.now, _caller(ctx))
        by_key = {entry.entrant: entry for entry in entries}
        winners = [by_key[k] for k in drawn.winners]
        for post in found.posts:
            final = render.ended(found, len(entries), winners, await _tr_of(post, ctx))
            ctx.emit(EditMessage(bot=post.bot, key=post.key, text=final, buttons=()))
        await self._announce(found, drawn, entries, ctx)
        return True

    async def _announce(
        self, found: Giveaway, drawn: Round, entries: Sequence[Entry], ctx: Context
    ) -> None:
        """The result in every post's channel, each winner told privately, the fact."""
        by_key = {entry.entrant: entry for entry in entries}
        winners = [by_key[key] for key in drawn.winners]
        for post in found.posts:
            there = await _tr_of(post, ctx)
            ctx.emit(
                SendMessage(
                    bot=post.bot,
                    channel=ChannelRef(post.channel_id, thread_id=post.thread_id),
                    text=render.result(
                        found, drawn.number, len(entries), winners, post.platform, there
                    ),
                )
            )
        for winner in winners:  # told in the language of the community they entered from
            home = next((p for p in found.posts if p.bot == winner.bot), found.posts[0])
            ctx.emit(
                SendDirect(
                    bot=winner.bot,
                    user_id=winner.user_id,
                    display_name=winner.display_name,
                    text=render.told(found, await _tr_of(home, ctx)),
                )
            )
        ctx.publish(
            GiveawayDrawn(
                platform=found.platform,
                community_id=found.community_id,
                at=ctx.now,
                giveaway_id=found.id,
                round=drawn.number,
                prize=found.prize,
                winners=tuple(w.user_id for w in winners),
                winner_platforms=tuple(w.platform for w in winners),
                entries=len(entries),
                drawn_by=_caller(ctx),
            )
        )

    # -- checking -------------------------------------------------------------------------

    @subcommand("giveaway", "verify")
    async def verify(self, invocation: Invocation, ctx: Context) -> None:
        tr, found = ctx.tr, _named(invocation)
        if found.drawn_at is None:
            ctx.respond(
                tr(
                    _("Giveaway #{id} is not drawn yet: its seed stays secret until then."),
                    id=found.id,
                )
            )
            return
        store = self.store(ctx.tx)
        entrants = [entry.entrant for entry in await store.entries(found.id)]
        rounds = await store.rounds(found.id)
        sealed = commitment(found.seed) == found.seed_hash
        wrong = verify(found.seed, entrants, rounds)
        if sealed and not wrong:
            answer = tr.plural(
                _(
                    "Giveaway #{id} checks out: the seed matches the SHA-256 on the post, and "
                    "the winners of every draw follow from it and the {n} entry."
                ),
                _(
                    "Giveaway #{id} checks out: the seed matches the SHA-256 on the post, and "
                    "the winners of every draw follow from it and the {n} entries."
                ),
                len(entrants),
                id=found.id,
            )
        else:
            answer = tr(
                _("Giveaway #{id} does NOT check out: the stored winners or seed do not match."),
                id=found.id,
            )
        ctx.respond(answer)
        record = {
            "giveaway": found.id,
            "seed": found.seed,
            "seed_sha256": found.seed_hash,
            "entrants": sorted(entrants),
            "rounds": [
                {"round": r.number, "count": r.count, "winners": list(r.winners)} for r in rounds
            ],
        }
        event = ctx.event
        assert event.actor is not None
        ctx.emit(
            SendFile(
                bot=ctx.bot.name,
                filename=f"giveaway-{found.id}.json",
                data=json.dumps(record, indent=1).encode("utf-8"),
                mime_type="application/json",
                caption=compose(
                    "{head}",
                    head=tr(_("Giveaway #{id}: the seed, the entries and the draws."), id=found.id),
                ),
                user_id=event.actor.user_id,
                display_name=event.actor.display_name,
                fallback_channel=event.channel,
            )
        )

    # -- where ids are found ----------------------------------------------------------------

    @resolves(GIVEAWAY_ID)
    async def _giveaway(self, giveaway_id: int, ctx: Context) -> Giveaway | None:
        return await self.store(ctx.tx).get(giveaway_id, ctx.event.platform)

    async def reaches(self, ref: IdRef, thing: Any, ctx: Context) -> bool:
        """A space giveaway may be named from every community it was posted to."""
        community = ctx.event.community
        return (
            isinstance(thing, Giveaway)
            and community is not None
            and any(
                post.bot == ctx.bot.name and post.community_id == community.id
                for post in thing.elsewhere
            )
        )

    async def _pressed_here(self, found: Giveaway, event: ButtonPressed, ctx: Context) -> bool:
        """A press counts only on one of the giveaway's own messages, in its community
        (or its space's): a forged or replayed payload anywhere else answers as unknown."""
        return await self.visible(GIVEAWAY_ID, found, ctx) and any(
            press_matches(event, post.bot, post.channel_id, post.message) for post in found.posts
        )


# -- helpers ------------------------------------------------------------------------------


def _named(invocation: Invocation) -> Giveaway:
    found = invocation.found["id"]
    assert isinstance(found, Giveaway)
    return found


def _channel(found: Giveaway) -> ChannelRef:
    return ChannelRef(found.channel_id, thread_id=found.thread_id)


async def _tr_of(post: Post, ctx: Context) -> Translator:
    """The language of the community ``post`` is shown in."""
    return await ctx.translator_of(account_platform(post.platform), post.community_id)


def _caller(ctx: Context) -> str | None:
    actor = ctx.event.actor
    return actor.user_id if actor is not None else None


def _count(raw: object) -> int | None:
    if raw is None:
        return 1
    text = str(raw).strip()
    if (
        not (text.isascii() and text.isdigit())
        or len(text) > 3
        or not 1 <= int(text) <= MAX_WINNERS
    ):
        return None
    return int(text)
