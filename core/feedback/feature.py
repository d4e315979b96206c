"""``/feedback``: members' ideas on one board per community or space, votes, statuses, and
every backer told privately what came of them (see :mod:`core.feedback`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from townsquare.core.commands import Invocation
from townsquare.core.events import CommandIssued, JobDue
from townsquare.core.facts.feedback import FeedbackFiled, FeedbackVoted
from townsquare.core.features import (
    Context,
    Feature,
    command,
    job,
    pressed,
    resolves,
    subcommand,
)
from townsquare.core.feedback import render, rules
from townsquare.core.feedback import teams as team_ops
from townsquare.core.feedback.answers import account_of, outcome_text, privately, unquoted
from townsquare.core.feedback.github import GithubIssues
from townsquare.core.feedback.rules import (
    CLOSED,
    FileButton,
    OfferVote,
    Status,
    StatusButton,
    VoteButton,
    parse_status,
    scope_of,
)
from townsquare.core.feedback.settings import FeedbackSettings
from townsquare.core.feedback.similar import SimilarIdeas
from townsquare.core.feedback.specs import (
    DRAFT_ID,
    FEEDBACK,
    IDEA,
    IDEA_ID,
    NOTICE_JOB,
    SHIPPED_JOB,
    shipped_key,
)
from townsquare.core.feedback.status import (
    NOTICE_DELAY,
    Changed,
    Unchanged,
    apply_status,
    edit_posts,
    send_notices,
    send_posts,
)
from townsquare.core.feedback.store import Account, Draft, FeedbackStore, Idea
from townsquare.core.i18n import Translator, _
from townsquare.core.matching import LexicalMatcher, Matcher
from townsquare.core.persons import PersonDirectory, account_platform
from townsquare.core.privacy import KeepsPersonalData
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef, parse_id, press_matches
from townsquare.core.text import as_text

StoreFactory = Callable[[Any], FeedbackStore]

ONLY_MANAGERS = _("Sorry, only managers can use {command}.")
NO_COMMUNITY = _("Send ideas from a community, not from a private chat.")


class Feedback(KeepsPersonalData, GithubIssues, Feature):
    name = "feedback"
    settings_models = (FeedbackSettings,)

    def __init__(
        self,
        store: StoreFactory,
        persons: PersonDirectory | None = None,
        *,
        matcher: Callable[[str], Matcher] = LexicalMatcher,
        notice_delay: timedelta = NOTICE_DELAY,
    ) -> None:
        self.store = store
        self.persons = persons
        """Votes follow the person (without it, each account)."""
        self.similar = SimilarIdeas(matcher)
        self.notice_delay = notice_delay

    # -- submitting -----------------------------------------------------------------------

    @command(FEEDBACK)
    async def feedback(self, invocation: Invocation, ctx: Context) -> None:
        text = unquoted(invocation.args.get("text"))
        number = parse_id(text) if text and len(text.split()) == 1 else None
        if number is not None:
            found = await self.find(IDEA_ID, number, ctx)
            if found is None:
                ctx.respond(ctx.tr(IDEA_ID.unknown, id=number))
                return
            history = await self.store(ctx.tx).history(found.id)
            ctx.respond(render.details(found, history, ctx.tr))
            return
        await self._submit(text, ctx)

    @command(IDEA)
    async def idea(self, invocation: Invocation, ctx: Context) -> None:
        await self._submit(unquoted(invocation.args.get("text")), ctx)

    async def _submit(self, text: str, ctx: Context, *, anyway: bool = False) -> None:
        tr, event = ctx.tr, ctx.event
        if not text and isinstance(event, CommandIssued) and event.reply_to_text:
            text = event.reply_to_text.strip()  # a reply, or the "Send as feedback" menu
        if event.community is None or event.channel is None or event.actor is None:
            ctx.respond(tr(NO_COMMUNITY))
            return
        if not text:
            ctx.respond(
                tr(_("Write your idea after the command: /feedback A dark mode for the app"))
            )
            return
        if len(text) < rules.MIN_TEXT:
            ctx.respond(
                tr(_("Say a little more: an idea needs at least {n} characters."), n=rules.MIN_TEXT)
            )
            return
        if len(text) > rules.MAX_TEXT:
            ctx.respond(
                tr(_("That is too long for one idea: at most {n} characters."), n=rules.MAX_TEXT)
            )
            return
        scope = self._scope(ctx)
        store = self.store(ctx.tx)
        author, _aliases = await account_of(ctx, self.persons)
        if not anyway:
            similar = await self._similar(store, scope, text, ctx)
            if similar:
                draft = await store.draft(
                    scope=scope, text=text, author=author, channel_id=event.channel.id, now=ctx.now
                )
                privately(
                    ctx,
                    render.similar(similar, draft.id, tr),
                    render.similar_buttons(similar, draft.id, tr),
                    key=draft.key,
                )
                return
        idea = await self._file(store, scope, text, author, event.channel.id, ctx)
        privately(ctx, render.filed(idea, tr, team=idea.team))

    async def _similar(
        self, store: FeedbackStore, scope: str, text: str, ctx: Context
    ) -> list[Idea]:
        language = (await ctx.translator()).language
        index = await self.similar.current(store, scope, language, ctx.after_commit)
        found = [
            m.id for m in index.search(text, rules.SIMILAR_LIMIT) if m.score >= rules.SIMILAR_SCORE
        ]
        ideas = await store.summaries(found)
        return [
            idea for idea in ideas if idea.scope == scope and idea.status is not Status.DUPLICATE
        ]

    async def _file(
        self,
        store: FeedbackStore,
        scope: str,
        text: str,
        author: Account,
        channel_id: str,
        ctx: Context,
    ) -> Idea:
        idea = await store.file(
            scope=scope, text=text, submitter=author, channel_id=channel_id, now=ctx.now
        )
        ctx.publish(
            FeedbackFiled(
                platform=idea.platform,
                community_id=idea.community_id,
                at=ctx.now,
                idea_id=idea.id,
                scope=scope,
                user_id=author.user_id,
            )
        )
        language = (await ctx.translator()).language
        team = await team_ops.routed(store, idea, language)
        if team is not None:
            await store.route(idea.id, team.name)
            idea = await store.get(idea.id) or idea
        boards = [b for b in await store.boards(scope) if b.bot in ctx.bots]
        idea = await store.add_posts(idea, boards, team=False)
        if team is not None and team.inbox is not None and team.inbox.bot in ctx.bots:
            idea = await store.add_posts(idea, [team.inbox], team=True)
        await send_posts(idea, idea.posts, ctx)
        await ctx.tx.schedule(
            kind=SHIPPED_JOB,
            due_at=rules.next_month(ctx.now),
            platform=ctx.bot.platform,
            bot=ctx.bot.name,
            payload={"scope": scope, "community": idea.community_id, "platform": idea.platform},
            community_id=idea.community_id,
            key=shipped_key(scope),
            now=ctx.now,
        )
        return idea

    @subcommand("feedback", "file")
    async def file_draft(self, invocation: Invocation, ctx: Context) -> None:
        draft = invocation.found["draft"]
        assert isinstance(draft, Draft)
        await self._file_draft(draft, ctx)

    @pressed(FileButton)
    async def pressed_file(self, data: FileButton, ctx: Context) -> None:
        draft = await self.store(ctx.tx).get_draft(data.draft_id)
        if draft is None or not self._offer_pressed(draft, ctx):
            ctx.answer(ctx.tr(_("This idea is no longer held.")))
            return
        ctx.answer()
        await self._file_draft(draft, ctx)

    async def _file_draft(self, draft: Draft, ctx: Context) -> None:
        tr = ctx.tr
        store = self.store(ctx.tx)
        if draft.idea_id is not None:
            privately(ctx, as_text(tr(_("That idea is filed already as #{id}."), id=draft.idea_id)))
            return
        idea = await self._file(store, draft.scope, draft.text, draft.author, draft.channel_id, ctx)
        if not await store.filed_draft(draft.id, idea.id):
            raise RuntimeError("a draft filed twice in one transaction")
        privately(ctx, render.filed(idea, tr, team=idea.team))

    # -- voting ---------------------------------------------------------------------------

    @subcommand("feedback", "vote")
    async def vote(self, invocation: Invocation, ctx: Context) -> None:
        found = invocation.found["id"]
        assert isinstance(found, Idea)
        answer, _refused = await self._vote(found, ctx, ctx.tr)
        ctx.respond(answer)

    @pressed(VoteButton)
    async def pressed_vote(self, data: VoteButton, ctx: Context) -> None:
        tr, event = ctx.tr, ctx.press
        found = await self.store(ctx.tx).get(data.idea_id)
        if found is None or event.actor is None or not await self._pressed_here(found, ctx):
            ctx.answer(tr(_("This idea no longer exists.")))
            return
        answer, refused = await self._vote(found, ctx, tr)
        ctx.answer(answer, alert=refused)

    @pressed(OfferVote)
    async def pressed_offer(self, data: OfferVote, ctx: Context) -> None:
        """A vote from the private offer of similar ideas: it counts for the offer's
        author only, and only for an idea of the offer's scope."""
        tr, store = ctx.tr, self.store(ctx.tx)
        draft = await store.get_draft(data.draft_id)
        found = await store.get(data.idea_id)
        if (
            draft is None
            or found is None
            or not self._offer_pressed(draft, ctx)
            or found.scope != draft.scope
        ):
            ctx.answer(tr(_("This idea no longer exists.")))
            return
        answer, refused = await self._vote(found, ctx, tr, draft.author.community_id)
        ctx.answer(answer, alert=refused)

    async def _vote(
        self, found: Idea, ctx: Context, tr: Translator, community: str | None = None
    ) -> tuple[str, bool]:
        if found.status in CLOSED:
            return tr(_("Idea #{id} is closed: it takes no more votes."), id=found.id), True
        voter, aliases = await account_of(ctx, self.persons, community)
        store = self.store(ctx.tx)
        if not await store.vote(found.id, voter, aliases, ctx.now):
            return tr(_("You have already voted for #{id}."), id=found.id), False
        idea = await store.get(found.id)
        assert idea is not None
        ctx.publish(
            FeedbackVoted(
                platform=idea.platform,
                community_id=idea.community_id,
                at=ctx.now,
                idea_id=idea.id,
                user_id=voter.user_id,
                votes=idea.votes,
            )
        )
        await edit_posts(idea, ctx)
        return tr(_("Voted for #{id}: {n} votes now."), id=idea.id, n=idea.votes), False

    # -- reading --------------------------------------------------------------------------

    @subcommand("feedback", "list")
    async def list_ideas(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        if ctx.event.community is None:
            ctx.respond(tr(NO_COMMUNITY))
            return
        raw = invocation.args.get("status")
        status = parse_status(raw) if raw else None
        if raw and status is None:
            ctx.respond(
                tr(
                    _(
                        "There is no status {status}: write new, review, planned, progress, done, "
                        "declined or duplicate."
                    ),
                    status=str(raw)[:24],
                )
            )
            return
        ideas = await self.store(ctx.tx).listed(self._scope(ctx), status, rules.LIST_LIMIT)
        ctx.respond(render.listing(ideas, status, tr))

    # -- statuses -------------------------------------------------------------------------

    @subcommand("feedback", "status")
    async def status(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        found = invocation.found["id"]
        assert isinstance(found, Idea)
        status = parse_status(invocation.args.get("status"))
        if status is None or status is Status.DUPLICATE:
            ctx.respond(
                tr(
                    _(
                        "Write a status: new, review, planned, progress, done or declined (a "
                        "duplicate: /feedback duplicate {id} <original>)."
                    ),
                    id=found.id,
                )
            )
            return
        note = unquoted(invocation.args.get("note")) or None
        await self._change(found, status, note, None, ctx)

    @subcommand("feedback", "duplicate")
    async def duplicate(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        found, original = invocation.found["id"], invocation.found["of"]
        assert isinstance(found, Idea) and isinstance(original, Idea)
        if original.id == found.id:
            ctx.respond(tr(_("An idea cannot be a duplicate of itself.")))
            return
        if original.status is Status.DUPLICATE:
            ctx.respond(
                tr(
                    _("#{id} is itself a duplicate of #{of}: name that one."),
                    id=original.id,
                    of=original.duplicate_of,
                )
            )
            return
        if found.scope != original.scope:
            ctx.respond(tr(IDEA_ID.unknown, id=original.id))
            return
        await self._change(found, Status.DUPLICATE, None, original.id, ctx)

    @pressed(StatusButton)
    async def pressed_status(self, data: StatusButton, ctx: Context) -> None:
        tr, event = ctx.tr, ctx.press
        found = await self.store(ctx.tx).get(data.idea_id)
        if (
            found is None
            or event.actor is None
            or not any(
                press_matches(event, post.bot, post.channel_id, post.message)
                for post in found.posts
                if post.key in found.team_posts
            )
        ):
            ctx.answer(tr(_("This idea no longer exists.")))
            return
        if ctx.role < Role.MANAGER:
            ctx.answer(tr(_("Only managers can change an idea's status.")), alert=True)
            return
        outcome = await self._apply(found, data.status, None, None, ctx)
        ctx.answer(outcome_text(outcome, found, tr))

    async def _change(
        self, found: Idea, status: Status, note: str | None, duplicate_of: int | None, ctx: Context
    ) -> None:
        outcome = await self._apply(found, status, note, duplicate_of, ctx)
        ctx.respond(outcome_text(outcome, found, ctx.tr))

    async def _apply(
        self, found: Idea, status: Status, note: str | None, duplicate_of: int | None, ctx: Context
    ) -> Changed | Unchanged:
        actor = ctx.event.actor
        by = f"{account_platform(ctx.event.platform)}:{actor.user_id}" if actor else "unknown"
        return await self.apply_status(
            ctx, found.id, status, note=note, by=by, duplicate_of=duplicate_of
        )

    async def apply_status(
        self,
        ctx: Context,
        idea_id: int,
        status: Status,
        *,
        note: str | None = None,
        by: str,
        duplicate_of: int | None = None,
    ) -> Changed | Unchanged:
        """:func:`core.feedback.status.apply_status` with this feature's store and delay:
        the entry point for code that changes statuses other than the chat command."""
        return await apply_status(
            ctx,
            self.store(ctx.tx),
            idea_id,
            status,
            note=note,
            by=by,
            duplicate_of=duplicate_of,
            delay=self.notice_delay,
        )

    @job(NOTICE_JOB)
    async def notices_due(self, event: JobDue, ctx: Context) -> None:
        await send_notices(ctx, self.store(ctx.tx), str(event.payload["recipient"]))

    # -- boards, teams, the monthly post ----------------------------------------------------

    @subcommand("feedback", "board")
    async def board(self, invocation: Invocation, ctx: Context) -> None:
        await team_ops.board_command(self, invocation, ctx)

    @subcommand("feedback", "shipped")
    async def shipped_setting(self, invocation: Invocation, ctx: Context) -> None:
        await team_ops.shipped_command(invocation, ctx)

    @subcommand("feedback", "team")
    async def team(self, invocation: Invocation, ctx: Context) -> None:
        await team_ops.team_command(self, invocation, ctx)

    @subcommand("feedback", "route")
    async def route(self, invocation: Invocation, ctx: Context) -> None:
        await team_ops.route_command(self, invocation, ctx)

    @job(SHIPPED_JOB)
    async def shipped_due(self, event: JobDue, ctx: Context) -> None:
        await team_ops.post_shipped(self, event, ctx)

    # -- who, where -----------------------------------------------------------------------

    def _scope(self, ctx: Context) -> str:
        space = ctx.space
        return scope_of(
            space.name if space is not None else None, ctx.event.platform, ctx.community.id
        )

    def _is_author(self, draft: Draft, ctx: Context) -> bool:
        actor = ctx.event.actor
        return (
            actor is not None
            and draft.author.bot == ctx.bot.name
            and draft.author.user_id == actor.user_id
        )

    def _offer_pressed(self, draft: Draft, ctx: Context) -> bool:
        """A press on the private offer of ``draft``: by its author, on its own message
        (before the message is recorded, nowhere)."""
        return self._is_author(draft, ctx) and press_matches(
            ctx.press, draft.author.bot, "", draft.message
        )

    # -- where ids are found ----------------------------------------------------------------

    @resolves(IDEA_ID)
    async def _idea(self, idea_id: int, ctx: Context) -> Idea | None:
        return await self.store(ctx.tx).get(idea_id)

    @resolves(DRAFT_ID)
    async def _draft(self, draft_id: int, ctx: Context) -> Draft | None:
        draft = await self.store(ctx.tx).get_draft(draft_id)
        return draft if draft is not None and self._is_author(draft, ctx) else None

    async def reaches(self, ref: IdRef, thing: Any, ctx: Context) -> bool:
        """An idea is named from every community of its scope (a space's from each of the
        space's communities) and from its scope's team inboxes; a held idea only by its
        author (the resolver checked)."""
        if isinstance(thing, Draft):
            return True
        if not isinstance(thing, Idea):
            return False
        community, channel = ctx.event.community, ctx.event.channel
        if community is not None and self._scope(ctx) == thing.scope:
            return True
        if channel is None:
            return False
        teams = await self.store(ctx.tx).teams(thing.scope)
        return any(
            t.inbox is not None and t.inbox.bot == ctx.bot.name and t.inbox.channel_id == channel.id
            for t in teams
        )

    async def _pressed_here(self, found: Idea, ctx: Context) -> bool:
        """A vote press counts only on one of the idea's own board messages, in its scope."""
        event = ctx.press
        return await self.visible(IDEA_ID, found, ctx) and any(
            press_matches(event, post.bot, post.channel_id, post.message)
            for post in found.posts
            if post.key not in found.team_posts
        )
