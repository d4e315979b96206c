"""Migrations 0140 to 0143 build exactly the analytics models' tables, on SQLite and
PostgreSQL, and its branch goes down and up again on its own."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import text

from tests.storage.branches import assert_branch_migrates
from townsquare.storage.analytics_models import (
    AnalyticsActiveRow,
    AnalyticsCaseRow,
    AnalyticsDayRow,
    AnalyticsGapRow,
    AnalyticsNewcomerRow,
    AnalyticsQuestionRow,
    AnalyticsShippedRow,
    AnalyticsThanksRow,
)
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import alembic_config, upgrade

ROWS = (
    AnalyticsDayRow,
    AnalyticsActiveRow,
    AnalyticsGapRow,
    AnalyticsNewcomerRow,
    AnalyticsCaseRow,
    AnalyticsQuestionRow,
    AnalyticsShippedRow,
    AnalyticsThanksRow,
)


async def test_migrations_0140_to_0143_match_the_models_and_downgrade(database_url: str) -> None:
    await assert_branch_migrates(database_url, branch="analytics", head="0143", rows=ROWS)


def _to(revision: str) -> Any:
    def run(connection: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    return run


async def test_migration_0143_counts_no_feedback_on_the_days_before_it(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_to("0142"))
            zeros = ", ".join(["0"] * 13)
            await connection.execute(text(f"INSERT INTO analytics_days VALUES ('s', 10, {zeros})"))
        await upgrade(engine)
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT feedback_filed, feedback_shipped FROM analytics_days")
                )
            ).one()
        assert tuple(row) == (0, 0)
    finally:
        await engine.dispose()


async def test_migration_0141_links_and_counts_the_rows_written_before_it(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_to("0140"))
            await connection.execute(
                text(
                    "INSERT INTO analytics_active (scope, day, person) VALUES "
                    "('s', 10, 1), ('s', 12, 1), ('s', 12, 2), ('t', 12, 1)"
                )
            )
            zeros = ", ".join(["0"] * 10)
            days = f"('s', 10, {zeros}), ('s', 12, {zeros})"
            await connection.execute(text(f"INSERT INTO analytics_days VALUES {days}"))
        await upgrade(engine)
        async with engine.connect() as connection:
            links = (
                await connection.execute(
                    text("SELECT scope, day, person, prev FROM analytics_active ORDER BY 1, 2, 3")
                )
            ).all()
            active = (
                await connection.execute(text("SELECT day, active FROM analytics_days"))
            ).all()
            gaps = (await connection.execute(text("SELECT * FROM analytics_gaps"))).all()
        assert [tuple(row) for row in links] == [
            ("s", 10, 1, 0),
            ("s", 12, 1, 10),
            ("s", 12, 2, 0),
            ("t", 12, 1, 0),
        ]
        assert sorted(tuple(row) for row in active) == [(10, 1), (12, 2)]
        assert sorted(tuple(row) for row in gaps) == [
            ("s", 10, 91, 1),  # a first day
            ("s", 12, 2, 1),  # person 1 again, 2 days later
            ("s", 12, 91, 1),
            ("t", 12, 91, 1),
        ]
    finally:
        await engine.dispose()
