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
    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

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
        if current is None or current - options:
            await self.tx.execute(
                delete(_votes).where(
                    _votes.c.poll_id == poll_id,
                    _votes.c.user_id == user_id,
                    _votes.c.option.not_in(list(options)),
                )
            )
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
            await self.tx.execute(insert, rows)

    async def close(self, poll_id: int, now: datetime) -> bool:
        result = await self.tx.execute(
            update(_polls)
            .where(_polls.c.id == poll_id, _polls.c.closed_at.is_(None))
            .values(closed_at=now)
        )
        return bool(result.rowcount)
