"""SQL side of :mod:`core.analytics`: deferred counters and the reads of a period.

A chunk's counters are added up in memory per transaction (:data:`_PENDING`; each handler's
first on their own, :data:`_STAGED`, and dropped if the handler fails) and written at its
end as one multi-row upsert (``counter = counter + excluded.counter``) on SQLite
and PostgreSQL alike; the chunk's new active rows after one read of those people's last
days, the newcomers as one ``INSERT ... ON CONFLICT DO NOTHING``. A period is read in
four statements whatever its length, none of them a ``COUNT(DISTINCT)``
(:class:`~storage.analytics_models.AnalyticsActiveRow`).

Two processes counting the same person's first message of a day at the same instant
(PostgreSQL, one community served by two processes) may each add them to the day's
``active``; the rows themselves stay one per person and day.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import UTC as _UTC
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, func, select, tuple_, update

from townsquare.core.analytics.store import (
    COUNTERS,
    CaseTimes,
    Cohort,
    Counter,
    Day,
    QuestionTimes,
    Window,
)
from townsquare.storage.analytics_models import (
    MAX_GAP,
    AnalyticsActiveRow,
    AnalyticsCaseRow,
    AnalyticsDayRow,
    AnalyticsGapRow,
    AnalyticsNewcomerRow,
    AnalyticsQuestionRow,
    AnalyticsShippedRow,
    AnalyticsThanksRow,
)
from townsquare.storage.analytics_privacy import AnalyticsPersonalData
from townsquare.storage.store import SqlTransaction

_days: Table = AnalyticsDayRow.__table__  # type: ignore[assignment]
_active: Table = AnalyticsActiveRow.__table__  # type: ignore[assignment]
_newcomers: Table = AnalyticsNewcomerRow.__table__  # type: ignore[assignment]
_cases: Table = AnalyticsCaseRow.__table__  # type: ignore[assignment]
_gaps: Table = AnalyticsGapRow.__table__  # type: ignore[assignment]
_questions: Table = AnalyticsQuestionRow.__table__  # type: ignore[assignment]
_thanks: Table = AnalyticsThanksRow.__table__  # type: ignore[assignment]
_shipped: Table = AnalyticsShippedRow.__table__  # type: ignore[assignment]
TOP = 3
"""Top contributors shown per list."""
_answer = (
    update(_questions)
    .where(
        _questions.c.message == bindparam("m"),
        _questions.c.answered_at.is_(None),
        _questions.c.asker != bindparam("replier"),
        _questions.c.asked_at <= bindparam("at"),
    )
    .values(
        answered_at=bindparam("at"),
        answerer_platform=bindparam("platform"),
        answerer_id=bindparam("user"),
    )
)
_got_reply = (
    update(_newcomers)
    .where(
        _newcomers.c.scope == bindparam("s"),
        _newcomers.c.person == bindparam("p"),
        _newcomers.c.replied.is_(None),
        _newcomers.c.day <= bindparam("d"),
    )
    .values(replied=bindparam("d"))
)
_COLUMNS = ("active", *COUNTERS)


def gap_of(day: int, prev: int) -> int:
    """The gap a row for ``day`` after ``prev`` counts under (:data:`MAX_GAP` for a
    first day or one more than 90 days after the last)."""
    return MAX_GAP if prev == 0 or day - prev >= MAX_GAP else day - prev


@dataclass
class _Pending:
    counters: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    active: set[tuple[str, int, int]] = field(default_factory=set)
    joined: dict[tuple[str, int], int] = field(default_factory=dict)
    gaps: dict[tuple[str, int, int], int] = field(default_factory=dict)
    questions: dict[tuple[str, str], tuple[str, datetime]] = field(default_factory=dict)
    replies: list[dict[str, Any]] = field(default_factory=list)
    got_reply: dict[tuple[str, int], int] = field(default_factory=dict)
    thanks: dict[tuple[str, int, int], int] = field(default_factory=dict)


_PENDING: weakref.WeakKeyDictionary[SqlTransaction, _Pending] = weakref.WeakKeyDictionary()
"""Each open transaction's deferred writes (gone with the transaction)."""
_STAGED: weakref.WeakKeyDictionary[SqlTransaction, _Pending] = weakref.WeakKeyDictionary()
"""The deferred writes of the feature scope now running in each transaction."""


def _merge(kept: _Pending, staged: _Pending) -> None:
    """Add a scope's deferred writes to the transaction's, as if made there directly."""
    for day_key, counters in staged.counters.items():
        into = kept.counters.setdefault(day_key, {})
        for counter, amount in counters.items():
            into[counter] = into.get(counter, 0) + amount
    kept.active |= staged.active
    for person_key, day in staged.joined.items():
        kept.joined.setdefault(person_key, day)
    for gap_key, people in staged.gaps.items():
        kept.gaps[gap_key] = kept.gaps.get(gap_key, 0) + people
    for message_key, asked in staged.questions.items():
        kept.questions.setdefault(message_key, asked)
    kept.replies.extend(staged.replies)
    for person_key, day in staged.got_reply.items():
        kept.got_reply[person_key] = min(day, kept.got_reply.get(person_key, day))
    for thanks_key, n in staged.thanks.items():
        kept.thanks[thanks_key] = kept.thanks.get(thanks_key, 0) + n


class SqlAnalyticsStore(AnalyticsPersonalData):
    """Analytics over one :class:`SqlTransaction`."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    def _pending(self) -> _Pending:
        """Where a handler's additions go: the current feature scope's own, merged into the
        transaction's when the scope succeeds and dropped when it fails."""
        staged = _STAGED.get(self.tx)
        if staged is not None:
            return staged
        if not self.tx.in_feature_scope:
            return self._kept()
        staged = _STAGED[self.tx] = _Pending()
        self.tx.when_scope_ends(self._scope_ended)
        return staged

    def _kept(self) -> _Pending:
        pending = _PENDING.get(self.tx)
        if pending is None:
            pending = _PENDING[self.tx] = _Pending()
        return pending

    def _scope_ended(self, failed: bool) -> None:
        staged = _STAGED.pop(self.tx, None)
        if staged is None or failed:
            return
        kept = _PENDING.get(self.tx)
        if kept is None:
            _PENDING[self.tx] = staged
        else:
            _merge(kept, staged)

    def add(self, scope: str, day: int, counter: Counter, amount: int = 1) -> None:
        counters = self._pending().counters.setdefault((scope, day), {})
        counters[counter] = counters.get(counter, 0) + amount

    def active(self, scope: str, day: int, person: int) -> None:
        self._pending().active.add((scope, day, person))

    def joined(self, scope: str, day: int, person: int) -> None:
        self._pending().joined.setdefault((scope, person), day)

    def asked(self, scope: str, message: str, asker: str, at: datetime) -> None:
        self._pending().questions.setdefault((scope, message), (asker, at))

    def replied(
        self, message: str, at: datetime, replier: str, platform: str, user_id: str
    ) -> None:
        self._pending().replies.append(
            {"m": message, "at": at, "replier": replier, "platform": platform, "user": user_id}
        )

    def got_reply(self, scope: str, day: int, person: int) -> None:
        known = self._pending().got_reply
        known[(scope, person)] = min(day, known.get((scope, person), day))

    def thanked(self, scope: str, day: int, person: int) -> None:
        thanks = self._pending().thanks
        thanks[(scope, day, person)] = thanks.get((scope, day, person), 0) + 1

    async def bot_answered(self, scope: str, asker: str, at: datetime) -> None:
        await self._flush_questions()
        q = _questions
        latest = (
            select(q.c.message)
            .where(
                q.c.scope == scope,
                q.c.asker == asker,
                q.c.answered_at.is_(None),
                q.c.asked_at.between(at - timedelta(hours=1), at + timedelta(minutes=1)),
            )
            .order_by(q.c.asked_at.desc())
            .limit(1)
        )
        message = await self.tx.connection.scalar(latest)
        if message is not None:
            await self.tx.execute(
                update(q)
                .where(q.c.scope == scope, q.c.message == message)
                .values(answered_at=at, by_bot=True)
            )

    async def _flush_questions(self) -> None:
        pending = _PENDING.get(self.tx)
        if pending is None or not pending.questions:
            return
        rows = [
            {"scope": scope, "message": message, "asker": asker, "asked_at": at, "by_bot": False}
            for (scope, message), (asker, at) in sorted(pending.questions.items())
        ]
        pending.questions = {}
        await self.tx.connection.execute(
            self.tx.store._insert(_questions).on_conflict_do_nothing(), rows
        )

    async def flush(self) -> None:
        await self._flush_questions()
        pending = _PENDING.pop(self.tx, None)
        if pending is None:
            return
        connection = self.tx.connection  # not tx.execute: outside any feature savepoint
        insert = self.tx.store._insert
        if pending.replies:
            await connection.execute(_answer, pending.replies)
        if pending.thanks:
            upsert = insert(_thanks)
            upsert = upsert.on_conflict_do_update(
                index_elements=[_thanks.c.scope, _thanks.c.day, _thanks.c.person],
                set_={"thanks": _thanks.c.thanks + upsert.excluded.thanks},
            )
            rows = [
                {"scope": scope, "day": day, "person": person, "thanks": n}
                for (scope, day, person), n in sorted(pending.thanks.items())
            ]
            await connection.execute(upsert, rows)
        if pending.active:
            await self._write_active(connection, pending)
        if pending.counters:
            rows = [
                {"scope": scope, "day": day, **{name: counts.get(name, 0) for name in _COLUMNS}}
                for (scope, day), counts in sorted(pending.counters.items())
            ]
            upsert = insert(_days)
            upsert = upsert.on_conflict_do_update(
                index_elements=[_days.c.scope, _days.c.day],
                set_={name: _days.c[name] + upsert.excluded[name] for name in _COLUMNS},
            )
            await connection.execute(upsert, rows)
        if pending.gaps:
            upsert = insert(_gaps)
            upsert = upsert.on_conflict_do_update(
                index_elements=[_gaps.c.scope, _gaps.c.day, _gaps.c.gap],
                set_={"people": _gaps.c.people + upsert.excluded.people},
            )
            rows = [
                {"scope": scope, "day": day, "gap": gap, "people": people}
                for (scope, day, gap), people in sorted(pending.gaps.items())
                if people
            ]
            if rows:
                await connection.execute(upsert, rows)
        if pending.joined:
            await connection.execute(
                insert(_newcomers).on_conflict_do_nothing(),
                [
                    {"scope": scope, "person": person, "day": day}
                    for (scope, person), day in sorted(pending.joined.items())
                ],
            )
        if pending.got_reply:
            rows = [
                {"s": scope, "p": person, "d": day}
                for (scope, person), day in sorted(pending.got_reply.items())
            ]
            await connection.execute(_got_reply, rows)

    async def _write_active(self, connection: Any, pending: _Pending) -> None:
        """Write the chunk's new (scope, day, person) rows, each linked to the person's
        previous day, and count them into the day's ``active``: one read of the people's
        last days, one insert. A day older than the person's last one (a late event) is
        rare and linked in with a few statements of its own."""
        days: dict[tuple[str, int], list[int]] = {}
        for scope, day, person in pending.active:
            days.setdefault((scope, person), []).append(day)
        last_day = {
            (row.scope, row.person): row.last
            for row in await connection.execute(
                select(_active.c.scope, _active.c.person, func.max(_active.c.day).label("last"))
                .where(tuple_(_active.c.scope, _active.c.person).in_(sorted(days)))
                .group_by(_active.c.scope, _active.c.person)
            )
        }
        rows: list[dict[str, Any]] = []
        late: list[tuple[str, int, int]] = []
        for (scope, person), wanted in sorted(days.items()):
            last = last_day.get((scope, person), 0)
            for day in sorted(wanted):
                if day == last:
                    continue
                if day < last:
                    late.append((scope, day, person))
                    continue
                rows.append({"scope": scope, "day": day, "person": person, "prev": last})
                last = day
        for scope, day, person in late:
            await self._link_late(connection, pending, scope, day, person)
        for row in rows:
            self._count(pending, row["scope"], row["day"], row["prev"])
        if rows:
            await connection.execute(self.tx.store._insert(_active).on_conflict_do_nothing(), rows)

    @staticmethod
    def _count(pending: _Pending, scope: str, day: int, prev: int, people: int = 1) -> None:
        """Count a new row (or, ``people=-1``, a row's old link) in the day's ``active``
        and its gap."""
        if people > 0:
            counters = pending.counters.setdefault((scope, day), {})
            counters["active"] = counters.get("active", 0) + people
        key = (scope, day, gap_of(day, prev))
        pending.gaps[key] = pending.gaps.get(key, 0) + people

    async def _link_late(
        self, connection: Any, pending: _Pending, scope: str, day: int, person: int
    ) -> None:
        """Insert a row older than the person's last one and relink its successor (its
        gap moves); nothing when the row was there already."""
        theirs = and_(_active.c.scope == scope, _active.c.person == person)
        if await connection.scalar(select(func.count()).where(theirs, _active.c.day == day)):
            return
        before = select(func.max(_active.c.day)).where(theirs, _active.c.day < day)
        prev = await connection.scalar(before) or 0
        after = await connection.scalar(
            select(func.min(_active.c.day)).where(theirs, _active.c.day > day)
        )
        await connection.execute(
            _active.insert().values(scope=scope, day=day, person=person, prev=prev)
        )
        self._count(pending, scope, day, prev)
        if after is not None:
            await connection.execute(
                update(_active).where(theirs, _active.c.day == after).values(prev=day)
            )
            self._count(pending, scope, after, prev, people=-1)
            pending.gaps[(scope, after, gap_of(after, day))] = (
                pending.gaps.get((scope, after, gap_of(after, day)), 0) + 1
            )

    async def prune(self, scope: str, before: int) -> None:
        """Forget the scope's days before ``before`` (an ordinal), and its cases opened
        before then. A person's later rows keep their link to a forgotten day: their
        gap was counted when they were written."""
        for table in (_days, _active, _gaps, _newcomers, _shipped):
            await self.tx.execute(
                table.delete().where(table.c.scope == scope, table.c.day < before)
            )
        start = datetime.fromordinal(before).replace(tzinfo=_UTC)
        await self.tx.execute(
            _cases.delete().where(_cases.c.scope == scope, _cases.c.opened_at < start)
        )

    async def case_opened(self, scope: str, case_id: int, at: datetime) -> None:
        await self.tx.execute(
            self.tx.store._insert(_cases)
            .values(scope=scope, case_id=case_id, opened_at=at)
            .on_conflict_do_nothing()
        )

    async def shipped(self, scope: str, idea_id: int, day: int) -> bool:
        insert = (
            self.tx.store._insert(_shipped)
            .values(scope=scope, idea_id=idea_id, day=day)
            .on_conflict_do_nothing()
            .returning(_shipped.c.idea_id)
        )
        result = await self.tx.execute(insert)
        return result.first() is not None

    async def case_moved(
        self,
        case_id: int,
        *,
        claimed_at: datetime | None = None,
        resolved_at: datetime | None = None,
    ) -> None:
        for column, at in (("claimed_at", claimed_at), ("resolved_at", resolved_at)):
            if at is not None:
                await self.tx.execute(
                    update(_cases)
                    .where(_cases.c.case_id == case_id, _cases.c[column].is_(None))
                    .values({column: at})
                )

    async def window(self, scope: str, first: int, last: int, *, brief: bool = False) -> Window:
        connection = self.tx.connection
        counted = await connection.execute(
            select(_days).where(_days.c.scope == scope, _days.c.day.between(first, last))
        )
        days = tuple(
            Day(row.day, row.active, *(getattr(row, name) for name in COUNTERS))
            for row in sorted(counted, key=_day)
        )
        # The people of a..b: those of each day d whose gap reaches back before a.
        windows = (("active", first), ("wau", max(first, last - 6)), ("mau", max(first, last - 29)))
        distinct = await connection.execute(
            select(
                *(
                    func.coalesce(
                        func.sum(_gaps.c.people).filter(
                            _gaps.c.day >= since, _gaps.c.gap > _gaps.c.day - since
                        ),
                        0,
                    ).label(label)
                    for label, since in (windows[:1] if brief else windows)
                )
            ).where(_gaps.c.scope == scope, _gaps.c.day.between(first, last))
        )
        counts = distinct.one()
        return Window(
            first=first,
            last=last,
            days=days,
            active=int(counts.active),
            wau=0 if brief else int(counts.wau),
            mau=0 if brief else int(counts.mau),
            cohorts=await self._cohorts(connection, scope, first, last, brief),
            cases=() if brief else await self._cases(connection, scope, first, last),
            questions=await self._questions(connection, scope, first, last),
            thanked=() if brief else await self._thanked(connection, scope, first, last),
            answerers=() if brief else await self._answerers(connection, scope, first, last),
        )

    async def _questions(
        self, connection: Any, scope: str, first: int, last: int
    ) -> tuple[QuestionTimes, ...]:
        q = _questions
        start, end = _moment(first), _moment(last + 1)
        rows = await connection.execute(
            select(q.c.asked_at, q.c.answered_at, q.c.by_bot).where(
                q.c.scope == scope, q.c.asked_at >= start, q.c.asked_at < end
            )
        )
        return tuple(QuestionTimes(row.asked_at, row.answered_at, bool(row.by_bot)) for row in rows)

    async def _thanked(
        self, connection: Any, scope: str, first: int, last: int
    ) -> tuple[tuple[int, int], ...]:
        total = func.sum(_thanks.c.thanks).label("n")
        rows = await connection.execute(
            select(_thanks.c.person, total)
            .where(_thanks.c.scope == scope, _thanks.c.day.between(first, last))
            .group_by(_thanks.c.person)
            .order_by(total.desc(), _thanks.c.person)
            .limit(TOP * 4)
        )
        return tuple((int(row.person), int(row.n)) for row in rows)

    async def _answerers(
        self, connection: Any, scope: str, first: int, last: int
    ) -> tuple[tuple[str, str, int], ...]:
        q = _questions
        n = func.count().label("n")
        rows = await connection.execute(
            select(q.c.answerer_platform, q.c.answerer_id, n)
            .where(
                q.c.scope == scope,
                q.c.asked_at >= _moment(first),
                q.c.asked_at < _moment(last + 1),
                q.c.answerer_id.is_not(None),
            )
            .group_by(q.c.answerer_platform, q.c.answerer_id)
            .order_by(n.desc(), q.c.answerer_platform, q.c.answerer_id)
            .limit(TOP * 4)
        )
        return tuple((str(row.answerer_platform), str(row.answerer_id), int(row.n)) for row in rows)

    async def _cohorts(
        self, connection: Any, scope: str, first: int, last: int, brief: bool
    ) -> tuple[Cohort, ...]:
        """Newcomers per joining day, and (unless ``brief``) how many wrote in weeks 1
        and 4 after: one grouped statement, an index probe per newcomer."""
        n = _newcomers
        columns: list[Any] = [n.c.day, func.count().label("joined")]
        if not brief:
            for label, (low, high) in (("week1", (7, 13)), ("week4", (28, 34))):
                wrote = (
                    select(_active.c.day)
                    .where(
                        _active.c.scope == n.c.scope,
                        _active.c.person == n.c.person,
                        _active.c.day.between(n.c.day + low, n.c.day + high),
                    )
                    .exists()
                )
                columns.append(func.sum(case((wrote, 1), else_=0)).label(label))
            since = (
                select(_active.c.day)
                .where(
                    _active.c.scope == n.c.scope,
                    _active.c.person == n.c.person,
                    _active.c.day >= n.c.day,
                )
                .exists()
            )
            columns.append(func.sum(case((since, 1), else_=0)).label("wrote"))
            columns.append(func.count(n.c.replied).label("replied"))
        rows = await connection.execute(
            select(*columns)
            .where(n.c.scope == scope, n.c.day.between(first, last))
            .group_by(n.c.day)
            .order_by(n.c.day)
        )
        return tuple(
            Cohort(
                row.day,
                row.joined,
                0 if brief else int(row.week1 or 0),
                0 if brief else int(row.week4 or 0),
                0 if brief else int(row.wrote or 0),
                0 if brief else int(row.replied or 0),
            )
            for row in rows
        )

    async def _cases(
        self, connection: Any, scope: str, first: int, last: int
    ) -> tuple[CaseTimes, ...]:
        start = datetime.fromordinal(first).replace(tzinfo=_UTC)
        end = datetime.fromordinal(last + 1).replace(tzinfo=_UTC)
        rows = await connection.execute(
            select(_cases.c.opened_at, _cases.c.claimed_at, _cases.c.resolved_at).where(
                _cases.c.scope == scope, _cases.c.opened_at >= start, _cases.c.opened_at < end
            )
        )
        return tuple(CaseTimes(row.opened_at, row.claimed_at, row.resolved_at) for row in rows)


def _moment(day: int) -> datetime:
    """The start (00:00 UTC) of the day with ordinal ``day``."""
    return datetime.fromordinal(day).replace(tzinfo=_UTC)


def _day(row: Any) -> int:
    day: int = row.day
    return day
