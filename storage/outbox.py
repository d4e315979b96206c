"""The outbox's statements: claims with short leases, renewals, completions (one row, or
many in one group commit), retries and the reads the delivery worker needs.

:class:`OutboxQueries` is part of :class:`storage.store.SqlStore`, which gives it the
engine, the single-writer turns (SQLite) and the shared claim statement.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, assert_never

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.core.actions import (
    Action,
    AnswerButton,
    AskText,
    CancelScheduledEvent,
    CreateScheduledEvent,
    CrosspostMessage,
    DeleteMessage,
    EditMessage,
    GiveRole,
    PinMessage,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendEphemeral,
    SendFile,
    SendMessage,
    TakeRole,
    UnpinMessage,
    UnrestrictMember,
    UpdateScheduledEvent,
    action_from_payload,
    action_to_payload,
)
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.core.sent_journal import SentRow
from townsquare.core.store import OutboxItem
from townsquare.storage.tables import outbox as _outbox
from townsquare.storage.tables import sent as _sent


def outbox_rows(actions: Sequence[Action], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "bot": action.bot,
            "kind": action.kind,
            "lane": lane_of(action),
            "message_key": getattr(action, "key", None),
            "payload": action_to_payload(action),
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for action in actions
    ]


_COMMUNITY_LANES = {
    "give_role": "roles",
    "take_role": "roles",
    "create_scheduled_event": "events",
    "update_scheduled_event": "events",
    "cancel_scheduled_event": "events",
}


def lane_of(action: Action) -> str:
    """Outbound actions in one lane are delivered in order and share one rate budget."""
    bot = action.bot
    match action:
        case SendMessage() | SendEphemeral():
            return f"{bot}:chat:{action.channel.id}"
        case SendDirect():
            return f"{bot}:dm:{action.user_id}"
        case SendFile():
            if action.user_id is not None:
                return f"{bot}:dm:{action.user_id}"
            assert action.channel is not None
            return f"{bot}:chat:{action.channel.id}"
        case EditMessage() | DeleteMessage():
            if action.message is not None:
                return f"{bot}:chat:{action.message.channel.id}"
            return f"{bot}:key:{action.key}"
        case AnswerButton() | AskText():
            return f"{bot}:answers"
        case RestrictMember() | UnrestrictMember() | RemoveMember():
            return f"{bot}:moderation:{action.community.id}"
        case (
            GiveRole()
            | TakeRole()
            | CreateScheduledEvent()
            | UpdateScheduledEvent()
            | CancelScheduledEvent()
        ):
            # One lane per community: a Slack user group is rewritten whole
            # (usergroups.users.update), so two changes of one group must not interleave;
            # a scheduled event is created before it is changed or cancelled.
            return f"{bot}:{_COMMUNITY_LANES[action.kind]}:{action.community.id}"
        case PinMessage() | UnpinMessage():
            # The chat's lane: the pin follows the keyed send it names, in order.
            return f"{bot}:chat:{action.channel.id}"
        case CrosspostMessage():
            return f"{bot}:crosspost:{action.channel.id}"
        case _:
            assert_never(action)


_MATERIALIZED = ("MATERIALIZED",)
"""Each claim CTE is evaluated once on PostgreSQL: with the statistics of a table that
grew fast (a backlog after an outage, before autovacuum analysed it) the planner took the
lanes' ranking for one row and re-ran it for every pending row, and a claim over 14,000
pending rows took 76 s, stalling delivery while the backlog grew."""


class OutboxQueries:
    """The outbox half of :class:`storage.store.SqlStore`."""

    engine: AsyncEngine
    reader: AsyncEngine

    if TYPE_CHECKING:  # provided by SqlStore

        def _writing(self, *, urgent: bool = False) -> AbstractAsyncContextManager[None]: ...

        def _insert(self, table: Table) -> Any: ...

        async def _claim(
            self,
            table: Table,
            conditions: list[Any],
            *,
            order_by: list[Any],
            limit: int,
            now: datetime,
            lease_seconds: float,
            returning: list[str],
            extra_values: dict[str, Any] | None = None,
        ) -> list[Any]: ...

    async def claim_outbox(
        self,
        bots: Collection[str],
        now: datetime,
        *,
        limit: int,
        lease_seconds: float,
        owner: str,
        exclude: Collection[int] = (),
        per_lane: int | None = None,
    ) -> list[OutboxItem]:
        """Lease due rows, oldest first: never a row of a lane another owner holds a lease
        in (the lane's order stays whole, and its chat's pace is one process's), and with
        ``per_lane`` only the first rows of each lane among the pending ones, so one claim
        (one process) never takes all of a long lane at once."""
        pending = [_outbox.c.status == "pending", _outbox.c.bot.in_(list(bots))]
        held = (
            select(_outbox.c.lane)
            .where(
                *pending,
                _outbox.c.locked_until >= now,
                or_(_outbox.c.locked_by.is_(None), _outbox.c.locked_by != owner),
            )
            .distinct()
            .cte("held")
            .prefix_with(*_MATERIALIZED, dialect="postgresql")
        )
        ranked = (
            select(
                _outbox.c.id,
                _outbox.c.lane,
                _outbox.c.next_attempt_at,
                _outbox.c.locked_until,
                func.row_number()
                .over(partition_by=_outbox.c.lane, order_by=_outbox.c.id)
                .label("rank"),
            )
            .where(*pending)
            .cte("ranked")
            .prefix_with(*_MATERIALIZED, dialect="postgresql")
        )
        chosen = [
            ranked.c.next_attempt_at <= now,
            ranked.c.locked_until.is_(None) | (ranked.c.locked_until < now),
            ranked.c.lane.not_in(select(held.c.lane)),
        ]
        if per_lane is not None:
            chosen.append(ranked.c.rank <= per_lane)
        if exclude:
            chosen.append(ranked.c.id.not_in(list(exclude)))
        candidates = (
            select(ranked.c.id)
            .where(*chosen)
            .order_by(ranked.c.id)
            .limit(limit)
            .cte("candidates")
            .prefix_with(*_MATERIALIZED, dialect="postgresql")
        )
        conditions = [*pending, _outbox.c.id.in_(select(candidates.c.id))]
        rows = await self._claim(
            _outbox,
            conditions,
            order_by=[_outbox.c.id],
            limit=limit,
            now=now,
            lease_seconds=lease_seconds,
            extra_values={"locked_by": owner},
            returning=["id", "bot", "lane", "payload", "attempts"],
        )
        items = [
            OutboxItem(
                id=row.id,
                bot=row.bot,
                lane=row.lane,
                action=action_from_payload(row.payload),
                attempts=row.attempts,
            )
            for row in rows
        ]
        return sorted(items, key=lambda item: item.id)

    async def renew_outbox(self, ids: Collection[int], until: datetime) -> None:
        if not ids:
            return
        async with self._writing(urgent=True), self.engine.begin() as connection:
            await connection.execute(
                update(_outbox)
                .where(_outbox.c.id.in_(list(ids)), _outbox.c.status == "pending")
                .values(locked_until=until)
            )

    async def release_outbox(self, owner: str, *, keep: Collection[int] = ()) -> int:
        """End every lease ``owner`` holds on pending rows but those in ``keep``: a
        graceful stop, so the next start or another process sends them at once."""
        conditions = [_outbox.c.locked_by == owner, _outbox.c.status == "pending"]
        if keep:
            conditions.append(_outbox.c.id.not_in(list(keep)))
        async with self._writing(), self.engine.begin() as connection:
            result = await connection.execute(
                update(_outbox).where(*conditions).values(locked_until=None, locked_by=None)
            )
        return int(result.rowcount or 0)

    async def outbox_done(
        self,
        item: OutboxItem,
        status: str,
        now: datetime,
        *,
        remember: tuple[str, MessageRef] | None = None,
        error: str | None = None,
        follow_up: Sequence[Action] = (),
    ) -> None:
        async with self._writing(urgent=True), self.engine.begin() as connection:
            if follow_up:
                await connection.execute(_outbox.insert(), outbox_rows(follow_up, now))
            await connection.execute(
                update(_outbox)
                .where(_outbox.c.id == item.id)
                .values(
                    status=status,
                    finished_at=now,
                    locked_until=None,
                    attempts=item.attempts,
                    last_error=error,
                )
            )
            if remember is not None:
                await connection.execute(self._remember(item.bot, remember, now))

    def _remember(self, bot: str, remember: tuple[str, MessageRef], now: datetime) -> Any:
        """The upsert that records the message a keyed send created under its key."""
        key, message = remember
        values = {
            "bot": bot,
            "key": key,
            "channel_id": message.channel.id,
            "thread_id": message.channel.thread_id,
            "message_id": message.message_id,
            "sent_at": now,
        }
        upsert = self._insert(_sent).values(values)
        return upsert.on_conflict_do_update(
            index_elements=[_sent.c.bot, _sent.c.key],
            set_={k: v for k, v in values.items() if k not in ("bot", "key")},
        )

    DONE_CHUNK = 500
    """Row ids per ``UPDATE ... WHERE id IN (...)`` of :meth:`outbox_done_many` (well under
    SQLite's and asyncpg's limits on bound parameters)."""

    async def outbox_done_many(
        self, take: Callable[[], Sequence[tuple[int, str, int]]], now: datetime
    ) -> int:
        """Finish many rows that need nothing else stored (group commit of the delivery
        worker, :class:`core.store.GroupCommitStore`): ``take()`` is called once this
        process's writer turn has come, so completions that arrived while waiting for it
        join; one UPDATE per (status, attempts) and chunk of ids, in one transaction."""
        async with self._writing(urgent=True):
            completions = take()
            if not completions:
                return 0
            groups: dict[tuple[str, int], list[int]] = {}
            for row_id, status, attempts in completions:
                groups.setdefault((status, attempts), []).append(row_id)
            async with self.engine.begin() as connection:
                for (status, attempts), ids in groups.items():
                    for start in range(0, len(ids), self.DONE_CHUNK):
                        await connection.execute(
                            update(_outbox)
                            .where(_outbox.c.id.in_(ids[start : start + self.DONE_CHUNK]))
                            .values(
                                status=status,
                                finished_at=now,
                                locked_until=None,
                                attempts=attempts,
                                last_error=None,
                            )
                        )
        return len(completions)

    async def outbox_replay_sent(self, rows: Sequence[SentRow], now: datetime) -> int:
        """Mark sent the rows the last run's :class:`core.sent_journal.SentJournal` says
        were accepted by their platform (a SIGKILL came before their marks committed), so
        they are not sent again; rows no longer pending are left as they are. Returns how
        many rows were marked."""
        if not rows:
            return 0
        marked = 0
        async with self._writing(urgent=True), self.engine.begin() as connection:
            for row in rows:
                result = await connection.execute(
                    update(_outbox)
                    .where(
                        _outbox.c.id == row.id,
                        _outbox.c.bot == row.bot,
                        _outbox.c.status == "pending",
                    )
                    .values(
                        status="sent",
                        finished_at=now,
                        locked_until=None,
                        locked_by=None,
                        attempts=row.attempts,
                        last_error=None,
                    )
                )
                if result.rowcount and row.remember is not None:
                    await connection.execute(self._remember(row.bot, row.remember, now))
                marked += int(result.rowcount or 0)
        return marked

    async def outbox_retry(
        self,
        item: OutboxItem,
        next_attempt_at: datetime,
        error: str,
        *,
        locked_until: datetime | None = None,
    ) -> None:
        async with self._writing(urgent=True), self.engine.begin() as connection:
            await connection.execute(
                update(_outbox)
                .where(_outbox.c.id == item.id)
                .values(
                    attempts=item.attempts,
                    next_attempt_at=next_attempt_at,
                    locked_until=locked_until,
                    last_error=error[:2000],
                )
            )

    async def sent_message(self, bot: str, key: str) -> MessageRef | None:
        async with self.reader.connect() as connection:
            row = (
                await connection.execute(
                    select(_sent.c.channel_id, _sent.c.thread_id, _sent.c.message_id).where(
                        _sent.c.bot == bot, _sent.c.key == key
                    )
                )
            ).first()
        if row is None:
            return None
        return MessageRef(ChannelRef(row.channel_id, thread_id=row.thread_id), row.message_id)

    async def key_pending(self, bot: str, key: str, before_id: int) -> bool:
        """Whether an earlier send under ``key`` is still waiting for delivery."""
        async with self.reader.connect() as connection:
            count = await connection.scalar(
                select(func.count())
                .select_from(_outbox)
                .where(
                    _outbox.c.bot == bot,
                    _outbox.c.message_key == key,
                    _outbox.c.kind.in_(["send_message", "send_direct"]),
                    _outbox.c.status == "pending",
                    _outbox.c.id < before_id,
                )
            )
        return bool(count)

    async def pending_outbox(self, bots: Collection[str]) -> int:
        async with self.reader.connect() as connection:
            count = await connection.scalar(
                select(func.count())
                .select_from(_outbox)
                .where(_outbox.c.status == "pending", _outbox.c.bot.in_(list(bots)))
            )
        return int(count or 0)

    async def outbox_status(self) -> list[dict[str, Any]]:
        """Every outbox row as a dict, oldest first (for tests and ``townsquare`` tools)."""
        async with self.reader.connect() as connection:
            rows = (await connection.execute(select(_outbox).order_by(_outbox.c.id))).mappings()
            return [dict(row) for row in rows]
