"""What the feedback feature needs from storage (``storage.feedback`` implements it)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from townsquare.core.feedback.rules import Status, TeamKeywords
from townsquare.core.posts import Post as Post  # shared by every feature that posts
from townsquare.core.privacy import PersonalData
from townsquare.core.refs import MessageRef


@dataclass(frozen=True, slots=True)
class Account:
    """Who did something, as the account they did it with: ``key`` is the person (or the
    account, without a directory), the rest is how to tell them, and where (``community_id``
    on ``platform``: the language they are told in)."""

    key: str
    platform: str
    bot: str
    user_id: str
    display_name: str
    community_id: str | None


@dataclass(frozen=True, slots=True)
class Idea:
    id: int
    scope: str
    platform: str
    """Where it was filed (the scope check of :mod:`core.scope` reads these two)."""
    community_id: str | None
    text: str
    status: Status
    submitter: Account
    created_at: datetime
    votes: int = 0
    note: str | None = None
    duplicate_of: int | None = None
    team: str | None = None
    posts: tuple[Post, ...] = ()
    """Its messages: one per board of its scope, then one per team inbox it was routed to
    (``Post.key`` ``feedback:<id>:<n>``)."""
    team_posts: frozenset[str] = frozenset()
    """The keys of :attr:`posts` that are team inbox messages (they carry status buttons)."""


@dataclass(frozen=True, slots=True)
class Place:
    """A board or a team's inbox: a chat on one bot."""

    bot: str
    platform: str
    community_id: str | None
    channel_id: str
    thread_id: str | None = None


@dataclass(frozen=True, slots=True)
class Team:
    scope: str
    name: str
    inbox: Place | None
    keywords: tuple[str, ...] = ()

    @property
    def routing(self) -> TeamKeywords:
        return TeamKeywords(self.name, self.keywords)


@dataclass(frozen=True, slots=True)
class Draft:
    """An idea not filed yet because similar ones were offered first."""

    id: int
    scope: str
    text: str
    author: Account
    channel_id: str
    idea_id: int | None = None
    """Set once it was filed (a second press files nothing)."""
    message: MessageRef | None = None
    """The private offer's message once delivered (outbox key :attr:`key`): its buttons
    count only there."""

    @property
    def key(self) -> str:
        return f"feedback-offer:{self.id}"

    @property
    def platform(self) -> str:
        return self.author.platform

    @property
    def community_id(self) -> str | None:
        return self.author.community_id


@dataclass(frozen=True, slots=True)
class Notice:
    """A status change one backer is to be told of (sent in one message per person)."""

    id: int
    recipient: Account
    idea_id: int
    text: str
    status: Status
    note: str | None
    duplicate_of: int | None


@dataclass(frozen=True, slots=True)
class Shipped:
    """An idea that reached done in a month, for "you asked, we shipped"."""

    id: int
    text: str
    submitter: str
    votes: int


class FeedbackStore(PersonalData, Protocol):
    # -- ideas --------------------------------------------------------------------------

    async def file(
        self, *, scope: str, text: str, submitter: Account, channel_id: str, now: datetime
    ) -> Idea:
        """A new idea, with its submitter's vote."""
        ...

    async def get(self, idea_id: int) -> Idea | None:
        """The idea with its vote count and posts (their messages once delivered)."""
        ...

    async def texts_since(self, scope: str, after_id: int) -> list[tuple[int, str]]:
        """``(id, text)`` of the scope's ideas with an id above ``after_id``, by id."""
        ...

    async def summaries(self, ids: Collection[int]) -> list[Idea]:
        """These ideas (without posts), in the order of ``ids``; unknown ids left out."""
        ...

    async def listed(self, scope: str, status: Status | None, limit: int) -> list[Idea]:
        """The scope's ideas (of ``status``, else every open one), most voted first."""
        ...

    async def add_posts(self, idea: Idea, places: Sequence[Place], team: bool) -> Idea:
        """Record a message of the idea in each of ``places`` (team inboxes if ``team``)."""
        ...

    # -- votes --------------------------------------------------------------------------

    async def vote(
        self, idea_id: int, voter: Account, aliases: Collection[str], now: datetime
    ) -> bool:
        """Add the vote unless the voter, or any of ``aliases`` (other keys of the same
        person), has one on the idea; False then. Safe against concurrent presses."""
        ...

    async def backers(self, idea_id: int) -> list[Account]:
        """Everyone who filed or voted for the idea (one account per person)."""
        ...

    async def merge_votes(self, idea_id: int, into: int, now: datetime) -> int:
        """Copy ``idea_id``'s votes onto ``into`` (a person voting for both counts once);
        the number of votes ``into`` gained."""
        ...

    # -- statuses -----------------------------------------------------------------------

    async def set_status(
        self,
        idea_id: int,
        old: Status,
        new: Status,
        *,
        note: str | None,
        duplicate_of: int | None,
        by: str,
        now: datetime,
    ) -> bool:
        """Move the idea from ``old`` to ``new`` and audit it; False if it is no longer
        in ``old`` (someone changed it meanwhile), which changes nothing."""
        ...

    async def history(self, idea_id: int) -> list[tuple[datetime, Status, str | None, str]]:
        """The idea's status changes, oldest first: (when, status, note, by)."""
        ...

    async def shipped(self, scope: str, start: datetime, end: datetime) -> list[Shipped]:
        """Ideas of the scope that reached done in ``[start, end)`` and are still done."""
        ...

    # -- notices ------------------------------------------------------------------------

    async def add_notices(
        self, idea: Idea, recipients: Sequence[Account], status: Status, now: datetime
    ) -> None:
        """Queue a notice of the idea's new status for each recipient."""
        ...

    async def take_notices(self, recipient: str, now: datetime) -> list[Notice]:
        """The recipient's notices not sent yet, marked sent (in this transaction, so they
        are sent once: with the message that tells them)."""
        ...

    # -- drafts -------------------------------------------------------------------------

    async def draft(
        self, *, scope: str, text: str, author: Account, channel_id: str, now: datetime
    ) -> Draft: ...

    async def get_draft(self, draft_id: int) -> Draft | None: ...

    async def filed_draft(self, draft_id: int, idea_id: int) -> bool:
        """Mark the draft filed as ``idea_id``; False if it already was."""
        ...

    # -- boards and teams ---------------------------------------------------------------

    async def set_board(self, scope: str, place: Place, now: datetime) -> None:
        """Make ``place`` its community's board in the scope (one per community)."""
        ...

    async def boards(self, scope: str) -> list[Place]: ...

    async def scopes_with_boards(self) -> list[str]: ...

    async def set_team(
        self,
        scope: str,
        name: str,
        *,
        inbox: Place | None = None,
        keywords: Sequence[str] | None = None,
        now: datetime,
    ) -> Team:
        """Create or update a team: its inbox, or its keywords (what is None is kept)."""
        ...

    async def teams(self, scope: str) -> list[Team]: ...

    async def route(self, idea_id: int, team: str) -> None: ...

    async def add_team_code(
        self, code_hash: str, scope: str, team: str, by: str, now: datetime, expires: datetime
    ) -> None: ...

    async def take_team_code(self, code_hash: str, team: str, now: datetime) -> str | None:
        """The scope of a live code for ``team``, which is used up; None for a wrong,
        expired or used one, or one for another team (two processes taking one code: one
        gets it)."""
        ...
