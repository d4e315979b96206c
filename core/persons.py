"""People across platforms: the lookup a feature uses to key its data by person.

One person may have several accounts (``/link``, :mod:`core.people.feature`): a
Telegram account and a Discord account that are the same member. A feature whose data
should follow the person (warnings, XP, RSVPs, feedback votes, analytics) keys it by the
person id :meth:`PersonDirectory.person_of` gives for the event's actor, never by the
platform user id, and reads it back for every id :meth:`PersonDirectory.aliases` names
(an account that was on its own has data under its old person id, which was merged into
the person it joined). Features never import :mod:`core.people`; the directory is
wired by the composition root (``storage.people.SqlPersonDirectory``) and will be
offered on :class:`core.features.Context`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol


def account_platform(platform: str) -> str:
    """The platform an account lives on: a bot backend's name (``telegram-ptb``) names
    the same users as its platform (``telegram``), as :func:`core.roles.resolve_role`
    treats them."""
    return platform.split("-", 1)[0].lower()


class PersonDirectory(Protocol):
    async def person_of(self, tx: Any, platform: str, user_id: str) -> int:
        """The person the account ``(platform, user_id)`` belongs to now (a new person of
        its own the first time it is asked about), inside the batch transaction ``tx``."""
        ...

    async def persons_of(
        self,
        tx: Any,
        platform: str,
        user_ids: Collection[str],
        *,
        create: bool = True,
        unknown: bool = False,
    ) -> dict[str, int]:
        """:meth:`person_of` for many accounts of one platform at once, by user id, in a
        few statements for them all (what a feature's ``prepare`` asks for a chunk of
        events): those known in one read, the others each made a new person of its own,
        together; with ``create=False`` only those known. ``unknown``: the caller has
        just looked, and none of these has a person yet (spares the read)."""
        ...

    async def aliases(self, tx: Any, person_id: int) -> frozenset[int]:
        """Every person id that now means the person ``person_id`` is: its own and those
        merged into it by links. Data keyed by person is read for all of them."""
        ...

    async def accounts(self, tx: Any, person_ids: Collection[int]) -> list[tuple[str, str, str]]:
        """``(platform, user_id, display_name)`` of every account of these persons (the
        name empty where the directory never learnt one)."""
        ...
