"""SQL side of :mod:`core.polls`: votes read ahead per chunk, written per chunk.

A burst of presses is handled in chunks (:meth:`core.features.Feature.prepare` /
``finish``): the chunk's polls and its voters' current votes are read in two statements
(:meth:`SqlPollStore.preload`), each press is applied in memory, and the chunk's votes
are written at its end in one multi-row DELETE and one INSERT (:meth:`SqlPollStore.flush`),
before the transaction commits. No SAVEPOINT per vote either: the polls scope no longer
writes anything itself.

What is kept in memory is exact because nobody else can change a poll's votes while this
transaction runs: on SQLite it holds the one write lock (:attr:`SqlTransaction.exclusive`);
on PostgreSQL the poll's row is read ``FOR UPDATE`` the first time this transaction
touches it, and every vote goes through here. So each edit renders the tally after its
own vote, from the database's count at the poll's first use plus the changes since.

Two places, because a failing feature scope empties :attr:`SqlTransaction.memo`:

* the *reads* (polls, tallies, voters' current votes) live in the memo: after a failure
  they are read again;
* the *pending writes* live apart (:data:`_PENDING`, per transaction), and are written
  before anything is read again from the database, so reads never miss them. They are
  sent on the transaction's own connection outside any feature savepoint: a vote applied
  stays applied whatever another feature does later in the batch.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    cast,
    func,
    literal,
    null,
    select,
    tuple_,
    union_all,
    update,
)

from townsquare.core.polls.store import Poll, Post, Tally, Vote
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.core.spaces import Place
from townsquare.storage.models import SentMessage
from townsquare.storage.polls_models import PollPostRow, PollRow, PollVoteRow
from townsquare.storage.polls_privacy import PollsPersonalData
from townsquare.storage.space_posts import insert_posts
from townsquare.storage.store import SqlTransaction

_polls: Table = PollRow.__table__  # type: ignore[assignment]
_votes: Table = PollVoteRow.__table__  # type: ignore[assignment]
_posts: Table = PollPostRow.__table__  # type: ignore[assignment]
_sent: Table = SentMessage.__table__  # type: ignore[assignment]
_SENT = (
    _sent.c.channel_id.label("sent_channel"),
    _sent.c.thread_id.label("sent_thread"),
    _sent.c.message_id.label("sent_message"),
)
"""The poll message as delivered (``sent_messages`` under the key ``poll:<id>``), read
with the poll: a press counts only on that message."""

VoterKey = tuple[int, str]
"""``(poll_id, user_id)``"""


def _poll(row: Any) -> Poll:
    sent = getattr(row, "sent_message", None)
    message = (
        MessageRef(ChannelRef(row.sent_channel, thread_id=row.sent_thread), sent)
        if sent is not None
        else None
    )
    return Poll(
        id=row.id,
        platform=row.platform,
        bot=row.bot,
        community_id=row.community_id,
        channel_id=row.channel_id,
        thread_id=row.thread_id,
        question=row.question,
        options=tuple(row.options["items"]),
        multi=row.multi,
        anonymous=row.anonymous,
        closes_at=row.closes_at,
        closed_at=row.closed_at,
        created_by=row.created_by,
        message=message,
        space=row.options.get("space"),
    )


def _post(poll_id: int, row: Any) -> Post:
    sent = row.sent_message
    return Post(
        bot=row.bot,
        platform=row.platform,
        community_id=row.community_id,
        channel_id=row.channel_id,
        thread_id=None,
        key=_post_key(poll_id, row.number),
        message=MessageRef(ChannelRef(row.sent_channel, thread_id=row.sent_thread), sent)
        if sent is not None
        else None,
    )


def _post_key(poll_id: int, number: int) -> str:
    return f"poll:{poll_id}:{number}"


def _shown_on(found: Poll, platform: str) -> bool:
    """A press or a command on ``platform`` may name the poll: it is shown there."""
    return any(post.platform == platform for post in found.posts)


@dataclass
class _Reads:
    """What this transaction knows of its polls (lives in the memo)."""

    polls: dict[int, Poll] = field(default_factory=dict)
    tallies: dict[int, tuple[list[int], int]] = field(default_factory=dict)
    """poll id -> (votes per option, distinct voters), the database's plus pending."""
    current: dict[VoterKey, frozenset[int]] = field(default_factory=dict)
    """A voter's options, the database's plus pending."""


@dataclass
class _Change:
    stored: frozenset[int]
    """The voter's options in the database."""
    wanted: frozenset[int]
    added: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    """Option -> (display name, time) of the press that chose it."""


_PENDING: weakref.WeakKeyDictionary[SqlTransaction, dict[VoterKey, _Change]] = (
    weakref.WeakKeyDictionary()
)
"""Votes applied in a transaction but not written yet (see the module docstring)."""


class SqlPollStore(PollsPersonalData):
    """Polls over one :class:`SqlTransaction`."""

    MEMO = "polls.reads"

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    # -- what this transaction knows -------------------------------------------------------

    async def _reads(self) -> _Reads:
        """The memo's reads; if the memo was emptied, the pending votes are written first
        so the database is whole again before anything is read from it."""
        reads = self.tx.memo.get(self.MEMO)
        if reads is None:
            await self.flush()
            reads = self.tx.memo[self.MEMO] = _Reads()
        assert isinstance(reads, _Reads)
        return reads

    def _pending(self) -> dict[VoterKey, _Change]:
        return _PENDING.setdefault(self.tx, {})

    async def _load(self, reads: _Reads, wanted: Mapping[int, Collection[str]]) -> None:
        """Read the polls not known yet with the given members' votes in them (one
        statement; the poll rows locked where the transaction does not hold the database's
        one write lock) and count their tallies; then the given members' votes in polls
        already known (one statement)."""
        new_polls = sorted(set(wanted) - reads.polls.keys())
        missing = [
            (poll_id, user)
            for poll_id, users in wanted.items()
            for user in users
            if (poll_id, user) not in reads.current
        ]
        if new_polls:
            await self._load_polls(reads, new_polls, missing)
        remaining = [key for key in missing if key[0] in reads.polls and key not in reads.current]
        if not remaining:
            return
        votes: dict[VoterKey, set[int]] = {key: set() for key in remaining}
        rows = await self.tx.connection.execute(
            select(_votes.c.poll_id, _votes.c.user_id, _votes.c.option).where(
                _votes.c.poll_id.in_(sorted({poll_id for poll_id, _user in remaining})),
                _votes.c.user_id.in_(sorted({user for _poll_id, user in remaining})),
            )
        )
        for poll_id, user_id, option in rows:
            if (poll_id, user_id) in votes:
                votes[(poll_id, user_id)].add(option)
        for key, options in votes.items():
            reads.current[key] = frozenset(options)

    async def _load_polls(
        self, reads: _Reads, new_polls: list[int], missing: list[VoterKey]
    ) -> None:
        """Read ``new_polls`` with the ``missing`` members' votes in them, and count their
        tallies."""
        fresh = set(new_polls)
        users = sorted({user for poll_id, user in missing if poll_id in fresh})
        columns = [*_polls.c, _votes.c.user_id.label("voter"), _votes.c.option.label("voted")]
        with_sent = _polls.outerjoin(
            _sent,
            and_(
                _sent.c.bot == _polls.c.bot,
                _sent.c.key == literal("poll:", String) + cast(_polls.c.id, String),
            ),
        )
        joined = with_sent.outerjoin(
            _votes, and_(_votes.c.poll_id == _polls.c.id, _votes.c.user_id.in_(users))
        )
        query = (
            select(*columns, *_SENT).select_from(joined)
            if users
            else select(
                *_polls.c, null().label("voter"), null().label("voted"), *_SENT
            ).select_from(with_sent)
        )
        query = query.where(_polls.c.id.in_(new_polls)).order_by(_polls.c.id)
        if not self.tx.exclusive:
            query = query.with_for_update(of=_polls)
        found: dict[VoterKey, set[int]] = {}
        for row in await self.tx.connection.execute(query):
            if row.id not in reads.polls:
                reads.polls[row.id] = _poll(row)
            if row.voter is not None:
                found.setdefault((row.id, row.voter), set()).add(row.voted)
        await self._load_posts(reads, [p for p in new_polls if p in reads.polls])
        for poll_id in new_polls:
            poll = reads.polls.get(poll_id)
            if poll is not None:
                reads.tallies[poll_id] = await self._count(poll_id, len(poll.options))
        for key in missing:
            if key[0] in fresh:
                reads.current[key] = frozenset(found.get(key, ()))

    async def _load_posts(self, reads: _Reads, poll_ids: list[int]) -> None:
        """The other posts of the space polls among ``poll_ids`` (one statement, and none
        when there is no space poll)."""
        spaced = [poll_id for poll_id in poll_ids if reads.polls[poll_id].space is not None]
        if not spaced:
            return
        key = (
            literal("poll:", String)
            + cast(_posts.c.poll_id, String)
            + literal(":", String)
            + cast(_posts.c.number, String)
        )
        joined = _posts.outerjoin(_sent, and_(_sent.c.bot == _posts.c.bot, _sent.c.key == key))
        rows = await self.tx.connection.execute(
            select(*_posts.c, *_SENT)
            .select_from(joined)
            .where(_posts.c.poll_id.in_(spaced))
            .order_by(_posts.c.poll_id, _posts.c.number)
        )
        posts: dict[int, list[Post]] = {}
        for row in rows:
            posts.setdefault(row.poll_id, []).append(_post(row.poll_id, row))
        for poll_id, found in posts.items():
            reads.polls[poll_id] = replace(reads.polls[poll_id], elsewhere=tuple(found))

    async def _count(self, poll_id: int, options: int) -> tuple[list[int], int]:
        """Votes per option and distinct voters in one statement: the per-option counts,
        then one row with option ``-1`` (never a stored option) holding the voters."""
        counts = [0] * options
        voters = 0
        per_option = (
            select(_votes.c.option, func.count().label("n"))
            .where(_votes.c.poll_id == poll_id)
            .group_by(_votes.c.option)
        )
        distinct_voters = select(
            literal(-1, Integer).label("option"),
            func.count(func.distinct(_votes.c.user_id)).label("n"),
        ).where(_votes.c.poll_id == poll_id)
        for option, count in await self.tx.connection.execute(
            union_all(per_option, distinct_voters)
        ):
            if option == -1:
                voters = int(count)
            elif 0 <= option < options:
                counts[option] = int(count)
        return counts, voters

    async def preload(self, voters: Mapping[int, Collection[str]]) -> None:
        """Read, for a chunk of presses, the polls (``poll id -> user ids``) and those
        members' current votes: two statements, plus one count per poll new to the
        transaction."""
        await self._load(await self._reads(), voters)

    async def flush(self) -> None:
        """Write the pending votes: one DELETE of the options given up, one INSERT of the
        options chosen, whatever the number of voters."""
        pending = _PENDING.pop(self.tx, None)
        if not pending:
            return
        dropped = [
            (poll_id, user_id, option)
            for (poll_id, user_id), change in pending.items()
            for option in change.stored - change.wanted
        ]
        rows = [
            {
                "poll_id": poll_id,
                "user_id": user_id,
                "option": option,
                "display_name": change.added[option][0][:256],
                "voted_at": change.added[option][1],
            }
            for (poll_id, user_id), change in pending.items()
            for option in sorted(change.wanted - change.stored)
        ]
        connection = self.tx.connection  # not tx.execute: outside any feature savepoint
        if dropped:
            await connection.execute(
                _votes.delete().where(
                    tuple_(_votes.c.poll_id, _votes.c.user_id, _votes.c.option).in_(dropped)
                )
            )
        if rows:
            # Bound parameters (executemany: one multi-row INSERT through SQLAlchemy's
            # insertmanyvalues / the driver's batch), not insert().values(rows), which is
            # compiled anew for every batch.
            await connection.execute(self.tx.store._insert(_votes).on_conflict_do_nothing(), rows)

    # -- the store protocol ----------------------------------------------------------------

    async def create(
        self,
        *,
        platform: str,
        bot: str,
        community_id: str | None,
        channel_id: str,
        thread_id: str | None,
        question: str,
        options: tuple[str, ...],
        multi: bool,
        anonymous: bool,
        closes_at: datetime | None,
        created_by: str,
        now: datetime,
        space: str | None = None,
    ) -> Poll:
        stored: dict[str, Any] = {"items": list(options)}
        if space is not None:
            stored["space"] = space
        result = await self.tx.execute(
            _polls.insert()
            .values(
                platform=platform,
                bot=bot,
                community_id=community_id,
                channel_id=channel_id,
                thread_id=thread_id,
                question=question,
                options=stored,
                multi=multi,
                anonymous=anonymous,
                closes_at=closes_at,
                closed_at=None,
                created_by=created_by,
                created_at=now,
            )
            .returning(*_polls.c)
        )
        return _poll(result.one())

    async def add_posts(
        self, poll: Poll, places: Sequence[Place], platforms: Mapping[str, str]
    ) -> Poll:
        posts = await insert_posts(
            self.tx,
            _posts,
            {"poll_id": poll.id},
            places,
            platforms,
            lambda number: _post_key(poll.id, number),
        )
        found = replace(poll, elsewhere=posts)
        reads = self.tx.memo.get(self.MEMO)
        if isinstance(reads, _Reads) and poll.id in reads.polls:
            reads.polls[poll.id] = found
        return found

    async def get(self, poll_id: int, platform: str) -> Poll | None:
        reads = await self._reads()
        await self._load(reads, {poll_id: ()})
        found = reads.polls.get(poll_id)
        return found if found is not None and _shown_on(found, platform) else None

    async def get_for_voter(
        self, poll_id: int, platform: str, user_id: str
    ) -> tuple[Poll, frozenset[int]] | None:
        reads = await self._reads()
        await self._load(reads, {poll_id: (user_id,)})
        found = reads.polls.get(poll_id)
        if found is None or not _shown_on(found, platform):
            return None
        return found, reads.current[(poll_id, user_id)]

    async def votes(self, poll_id: int) -> list[Vote]:
        await self._reads()
        await self.flush()
        rows = await self.tx.connection.execute(
            select(_votes.c.user_id, _votes.c.display_name, _votes.c.option)
            .where(_votes.c.poll_id == poll_id)
            .order_by(_votes.c.voted_at, _votes.c.user_id)
        )
        return [Vote(row.user_id, row.display_name, row.option) for row in rows]

    async def tally(self, poll_id: int, options: int) -> Tally:
        reads = await self._reads()
        await self._load(reads, {poll_id: ()})
        kept = reads.tallies.get(poll_id)
        if kept is None or len(kept[0]) != options:
            await self.flush()
            kept = await self._count(poll_id, options)
        return Tally(tuple(kept[0]), kept[1])

    async def member_votes(self, poll_id: int, user_id: str) -> frozenset[int]:
        reads = await self._reads()
        await self._load(reads, {poll_id: (user_id,)})
        return reads.current.get((poll_id, user_id), frozenset())

    async def set_votes(
        self,
        poll_id: int,
        user_id: str,
        display_name: str,
        options: frozenset[int],
        now: datetime,
        *,
        current: frozenset[int] | None = None,
    ) -> None:
        """Apply the vote in memory (tally, the voter's options) and queue its rows for
        :meth:`flush` at the end of the chunk. ``current`` is not needed: the voter's
        options are known here."""
        reads = await self._reads()
        key = (poll_id, user_id)
        before = await self.member_votes(poll_id, user_id)
        if options == before:
            return
        pending = self._pending()
        change = pending.get(key)
        if change is None:
            change = pending[key] = _Change(stored=before, wanted=before)
        for option in options - before:
            change.added[option] = (display_name, now)
        change.wanted = options
        reads.current[key] = options
        kept = reads.tallies.get(poll_id)
        if kept is None:
            return
        counts, voters = kept
        for option in before - options:
            if 0 <= option < len(counts):
                counts[option] -= 1
        for option in options - before:
            if 0 <= option < len(counts):
                counts[option] += 1
        voters += (1 if options and not before else 0) - (1 if before and not options else 0)
        reads.tallies[poll_id] = (counts, voters)

    async def close(self, poll_id: int, now: datetime) -> bool:
        await self._reads()
        await self.flush()  # now, before this scope's savepoint opens with the UPDATE
        result = await self.tx.execute(
            update(_polls)
            .where(_polls.c.id == poll_id, _polls.c.closed_at.is_(None))
            .values(closed_at=now)
        )
        closed = bool(result.rowcount)
        reads = self.tx.memo.get(self.MEMO)
        if closed and isinstance(reads, _Reads) and poll_id in reads.polls:
            reads.polls[poll_id] = replace(reads.polls[poll_id], closed_at=now)
        return closed
