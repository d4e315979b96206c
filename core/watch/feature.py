"""Watch words: ``/watch add|list|remove``, and mentions carried to the managers' inbox.

Managers watch words and phrases per community, or per space when the community is in
one (``[[spaces]]``: the list is the space's, and a message in any of its communities
counts). A member's message that mentions one (:mod:`core.watch.matcher`: case, accents
and punctuation folded, words stemmed in English, Italian or Russian) is kept as a short
sanitised excerpt with a link to it, and counted in its UTC hour.

*The digest* is one message per hour in the managers' inbox (:mod:`core.inbox`, where
cases go), sent at the hour's first mention and edited in place as more come, so the
inbox gains one message an hour at most, and the message always shows the hour so far:
each phrase's count and the latest :data:`~core.watch.rules.DIGEST_LINES` mentions, each
with its link where the platform has message links. It is written by the
``watch.digest`` job, scheduled (one per scope) in the transaction that counted the
mention and fired at once: a chunk's mentions make one edit, and an edit waiting in the
outbox is replaced by a newer one (the delivery worker coalesces edits of one message).

*A spike* (:mod:`core.watch.rules`: ≥ 5× the phrase's mean hourly rate over the last 7
days, and at least 5 mentions in the hour) is an alert sent at once, in the transaction
of the message that made it one, at most once per phrase and hour.

Everything goes through the pipeline's transaction (the mention, its count, the job, the
alert in the outbox), so a restart loses nothing and counts nothing twice; the same
message counted again (another delivery of it) is kept once.

Scanning is cheap: each list is compiled once into a :class:`~core.watch.matcher
.WatchMatcher` kept in memory and labelled with the list's version, a setting written
with each change (read from the settings every event already reads, so a change made by
another process is seen within the settings' few seconds of caching). A community
without watch words pays one setting read per message.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from townsquare.core.actions import EditMessage, SendMessage
from townsquare.core.commands import Invocation
from townsquare.core.events import JobDue, MessagePosted
from townsquare.core.features import Context, Feature, command, job, on, resolves, subcommand
from townsquare.core.i18n import _
from townsquare.core.inbox import managers_inbox
from townsquare.core.permalinks import message_link
from townsquare.core.persons import account_platform
from townsquare.core.refs import CommunityRef
from townsquare.core.scope import Owned, parse_id
from townsquare.core.settings import FeatureSettings, setting
from townsquare.core.text import bold, code, compose, lines
from townsquare.core.watch import render
from townsquare.core.watch.matcher import (
    Found,
    WatchMatcher,
    phrase_forms,
    phrase_key,
    phrase_words,
    word_offset,
)
from townsquare.core.watch.rules import (
    BASELINE_HOURS,
    DIGEST_LINES,
    KEEP_HOURS,
    MAX_PHRASE_CHARS,
    MAX_PHRASES,
    SPIKE_MIN,
    clean_phrase,
    digest_job_key,
    digest_key,
    excerpt,
    hour_of,
    is_spike,
    phrase_problem,
    short_name,
)
from townsquare.core.watch.specs import WATCH, WATCH_ID
from townsquare.core.watch.store import Digest, Mention, Phrase, WatchStore

log = logging.getLogger(__name__)

DIGEST_JOB = "watch.digest"
SCOPES_CACHED = 100_000


@dataclass(frozen=True, slots=True)
class WatchSettings(FeatureSettings):
    namespace: ClassVar[str] = "watch"
    version: str = setting("", key="watch_list_version", space=True)
    """Changes with every change of the list (empty: nothing was ever watched here)."""


StoreFactory = Callable[[Any], WatchStore]
_SCHEDULED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
"""Per transaction: the scopes whose digest job it scheduled already."""


def community_scope(platform: str, community_id: str) -> str:
    return f"c:{account_platform(platform)}:{community_id}"


def space_scope(name: str) -> str:
    return f"s:{name}"


class Watch(Feature):
    name = "watch"
    settings_models = (WatchSettings,)

    def __init__(self, store: StoreFactory) -> None:
        self.store = store
        self._matchers: dict[str, tuple[str, WatchMatcher, dict[int, str]]] = {}
        """Per scope: the list's version, its compiled matcher and its phrases' texts."""
        self._scopes: dict[tuple[str, str], str] = {}

    def _scope(self, ctx: Context, community: CommunityRef) -> str:
        """The community's list: its space's if it is in one, else its own (the config's
        spaces do not change while the process runs)."""
        key = (ctx.event.bot, community.id)
        found = self._scopes.get(key)
        if found is None:
            space = ctx.spaces.of(ctx.event.bot, community.id)
            found = (
                space_scope(space.name)
                if space is not None
                else community_scope(ctx.event.platform, community.id)
            )
            if len(self._scopes) < SCOPES_CACHED:
                self._scopes[key] = found
        return found

    async def _matcher(
        self, ctx: Context, scope: str, version: str
    ) -> tuple[WatchMatcher, dict[int, str]]:
        cached = self._matchers.get(scope)
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
        phrases = await self.store(ctx.tx).phrases(scope)
        texts = {phrase.id: phrase.text for phrase in phrases}
        matcher = WatchMatcher(texts.items())
        # Keyed by the version this transaction read: a version written by a transaction
        # that rolls back is never read again, so its entry is simply replaced.
        self._matchers[scope] = (version, matcher, texts)
        return matcher, texts

    async def _changed(self, ctx: Context) -> None:
        await ctx.update_settings(WatchSettings, version=uuid.uuid4().hex[:16])

    # -- counting ---------------------------------------------------------------------

    @on(MessagePosted)
    async def posted(self, event: MessagePosted, ctx: Context) -> None:
        community, actor = event.community, event.actor
        if community is None or actor is None or actor.is_bot or not event.text:
            return
        version = (await ctx.settings(WatchSettings, community)).version
        if not version:
            return
        scope = self._scope(ctx, community)
        matcher, texts = await self._matcher(ctx, scope, version)
        found = matcher.scan(event.text, ctx.tr.language)
        if found:
            await self._record(event, ctx, community, scope, found, texts)

    async def _record(
        self,
        event: MessagePosted,
        ctx: Context,
        community: CommunityRef,
        scope: str,
        found: list[Found],
        texts: dict[int, str],
    ) -> None:
        assert event.actor is not None
        store = self.store(ctx.tx)
        hour = hour_of(event.occurred_at)
        link = message_link(community.platform, community.id, event.message, community.url)
        counted_any = False
        for hit in found:
            mention = Mention(
                scope=scope,
                hour=hour,
                phrase_id=hit.phrase_id,
                phrase=texts.get(hit.phrase_id, "")[:MAX_PHRASE_CHARS],
                platform=event.platform,
                bot=event.bot,
                community_id=community.id,
                channel_id=event.message.channel.id,
                message_id=event.message.message_id,
                author=short_name(event.actor.display_name),
                excerpt=excerpt(event.text, word_offset(event.text, hit.start)),
                link=link if link is None or len(link) <= 512 else None,
                at=event.occurred_at,
            )
            counted = await store.record(mention)
            if counted is None:
                continue  # this message was counted for this phrase already
            counted_any = True
            if counted.hits >= SPIKE_MIN and not counted.alerted:
                previous = await store.previous(scope, hit.phrase_id, hour, BASELINE_HOURS)
                if is_spike(counted.hits, previous) and await store.mark_alerted(
                    scope, hit.phrase_id, hour
                ):
                    await self._alert(ctx, community, mention, counted.hits, previous)
        if counted_any:
            await self._schedule_digest(ctx, community, scope, hour)

    async def _alert(
        self, ctx: Context, community: CommunityRef, mention: Mention, hits: int, previous: int
    ) -> None:
        inbox = await managers_inbox(ctx, community)
        if inbox is None:
            log.info(
                "no managers' inbox for %s: the spike of %r is in /watch list only",
                mention.scope,
                mention.phrase,
            )
            return
        text = render.spike(mention, hits, previous, ctx.tr)
        ctx.emit(SendMessage(bot=inbox.bot, channel=inbox.channel, text=text))

    async def _schedule_digest(
        self, ctx: Context, community: CommunityRef, scope: str, hour: int
    ) -> None:
        """The scope's digest job, due now: one per transaction however many mentions
        it counted (its key replaces a pending one, so one job per scope is pending)."""
        scheduled = _SCHEDULED.setdefault(ctx.tx, set())
        if scope in scheduled:
            return
        scheduled.add(scope)
        await ctx.tx.schedule(
            kind=DIGEST_JOB,
            due_at=ctx.now,
            platform=ctx.event.platform,
            bot=ctx.event.bot,
            payload={"scope": scope, "hour": hour},
            community_id=community.id,
            key=digest_job_key(scope),
            now=ctx.now,
        )

    @job(DIGEST_JOB)
    async def digest(self, event: JobDue, ctx: Context) -> None:
        """Send or edit the digest of every recent hour with mentions it does not show:
        the hour that scheduled the job, the one before it (a mention at 10:59 whose job
        fires at 11:00), and the current hour and the one before."""
        scope, community = str(event.payload["scope"]), event.community
        if community is None:
            return
        now = hour_of(ctx.now)
        asked = int(event.payload.get("hour", now))
        store = self.store(ctx.tx)
        for hour in sorted({asked - 1, asked, now - 1, now}):
            counts, latest = await store.hour(scope, hour, DIGEST_LINES)
            total = sum(count.hits for count in counts)
            if total == 0:
                continue
            sent = await store.digest(scope, hour)
            if sent is not None and sent.shown >= total:
                continue
            text = render.digest(hour, counts, latest, ctx.tr)
            key = digest_key(scope, hour)
            if sent is not None:
                ctx.emit(EditMessage(bot=sent.bot, text=text, key=key))
                await store.digest_sent(scope, hour, Digest(sent.bot, sent.channel_id, total))
                continue
            inbox = await managers_inbox(ctx, community)
            if inbox is None:
                log.info("no managers' inbox for %s: its watch digest waits for one", scope)
                return
            ctx.emit(SendMessage(bot=inbox.bot, channel=inbox.channel, text=text, key=key))
            await store.digest_sent(scope, hour, Digest(inbox.bot, inbox.channel.id, total))
            await store.prune(scope, hour - KEEP_HOURS)

    # -- managers -----------------------------------------------------------------------

    @resolves(WATCH_ID)
    async def _by_id(self, phrase_id: int, ctx: Context) -> Owned[Phrase] | None:
        community = ctx.event.community
        if community is None:
            return None
        phrase = await self.store(ctx.tx).phrase(phrase_id)
        if phrase is None or phrase.scope != self._scope(ctx, community):
            return None
        return Owned(phrase, community.platform, community.id)

    @command(WATCH)
    async def watch(self, invocation: Invocation, ctx: Context) -> None:
        await self._list(invocation, ctx)

    @subcommand("watch", "add")
    async def _add(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        text = clean_phrase(str(invocation.args.get("phrase") or ""))
        problem = phrase_problem(text, phrase_words(text))
        if problem is not None:
            ctx.respond(tr(problem))
            return
        store, scope = self.store(ctx.tx), self._scope(ctx, ctx.community)
        key = phrase_key(text)
        phrases = await store.phrases(scope)
        forms = phrase_forms(text)
        # The same words, or words that match the same messages ("refunds" and "refund").
        same = next((p for p in phrases if p.key == key or phrase_forms(p.text) & forms), None)
        if same is None and len(phrases) >= MAX_PHRASES:
            ctx.respond(
                tr(
                    _("This list has {n} watched phrases, the most it may; remove one first."),
                    n=MAX_PHRASES,
                )
            )
            return
        added = None if same is not None else await store.add(scope, text, key[:255], ctx.now)
        if added is None:
            same = same or await store.phrase_by_key(scope, key)
            ctx.respond(
                compose(
                    tr(_("Already watching #{id} {phrase}.")),
                    id=str(same.id if same else "?"),
                    phrase=render.quoted(same.text if same else text),
                )
            )
            return
        await self._changed(ctx)
        said = compose(
            tr(
                _(
                    "Watching #{id} {phrase}: its mentions reach the managers' inbox in one "
                    "digest an hour, and a spike at once."
                )
            ),
            id=str(added.id),
            phrase=render.quoted(added.text),
        )
        if await managers_inbox(ctx) is None:
            said = lines(
                said,
                compose(
                    tr(_("There is no managers' inbox yet: choose one with {command}.")),
                    command=code("/managers here"),
                ),
            )
        ctx.respond(said)

    @subcommand("watch", "list")
    async def _list(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        phrases = await self.store(ctx.tx).phrases(self._scope(ctx, ctx.community))
        if not phrases:
            ctx.respond(
                compose(
                    tr(_("No watched words yet. Add one with {command}.")),
                    command=code("/watch add <word or phrase>"),
                )
            )
            return
        title = tr.plural(
            _("{n} watched word or phrase:"), _("{n} watched words and phrases:"), len(phrases)
        )
        ctx.respond(lines(bold(title), *(render.phrase_line(phrase) for phrase in phrases)))

    @subcommand("watch", "remove")
    async def _remove(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        target = clean_phrase(str(invocation.args.get("target") or ""))
        store, scope = self.store(ctx.tx), self._scope(ctx, ctx.community)
        phrase: Phrase | None = None
        if parse_id(target) is not None:
            found = await self.find(WATCH_ID, target, ctx)
            phrase = found.thing if isinstance(found, Owned) else None
        key = phrase_key(target)
        if phrase is None and key:
            phrase = await store.phrase_by_key(scope, key)
        if phrase is None or not await store.remove(phrase.id):
            ctx.respond(
                compose(
                    tr(_("I am not watching {phrase}; {command} shows what I watch.")),
                    phrase=render.quoted(target[:MAX_PHRASE_CHARS]),
                    command=code("/watch list"),
                )
            )
            return
        await self._changed(ctx)
        ctx.respond(
            compose(
                tr(_("No longer watching #{id} {phrase}.")),
                id=str(phrase.id),
                phrase=render.quoted(phrase.text),
            )
        )
