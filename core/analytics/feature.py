"""Analytics: counters per community (and space) and UTC day, and ``/stats``.

Counting reads no message text and writes nothing per message: each handler adds to the
chunk's counters and the feature's :meth:`Analytics.finish` writes them in one upsert
per table (:mod:`storage.analytics`). Who was active is counted per person
(:mod:`core.persons`), so one member on two platforms of a space counts once; a person
already counted today in this process is not looked up again (a cache filled only after
commit, so a rolled-back batch leaves no trace in it). Everything is built from the
events every feature sees and from facts, never from another feature's tables.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from townsquare.core.actions import SendFile, SendMessage
from townsquare.core.analytics import reading, render
from townsquare.core.analytics.handlers import Counting
from townsquare.core.analytics.metrics import Summary
from townsquare.core.analytics.rules import (
    FAQ_WORDS,
    account_digest,
    community_scope,
    day_of,
    is_question,
    message_key,
    next_digest,
    space_scope,
)
from townsquare.core.analytics.store import AnalyticsStore, Window
from townsquare.core.capabilities import Capability
from townsquare.core.commands import CommandSpec, Invocation, Param
from townsquare.core.events import (
    CommandIssued,
    Event,
    JobDue,
    MemberJoined,
    MessagePosted,
)
from townsquare.core.features import Context, Feature, command, job, on, subcommand
from townsquare.core.i18n import _
from townsquare.core.inbox import managers_inbox
from townsquare.core.persons import PersonDirectory, account_platform
from townsquare.core.privacy import KeepsPersonalData
from townsquare.core.refs import MessageRef
from townsquare.core.roles import Role
from townsquare.core.settings import FeatureSettings, setting

log = logging.getLogger(__name__)

DIGEST_JOB = "analytics.digest"
PERIODS = {"7d": 7, "30d": 30, "90d": 90}
KEEP_DAYS = 400
"""History kept per community and space; older days are forgotten each week."""
SEEN_LIMIT = 200_000
"""How many (day, account) pairs the process remembers as counted before starting over."""

PERIOD = Param("period", _("7d, 30d or 90d (default 7d)"), required=False)
STATS = CommandSpec(
    "stats",
    _("Activity, growth, questions and cases, with a chart (managers)"),
    role=Role.MANAGER,
    params=(PERIOD,),
    needs_community=True,
    subcommands=(
        CommandSpec(
            "export",
            _("Every day of a period as CSV, privately"),
            Role.MANAGER,
            params=(Param("period", _("7d, 30d or 90d (default 30d)"), required=False),),
        ),
        CommandSpec(
            "digest",
            _("The weekly digest in the managers' inbox: weekly or off"),
            Role.MANAGER,
            params=(Param("state", _("weekly or off")),),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class AnalyticsSettings(FeatureSettings):
    namespace: ClassVar[str] = "analytics"
    digest: bool = setting(True, key="analytics_digest", space=True)
    """The weekly digest in the managers' inbox (``/stats digest weekly|off``)."""


StoreFactory = Callable[[Any], AnalyticsStore]
_KNOWN: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], int]] = weakref.WeakKeyDictionary()
"""Per transaction: the people :meth:`Analytics.prepare` read for its chunk."""


class Analytics(KeepsPersonalData, Counting, Feature):
    name = "analytics"
    settings_models = (AnalyticsSettings,)

    def __init__(
        self, store: StoreFactory, persons: PersonDirectory, keep_days: int = KEEP_DAYS
    ) -> None:
        self.store = store
        self.persons = persons
        self.keep_days = keep_days
        """How many days of history each community keeps (the weekly job forgets older)."""
        self._seen: set[tuple[int, str, str, str, str]] = set()
        """(day, bot, community, platform, user) already counted as active, committed."""
        self._seen_day = 0
        self._scope_cache: dict[tuple[str, str, str], tuple[str, ...]] = {}
        self._replied: set[tuple[str, str, str, str]] = set()
        """Accounts a reply to has been counted for (committed): only the first counts."""
        self._digests: set[str] = set()
        """Scopes whose digest job this process has scheduled."""

    async def prepare(self, events: Sequence[Event], tx: Any) -> None:
        """The people behind the chunk's messages not yet counted today, in one read per
        platform (instead of one per message)."""
        wanted: dict[str, set[str]] = {}
        for event in events:
            actor = event.actor
            if (
                isinstance(event, MessagePosted)
                and actor is not None
                and not actor.is_bot
                and event.community is not None
                and self._unseen(event) not in self._seen
            ):
                wanted.setdefault(event.platform, set()).add(actor.user_id)
            if isinstance(event, MessagePosted) and self._reply_unseen(event) is not None:
                author = event.reply_to_author
                assert author is not None
                wanted.setdefault(event.platform, set()).add(author.user_id)
            if (
                isinstance(event, MemberJoined)
                and not event.channel_only
                and not event.member.is_bot
                and event.community is not None
            ):
                wanted.setdefault(event.platform, set()).add(event.member.user_id)
        if wanted:
            known = _KNOWN.setdefault(tx, {})
            for platform, users in wanted.items():
                found = await self.persons.persons_of(tx, platform, users)
                known.update(((platform, user), person) for user, person in found.items())

    async def finish(self, tx: Any) -> None:
        _KNOWN.pop(tx, None)

    async def before_commit(self, tx: Any) -> None:
        """The batch's counters, active rows and questions: one write per table for the
        whole transaction (its chunks add up in memory)."""
        await self.store(tx).flush()

    def _reply_unseen(self, event: MessagePosted) -> tuple[str, str, str, str] | None:
        """The replied-to account, if it is a member's other than the writer's and this
        process has not counted a reply to it yet (a newcomer's activation)."""
        author, actor, community = event.reply_to_author, event.actor, event.community
        if (
            author is None
            or author.is_bot
            or actor is None
            or actor.is_bot
            or community is None
            or author.user_id == actor.user_id
        ):
            return None
        key = (event.bot, community.id, event.platform, author.user_id)
        return None if key in self._replied else key

    def _unseen(self, event: MessagePosted) -> tuple[int, str, str, str, str]:
        assert event.actor is not None and event.community is not None
        day = day_of(event.occurred_at)
        return (day, event.bot, event.community.id, event.platform, event.actor.user_id)

    async def _person(self, ctx: Context, platform: str, user_id: str) -> int:
        known = _KNOWN.get(ctx.tx)
        person = known.get((platform, user_id)) if known is not None else None
        if person is None:
            person = await self.persons.person_of(ctx.tx, platform, user_id)
        return person

    # -- counting (the facts and the simple events: core.analytics.handlers) -------------

    @on(MessagePosted)
    async def posted(self, event: MessagePosted, ctx: Context) -> None:
        actor, community = event.actor, event.community
        if actor is None or actor.is_bot or community is None:
            return
        scopes = self._scopes(ctx, event.platform, community.id)
        day = day_of(event.occurred_at)
        store = self.store(ctx.tx)
        reply = event.reply_to
        for scope in scopes:
            store.add(scope, day, "messages")
            if reply is not None:
                store.add(scope, day, "replies")
        if reply is not None:
            await self._reply(event, reply, ctx, scopes, day)
        if is_question(event.text):
            key, asker = message_key(event.bot, event.message), self._digest(event)
            for scope in scopes:
                store.asked(scope, key, asker, event.occurred_at)
        seen = (day, event.bot, community.id, event.platform, actor.user_id)
        if seen in self._seen:
            return
        person = await self._person(ctx, event.platform, actor.user_id)
        for scope in scopes:
            store.active(scope, day, person)
        ctx.after_commit(lambda: self._remember(seen))
        await self._schedule_digest(ctx, scopes[-1], community.id)

    def _digest(self, event: Event) -> str:
        assert event.actor is not None
        return account_digest(event.platform, event.actor.user_id)

    async def _reply(
        self,
        event: MessagePosted,
        reply: MessageRef,
        ctx: Context,
        scopes: tuple[str, ...],
        day: int,
    ) -> None:
        """A reply: perhaps a question's first answer, perhaps a newcomer's first reply."""
        assert event.actor is not None
        store = self.store(ctx.tx)
        store.replied(
            message_key(event.bot, reply),
            event.occurred_at,
            self._digest(event),
            account_platform(event.platform),
            event.actor.user_id,
        )
        unseen = self._reply_unseen(event)
        if unseen is None:
            return
        person = await self._person(ctx, event.platform, unseen[3])
        for scope in scopes:
            store.got_reply(scope, day, person)
        ctx.after_commit(lambda: self._replied_add(unseen))

    def _replied_add(self, key: tuple[str, str, str, str]) -> None:
        if len(self._replied) >= SEEN_LIMIT:
            self._replied.clear()
        self._replied.add(key)

    @on(CommandIssued)
    async def faq_asked(self, event: CommandIssued, ctx: Context) -> None:
        """``/faq <question>`` is a question too (answered by the bot's FAQ answer, or by
        a reply to the command's message)."""
        if (
            event.name != "faq"
            or not event.argv
            or event.argv[0].lower() in FAQ_WORDS
            or event.argv[0].lstrip("#").isdigit()
            or event.actor is None
            or event.actor.is_bot
            or event.community is None
        ):
            return
        if event.message is not None:
            message = event.message
        elif event.channel is not None:  # a slash command: no message of its own
            message = MessageRef(event.channel, event.event_id)
        else:
            return
        scopes = self._scopes(ctx, event.platform, event.community.id)
        key, asker = message_key(event.bot, message), self._digest(event)
        for scope in scopes:
            self.store(ctx.tx).asked(scope, key, asker, event.occurred_at)

    def _remember(self, seen: tuple[int, str, str, str, str]) -> None:
        """Keep today's counted accounts only: a new day, or too many, start over."""
        if seen[0] != self._seen_day or len(self._seen) >= SEEN_LIMIT:
            self._seen.clear()
            self._seen_day = seen[0]
        self._seen.add(seen)

    async def _schedule_digest(self, ctx: Context, scope: str, community_id: str) -> None:
        if scope in self._digests:
            return
        await ctx.tx.schedule(
            kind=DIGEST_JOB,
            due_at=next_digest(ctx.now),
            platform=ctx.event.platform,
            bot=ctx.event.bot,
            payload={"scope": scope},
            community_id=community_id,
            key=f"{DIGEST_JOB}:{scope}"[:128],
            now=ctx.now,
        )
        ctx.after_commit(lambda: self._digests.add(scope))

    @on(MemberJoined)
    async def joined(self, event: MemberJoined, ctx: Context) -> None:
        if event.channel_only or event.member.is_bot or event.community is None:
            return
        scopes = self._scopes(ctx, event.platform, event.community.id)
        day = day_of(event.occurred_at)
        self._add(ctx, scopes, day, "joins")
        person = await self._person(ctx, event.platform, event.member.user_id)
        store = self.store(ctx.tx)
        for scope in scopes:
            store.joined(scope, day, person)

    # -- reading --------------------------------------------------------------------------

    def _scope_here(self, ctx: Context) -> str:
        space = ctx.space
        if space is not None:
            return space_scope(space.name)
        return community_scope(ctx.event.platform, ctx.community.id)

    async def _periods(
        self, ctx: Context, scope: str, days: int
    ) -> tuple[Window, Summary, Summary]:
        return await reading.periods(self.store(ctx.tx), self.persons, ctx.tx, scope, days, ctx.now)

    @command(STATS)
    async def stats(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        days = _period(invocation, 7)
        if days is None:
            ctx.respond(tr(_("Write /stats 7d, /stats 30d or /stats 90d.")))
            return
        window, now, before = await self._periods(ctx, self._scope_here(ctx), days)
        title = render.period_title(days, tr)
        ctx.respond(render.figures(now, before, tr, title))
        if ctx.can(Capability.FILES) and ctx.event.channel is not None:
            from townsquare.core.analytics.chart import chart_png

            png = chart_png(window, title, tr(_("messages")), tr(_("members who wrote")))
            ctx.emit(
                SendFile(
                    bot=ctx.bot.name,
                    filename=f"stats-{days}d.png",
                    data=png,
                    mime_type="image/png",
                    channel=ctx.event.channel,
                )
            )

    @subcommand("stats", "export")
    async def export(self, invocation: Invocation, ctx: Context) -> None:
        tr, actor = ctx.tr, ctx.event.actor
        assert actor is not None
        days = _period(invocation, 30)
        if days is None:
            ctx.respond(tr(_("Write /stats export 7d, 30d or 90d.")))
            return
        window, _now, _before = await self._periods(ctx, self._scope_here(ctx), days)
        ctx.emit(
            SendFile(
                bot=ctx.bot.name,
                filename=f"stats-{days}d.csv",
                data=render.export_csv(window).encode("utf-8"),
                mime_type="text/csv",
                caption=ctx.text(tr(_("The last {days} days, one row a day:"), days=days)),
                user_id=actor.user_id,
                display_name=actor.display_name,
                fallback_channel=ctx.event.channel,
            )
        )

    @subcommand("stats", "digest")
    async def digest_setting(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        state = str(invocation.args["state"]).lower()
        if state not in ("weekly", "off"):
            ctx.respond(tr(_("Write /stats digest weekly or /stats digest off.")))
            return
        await ctx.update_settings(AnalyticsSettings, digest=state == "weekly")
        if state == "weekly":
            scope = self._scope_here(ctx)
            self._digests.discard(scope)
            await self._schedule_digest(ctx, scope, ctx.community.id)
            ctx.respond(tr(_("The weekly digest goes to the managers' inbox every Monday.")))
        else:
            ctx.respond(tr(_("No more weekly digest; /stats digest weekly brings it back.")))

    @job(DIGEST_JOB)
    async def digest(self, event: JobDue, ctx: Context) -> None:
        """Forget the scope's days past :attr:`keep_days`, post last week's figures to
        the managers' inbox, and schedule next week's."""
        scope = str(event.payload["scope"])
        oldest = day_of(ctx.now) - self.keep_days + 1
        for kept in self._pruned(ctx, scope):
            await self.store(ctx.tx).prune(kept, oldest)
        community = ctx.event.community
        await ctx.tx.schedule(
            kind=DIGEST_JOB,
            due_at=next_digest(ctx.now),
            platform=event.platform,
            bot=event.bot,
            payload={"scope": scope},
            community_id=community.id if community is not None else None,
            key=f"{DIGEST_JOB}:{scope}"[:128],
            now=ctx.now,
        )
        if community is None or not (await ctx.settings(AnalyticsSettings, community)).digest:
            return
        inbox = await managers_inbox(ctx, community)
        if inbox is None:
            log.info("no managers' inbox for %s: the weekly digest waits for one", scope)
            return
        _window, now, before = await self._periods(ctx, scope, 7)
        tr = await ctx.translator()
        ctx.emit(
            SendMessage(bot=inbox.bot, channel=inbox.channel, text=render.digest(now, before, tr))
        )

    def _pruned(self, ctx: Context, scope: str) -> list[str]:
        """The scope a digest is for, and for a space each of its communities' own."""
        scopes = [scope]
        community = ctx.event.community
        if community is not None:
            scopes.append(community_scope(ctx.event.platform, community.id))
        for space in ctx.spaces.spaces:
            if space_scope(space.name) == scope:
                scopes += [
                    community_scope(ctx.bots[place.bot].platform, place.community_id)
                    for place in space.places
                    if place.bot in ctx.bots
                ]
        return sorted(set(scopes))


def _period(invocation: Invocation, default: int) -> int | None:
    raw = invocation.args.get("period")
    if raw is None:
        return default
    return PERIODS.get(str(raw).lower().strip())
