"""What the tickets feature keeps, and what it needs from storage.

A ticket is one private conversation between a member (a person: linked accounts share
it) and the managers of one community, or of one space (``scope``: the community whose
managers' inbox it uses, :attr:`core.context.Context.shared_community`). Its messages
are kept in order, both ways; every manager action is in its audit log.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from townsquare.core.privacy import PersonalData
from townsquare.core.refs import ChannelRef, CommunityRef


class TicketStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"

    @property
    def closed(self) -> bool:
        return self is TicketStatus.CLOSED


class Direction(StrEnum):
    MEMBER = "member"
    """The member wrote it (a direct message or ``/ticket <text>``)."""
    TEAM = "team"
    """A manager answered it (a reply to the card, ``/ticket <id> reply``)."""


@dataclass(frozen=True, slots=True)
class NewTicket:
    platform: str
    """The platform of the community it is about (:attr:`community_id`)."""
    bot: str
    community_id: str
    community_title: str
    scope_platform: str
    scope_id: str
    """The community whose inbox and ids it shares (the space's first, or its own)."""
    person_id: int | None
    member_bot: str
    member_platform: str
    member_user_id: str
    member_name: str


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    platform: str
    bot: str
    community_id: str
    community_title: str
    scope_platform: str
    scope_id: str
    person_id: int | None
    member_bot: str
    """The bot the member last wrote through: answers go back through it, privately."""
    member_platform: str
    member_user_id: str
    member_name: str
    status: TicketStatus
    message_count: int
    created_at: datetime
    last_activity_at: datetime
    claimed_by_id: str | None = None
    claimed_by_name: str | None = None
    claimed_by_platform: str | None = None
    inbox_bot: str | None = None
    inbox_channel: str | None = None
    inbox_thread: str | None = None
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by_name: str | None = None
    closed_inactive: bool = False

    @property
    def key(self) -> str:
        """The card's outbox key in the managers' inbox."""
        return card_key(self.id)

    @property
    def community(self) -> CommunityRef:
        return CommunityRef(self.platform, self.community_id, title=self.community_title)

    @property
    def scope(self) -> CommunityRef:
        return CommunityRef(self.scope_platform, self.scope_id)

    @property
    def inbox_channel_ref(self) -> ChannelRef | None:
        if self.inbox_channel is None:
            return None
        return ChannelRef(self.inbox_channel, thread_id=self.inbox_thread)


CARD_PREFIX = "ticket:"


def card_key(ticket_id: int) -> str:
    return f"{CARD_PREFIX}{ticket_id}"


@dataclass(frozen=True, slots=True)
class TicketMessage:
    ticket_id: int
    direction: Direction
    platform: str
    author_id: str
    author_name: str
    text: str
    at: datetime
    named: bool = False
    """A team message signed with the manager's name (``--named``), not as the team."""


@dataclass(frozen=True, slots=True)
class TicketAudit:
    ticket_id: int
    action: str
    """``opened``, ``claimed``, ``replied``, ``closed``, ``reopened``, ``auto-closed``."""
    actor_platform: str
    actor_id: str
    actor_name: str
    at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Seen:
    """Where an account was last seen writing: the community a direct message means."""

    bot: str
    community_id: str
    community_title: str


class TicketStore(PersonalData, Protocol):
    async def create(self, new: NewTicket, now: datetime) -> Ticket: ...

    async def get(self, ticket_id: int) -> Ticket | None: ...

    async def save(self, ticket: Ticket) -> None:
        """Store the ticket's changing fields (status, member account, claim, inbox,
        counts and times)."""
        ...

    async def open_of(self, persons: Collection[int], scope: CommunityRef | None) -> Ticket | None:
        """The person's (any of ``persons``) ticket that is not closed, in ``scope`` (None:
        in any), the most recently active first."""
        ...

    async def open_of_account(
        self, platform: str, user_id: str, scope: CommunityRef | None
    ) -> Ticket | None:
        """As :meth:`open_of`, by account (when no person directory is wired)."""
        ...

    async def add_message(self, message: TicketMessage) -> None: ...

    async def messages(self, ticket_id: int, *, last: int | None = None) -> list[TicketMessage]:
        """The ticket's messages, oldest first (only the ``last`` ones when given)."""
        ...

    async def audit(self, entry: TicketAudit) -> None: ...

    async def audit_log(self, ticket_id: int) -> list[TicketAudit]: ...

    async def listed(
        self, scopes: Collection[tuple[str, str]], statuses: Collection[TicketStatus], limit: int
    ) -> list[Ticket]:
        """Tickets of these scopes (``(platform, id)``), newest activity first."""
        ...

    async def for_card(self, bot: str, message_ids: Sequence[str]) -> Ticket | None:
        """The ticket whose inbox card ``bot`` sent as one of ``message_ids``."""
        ...

    async def in_inbox(
        self, bot: str, channel_id: str, statuses: Collection[TicketStatus], limit: int
    ) -> list[Ticket]:
        """Tickets whose card ``bot`` posted in this chat, newest activity first."""
        ...

    async def has_inbox(self, bot: str, channel_id: str) -> bool:
        """Whether any ticket's card is in this chat (cheap: most chats are not)."""
        ...

    async def seen(self, platform: str, user_id: str) -> Seen | None: ...

    async def note_seen(self, platform: str, user_id: str, seen: Seen, now: datetime) -> None: ...

    async def only_community(self, platform: str) -> tuple[str, str] | None:
        """The one community known on ``platform`` (``(id, title)``), if there is one."""
        ...
