"""Where a thing a feature posted is shown: a poll, a giveaway or an event is posted where
it was started and, with ``--space``, once in each other community of the space.

One post per message: presses count only on a post's own message, and each update of
the thing edits every post by its outbox key.
"""

from __future__ import annotations

from dataclasses import dataclass

from townsquare.core.refs import MessageRef


@dataclass(frozen=True, slots=True)
class Post:
    bot: str
    platform: str
    community_id: str | None
    channel_id: str
    thread_id: str | None
    key: str
    """The outbox key of this post's message: every update of the thing edits it."""
    message: MessageRef | None = None
    """The message as the platform reported it when it was posted (None until then): a
    press counts only on it."""
