"""Facts of the people feature (published by :mod:`core.people`; rewards join the wallets
of linked accounts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare.core.facts.fact import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonsLinked(Fact):
    """``/link CODE`` joined person ``merged`` into person ``keep``: data other features
    keyed by ``merged`` now belongs to ``keep`` (:meth:`core.persons.PersonDirectory.
    aliases` names both). ``platform`` and ``community_id`` are where the code was typed
    (``community_id`` None in a private chat)."""

    kind: ClassVar[str] = "people.linked"
    keep: int
    merged: int
