"""How a published fact travels: as a job of kind :data:`FACT_JOB`, due at once.

Facts reuse the jobs' path of the reliability spine instead of a second one: the fact is
written to the jobs table in the publishing handler's transaction (so a feature that fails
publishes nothing, and a batch that rolls back takes its facts with it); the scheduler
claims it with a short lease like any due job, and submits it to the pipeline as a
:class:`~core.events.JobDue`, where its de-duplication record (``job:<id>:<created>``) is
written in the same transaction as the fact handlers' effects. So a fact is handled once
across redelivery, restarts, a SIGKILL, and several processes sharing PostgreSQL, exactly
as a poll's deadline fires once.

A fact no feature subscribes to (``@on`` its type or a base of it) is not stored at all,
so the built-in features' facts cost nothing where nobody listens; every process of a
deployment runs the same features, so none of them would have handled it either.

What a fact handler may do: everything an event handler may (read and write its own
tables, emit actions to any running bot, schedule jobs), and publish further facts. The
chain is bounded: a fact published by a handler of a fact is one step deeper than it, and
publishing past :data:`MAX_DEPTH` raises :class:`FactChainTooLong` in the handler (which
then fails alone, like any handler that raises), so two features answering each other's
facts cannot loop forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from townsquare.core.facts.fact import FactError

FACT_JOB = "fact"
"""The job kind facts travel as (a feature's ``@job`` may not claim it)."""

MAX_DEPTH = 4
"""How many facts deep a chain may go: a platform event's handler publishes at depth 1,
a handler of that fact at depth 2, and so on; a fact at depth 4 may be handled, but its
handlers publish nothing more."""


class FactChainTooLong(FactError):
    """A fact handler published a fact past :data:`MAX_DEPTH` (a loop between features)."""


@dataclass(frozen=True, slots=True)
class PublishedFact:
    """A fact on its way to the store: its encoded form and where its job belongs."""

    payload: dict[str, Any]
    """:func:`core.facts.encode`'s dict plus ``"depth"``."""
    platform: str
    bot: str
    community_id: str | None
    channel_id: str | None
    at: datetime
