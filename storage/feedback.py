"""SQL side of :mod:`core.feedback`: plain statements over the batch's transaction.

A vote is a row keyed by (idea, person), so a redelivered or concurrent press never counts
twice; a status change is an UPDATE that only an idea still in the old status matches, so
two managers (or a manager and a GitHub webhook) racing change it once; a notice is marked
sent in the transaction that queues the message telling it, so it is told once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Table, desc, func, select, update

from townsquare.core.feedback.rules import CLOSED, Status
from townsquare.core.feedback.store import (
    Account,
    Draft,
    Idea,
    Notice,
    Place,
    Post,
    Shipped,
    Team,
)
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.storage.feedback_models import (
    FeedbackBoardRow,
    FeedbackChangeRow,
    FeedbackDraftRow,
    FeedbackIdeaRow,
    FeedbackNoticeRow,
    FeedbackPostRow,
    FeedbackTeamCodeRow,
    FeedbackTeamRow,
    FeedbackVoteRow,
)
from townsquare.storage.feedback_privacy import FeedbackPersonalData
from townsquare.storage.models import SentMessage
from townsquare.storage.store import SqlTransaction

_ideas: Table = FeedbackIdeaRow.__table__  # type: ignore[assignment]
_votes: Table = FeedbackVoteRow.__table__  # type: ignore[assignment]
_posts: Table = FeedbackPostRow.__table__  # type: ignore[assignment]
_changes: Table = FeedbackChangeRow.__table__  # type: ignore[assignment]
_notices: Table = FeedbackNoticeRow.__table__  # type: ignore[assignment]
_drafts: Table = FeedbackDraftRow.__table__  # type: ignore[assignment]
_boards: Table = FeedbackBoardRow.__table__  # type: ignore[assignment]
_teams: Table = FeedbackTeamRow.__table__  # type: ignore[assignment]
_codes: Table = FeedbackTeamCodeRow.__table__  # type: ignore[assignment]
_sent: Table = SentMessage.__table__  # type: ignore[assignment]

_VOTES = (
    select(func.count())
    .select_from(_votes)
    .where(_votes.c.idea_id == _ideas.c.id)
    .correlate(_ideas)
    .scalar_subquery()
    .label("votes")
)


def post_key(idea_id: int, number: int) -> str:
    return f"feedback:{idea_id}:{number}"


def _idea(row: Any) -> Idea:
    return Idea(
        id=row.id,
        scope=row.scope,
        platform=row.platform,
        community_id=row.community_id,
        text=row.text,
        status=Status(row.status),
        submitter=Account(
            row.submitter,
            row.submitter_platform,
            row.submitter_bot,
            row.submitter_user_id,
            row.submitter_name,
            row.community_id,
        ),
        created_at=row.created_at,
        votes=int(row.votes or 0),
        note=row.note,
        duplicate_of=row.duplicate_of,
        team=row.team,
    )


def _account(row: Any, key: str) -> Account:
    return Account(
        getattr(row, key),
        row.platform,
        row.bot,
        row.user_id,
        row.display_name,
        row.community_id,
    )


def _place(row: Any) -> Place:
    return Place(row.bot, row.platform, row.community_id, row.channel_id, row.thread_id)


class SqlFeedbackStore(FeedbackPersonalData):
    """The feedback board over one :class:`SqlTransaction`."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    # -- ideas ----------------------------------------------------------------------------

    async def file(
        self, *, scope: str, text: str, submitter: Account, channel_id: str, now: datetime
    ) -> Idea:
        result = await self.tx.execute(
            _ideas.insert()
            .values(
                scope=scope,
                platform=submitter.platform,
                bot=submitter.bot,
                community_id=submitter.community_id,
                channel_id=channel_id,
                text=text,
                status=Status.NEW.value,
                note=None,
                duplicate_of=None,
                team=None,
                submitter=submitter.key,
                submitter_platform=submitter.platform,
                submitter_bot=submitter.bot,
                submitter_user_id=submitter.user_id,
                submitter_name=submitter.display_name[:256],
                created_at=now,
                status_at=now,
            )
            .returning(_ideas.c.id)
        )
        idea_id = int(result.scalar_one())
        await self.vote(idea_id, submitter, (), now)
        found = await self.get(idea_id)
        assert found is not None
        return found

    async def get(self, idea_id: int) -> Idea | None:
        connection = self.tx.connection
        row = (
            await connection.execute(select(_ideas, _VOTES).where(_ideas.c.id == idea_id))
        ).first()
        if row is None:
            return None
        found = _idea(row)
        rows = (
            await connection.execute(
                select(_posts).where(_posts.c.idea_id == idea_id).order_by(_posts.c.number)
            )
        ).all()
        keys = {post_key(idea_id, r.number): r.bot for r in rows}
        sent = await self._sent(keys)
        posts = tuple(
            Post(
                bot=r.bot,
                platform=r.platform,
                community_id=r.community_id,
                channel_id=r.channel_id,
                thread_id=r.thread_id,
                key=post_key(idea_id, r.number),
                message=sent.get(post_key(idea_id, r.number)),
            )
            for r in rows
        )
        team = frozenset(post_key(idea_id, r.number) for r in rows if r.team)
        return replace(found, posts=posts, team_posts=team)

    async def _sent(self, keys: dict[str, str]) -> dict[str, MessageRef]:
        if not keys:
            return {}
        rows = await self.tx.connection.execute(select(_sent).where(_sent.c.key.in_(sorted(keys))))
        return {
            row.key: MessageRef(ChannelRef(row.channel_id, thread_id=row.thread_id), row.message_id)
            for row in rows
            if keys.get(row.key) == row.bot
        }

    async def texts_since(self, scope: str, after_id: int) -> list[tuple[int, str]]:
        rows = await self.tx.connection.execute(
            select(_ideas.c.id, _ideas.c.text)
            .where(_ideas.c.scope == scope, _ideas.c.id > after_id)
            .order_by(_ideas.c.id)
        )
        return [(int(row.id), str(row.text)) for row in rows]

    async def summaries(self, ids: Collection[int]) -> list[Idea]:
        if not ids:
            return []
        rows = await self.tx.connection.execute(
            select(_ideas, _VOTES).where(_ideas.c.id.in_(sorted(set(ids))))
        )
        by_id = {row.id: _idea(row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def listed(self, scope: str, status: Status | None, limit: int) -> list[Idea]:
        query = select(_ideas, _VOTES).where(_ideas.c.scope == scope)
        if status is None:
            query = query.where(_ideas.c.status.not_in(sorted(s.value for s in CLOSED)))
        else:
            query = query.where(_ideas.c.status == status.value)
        rows = await self.tx.connection.execute(
            query.order_by(desc("votes"), _ideas.c.id).limit(limit)
        )
        return [_idea(row) for row in rows]

    async def add_posts(self, idea: Idea, places: Sequence[Place], team: bool) -> Idea:
        if not places:
            return idea
        last = await self.tx.connection.scalar(
            select(func.max(_posts.c.number)).where(_posts.c.idea_id == idea.id)
        )
        start = int(last or 0) + 1
        rows = [
            {
                "idea_id": idea.id,
                "number": number,
                "platform": place.platform,
                "bot": place.bot,
                "community_id": place.community_id,
                "channel_id": place.channel_id,
                "thread_id": place.thread_id,
                "team": team,
            }
            for number, place in enumerate(places, start)
        ]
        await self.tx.execute(_posts.insert(), rows)
        added = tuple(
            Post(
                bot=place.bot,
                platform=place.platform,
                community_id=place.community_id,
                channel_id=place.channel_id,
                thread_id=place.thread_id,
                key=post_key(idea.id, number),
            )
            for number, place in enumerate(places, start)
        )
        keys = frozenset(p.key for p in added) if team else frozenset()
        return replace(idea, posts=(*idea.posts, *added), team_posts=idea.team_posts | keys)

    # -- votes ----------------------------------------------------------------------------

    async def vote(
        self, idea_id: int, voter: Account, aliases: Collection[str], now: datetime
    ) -> bool:
        keys = sorted({voter.key, *aliases})
        already = await self.tx.connection.scalar(
            select(func.count())
            .select_from(_votes)
            .where(_votes.c.idea_id == idea_id, _votes.c.voter.in_(keys))
        )
        if already:
            return False
        result = await self.tx.execute(
            self.tx.store._insert(_votes)
            .values(
                idea_id=idea_id,
                voter=voter.key,
                platform=voter.platform,
                bot=voter.bot,
                user_id=voter.user_id,
                display_name=voter.display_name[:256],
                community_id=voter.community_id,
                voted_at=now,
            )
            .on_conflict_do_nothing()
        )
        return bool(result.rowcount)

    async def backers(self, idea_id: int) -> list[Account]:
        rows = await self.tx.connection.execute(
            select(_votes).where(_votes.c.idea_id == idea_id).order_by(_votes.c.voted_at)
        )
        return [_account(row, "voter") for row in rows]

    async def merge_votes(self, idea_id: int, into: int, now: datetime) -> int:
        theirs = await self.backers(idea_id)
        gained = 0
        for account in theirs:
            gained += await self.vote(into, account, (), now)
        return gained

    # -- statuses -------------------------------------------------------------------------

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
        result = await self.tx.execute(
            update(_ideas)
            .where(_ideas.c.id == idea_id, _ideas.c.status == old.value)
            .values(status=new.value, note=note, duplicate_of=duplicate_of, status_at=now)
        )
        if not result.rowcount:
            return False
        await self.tx.execute(
            _changes.insert().values(
                idea_id=idea_id, old=old.value, status=new.value, note=note, by=by[:160], at=now
            )
        )
        return True

    async def history(self, idea_id: int) -> list[tuple[datetime, Status, str | None, str]]:
        rows = await self.tx.connection.execute(
            select(_changes).where(_changes.c.idea_id == idea_id).order_by(_changes.c.id)
        )
        return [(row.at, Status(row.status), row.note, row.by) for row in rows]

    async def shipped(self, scope: str, start: datetime, end: datetime) -> list[Shipped]:
        reached = (
            select(_changes.c.idea_id)
            .where(
                _changes.c.status == Status.DONE.value,
                _changes.c.at >= start,
                _changes.c.at < end,
            )
            .scalar_subquery()
        )
        rows = await self.tx.connection.execute(
            select(_ideas, _VOTES)
            .where(
                _ideas.c.scope == scope,
                _ideas.c.status == Status.DONE.value,
                _ideas.c.id.in_(reached),
            )
            .order_by(desc("votes"), _ideas.c.id)
        )
        return [Shipped(row.id, row.text, row.submitter_name, int(row.votes)) for row in rows]

    # -- notices --------------------------------------------------------------------------

    async def add_notices(
        self, idea: Idea, recipients: Sequence[Account], status: Status, now: datetime
    ) -> None:
        if not recipients:
            return
        await self.tx.execute(
            _notices.insert(),
            [
                {
                    "recipient": r.key,
                    "platform": r.platform,
                    "bot": r.bot,
                    "user_id": r.user_id,
                    "display_name": r.display_name[:256],
                    "community_id": r.community_id,
                    "idea_id": idea.id,
                    "status": status.value,
                    "note": idea.note,
                    "duplicate_of": idea.duplicate_of,
                    "created_at": now,
                    "sent_at": None,
                }
                for r in recipients
            ],
        )

    async def take_notices(self, recipient: str, now: datetime) -> list[Notice]:
        rows = (
            await self.tx.connection.execute(
                select(_notices, _ideas.c.text)
                .join(_ideas, _ideas.c.id == _notices.c.idea_id)
                .where(_notices.c.recipient == recipient, _notices.c.sent_at.is_(None))
                .order_by(_notices.c.id)
            )
        ).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        result = await self.tx.execute(
            update(_notices)
            .where(_notices.c.id.in_(ids), _notices.c.sent_at.is_(None))
            .values(sent_at=now)
        )
        if result.rowcount != len(ids):  # another process took some meanwhile
            return []
        return [
            Notice(
                id=row.id,
                recipient=_account(row, "recipient"),
                idea_id=row.idea_id,
                text=row.text,
                status=Status(row.status),
                note=row.note,
                duplicate_of=row.duplicate_of,
            )
            for row in rows
        ]

    # -- drafts ---------------------------------------------------------------------------

    async def draft(
        self, *, scope: str, text: str, author: Account, channel_id: str, now: datetime
    ) -> Draft:
        result = await self.tx.execute(
            _drafts.insert()
            .values(
                scope=scope,
                text=text,
                author=author.key,
                platform=author.platform,
                bot=author.bot,
                user_id=author.user_id,
                display_name=author.display_name[:256],
                community_id=author.community_id,
                channel_id=channel_id,
                created_at=now,
                idea_id=None,
            )
            .returning(_drafts.c.id)
        )
        return Draft(int(result.scalar_one()), scope, text, author, channel_id)

    async def get_draft(self, draft_id: int) -> Draft | None:
        row = (
            await self.tx.connection.execute(select(_drafts).where(_drafts.c.id == draft_id))
        ).first()
        if row is None:
            return None
        key = f"feedback-offer:{row.id}"
        sent = await self._sent({key: row.bot})
        return Draft(
            row.id,
            row.scope,
            row.text,
            _account(row, "author"),
            row.channel_id,
            row.idea_id,
            sent.get(key),
        )

    async def filed_draft(self, draft_id: int, idea_id: int) -> bool:
        result = await self.tx.execute(
            update(_drafts)
            .where(_drafts.c.id == draft_id, _drafts.c.idea_id.is_(None))
            .values(idea_id=idea_id)
        )
        return bool(result.rowcount)

    # -- boards and teams -----------------------------------------------------------------

    async def set_board(self, scope: str, place: Place, now: datetime) -> None:
        values = {
            "platform": place.platform,
            "channel_id": place.channel_id,
            "thread_id": place.thread_id,
            "set_at": now,
        }
        upsert = self.tx.store._insert(_boards).values(
            scope=scope, bot=place.bot, community_id=place.community_id or "", **values
        )
        await self.tx.execute(
            upsert.on_conflict_do_update(
                index_elements=[_boards.c.scope, _boards.c.bot, _boards.c.community_id],
                set_=values,
            )
        )

    async def boards(self, scope: str) -> list[Place]:
        rows = await self.tx.connection.execute(
            select(_boards).where(_boards.c.scope == scope).order_by(_boards.c.set_at)
        )
        return [
            Place(row.bot, row.platform, row.community_id or None, row.channel_id, row.thread_id)
            for row in rows
        ]

    async def scopes_with_boards(self) -> list[str]:
        rows = await self.tx.connection.execute(select(_boards.c.scope).distinct())
        return sorted(str(row.scope) for row in rows)

    async def set_team(
        self,
        scope: str,
        name: str,
        *,
        inbox: Place | None = None,
        keywords: Sequence[str] | None = None,
        now: datetime,
    ) -> Team:
        found = (
            await self.tx.connection.execute(
                select(_teams).where(_teams.c.scope == scope, _teams.c.name == name)
            )
        ).first()
        values: dict[str, Any] = {"updated_at": now}
        if inbox is not None:
            values |= {
                "bot": inbox.bot,
                "platform": inbox.platform,
                "community_id": inbox.community_id,
                "channel_id": inbox.channel_id,
                "thread_id": inbox.thread_id,
            }
        if keywords is not None:
            values["keywords"] = {"words": list(keywords)}
        if found is None:
            row = {
                "scope": scope,
                "name": name,
                "bot": None,
                "platform": None,
                "community_id": None,
                "channel_id": None,
                "thread_id": None,
                "keywords": {"words": []},
                "created_at": now,
            } | values
            await self.tx.execute(
                self.tx.store._insert(_teams).values(**row).on_conflict_do_nothing()
            )
        else:
            await self.tx.execute(
                update(_teams).where(_teams.c.scope == scope, _teams.c.name == name).values(values)
            )
        teams = {team.name: team for team in await self.teams(scope)}
        return teams[name]

    async def teams(self, scope: str) -> list[Team]:
        rows = await self.tx.connection.execute(
            select(_teams)
            .where(_teams.c.scope == scope)
            .order_by(_teams.c.created_at, _teams.c.name)
        )
        return [
            Team(
                row.scope,
                row.name,
                _place(row) if row.bot is not None and row.channel_id is not None else None,
                tuple((row.keywords or {}).get("words", ())),
            )
            for row in rows
        ]

    async def route(self, idea_id: int, team: str) -> None:
        await self.tx.execute(update(_ideas).where(_ideas.c.id == idea_id).values(team=team))

    async def add_team_code(
        self, code_hash: str, scope: str, team: str, by: str, now: datetime, expires: datetime
    ) -> None:
        await self.tx.execute(
            _codes.insert().values(
                code_hash=code_hash,
                scope=scope,
                team=team,
                created_by=by[:160],
                created_at=now,
                expires_at=expires,
                used_at=None,
            )
        )

    async def take_team_code(self, code_hash: str, team: str, now: datetime) -> str | None:
        row = (
            await self.tx.connection.execute(select(_codes).where(_codes.c.code_hash == code_hash))
        ).first()
        if row is None or row.used_at is not None or row.expires_at <= now or row.team != team:
            return None
        result = await self.tx.execute(
            update(_codes)
            .where(_codes.c.code_hash == code_hash, _codes.c.used_at.is_(None))
            .values(used_at=now)
        )
        return str(row.scope) if result.rowcount else None
