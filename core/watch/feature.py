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
with its link where the platform has message links.

*A spike* (:mod:`core.watch.rules`: ≥ 5× the phrase's mean hourly rate over the last 7
days, and at least 5 mentions in the hour) is a message of its own in the inbox, at most
once per phrase and hour.

A message's mentions are kept for the end of its chunk (:meth:`Watch.finish`), where the
chunk's mentions and their hourly counts are written in two statements, in the batch's
transaction, with the ``watch.digest`` job of each scope that gained one, due at once
(one pending job per scope, keyed). The job, which fires on the scheduler's next look (a
second at most), alerts the spikes and sends or edits the digest; the delivery worker
coalesces edits of one message, so a burst of mentions costs few edits. Mentions, counts,
the job and what it sends all go through transactions and the outbox, so a restart loses
nothing and counts nothing twice; the same message counted again (another delivery of
it) is kept once.

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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from townsquare.core.actions import EditMessage, SendMessage
from townsquare.core.commands import Invocation
from townsquare.core.events import JobDue, MessagePosted
from townsquare.core.features import Context, Feature, command, job, on, resolves, subcommand
from townsquare.core.i18n import _
from townsquare.core.inbox import Inbox, managers_inbox
from townsquare.core.permalinks import message_link
from townsquare.core.persons import account_platform
from townsquare.core.privacy import KeepsPersonalData
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
    version: str = setting("", key="watch_list_version", space=True, internal=True)
    """Changes with every change of the list (empty: nothing was ever watched here); the
    feature's bookkeeping, which ``/settings`` does not list."""


StoreFactory = Callable[[Any], WatchStore]


@dataclass
class _Pending:
    """A transaction's mentions, written at the chunk's end (:meth:`Watch.finish`)."""

    mentions: list[Mention] = field(default_factory=list)
    jobs: dict[str, tuple[str, str, str, int, datetime]] = field(default_factory=dict)
    """Per scope: the platform, bot, community, hour and time its digest job is for."""


_PENDING: weakref.WeakKeyDictionary[Any, _Pending] = weakref.WeakKeyDictionary()


def community_scope(platform: str, community_id: str) -> str:
    return f"c:{account_platform(platform)}:{community_id}"


def space_scope(name: str) -> str:
    return f"s:{name}"


class Watch(KeepsPersonalData, Feature):
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
        if event.message.channel.is_direct:  # a private word to the bot: in no community
            return
        version = (await ctx.settings(WatchSettings, community)).version
        if not version:
            return
        scope = self._scope(ctx, community)
        matcher, texts = await self._matcher(ctx, scope, version)
        found = matcher.scan(event.text, ctx.tr.language)
        if found:
            self._record(event, ctx, community, scope, found, texts)

    def _record(
        self,
        event: MessagePosted,
        ctx: Context,
        community: CommunityRef,
        scope: str,
        found: list[Found],
        texts: dict[int, str],
    ) -> None:
        """Keep the mentions for the chunk's end (:meth:`finish`): no statement now."""
        assert event.actor is not None
        hour = hour_of(event.occurred_at)
        link = message_link(community.platform, community.id, event.message, community.url)
        author = short_name(event.actor.display_name)
        mentions = [
            Mention(
                scope=scope,
                hour=hour,
                phrase_id=hit.phrase_id,
                phrase=texts.get(hit.phrase_id, "")[:MAX_PHRASE_CHARS],
                platform=event.platform,
                bot=event.bot,
                community_id=community.id,
                channel_id=event.message.channel.id,
                message_id=event.message.message_id,
                author=author,
                excerpt=excerpt(event.text, word_offset(event.text, hit.start)),
                link=link if link is None or len(link) <= 512 else None,
                at=event.occurred_at,
            )
            for hit in found
        ]
        pending = _PENDING.setdefault(ctx.tx, _Pending())
        pending.mentions.extend(mentions)
        pending.jobs.setdefault(
            scope, (ctx.event.platform, ctx.event.bot, community.id, hour, ctx.now)
        )

    async def finish(self, tx: Any) -> None:
        """Write the chunk's mentions and counts (two statements), and schedule the digest
        job of each scope that gained one, due now (one statement per scope; its key
        replaces a pending one, so one job per scope is pending)."""
        pending = _PENDING.pop(tx, None)
        if pending is None or not pending.mentions:
            return
        kept = await self.store(tx).record(pending.mentions)
        for scope in dict.fromkeys(mention.scope for mention in kept):
            platform, bot, community_id, hour, now = pending.jobs[scope]
            await tx.schedule(
                kind=DIGEST_JOB,
                due_at=now,
                platform=platform,
                bot=bot,
                payload={"scope": scope, "hour": hour},
                community_id=community_id,
                key=digest_job_key(scope),
                now=now,
            )

    @job(DIGEST_JOB)
    async def digest(self, event: JobDue, ctx: Context) -> None:
        """Alert the spikes, and send or edit the digest of every recent hour with
        mentions it does not show: the hour that scheduled the job, the one before it (a
        mention at 10:59 whose job fires at 11:00), the current hour and the one before."""
        scope, community = str(event.payload["scope"]), event.community
        if community is None:
            return
        now = hour_of(ctx.now)
        asked = int(event.payload.get("hour", now))
        store = self.store(ctx.tx)
        inbox = await managers_inbox(ctx, community)
        for hour in sorted({asked - 1, asked, now - 1, now}):
            await self._spikes(ctx, store, inbox, scope, hour)
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
            if inbox is None:
                log.info("no managers' inbox for %s: its watch digest waits for one", scope)
                return
            ctx.emit(SendMessage(bot=inbox.bot, channel=inbox.channel, text=text, key=key))
            await store.digest_sent(scope, hour, Digest(inbox.bot, inbox.channel.id, total))
            await store.prune(scope, hour - KEEP_HOURS)

    async def _spikes(
        self, ctx: Context, store: WatchStore, inbox: Inbox | None, scope: str, hour: int
    ) -> None:
        """An alert for each of the hour's phrases that became a spike, once: the mark is
        a conditional update, so of two processes only one sends it."""
        for phrase_id, hits in await store.unalerted(scope, hour, SPIKE_MIN):
            previous = await store.previous(scope, phrase_id, hour, BASELINE_HOURS)
            if not is_spike(hits, previous):
                continue
            if inbox is None:
                log.info("no managers' inbox for %s: a spike is in its digest only", scope)
                return
            latest = await store.latest(scope, phrase_id, hour)
            if latest is not None and await store.mark_alerted(scope, phrase_id, hour):
                text = render.spike(latest, hits, previous, ctx.tr)
                ctx.emit(SendMessage(bot=inbox.bot, channel=inbox.channel, text=text))

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
