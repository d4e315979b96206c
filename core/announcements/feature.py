"""``/announce``, ``/announcements`` and ``/announce cancel``: managers' announcements, now
or at a time, once or every day, week or month, pinned, in every community of a space.

Each occurrence is posted once. A scheduled one is a durable job (:mod:`core.scheduler`:
it fires after a restart, and once among several processes); its payload names the
occurrence, and the store records an occurrence as posted only if the one before it was
the last posted (:meth:`~core.announcements.store.AnnouncementStore.advance`), in the same
transaction as the posts, so no race and no redelivery posts it twice. The next
occurrence is scheduled by the job that posts the current one; occurrences missed while
the bot was down are not caught up (the latest is posted once, late).

The posts are ordinary outbox messages, one per community, so each goes at its platform's
pace (the delivery worker's per-chat and per-bot limits). With ``--pin`` each post is
followed by a :class:`~core.actions.PinMessage` in its chat's lane, and from the second
occurrence on by an :class:`~core.actions.UnpinMessage` of the one before it in that
channel, so a repeating announcement keeps one pin; on a bot that can
publish (Discord) each post is also followed by a
:class:`~core.actions.CrosspostMessage`, which the adapter performs only in an
announcement channel. A ``--space`` announcement goes to every community the config lists
for the space when it is posted (``[[spaces]]``, each community's channel for space
posts), and may be listed and cancelled from any of them.

The confirmation is private where the platform allows (Slack, Discord); where it would be
public (a Telegram group), an announcement posted at once, in this community only, with
nothing to warn about is its own confirmation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from townsquare.core.actions import (
    CrosspostMessage,
    PinMessage,
    SendDirect,
    SendMessage,
    UnpinMessage,
)
from townsquare.core.announcements import render
from townsquare.core.announcements.request import Problem, read_request
from townsquare.core.announcements.rules import next_occurrence
from townsquare.core.announcements.store import Announcement, AnnouncementStore, Draft
from townsquare.core.capabilities import Capability
from townsquare.core.commands import CommandSpec, Invocation, Option, Param
from townsquare.core.events import JobDue
from townsquare.core.features import Context, Feature, command, job, resolves, subcommand
from townsquare.core.i18n import Translator, _
from townsquare.core.privacy import KeepsPersonalData
from townsquare.core.refs import ChannelRef
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef, Scope
from townsquare.core.settings import TimeZone
from townsquare.core.text import compose, lines
from townsquare.core.when import zone

POST_JOB = "announcements.post"
LISTED = 50
"""Scheduled announcements ``/announcements`` shows at most."""
ANNOUNCEMENT_ID = IdRef("announcement", _("There is no announcement #{id}."))
"""An announcement named by id: the caller's community's, or its space's."""

ANNOUNCE = CommandSpec(
    "announce",
    _("Post an announcement, now or later, once or again and again"),
    role=Role.MANAGER,
    params=(Param("text", _("what to announce"), rest=True),),
    options=(
        Option(
            "at",
            _("post it at a time: 2026-12-10 19:00, tomorrow 19:00, fri 18:30, in 2h"),
            takes_value=True,
            metavar="WHEN",
        ),
        Option(
            "every",
            _("post it again every day, week or month"),
            takes_value=True,
            metavar="daily|weekly|monthly",
        ),
        Option("pin", _("pin it")),
        Option("space", _("post it in every community of this space")),
    ),
    subcommands=(
        CommandSpec(
            "cancel",
            _("Stop a scheduled announcement"),
            Role.MANAGER,
            params=(Param("id", ref=ANNOUNCEMENT_ID),),
        ),
    ),
    needs_community=True,
)
ANNOUNCEMENTS = CommandSpec(
    "announcements",
    _("List the scheduled announcements"),
    role=Role.MANAGER,
    needs_community=True,
)

REFUSED_POST = _(
    "I could not post announcement #{id} through {bot}: the platform refused it. Check "
    "that I may post in that channel, then announce it again."
)
GAVE_UP_POST = _(
    "I could not post announcement #{id} through {bot}: the platform kept failing, so I "
    "stopped trying. Announce it again later."
)
REFUSED_PIN = _(
    "I could not pin announcement #{id} through {bot}: the platform refused it. Give me "
    "the right to pin messages there, or pin it by hand."
)
GAVE_UP_PIN = _(
    "I could not pin announcement #{id} through {bot}: the platform kept failing, so I "
    "stopped trying. Pin it by hand."
)
"""What the manager who asked is told privately when a post or a pin fails (the
platform's reason follows on its own line, :mod:`core.notices`)."""

StoreFactory = Callable[[Any], AnnouncementStore]
Target = tuple[str, ChannelRef]
"""Where one post goes: the bot, and the channel."""


class Announcements(KeepsPersonalData, Feature):
    name = "announcements"

    def __init__(self, store: StoreFactory) -> None:
        self.store = store

    # -- commands -------------------------------------------------------------------------

    @command(ANNOUNCE)
    async def announce(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        settings = await ctx.settings(TimeZone)
        request = read_request(invocation, ctx.now, zone(settings.tz))
        if isinstance(request, Problem):
            ctx.respond(request.say(tr))
            return
        space = ctx.space if request.space else None
        if request.space and space is None:
            ctx.respond(tr(_("This community is in no space, so --space has nowhere to post.")))
            return
        event = ctx.event
        assert event.channel is not None and event.actor is not None
        draft = Draft(
            platform=event.platform,
            bot=ctx.bot.name,
            community_id=ctx.community.id,
            channel_id=event.channel.id,
            thread_id=event.channel.thread_id,
            text=request.text,
            pin=request.pin,
            space=space.name if space is not None else None,
            every=request.every,
            zone=settings.tz or "UTC",
            first_at=request.at or ctx.now,
            created_by=event.actor.user_id,
            created_by_name=event.actor.display_name,
        )
        store = self.store(ctx.tx)
        if request.at is not None:
            created = await store.create(draft, posted=0, next_at=request.at, now=ctx.now)
        else:
            upcoming = None
            if request.every is not None:
                upcoming = next_occurrence(ctx.now, request.every, zone(draft.zone), ctx.now)
            created = await store.create(draft, posted=1, next_at=upcoming, now=ctx.now)
            self._post(created, 1, ctx, tr)
        if created.next_at is not None:
            await self._schedule(created, ctx)
        self._confirm(created, ctx, tr)

    @subcommand("announce", "cancel")
    async def cancel(self, invocation: Invocation, ctx: Context) -> None:
        found = invocation.found["id"]
        assert isinstance(found, Announcement)
        tr = ctx.tr
        if not await self.store(ctx.tx).cancel(found.id, ctx.now):
            ctx.respond(tr(_("Announcement #{id} has nothing left to post."), id=found.id))
            return
        await ctx.tx.cancel_job(_job_key(found))
        ctx.respond(tr(_("Announcement #{id} is cancelled: it is not posted again."), id=found.id))

    @command(ANNOUNCEMENTS)
    async def announcements(self, invocation: Invocation, ctx: Context) -> None:
        space = ctx.space
        found = await self.store(ctx.tx).scheduled(
            Scope.of(ctx.event).platforms,
            ctx.community.id,
            space.name if space is not None else None,
            limit=LISTED,
        )
        ctx.respond(render.listing(found, ctx.tr))

    # -- the deadline ---------------------------------------------------------------------

    @job(POST_JOB)
    async def due(self, event: JobDue, ctx: Context) -> None:
        """Post the occurrence the job names, once, and schedule the next one."""
        store = self.store(ctx.tx)
        found = await store.get(int(event.payload["announcement"]))
        occurrence = int(event.payload["occurrence"])
        if found is None or not found.scheduled or found.posted != occurrence - 1:
            return  # cancelled, or this occurrence is posted already
        upcoming = None
        if found.every is not None:
            upcoming = next_occurrence(found.first_at, found.every, zone(found.zone), ctx.now)
        if not await store.advance(found.id, occurrence, upcoming):
            return
        posted = replace(found, posted=occurrence, next_at=upcoming)
        self._post(posted, occurrence, ctx, ctx.tr)
        if upcoming is not None:
            await self._schedule(posted, ctx)

    # -- ids --------------------------------------------------------------------------------

    @resolves(ANNOUNCEMENT_ID)
    async def _announcement(self, announcement_id: int, ctx: Context) -> Announcement | None:
        return await self.store(ctx.tx).get(announcement_id)

    async def reaches(self, ref: IdRef, thing: Any, ctx: Context) -> bool:
        """A space announcement may be named from every community of its space."""
        space = ctx.space
        return (
            isinstance(thing, Announcement)
            and thing.space is not None
            and space is not None
            and thing.space == space.name
        )

    # -- shared steps -----------------------------------------------------------------------

    def _targets(self, found: Announcement, ctx: Context) -> list[Target]:
        """Where it is posted: where it was asked for, then each other community of its
        space that a running bot serves."""
        targets: list[Target] = [
            (found.bot, ChannelRef(found.channel_id, thread_id=found.thread_id))
        ]
        space = next((s for s in ctx.spaces.spaces if s.name == found.space), None)
        for place in space.places if space is not None else ():
            if (place.bot, place.community_id) != (found.bot, found.community_id) and (
                place.bot in ctx.bots
            ):
                targets.append((place.bot, ChannelRef(place.channel_id)))
        return targets

    def _post(self, found: Announcement, occurrence: int, ctx: Context, tr: Translator) -> None:
        """Every post of one occurrence, with its pin and its publication to followers."""
        for bot, channel in self._targets(found, ctx):
            info = ctx.bots.get(bot)
            capabilities = info.capabilities if info is not None else frozenset()
            pin = found.pin and Capability.PIN in capabilities
            publish = Capability.CROSSPOST in capabilities
            key = _post_key(found, occurrence, bot, channel) if pin or publish else None
            refused, gave_up = self._notices(found, bot, REFUSED_POST, GAVE_UP_POST, ctx, tr)
            ctx.emit(
                SendMessage(
                    bot=bot,
                    channel=channel,
                    text=render.post(found),
                    key=key,
                    on_failure=refused,
                    on_give_up=gave_up,
                )
            )
            if pin:
                refused, gave_up = self._notices(found, bot, REFUSED_PIN, GAVE_UP_PIN, ctx, tr)
                ctx.emit(
                    PinMessage(
                        bot=bot, channel=channel, key=key, on_failure=refused, on_give_up=gave_up
                    )
                )
                if occurrence > 1:  # one pin at a time: the one before it comes down
                    before = _post_key(found, occurrence - 1, bot, channel)
                    ctx.emit(UnpinMessage(bot=bot, channel=channel, key=before))
            if publish:
                ctx.emit(CrosspostMessage(bot=bot, channel=channel, key=key))

    def _notices(
        self,
        found: Announcement,
        bot: str,
        refused: str,
        gave_up: str,
        ctx: Context,
        tr: Translator,
    ) -> tuple[SendDirect | None, SendDirect | None]:
        """Private notices for the manager who asked, sent by the bot they asked through
        (without private messages there: none, the failure is only logged)."""
        own = ctx.bots.get(found.bot)
        if own is None or Capability.DIRECT_MESSAGES not in own.capabilities:
            return None, None

        def notice(sentence: str) -> SendDirect:
            return SendDirect(
                bot=found.bot,
                user_id=found.created_by,
                display_name=found.created_by_name,
                text=compose(tr(sentence), id=str(found.id), bot=bot),
                fallback_channel=ChannelRef(found.channel_id, thread_id=found.thread_id),
            )

        return notice(refused), notice(gave_up)

    async def _schedule(self, found: Announcement, ctx: Context) -> None:
        assert found.next_at is not None
        await ctx.tx.schedule(
            kind=POST_JOB,
            due_at=found.next_at,
            platform=found.platform,
            bot=found.bot,
            payload={"announcement": found.id, "occurrence": found.posted + 1},
            community_id=found.community_id,
            channel_id=found.channel_id,
            key=_job_key(found),
            now=ctx.now,
        )

    def _confirm(self, found: Announcement, ctx: Context, tr: Translator) -> None:
        """Tell the manager what happens, unless the post is all there is to say and the
        answer would be public (see the module docstring)."""
        targets = self._targets(found, ctx)
        unpinned = sorted(
            {
                bot
                for bot, _channel in targets
                if Capability.PIN not in getattr(ctx.bots.get(bot), "capabilities", frozenset())
            }
        )
        text = render.confirmation(found, len(targets), tr)
        if found.pin and unpinned:
            text = lines(text, render.cannot_pin(unpinned, tr))
        private = ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL)
        if private or found.scheduled or found.space is not None or (found.pin and unpinned):
            ctx.respond(text)


def _post_key(found: Announcement, occurrence: int, bot: str, channel: ChannelRef) -> str:
    """The key of one post of one occurrence: named by where it goes (not by its place in
    the list, which changes when the config's space does), so the next occurrence finds
    the post it unpins."""
    where = hashlib.sha256(f"{bot}\0{channel.id}\0{channel.thread_id or ''}".encode())
    return f"announce:{found.id}:{occurrence}:{where.hexdigest()[:16]}"


def _job_key(found: Announcement) -> str:
    return f"announce:{found.id}"
