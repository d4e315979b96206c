"""A PostgreSQL deadlock or serialization failure is retried, not a lost batch."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from townsquare.core.pipeline import is_transient


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def test_deadlock_and_serialization_failure_are_transient() -> None:
    for sqlstate in ("40P01", "40001"):
        error = DBAPIError("UPDATE polls ...", {}, _Orig(sqlstate))
        assert is_transient(error), sqlstate


def test_other_database_errors_are_not() -> None:
    error = DBAPIError("INSERT ...", {}, _Orig("23505"))  # unique violation
    assert not is_transient(error)
