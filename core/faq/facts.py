"""The FAQ's facts (:mod:`core.facts.faq`) built from the event being handled."""

from __future__ import annotations

from townsquare.core.facts.faq import FaqAnswered, FaqRated, FaqUnanswered
from townsquare.core.faq.store import Entry
from townsquare.core.features import Context


def _who(ctx: Context) -> tuple[str, str | None, str]:
    """Platform, community and user of the event a FAQ fact is about."""
    event = ctx.event
    community = event.community
    return (
        community.platform if community is not None else event.platform,
        community.id if community is not None else None,
        event.actor.user_id if event.actor is not None else "",
    )


def answered(ctx: Context, entry_id: int, *, automatic: bool = False) -> FaqAnswered:
    platform, community_id, user_id = _who(ctx)
    return FaqAnswered(
        platform=platform,
        community_id=community_id,
        at=ctx.now,
        entry_id=entry_id,
        user_id=user_id,
        automatic=automatic,
    )


def rated(ctx: Context, entry: Entry, helpful: bool) -> FaqRated:
    platform, community_id, user_id = _who(ctx)
    return FaqRated(
        platform=platform,
        community_id=community_id,
        at=ctx.now,
        entry_id=entry.id,
        user_id=user_id,
        helpful=helpful,
        author_id=entry.author_id,
        author_platform=entry.author_platform,
    )


def unanswered(ctx: Context, question: str) -> FaqUnanswered:
    platform, community_id, user_id = _who(ctx)
    return FaqUnanswered(
        platform=platform, community_id=community_id, at=ctx.now, user_id=user_id, question=question
    )
