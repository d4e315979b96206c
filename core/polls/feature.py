"""``/poll``, ``/vote`` and poll buttons.

The poll message is sent under the outbox key ``poll:<id>``; every vote emits an edit of
that key, which the delivery worker coalesces (at most one edit per message every ~2 s,
always the newest tally). Votes are rows, so redelivered presses, concurrent presses and
restarts never lose or double one. Deadlines are durable jobs that fire after a restart.

A question that is exactly a subcommand name (``close``, ``results``, ``export``) would be
read as that subcommand; questions end with "?" in practice, which avoids it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from townsquare.core.actions import (
    EditMessage,
    SendFile,
    SendMessage,
)
from townsquare.core.commands import CommandSpec, Invocation, Option, Param
from townsquare.core.events import ButtonPressed, Event, JobDue
from townsquare.core.facts.polls import PollClosed, VoteCast
from townsquare.core.features import Context, Feature, command, job, pressed, resolves, subcommand
from townsquare.core.i18n import Translator, _
from townsquare.core.persons import PersonDirectory
from townsquare.core.polls import rules
from townsquare.core.polls.render import (
    buttons,
    export_csv,
    render,
    results,
    summary,
    tally_after,
    validate,
)
from townsquare.core.polls.rules import VoteButton
from townsquare.core.polls.store import Poll, PollStore, Tally
from townsquare.core.privacy import KeepsPersonalData
from townsquare.core.refs import ChannelRef
from townsquare.core.refusals import with_manager_notice
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef, press_matches
from townsquare.core.text import bold, compose

CLOSE_JOB = "polls.close"
POLL_ID = IdRef("poll", _("There is no poll #{id}."))
"""A poll named by id: only the caller's community's polls are found (:mod:`core.scope`)."""

POLL = CommandSpec(
    "poll",
    _("Start a poll with buttons"),
    role=Role.MANAGER,
    params=(
        Param("question", _("the question")),
        Param("options", _("2 to 10 options"), variadic=True),
    ),
    options=(
        Option("multi", _("members may pick several options")),
        Option("anonymous", _("nobody sees who voted what")),
        Option("closes", _("close after 30m, 2h, 1d..."), takes_value=True, metavar="30m|2h|1d"),
        Option("space", _("post it in every community of this space, with one tally")),
    ),
    subcommands=(
        CommandSpec(
            "close", _("Close a poll now"), Role.MANAGER, params=(Param("id", ref=POLL_ID),)
        ),
        CommandSpec(
            "results", _("Who voted what"), Role.MANAGER, params=(Param("id", ref=POLL_ID),)
        ),
        CommandSpec(
            "export",
            _("Results as CSV, privately"),
            Role.MANAGER,
            params=(Param("id", ref=POLL_ID),),
        ),
    ),
)
VOTE = CommandSpec(
    "vote",
    _("Vote in a poll (where there are no buttons)"),
    params=(Param("id", ref=POLL_ID), Param("option", _("option number, or 'retract'"))),
)

TOASTS = {
    rules.Outcome.RECORDED: _("Vote recorded"),
    rules.Outcome.MOVED: _("Vote moved"),
    rules.Outcome.UNCHANGED: _("That is already your vote"),
    rules.Outcome.ADDED: _("Option added to your votes"),
    rules.Outcome.REMOVED: _("Option removed from your votes"),
    rules.Outcome.RETRACTED: _("Vote withdrawn"),
    rules.Outcome.NOTHING_TO_RETRACT: _("You have not voted"),
}

REFUSED_POLL = _(
    "I could not post your poll #{id} {question}: the platform refused it. Check that I "
    "may post messages with buttons in that channel, then start the poll again."
)
GAVE_UP_POLL = _(
    "I could not post your poll #{id} {question}: the platform kept failing, so I stopped "
    "trying. Start the poll again later."
)
REFUSED_RESULT = _(
    "I could not post the result of poll #{id} {question}: the platform refused it. Check "
    "that I may post in that channel; /poll results {id} shows it to you."
)
GAVE_UP_RESULT = _(
    "I could not post the result of poll #{id} {question}: the platform kept failing, so I "
    "stopped trying; /poll results {id} shows it to you."
)
"""What the manager is told privately when their poll, or the result of the poll they
closed, cannot be posted (the platform's reason follows on its own line,
:mod:`core.refusals`). A deadline closes a poll with nobody to tell: only logged."""

StoreFactory = Callable[[Any], PollStore]


class Polls(KeepsPersonalData, Feature):
    name = "polls"

    def __init__(self, store: StoreFactory, persons: PersonDirectory | None = None) -> None:
        self.store = store
        self.persons = persons
        """Space polls count each person once (without it, each account)."""

    # -- a chunk of presses at once --------------------------------------------------------

    async def prepare(self, events: Sequence[Event], tx: Any) -> None:
        """The chunk's polls and its voters' current votes, read in one go."""
        voters: dict[int, set[str]] = {}
        for event in events:
            if isinstance(event, ButtonPressed) and event.actor is not None:
                data = VoteButton.parse(event.data)
                if data is not None:
                    voters.setdefault(data.poll_id, set()).add(event.actor.user_id)
        if voters:
            await self.store(tx).preload(voters)

    async def finish(self, tx: Any) -> None:
        """The chunk's votes, written in multi-row statements."""
        await self.store(tx).flush()

    # -- commands -------------------------------------------------------------------------

    @command(POLL)
    async def poll(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        question = str(invocation.args["question"]).strip()
        options = tuple(str(o).strip() for o in invocation.args["options"] or ())
        problem = validate(question, options, tr)
        closes_at = None
        closes = invocation.options.get("closes")
        if problem is None and isinstance(closes, str):
            duration = rules.parse_duration(closes)
            if duration is None:
                problem = tr(_("--closes takes a duration like 30m, 2h or 1d (at most 90 days)."))
            else:
                closes_at = ctx.now + duration
        space = ctx.space if invocation.flag("space") else None
        if problem is None and invocation.flag("space") and space is None:
            problem = tr(_("This community is in no space, so --space has nowhere to post."))
        if problem is not None:
            ctx.respond(problem)
            return
        event = ctx.event
        assert event.channel is not None and event.actor is not None
        store = self.store(ctx.tx)
        created = await store.create(
            platform=event.platform,
            bot=event.bot,
            community_id=event.community.id if event.community else None,
            channel_id=event.channel.id,
            thread_id=event.channel.thread_id,
            question=question,
            options=options,
            multi=invocation.flag("multi"),
            anonymous=invocation.flag("anonymous"),
            closes_at=closes_at,
            created_by=event.actor.user_id,
            now=ctx.now,
            space=space.name if space is not None else None,
        )
        if space is not None:
            here = (ctx.bot.name, ctx.community.id)
            others = [p for p in space.places if (p.bot, p.community_id) != here]
            platforms = {name: bot.platform for name, bot in ctx.bots.items()}
            created = await store.add_posts(
                created, [p for p in others if p.bot in platforms], platforms
            )
            for elsewhere in created.elsewhere:
                there = await ctx.translator_of(elsewhere.platform, elsewhere.community_id)
                ctx.emit(
                    SendMessage(
                        bot=elsewhere.bot,
                        channel=ChannelRef(elsewhere.channel_id),
                        text=render(created, Tally((0,) * len(created.options), 0), there),
                        buttons=buttons(created, there),
                        key=elsewhere.key,
                    )
                )
        post = SendMessage(
            bot=ctx.bot.name,
            channel=_channel(created),
            text=render(created, Tally((0,) * len(created.options), 0), tr),
            buttons=buttons(created, tr),
            key=created.key,
        )
        ctx.emit(
            with_manager_notice(
                post,
                ctx,
                compose(tr(REFUSED_POLL), id=str(created.id), question=bold(created.question)),
                compose(tr(GAVE_UP_POLL), id=str(created.id), question=bold(created.question)),
            )
        )
        if closes_at is not None:
            await ctx.tx.schedule(
                kind=CLOSE_JOB,
                due_at=closes_at,
                platform=created.platform,
                bot=created.bot,
                payload={"poll": created.id},
                community_id=created.community_id,
                channel_id=created.channel_id,
                key=f"poll-close:{created.id}",
                now=ctx.now,
            )

    @subcommand("poll", "close")
    async def close(self, invocation: Invocation, ctx: Context) -> None:
        found = _named(invocation)
        if not await self._close(found, ctx, ctx.tr):
            ctx.respond(ctx.tr(_("Poll #{id} is already closed."), id=found.id))

    @subcommand("poll", "results")
    async def results(self, invocation: Invocation, ctx: Context) -> None:
        found = _named(invocation)
        ctx.respond(results(found, await self.store(ctx.tx).votes(found.id), ctx.tr))

    @subcommand("poll", "export")
    async def export(self, invocation: Invocation, ctx: Context) -> None:
        found = _named(invocation)
        votes = await self.store(ctx.tx).votes(found.id)
        event = ctx.event
        assert event.actor is not None
        ctx.emit(
            SendFile(
                bot=ctx.bot.name,
                filename=f"poll-{found.id}.csv",
                data=export_csv(found, votes).encode("utf-8"),
                mime_type="text/csv",
                caption=compose(
                    "{head} {question}",
                    head=ctx.tr(_("Poll #{id} as CSV:"), id=found.id),
                    question=bold(found.question),
                ),
                user_id=event.actor.user_id,
                display_name=event.actor.display_name,
                fallback_channel=event.channel,
            )
        )

    @command(VOTE)
    async def vote(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        found = _named(invocation)
        choice = str(invocation.args["option"]).lower()
        if choice in ("retract", "r", "0"):
            option = rules.RETRACT
        elif (
            choice.isascii()
            and choice.isdigit()
            and len(choice) <= 3
            and 1 <= int(choice) <= len(found.options)
        ):
            option = int(choice) - 1
        else:
            ctx.respond(tr(_("Choose an option from 1 to {n}, or retract."), n=len(found.options)))
            return
        ctx.respond(await self._press(found, option, ctx, tr))

    # -- buttons and deadlines ------------------------------------------------------------

    @pressed(VoteButton)
    async def voted(self, data: VoteButton, ctx: Context) -> None:
        event, tr = ctx.press, ctx.tr
        store = self.store(ctx.tx)
        current: frozenset[int] | None = None
        if event.actor is None:
            found = await store.get(data.poll_id, event.platform)
        else:  # the poll and the member's votes in one read
            read = await store.get_for_voter(data.poll_id, event.platform, event.actor.user_id)
            found, current = read if read is not None else (None, None)
        if (
            found is None
            or not (data.option == rules.RETRACT or data.option < len(found.options))
            or not await self._pressed_here(found, event, ctx)
        ):
            ctx.answer(tr(_("This poll no longer exists.")))
            return
        if found.space is not None:
            current = None  # read for the person, not the account
        ctx.answer(await self._press(found, data.option, ctx, tr, current))

    @job(CLOSE_JOB)
    async def deadline(self, event: JobDue, ctx: Context) -> None:
        found = await self.store(ctx.tx).get(int(event.payload["poll"]), event.platform)
        if found is not None:
            await self._close(found, ctx, ctx.tr)

    # -- shared steps ---------------------------------------------------------------------

    @resolves(POLL_ID)
    async def _poll(self, poll_id: int, ctx: Context) -> Poll | None:
        return await self.store(ctx.tx).get(poll_id, ctx.event.platform)

    async def _pressed_here(self, found: Poll, event: ButtonPressed, ctx: Context) -> bool:
        """A press counts only in the poll's community, on the poll's own message (the
        one the platform reported when it was posted): a forged or replayed payload
        pressed in another chat, or on another message, answers as an unknown poll. A
        space poll counts on each of its posts, in the communities of its space."""
        return await self.visible(POLL_ID, found, ctx) and any(
            press_matches(event, post.bot, post.channel_id, post.message) for post in found.posts
        )

    async def reaches(self, ref: IdRef, thing: Any, ctx: Context) -> bool:
        """A space poll may be named from every community it was posted to."""
        community = ctx.event.community
        return (
            isinstance(thing, Poll)
            and community is not None
            and any(
                post.bot == ctx.bot.name and post.community_id == community.id
                for post in thing.elsewhere
            )
        )

    async def _voter(self, found: Poll, ctx: Context) -> str:
        """Whose votes these are: the account, or in a space poll the person (so someone
        with linked accounts votes once, whichever platform they press on)."""
        actor = ctx.event.actor
        assert actor is not None
        if found.space is None or self.persons is None:
            return actor.user_id
        person = await self.persons.person_of(ctx.tx, ctx.event.platform, actor.user_id)
        return f"person:{person}"

    async def _press(
        self,
        found: Poll,
        option: int,
        ctx: Context,
        tr: Translator,
        current: frozenset[int] | None = None,
    ) -> str:
        """Apply a press; ``current`` is the member's votes if already read in this
        transaction (with the poll), else they are read here."""
        if found.closed_at is not None:
            return tr(_("This poll is closed."))
        actor = ctx.event.actor
        assert actor is not None
        store = self.store(ctx.tx)
        voter = await self._voter(found, ctx)
        if current is None:
            current = await store.member_votes(found.id, voter)
        result = rules.press(current, option, multi=found.multi)
        if result.votes != current:
            tally = tally_after(
                await store.tally(found.id, len(found.options)), current, result.votes
            )
            edits = []
            for post in found.posts:  # each in its community's language
                there = await ctx.translator_of(post.platform, post.community_id)
                edits.append(
                    EditMessage(
                        bot=post.bot,
                        key=post.key,
                        text=render(found, tally, there),
                        buttons=buttons(found, there),
                    )
                )
            ctx.publish(
                VoteCast(
                    platform=found.platform,
                    community_id=found.community_id,
                    at=ctx.now,
                    poll_id=found.id,
                    user_id=actor.user_id,
                    options=tuple(sorted(result.votes)),
                )
            )
            # Applied last: the store writes it with the chunk's other votes, so nothing
            # of this press may fail after it.
            await store.set_votes(
                found.id,
                voter,
                actor.display_name,
                result.votes,
                ctx.now,
                current=current,
            )
            for edit in edits:
                ctx.emit(edit)
        return tr(TOASTS[result.outcome])

    async def _close(self, found: Poll, ctx: Context, tr: Translator) -> bool:
        store = self.store(ctx.tx)
        if not await store.close(found.id, ctx.now):
            return False
        await ctx.tx.cancel_job(f"poll-close:{found.id}")
        closed = replace(found, closed_at=ctx.now)
        counts = await store.tally(found.id, len(found.options))
        closer = ctx.event.actor  # None when the deadline closed it
        ctx.publish(
            PollClosed(
                platform=found.platform,
                community_id=found.community_id,
                at=ctx.now,
                poll_id=found.id,
                counts=counts.counts,
                voters=counts.voters,
                closed_by=closer.user_id if closer is not None else None,
            )
        )
        for post in found.posts:  # recomputed from the stored votes, in each language
            there = await ctx.translator_of(post.platform, post.community_id)
            final = render(closed, counts, there)
            ctx.emit(EditMessage(bot=post.bot, key=post.key, text=final, buttons=()))
        for elsewhere in found.elsewhere:
            there = await ctx.translator_of(elsewhere.platform, elsewhere.community_id)
            channel = ChannelRef(elsewhere.channel_id)
            ctx.emit(
                SendMessage(bot=elsewhere.bot, channel=channel, text=summary(closed, counts, there))
            )
        home = await ctx.translator_of(found.platform, found.community_id)
        result = SendMessage(
            bot=found.bot, channel=_channel(found), text=summary(closed, counts, home)
        )
        question = bold(found.question)  # the manager who closed it hears of a refusal
        ctx.emit(
            with_manager_notice(
                result,
                ctx,
                compose(tr(REFUSED_RESULT), id=str(found.id), question=question),
                compose(tr(GAVE_UP_RESULT), id=str(found.id), question=question),
            )
        )
        return True


# -- helpers ----------------------------------------------------------------------------


def _named(invocation: Invocation) -> Poll:
    """The poll the command's ``<id>`` named (resolved in the caller's community)."""
    found = invocation.found["id"]
    assert isinstance(found, Poll)
    return found


def _channel(found: Poll) -> ChannelRef:
    return ChannelRef(found.channel_id, thread_id=found.thread_id)
