"""Changing an idea's status: the one place it happens, for the chat command, the team
inbox buttons and code outside them (a GitHub issue closed: :func:`apply_status`).

A change is an UPDATE guarded by the old status (two changes racing apply once), audited
with its note and who made it; every message of the idea is edited (coalesced by the
delivery worker, like poll tallies); each backer (submitter and voters, one account per
person) gets a queued notice and their one pending notice job is pushed back by
:data:`NOTICE_DELAY`, so many changes at once reach each person as one private message,
on their own platform, in their community's language (:func:`send_notices`). Notices are
rows marked sent in the transaction that queues the message, and jobs fire after a restart,
so each change is told once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from townsquare.core.actions import EditMessage, SendDirect, SendMessage
from townsquare.core.facts.feedback import FeedbackStatusChanged
from townsquare.core.features import Context
from townsquare.core.feedback import render
from townsquare.core.feedback.rules import MAX_NOTE, Status
from townsquare.core.feedback.specs import NOTICE_JOB, notice_key
from townsquare.core.feedback.store import FeedbackStore, Idea, Post
from townsquare.core.i18n import Translator
from townsquare.core.persons import account_platform
from townsquare.core.refs import ChannelRef

NOTICE_DELAY = timedelta(seconds=5)
"""How long a backer's notice waits for other changes to join it in one message."""

StoreFactory = Callable[[Any], FeedbackStore]


@dataclass(frozen=True, slots=True)
class Changed:
    idea: Idea
    old: Status
    told: int
    """How many backers will be told."""


@dataclass(frozen=True, slots=True)
class Unchanged:
    """Nothing changed: ``reason`` is ``unknown`` (no such idea), ``same`` (already in that
    status) or ``raced`` (someone changed it meanwhile)."""

    reason: str


async def apply_status(
    ctx: Context,
    store: FeedbackStore,
    idea_id: int,
    status: Status,
    *,
    note: str | None = None,
    by: str,
    duplicate_of: int | None = None,
    delay: timedelta = NOTICE_DELAY,
) -> Changed | Unchanged:
    """Move idea ``idea_id`` to ``status`` with an optional ``note``, audited as ``by``
    (``platform:user_id``, or e.g. ``github``), in ``ctx``'s transaction: the idea's
    messages are edited, every backer is told privately (batched, once) and
    :class:`~core.facts.feedback.FeedbackStatusChanged` is published. With
    :attr:`Status.DUPLICATE`, ``duplicate_of`` names the original, which gets the votes.

    The caller checks who may do this (a manager; a verified webhook): this function does
    not look at ``ctx.role``, and it does not check the idea's scope either."""
    idea = await store.get(idea_id)
    if idea is None:
        return Unchanged("unknown")
    if idea.status is status and idea.duplicate_of == duplicate_of and not note:
        return Unchanged("same")
    note = " ".join(note.split())[:MAX_NOTE] if note else None
    moved = await store.set_status(
        idea_id, idea.status, status, note=note, duplicate_of=duplicate_of, by=by, now=ctx.now
    )
    if not moved:
        return Unchanged("raced")
    if status is Status.DUPLICATE and duplicate_of is not None:
        await store.merge_votes(idea_id, duplicate_of, ctx.now)
        original = await store.get(duplicate_of)
        if original is not None:
            await edit_posts(original, ctx)
    changed = await store.get(idea_id)
    assert changed is not None
    await edit_posts(changed, ctx)
    # A forgotten backer's vote counts on without an account to tell (core.privacy).
    backers = [backer for backer in await store.backers(idea_id) if backer.user_id]
    await store.add_notices(changed, backers, status, ctx.now)
    for backer in {b.key: b for b in backers}.values():
        await ctx.tx.schedule(
            kind=NOTICE_JOB,
            due_at=ctx.now + delay,
            platform=backer.platform,
            bot=backer.bot,
            payload={"recipient": backer.key},
            community_id=backer.community_id,
            key=notice_key(backer.key),
            now=ctx.now,
        )
    ctx.publish(
        FeedbackStatusChanged(
            platform=changed.platform,
            community_id=changed.community_id,
            at=ctx.now,
            idea_id=idea_id,
            old=idea.status.value,
            new=status.value,
            note=note,
            duplicate_of=duplicate_of,
            by=by,
            votes=changed.votes,
        )
    )
    return Changed(changed, idea.status, len(backers))


async def edit_posts(idea: Idea, ctx: Context) -> None:
    """Edit every message of ``idea`` to what it is now (each in its chat's language)."""
    for post in idea.posts:
        if post.bot not in ctx.bots:
            continue
        tr = await post_translator(post, ctx)
        team = post.key in idea.team_posts
        ctx.emit(
            EditMessage(
                bot=post.bot,
                key=post.key,
                text=render.post(idea, tr, team=idea.team if team else None),
                buttons=render.status_buttons(idea, tr) if team else render.vote_buttons(idea, tr),
            )
        )


async def send_posts(idea: Idea, posts: Sequence[Post], ctx: Context) -> None:
    """Send the idea's new messages ``posts`` (each in its chat's language)."""
    for post in posts:
        if post.bot not in ctx.bots:
            continue
        tr = await post_translator(post, ctx)
        team = post.key in idea.team_posts
        ctx.emit(
            SendMessage(
                bot=post.bot,
                channel=ChannelRef(post.channel_id, thread_id=post.thread_id),
                text=render.post(idea, tr, team=idea.team if team else None),
                buttons=render.status_buttons(idea, tr) if team else render.vote_buttons(idea, tr),
                key=post.key,
            )
        )


async def post_translator(post: Post, ctx: Context) -> Translator:
    return await ctx.translator_of(account_platform(post.platform), post.community_id)


async def send_notices(ctx: Context, store: FeedbackStore, recipient: str) -> int:
    """Send ``recipient`` one private message about every status change they are owed
    (what :data:`~core.feedback.specs.NOTICE_JOB` does); how many changes it told."""
    notices = await store.take_notices(recipient, ctx.now)
    if not notices:
        return 0
    account = notices[-1].recipient
    if account.bot not in ctx.bots:
        return 0
    tr = await ctx.translator_of(account_platform(account.platform), account.community_id)
    ctx.emit(
        SendDirect(
            bot=account.bot,
            user_id=account.user_id,
            display_name=account.display_name,
            text=render.notice(notices, tr),
        )
    )
    return len(notices)
