"""The dashboard's read API (storage/tickets.py) on both databases: tickets by scope and
status, one ticket, its messages both ways, its audit log."""

from __future__ import annotations

from tests.tickets.support import MANAGER, Bot, Clock, direct, play, said, town, typed
from townsquare.core.tickets.store import Direction, TicketStatus
from townsquare.storage.tickets import (
    ALL_STATUSES,
    get_ticket,
    list_tickets,
    ticket_audit_log,
    ticket_messages,
)


async def test_the_dashboard_reads_tickets_by_scope(database_url: str) -> None:
    clock = Clock()
    dc = Bot("dc", "discord")
    async with town(database_url, {"dc": dc}, clock) as runtime:
        await play(runtime, typed("dc", "discord", "G1", "mods", clock.now, "managers", "here"))
        await play(runtime, said("dc", "discord", "G1", "general", clock.now, "hi"))
        await play(runtime, direct("dc", "discord", clock.now, "first <i>question</i>"))
        await play(runtime, typed("dc", "discord", "G1", "mods", clock.now, "ticket", "1 reply ok"))
        await play(runtime, typed("dc", "discord", "G1", "mods", clock.now, "ticket", "1 close"))
        async with runtime.engine.connect() as connection:
            assert await list_tickets(connection, scopes=[("discord", "G1")]) == []
            (closed,) = await list_tickets(
                connection, scopes=[("discord", "G1")], statuses=ALL_STATUSES
            )
            assert closed.status is TicketStatus.CLOSED and closed.member_name == "Bob"
            assert closed.first_response_at is not None and closed.closed_at is not None
            assert (
                await list_tickets(connection, scopes=[("discord", "G2")], statuses=ALL_STATUSES)
                == []
            )
            assert await list_tickets(connection, scopes=[]) == []
            again = await get_ticket(connection, closed.id)
            assert again == closed
            assert await get_ticket(connection, 999) is None
            messages = await ticket_messages(connection, closed.id)
            assert [(m.direction, m.text) for m in messages] == [
                (Direction.MEMBER, "first <i>question</i>"),
                (Direction.TEAM, "ok"),
            ]
            assert messages[1].author_name == MANAGER.display_name
            assert [m.text for m in await ticket_messages(connection, closed.id, last=1)] == ["ok"]
            actions = [entry.action for entry in await ticket_audit_log(connection, closed.id)]
            assert actions == ["opened", "replied", "closed"]
