"""The rows of a thing's posts in the other communities of its space (``--space``), as
polls, giveaways and events store them: one multi-row insert per thing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import Table

from townsquare.core.posts import Post
from townsquare.core.spaces import Place
from townsquare.storage.store import SqlTransaction


async def insert_posts(
    tx: SqlTransaction,
    table: Table,
    owner: Mapping[str, int],
    places: Sequence[Place],
    platforms: Mapping[str, str],
    key_of: Callable[[int], str],
) -> tuple[Post, ...]:
    """Store a post for each of ``places`` (numbered from 1) under ``owner`` (its id
    column and value) and return them; ``key_of(number)`` is each post's outbox key."""
    numbered = list(enumerate(places, 1))
    if numbered:
        await tx.execute(
            table.insert(),
            [
                {
                    **owner,
                    "number": number,
                    "platform": platforms[place.bot],
                    "bot": place.bot,
                    "community_id": place.community_id,
                    "channel_id": place.channel_id,
                }
                for number, place in numbered
            ],
        )
    return tuple(
        Post(
            bot=place.bot,
            platform=platforms[place.bot],
            community_id=place.community_id,
            channel_id=place.channel_id,
            thread_id=None,
            key=key_of(number),
        )
        for number, place in numbered
    )
