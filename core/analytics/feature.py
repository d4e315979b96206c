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
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar

from townsquare.core.actions import SendFile, SendMessage
from townsquare.core.analytics import render
from townsquare.core.analytics.metrics import Summary, summarize
from townsquare.core.analytics.store import AnalyticsStore, Counter, Window
from townsquare.core.capabilities import Capability
from townsquare.core.commands import CommandSpec, Invocation, Param
from townsquare.core.events import (
    Event,
    JobDue,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
)
from townsquare.core.facts import (
    CaseClaimed,
    CaseOpened,
    CaseResolved,
    FaqAnswered,
    FaqRated,
    FaqUnanswered,
)
from townsquare.core.features import Context, Feature, command, job, on, subcommand
from townsquare.core.i18n import _
from townsquare.core.inbox import managers_inbox
from townsquare.core.persons import PersonDirectory, account_platform
from townsquare.core.privacy import KeepsPersonalData
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


def community_scope(platform: str, community_id: str) -> str:
    return f"c:{account_platform(platform)}:{community_id}"


def space_scope(name: str) -> str:
    return f"s:{name}"


_EPOCH = date(1970, 1, 1).toordinal()


def day_of(at: datetime) -> int:
    """The UTC day of ``at`` as a date ordinal (``at`` is aware, as every event's time)."""
    return int(at.timestamp() // 86400) + _EPOCH


def next_digest(now: datetime) -> datetime:
    """The next Monday, 08:00 UTC, after ``now``."""
    today = now.astimezone(UTC).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    due = datetime.combine(monday, time(8), tzinfo=UTC)
    return due if due > now else due + timedelta(days=7)


class Analytics(KeepsPersonalData, Feature):
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
            elif (
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
        await self.store(tx).flush()

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

    # -- counting -------------------------------------------------------------------------

    def _scopes(self, ctx: Context, platform: str, community_id: str | None) -> tuple[str, ...]:
        """The community's scope, and its space's if it is in one (``[[spaces]]`` is read
        once per community: the config does not change while the process runs)."""
        if community_id is None:
            return ()
        key = (ctx.event.bot, platform, community_id)
        found = self._scope_cache.get(key)
        if found is None:
            space = ctx.spaces.of(ctx.event.bot, community_id)
            own = community_scope(platform, community_id)
            found = (own,) if space is None else (own, space_scope(space.name))
            if len(self._scope_cache) < SEEN_LIMIT:
                self._scope_cache[key] = found
        return found

    def _add(self, ctx: Context, scopes: tuple[str, ...], day: int, counter: Counter) -> None:
        store = self.store(ctx.tx)
        for scope in scopes:
            store.add(scope, day, counter)

    @on(MessagePosted)
    async def posted(self, event: MessagePosted, ctx: Context) -> None:
        actor, community = event.actor, event.community
        if actor is None or actor.is_bot or community is None:
            return
        scopes = self._scopes(ctx, event.platform, community.id)
        day = day_of(event.occurred_at)
        store = self.store(ctx.tx)
        reply = event.reply_to is not None
        for scope in scopes:
            store.add(scope, day, "messages")
            if reply:
                store.add(scope, day, "replies")
        seen = (day, event.bot, community.id, event.platform, actor.user_id)
        if seen in self._seen:
            return
        person = await self._person(ctx, event.platform, actor.user_id)
        for scope in scopes:
            store.active(scope, day, person)
        ctx.after_commit(lambda: self._remember(seen))
        await self._schedule_digest(ctx, scopes[-1], community.id)

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

    @on(ReactionAdded)
    async def reacted(self, event: ReactionAdded, ctx: Context) -> None:
        if event.actor is None or event.actor.is_bot or event.community is None:
            return
        scopes = self._scopes(ctx, event.platform, event.community.id)
        self._add(ctx, scopes, day_of(event.occurred_at), "reactions")

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

    @on(MemberLeft)
    async def left(self, event: MemberLeft, ctx: Context) -> None:
        if event.channel_only or event.member.is_bot or event.community is None:
            return
        scopes = self._scopes(ctx, event.platform, event.community.id)
        self._add(ctx, scopes, day_of(event.occurred_at), "leaves")

    # -- facts ----------------------------------------------------------------------------

    @on(FaqAnswered)
    async def answered(self, fact: FaqAnswered, ctx: Context) -> None:
        scopes, day = self._scopes(ctx, fact.platform, fact.community_id), day_of(fact.at)
        self._add(ctx, scopes, day, "questions")
        self._add(ctx, scopes, day, "answered")
        if fact.automatic:
            self._add(ctx, scopes, day, "answered_by_bot")

    @on(FaqUnanswered)
    async def unanswered(self, fact: FaqUnanswered, ctx: Context) -> None:
        scopes = self._scopes(ctx, fact.platform, fact.community_id)
        self._add(ctx, scopes, day_of(fact.at), "questions")

    @on(FaqRated)
    async def rated(self, fact: FaqRated, ctx: Context) -> None:
        if fact.helpful:
            scopes = self._scopes(ctx, fact.platform, fact.community_id)
            self._add(ctx, scopes, day_of(fact.at), "helpful")

    @on(CaseOpened)
    async def case_opened(self, fact: CaseOpened, ctx: Context) -> None:
        scopes = self._scopes(ctx, fact.platform, fact.community_id)
        self._add(ctx, scopes, day_of(fact.at), "cases_opened")
        for scope in scopes:
            await self.store(ctx.tx).case_opened(scope, fact.case_id, fact.at)

    @on(CaseClaimed)
    async def case_claimed(self, fact: CaseClaimed, ctx: Context) -> None:
        await self.store(ctx.tx).case_moved(fact.case_id, claimed_at=fact.at)

    @on(CaseResolved)
    async def case_resolved(self, fact: CaseResolved, ctx: Context) -> None:
        await self.store(ctx.tx).case_moved(fact.case_id, resolved_at=fact.at)

    # -- reading --------------------------------------------------------------------------

    def _scope_here(self, ctx: Context) -> str:
        space = ctx.space
        if space is not None:
            return space_scope(space.name)
        return community_scope(ctx.event.platform, ctx.community.id)

    async def _periods(
        self, ctx: Context, scope: str, days: int
    ) -> tuple[Window, Summary, Summary]:
        today = day_of(ctx.now)
        store = self.store(ctx.tx)
        window = await store.window(scope, today - days + 1, today)
        before = await store.window(scope, today - 2 * days + 1, today - days, brief=True)
        return window, summarize(window, today), summarize(before, today)

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
