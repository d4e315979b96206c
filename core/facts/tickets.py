"""Facts of the tickets feature (published by :mod:`core.tickets`; analytics and the
dashboard may consume them): a ticket opened, answered (with the first-response time),
closed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare.core.facts.fact import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketOpened(Fact):
    """A member (``user_id`` on ``member_platform``) opened ticket ``ticket_id`` in the
    community ``platform``/``community_id``."""

    kind: ClassVar[str] = "tickets.ticket_opened"
    ticket_id: int
    user_id: str
    member_platform: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketAnswered(Fact):
    """A manager answered a ticket. ``first_response_seconds`` is set on its first
    answer only: whole seconds from the ticket's opening to it (the first-response time)."""

    kind: ClassVar[str] = "tickets.ticket_answered"
    ticket_id: int
    manager_id: str
    manager_platform: str
    first_response_seconds: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketClosed(Fact):
    """A ticket was closed by a manager, or after inactivity (``inactive``; then
    ``manager_id`` is None)."""

    kind: ClassVar[str] = "tickets.ticket_closed"
    ticket_id: int
    manager_id: str | None = None
    manager_platform: str | None = None
    inactive: bool = False
