"""Tickets on memory bots, both databases: ids stay in their community or space, linked
accounts share a ticket, lists, the card's summary of a long thread, the card's buttons,
the first-response fact, a community's own chat never gets a card."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import ClassVar

from tests.harness import console_runtime
from tests.tickets.support import (
    MANAGER,
    MEMBER,
    Bot,
    Clock,
    direct,
    directs,
    play,
    pressed,
    said,
    texts,
    tick,
    town,
    typed,
)
from townsquare.bots.runtime import default_features
from townsquare.core.actions import (
    AnswerButton,
    DeleteMessage,
    EditMessage,
    SendDirect,
    SendMessage,
)
from townsquare.core.facts import TicketAnswered
from townsquare.core.features import Context, Feature, on
from townsquare.core.refs import Actor, PlatformRole

OTHER_MANAGER = Actor("zed", "Zed", platform_role=PlatformRole.ADMIN)


class Heard(Feature):
    """Records the first-response facts tickets publish."""

    name = "test-heard"
    facts: ClassVar[list[TicketAnswered]] = []

    @on(TicketAnswered)
    async def answered(self, fact: TicketAnswered, ctx: Context) -> None:
        Heard.facts.append(fact)


def cards(actions: list[object]) -> list[SendMessage]:
    return [
        a for a in actions if isinstance(a, SendMessage) and (a.key or "").startswith("ticket:")
    ]


async def test_ids_resolve_in_their_community_only(database_url: str) -> None:
    clock = Clock()
    dc = Bot("dc", "discord")
    async with town(database_url, {"dc": dc}, clock) as runtime:
        await play(runtime, typed("dc", "discord", "G1", "mods", clock.now, "managers", "here"))
        await play(runtime, said("dc", "discord", "G1", "general", clock.now, "hi"))
        await play(runtime, direct("dc", "discord", clock.now, "help me"))
        assert len(cards(dc.take())) == 1
        # A manager of another guild names ticket 1: unknown, and nothing changes.
        for words in ("1 reply hello", "1 claim", "1 close", "1", "#1 close"):
            await play(
                runtime,
                typed("dc", "discord", "G2", "x", clock.now, "ticket", words, OTHER_MANAGER),
            )
            done = dc.take()
            assert texts(done) == ["There is no ticket #1."], (words, texts(done))
        await play(
            runtime, typed("dc", "discord", "G2", "x", clock.now, "tickets", "all", OTHER_MANAGER)
        )
        assert texts(dc.take()) == ["No open tickets."]
        # A forged Close button pressed in another guild's chat does nothing.
        await play(
            runtime,
            pressed(
                "dc",
                "discord",
                "G2",
                "x",
                clock.now,
                "ticket:1:close",
                "msg-ticket:1",
                OTHER_MANAGER,
            ),
        )
        done = dc.take()
        assert [a for a in done if not isinstance(a, AnswerButton)] == []
        # In the ticket's own inbox the manager sees it, and the history.
        await play(runtime, typed("dc", "discord", "G1", "mods", clock.now, "ticket", "1"))
        (shown,) = texts(dc.take())
        assert "Bob: help me" in shown and "History:" in shown and "opened" in shown
        # The card's Claim button, pressed on the card, claims it.
        await play(
            runtime,
            pressed("dc", "discord", "G1", "mods", clock.now, "ticket:1:claim", "msg-ticket:1"),
        )
        done = dc.take()
        assert any(isinstance(a, EditMessage) and "Claimed by Mo" in a.text.plain() for a in done)
        # A member's press on the card is refused.
        await play(
            runtime,
            pressed(
                "dc", "discord", "G1", "mods", clock.now, "ticket:1:close", "msg-ticket:1", MEMBER
            ),
        )
        done = dc.take()
        assert [a.toast for a in done if isinstance(a, AnswerButton)] == [
            "Only managers can handle tickets."
        ]
        assert not any(isinstance(a, EditMessage) for a in done)


async def test_linked_accounts_share_one_ticket(database_url: str) -> None:
    clock = Clock()
    tg, dc = Bot("tg", "telegram"), Bot("dc", "discord")
    async with town(
        database_url,
        {"tg": tg, "dc": dc},
        clock,
        spaces=[{"name": "town", "communities": ["tg:-100", "dc:G1/general"]}],
    ) as runtime:
        await play(runtime, typed("tg", "telegram", "-100", "-200", clock.now, "managers", "here"))
        await play(runtime, said("dc", "discord", "G1", "general", clock.now, "hi"))
        await play(runtime, direct("dc", "discord", clock.now, "first, from Discord"))
        assert len(cards(tg.take())) == 1
        dc.take()
        # Bob links his Telegram account to his Discord one.
        await play(runtime, typed("dc", "discord", "G1", "general", clock.now, "link", "", MEMBER))
        code = next(
            match.group(0)
            for text in texts(dc.take(), SendDirect)
            for match in [re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", text)]
            if match
        )
        await play(
            runtime, typed("tg", "telegram", "-100", "-100", clock.now, "link", code, MEMBER)
        )
        tg.take()
        dc.take()
        await play(runtime, direct("tg", "telegram", clock.now, "second, from Telegram"))
        done = tg.take()
        assert cards(done) == []  # the same ticket: its card is edited
        edits = [a for a in done if isinstance(a, EditMessage) and a.key == "ticket:1"]
        assert edits and "second, from Telegram" in edits[-1].text.plain()
        # The answer goes to the account that wrote last, on Telegram.
        await play(
            runtime, typed("tg", "telegram", "-100", "-200", clock.now, "ticket", "1 reply got it")
        )
        assert [d.bot for d in directs(tg.take() + dc.take())] == ["tg"]
        # From the space's other community the ticket is listed too.
        await play(runtime, typed("dc", "discord", "G1", "general", clock.now, "tickets", ""))
        (listed,) = texts(dc.take())
        assert "#1" in listed and "Bob" in listed and "3 messages" in listed, listed


async def test_a_long_thread_is_summarised_and_the_first_answer_is_published(
    database_url: str,
) -> None:
    clock = Clock()
    sl = Bot("sl", "slack")
    Heard.facts.clear()
    features = [*default_features(), Heard()]
    async with console_runtime(database_url, {"sl": sl}, clock=clock, features=features) as runtime:
        await play(runtime, typed("sl", "slack", "T1", "C0MODS", clock.now, "managers", "here"))
        sl.take()
        # /ticket in a channel: answered privately (an ephemeral where Slack has one).
        await play(
            runtime, typed("sl", "slack", "T1", "C0GEN", clock.now, "ticket", "message 0", MEMBER)
        )
        done = sl.take()
        assert len(cards(done)) == 1
        assert not [a for a in done if isinstance(a, SendMessage) and a.channel.id == "C0GEN"]
        for number in range(1, 9):
            await play(
                runtime,
                typed(
                    "sl",
                    "slack",
                    "T1",
                    "C0GEN",
                    clock.now,
                    "ticket",
                    f"message {number} " + "x" * 400,
                    MEMBER,
                ),
            )
        edits = [a for a in sl.take() if isinstance(a, EditMessage) and a.key == "ticket:1"]
        card = edits[-1].text.plain()
        assert "… 4 earlier messages (/ticket 1 shows all)" in card, card
        assert "message 0" not in card and "message 8" in card
        assert len(card) < 2000
        clock.advance(timedelta(minutes=7))
        await play(
            runtime,
            said("sl", "slack", "T1", "C0MODS", clock.now, "on it", MANAGER, thread="msg-ticket:1"),
        )
        await play(
            runtime,
            said("sl", "slack", "T1", "C0MODS", clock.now, "done", MANAGER, thread="msg-ticket:1"),
        )
        assert [d.text.plain().count("on it") for d in directs(sl.take())][:1] == [1]
        await tick(runtime)  # the facts are handled as jobs due at once
        assert [f.first_response_seconds for f in Heard.facts] == [420, None]


async def test_a_community_chat_made_the_inbox_gets_no_card(database_url: str) -> None:
    clock = Clock()
    tg = Bot("tg", "telegram")
    async with town(database_url, {"tg": tg}, clock) as runtime:
        await play(runtime, typed("tg", "telegram", "-100", "-100", clock.now, "managers", "here"))
        await play(runtime, said("tg", "telegram", "-100", "-100", clock.now, "hi"))
        tg.take()
        await play(runtime, direct("tg", "telegram", clock.now, "a private matter"))
        done = tg.take()
        assert cards(done) == []
        assert any("no inbox yet" in t for t in texts(done))
        await play(runtime, typed("tg", "telegram", "-100", "-100", clock.now, "tickets", ""))
        (listed,) = texts(tg.take())
        assert "#1" in listed


async def test_ticket_in_a_group_is_private_and_auto_close_follows_activity(
    database_url: str,
) -> None:
    clock = Clock()
    tg = Bot("tg", "telegram")
    async with town(database_url, {"tg": tg}, clock) as runtime:
        await play(runtime, typed("tg", "telegram", "-100", "-200", clock.now, "managers", "here"))
        tg.take()
        # /ticket <text> typed in the group: deleted there, answered privately.
        await play(
            runtime, typed("tg", "telegram", "-100", "-100", clock.now, "ticket", "help", MEMBER)
        )
        done = tg.take()
        assert any(isinstance(a, DeleteMessage) for a in done)
        assert [d.user_id for d in directs(done)] == ["bob"]
        assert not [a for a in done if isinstance(a, SendMessage) and a.channel.id == "-100"]
        # Activity moves the auto-close: a message after 48 h keeps it open at 73 h.
        clock.advance(timedelta(hours=48))
        await play(runtime, direct("tg", "telegram", clock.now, "any news?"))
        tg.take()
        clock.advance(timedelta(hours=25))
        await tick(runtime)
        assert not [d for d in directs(tg.take()) if "quiet" in d.text.plain()]
        clock.advance(timedelta(hours=48))
        await tick(runtime)
        assert [d.user_id for d in directs(tg.take()) if "quiet" in d.text.plain()] == ["bob"]
        # Managers choose the delay; 0 switches it off, members may not.
        await play(
            runtime,
            typed("tg", "telegram", "-100", "-100", clock.now, "tickets", "autoclose 0", MEMBER),
        )
        assert any("only managers" in t for t in texts(tg.take()))
        await play(
            runtime, typed("tg", "telegram", "-100", "-100", clock.now, "tickets", "autoclose 0")
        )
        assert texts(tg.take()) == ["Tickets no longer close by themselves."]
        await play(runtime, direct("tg", "telegram", clock.now, "new question"))
        tg.take()
        clock.advance(timedelta(days=30))
        await tick(runtime)
        assert not [d for d in directs(tg.take()) if "quiet" in d.text.plain()]
        await play(
            runtime, typed("tg", "telegram", "-100", "-100", clock.now, "tickets", "autoclose soon")
        )
        assert "from 0 (never)" in texts(tg.take())[0]
