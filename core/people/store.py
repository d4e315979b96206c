"""What the linked-accounts feature needs from storage (``storage.people`` implements it).

The lookup other features use to key data by person is :class:`core.persons.
PersonDirectory`, in the framework, so no feature imports this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from townsquare.core.people.rules import Attempts
from townsquare.core.privacy import PersonalData


@dataclass(frozen=True, slots=True)
class Account:
    """One platform account and the person it belongs to; ``bot`` is the bot that last
    saw it, through which it is told privately of links and unlinks."""

    platform: str
    user_id: str
    display_name: str
    bot: str
    person_id: int


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A link code as stored (its hash only), with the account it was sent to."""

    id: int
    platform: str
    user_id: str
    bot: str
    locale: str
    expires_at: datetime
    used_at: datetime | None


class PeopleStore(PersonalData, Protocol):
    async def account(
        self, platform: str, user_id: str, display_name: str, bot: str, now: datetime
    ) -> Account:
        """The account, created with a person of its own the first time; its display
        name and bot are brought up to date."""
        ...

    async def find_account(self, platform: str, user_id: str) -> Account | None: ...

    async def accounts(self, person_id: int) -> list[Account]:
        """The person's accounts, by platform."""
        ...

    async def issue_code(
        self,
        *,
        code_hash: str,
        platform: str,
        user_id: str,
        bot: str,
        locale: str,
        expires_at: datetime,
        now: datetime,
    ) -> None:
        """Store a new code for the account; its earlier unused codes stop working (one
        live code per account)."""
        ...

    async def find_code(self, code_hash: str) -> IssuedCode | None: ...

    async def use_code(self, code_id: int, now: datetime) -> bool:
        """Mark the code used if it still is unused and unexpired; False if another
        ``/link`` took it first (one statement, so two processes cannot both use it)."""
        ...

    async def void_code(self, code_id: int, now: datetime) -> None:
        """The code stops working without joining anything."""
        ...

    async def attempts(self, platform: str, user_id: str) -> Attempts: ...

    async def set_attempts(self, platform: str, user_id: str, attempts: Attempts) -> None: ...

    async def clear_attempts(self, platform: str, user_id: str) -> None: ...

    async def merge(self, keep: int, merged: int, now: datetime) -> None:
        """Every account of person ``merged`` joins person ``keep``; ``merged`` (and the
        ids merged into it before) are recorded as merged into ``keep``."""
        ...

    async def detach(self, platform: str, user_id: str, now: datetime) -> int:
        """The account leaves its person for a new person of its own; the new id."""
        ...
