"""Privacy hooks: what every feature does when a member asks to be forgotten, or asks what
is stored about them.

A feature that stores anything about people implements two methods (the base
:class:`core.features.Feature` has both, doing nothing, so a feature that keeps nothing
about people needs neither)::

    class Polls(Feature):
        async def erase_person(self, subject: Subject, tx: Transaction) -> None:
            await self.store(tx).erase_person(subject)          # its own tables only

        async def export_person(self, subject: Subject, tx: Transaction) -> dict[str, Any]:
            return await self.store(tx).export_person(subject)  # JSON-ready values

* :meth:`erase_person` runs inside the transaction of the member's confirmation (``/forgetme``,
  then the button), for every running feature in turn: one that raises rolls the whole
  erasure back (the member is told to try again), so nobody is half forgotten. It must
  leave no row of the feature's tables naming one of ``subject.accounts`` (platform user
  id), ``subject.names`` (display name) or ``subject.person_ids``: delete what is the
  member's own (XP, RSVPs, link codes), keep counts without the person (a poll vote's
  row stays with :func:`anonymous` in place of the user id), and keep what moderation
  must keep (cases, warnings, mutes) under ``subject.pseudonym``. What a feature keeps
  under the pseudonym is listed in the README's Privacy section.
* :meth:`export_person` returns everything the feature stores about the subject, as JSON-ready
  values (``townsquare privacy export``): a dict of lists of rows, keyed by table.
* :meth:`expire_data` runs once a day (a stored job, :mod:`core.forgetme.feature`) with the
  configured retention (``[retention]``, days per kind of data, :data:`RETENTION`): the
  feature forgets what is older than its kinds' cutoffs.

Features never import each other: the hook is called by the privacy feature, which
receives the running features from the dispatcher (:meth:`core.features.Feature.attached`).
Storage helpers for the common cases are in :mod:`storage.privacy`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

RETENTION: dict[str, int] = {
    "analytics": 400,
    "polls": 365,
    "events": 365,
    "giveaways": 365,
    "announcements": 365,
    "faq": 365,
    "moderation": 730,
    "people": 30,
    "feedback": 730,
    "tickets": 365,
    "watch": 90,
}
"""Days kept per kind of data by default (``[retention]`` overrides each one):

* ``analytics``: the daily counters and who was active (the feature's rollups);
* ``polls``: closed polls and their votes, counted from their closing;
* ``events``: events that ended, with their RSVPs and check-ins;
* ``giveaways``: drawn giveaways with their entries and rounds;
* ``announcements``: cancelled or finished announcements;
* ``faq``: unanswered questions not asked again for this long, and helpful votes;
* ``moderation``: closed cases with their reports and audit, expired warnings;
* ``people``: used and expired ``/link`` codes, link attempts;
* ``feedback``, ``tickets``, ``watch``: for the features that keep them (closed ideas,
  closed tickets, watch-word hits)."""

MIN_DAYS = 1
MAX_DAYS = 36_500


@dataclass(frozen=True, slots=True)
class Account:
    platform: str
    """The account's platform (``telegram``: :func:`core.persons.account_platform`)."""
    user_id: str


@dataclass(frozen=True, slots=True)
class Subject:
    """The member being forgotten (or exported): one person with every linked account."""

    accounts: tuple[Account, ...]
    person_ids: frozenset[int] = frozenset()
    """The person and every person id merged into it (:meth:`PersonDirectory.aliases`)."""
    names: frozenset[str] = frozenset()
    """Display names the bot knew the accounts by (the empty name is never one)."""
    pseudonym: str = field(default_factory=lambda: pseudonym())
    """What moderation records keep in place of the user id and the name."""

    @property
    def user_ids(self) -> frozenset[str]:
        return frozenset(account.user_id for account in self.accounts)

    def has(self, platform: str, user_id: str | None) -> bool:
        """Whether ``(platform, user_id)`` is one of the subject's accounts (a bot
        backend's platform, ``telegram-ptb``, names ``telegram``'s users)."""
        family = platform.split("-", 1)[0].lower()
        return any(a.platform == family and a.user_id == user_id for a in self.accounts)

    def voters(self) -> frozenset[str]:
        """The keys features use for a person's answer in a space (``person:<id>``)
        and the bare user ids they use elsewhere."""
        return frozenset({*(f"person:{p}" for p in self.person_ids), *self.user_ids})


def pseudonym() -> str:
    """A fresh name for a forgotten member's moderation records: random, so nothing
    leads back to the account; one per erasure, so a manager still sees that three
    warnings were one member's."""
    return f"forgotten-{secrets.token_hex(5)}"


def anonymous() -> str:
    """A key of its own for one anonymised row (a vote that keeps counting)."""
    return f"anonymous-{secrets.token_hex(6)}"


@dataclass(frozen=True, slots=True)
class Retention:
    """Days kept per kind (:data:`RETENTION` with the config's overrides)."""

    days: Mapping[str, int] = field(default_factory=lambda: dict(RETENTION))

    def of(self, kind: str) -> int:
        return int(self.days.get(kind, RETENTION.get(kind, 365)))

    def cutoff(self, kind: str, now: datetime) -> datetime:
        """What is older than this is forgotten."""
        return now - timedelta(days=self.of(kind))


class PersonalData(Protocol):
    """What a feature's store offers the privacy hooks (:mod:`storage.privacy` helps)."""

    async def erase_person(self, subject: Subject) -> None: ...

    async def export_person(self, subject: Subject) -> dict[str, Any]: ...

    async def expire_data(self, retention: Retention, now: datetime) -> None: ...


class KeepsPersonalData:
    """Mixin for a feature whose store implements :class:`PersonalData`: the three hooks
    go to ``self.store(tx)`` (override :meth:`personal_data` for another store)::

        class Polls(KeepsPersonalData, Feature): ...
    """

    def personal_data(self, tx: Any) -> PersonalData:
        store: Callable[[Any], PersonalData] = getattr(self, "store")  # noqa: B009
        return store(tx)

    async def erase_person(self, subject: Subject, tx: Any) -> None:
        await self.personal_data(tx).erase_person(subject)

    async def export_person(self, subject: Subject, tx: Any) -> dict[str, Any]:
        return await self.personal_data(tx).export_person(subject)

    async def expire_data(self, retention: Retention, now: datetime, tx: Any) -> None:
        await self.personal_data(tx).expire_data(retention, now)


def jsonable(value: Any) -> Any:
    """A stored value as JSON writes it (times as ISO 8601)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    return value
