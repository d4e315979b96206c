"""SQL side of :mod:`core.polls`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Table, delete, func, literal, select, union_all, update

from core.polls.store import Poll, Tally, Vote
from storage.polls_models import PollRow, PollVoteRow
from storage.store import SqlTransaction

_polls: Table = PollRow.__table__  # type: ignore[assignment]
_votes: Table = PollVoteRow.__table__  # type: ignore[assignment]


def _poll(row: Any) -> Poll:
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
    )


class SqlPollStore:
    """Polls over one :class:`SqlTransaction`.

    The tally of a poll is counted by the database once per transaction and then kept up
    to date from each vote's own change, where that is exact: only on SQLite, whose
    transaction holds the one write lock (:attr:`SqlTransaction.exclusive`), only for
    votes whose previous options were read in this transaction (``set_votes(current=)``)
    and whose DELETE and INSERT touched exactly the rows that implies (else the kept
    tally is dropped and the next one is counted again). A burst of presses batched in one
    transaction thus costs one tally query instead of one per vote, and every edit still
    shows the state after its vote. Kept tallies live in :attr:`SqlTransaction.memo`,
    which a failing feature scope empties and which ends with the transaction.
    """

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    def _tallies(self) -> dict[int, tuple[list[int], int]] | None:
        """Kept tallies (poll id -> counts per option, voters), or None where not exact."""
        if not self.tx.exclusive:
            return None
        tallies: dict[int, tuple[list[int], int]] = self.tx.memo.setdefault("polls.tallies", {})
        return tallies

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
    ) -> Poll:
        result = await self.tx.execute(
            _polls.insert()
            .values(
                platform=platform,
                bot=bot,
                community_id=community_id,
                channel_id=channel_id,
                thread_id=thread_id,
                question=question,
                options={"items": list(options)},
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

    async def get(self, poll_id: int, platform: str) -> Poll | None:
        row = (
            await self.tx.connection.execute(
                select(_polls).where(_polls.c.id == poll_id, _polls.c.platform == platform)
            )
        ).first()
        return _poll(row) if row is not None else None

    async def get_for_voter(
        self, poll_id: int, platform: str, user_id: str
    ) -> tuple[Poll, frozenset[int]] | None:
        rows = (
            await self.tx.connection.execute(
                select(_polls, _votes.c.option.label("voter_option"))
                .outerjoin(
                    _votes, (_votes.c.poll_id == _polls.c.id) & (_votes.c.user_id == user_id)
                )
                .where(_polls.c.id == poll_id, _polls.c.platform == platform)
            )
        ).all()
        if not rows:
            return None
        current = frozenset(row.voter_option for row in rows if row.voter_option is not None)
        return _poll(rows[0]), current

    async def votes(self, poll_id: int) -> list[Vote]:
        rows = await self.tx.connection.execute(
            select(_votes.c.user_id, _votes.c.display_name, _votes.c.option)
            .where(_votes.c.poll_id == poll_id)
            .order_by(_votes.c.voted_at, _votes.c.user_id)
        )
        return [Vote(row.user_id, row.display_name, row.option) for row in rows]

    async def tally(self, poll_id: int, options: int) -> Tally:
        """Votes per option and distinct voters in one statement: the per-option counts,
        then one row with option ``-1`` (never a stored option) holding the voters."""
        tallies = self._tallies()
        kept = tallies.get(poll_id) if tallies is not None else None
        if kept is not None and len(kept[0]) == options:
            return Tally(tuple(kept[0]), kept[1])
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
        if tallies is not None:
            tallies[poll_id] = (counts, voters)
        return Tally(tuple(counts), voters)

    async def member_votes(self, poll_id: int, user_id: str) -> frozenset[int]:
        rows = await self.tx.connection.execute(
            select(_votes.c.option).where(_votes.c.poll_id == poll_id, _votes.c.user_id == user_id)
        )
        return frozenset(row.option for row in rows)

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
        """The DELETE (of every option not in ``options``, whatever is stored) is skipped
        only when ``current`` shows the member holds nothing outside ``options``, and the
        INSERT (``ON CONFLICT DO NOTHING``) carries only options ``current`` lacks."""
        tallies = self._tallies()
        kept = tallies.pop(poll_id, None) if tallies is not None else None
        deleted = inserted = 0
        if current is None or current - options:
            result = await self.tx.execute(
                delete(_votes).where(
                    _votes.c.poll_id == poll_id,
                    _votes.c.user_id == user_id,
                    _votes.c.option.not_in(list(options)),
                )
            )
            deleted = result.rowcount
        wanted = options
        if current is not None:
            options = options - current
        if options:
            insert = self.tx.store._insert(_votes).on_conflict_do_nothing()
            rows = [
                {
                    "poll_id": poll_id,
                    "user_id": user_id,
                    "option": option,
                    "display_name": display_name[:256],
                    "voted_at": now,
                }
                for option in sorted(options)
            ]
            # Bound parameters, not insert().values(rows): that form is compiled anew for
            # every vote (SQLAlchemy does not cache multi-row VALUES).
            inserted = (await self.tx.execute(insert, rows)).rowcount
        if kept is None or tallies is None or current is None:
            return
        dropped, added = current - wanted, wanted - current
        if deleted != len(dropped) or inserted != len(added):
            return  # not the change ``current`` implies: count again next time
        counts, voters = list(kept[0]), kept[1]
        for option in dropped:
            if 0 <= option < len(counts):
                counts[option] -= 1
        for option in added:
            if 0 <= option < len(counts):
                counts[option] += 1
        voters += (1 if wanted and not current else 0) - (1 if current and not wanted else 0)
        tallies[poll_id] = (counts, voters)

    async def close(self, poll_id: int, now: datetime) -> bool:
        result = await self.tx.execute(
            update(_polls)
            .where(_polls.c.id == poll_id, _polls.c.closed_at.is_(None))
            .values(closed_at=now)
        )
        return bool(result.rowcount)
