"""Tickets through the real runtime on memory bots: a direct message opens a ticket whose
card goes to the managers' inbox, a manager answers with /ticket <id> reply or a reply
to the card, the member receives it privately; claim, close, auto-close, roles."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.tickets.support import (
    MANAGER,
    MEMBER,
    Bot,
    Clock,
    direct,
    directs,
    play,
    said,
    texts,
    tick,
    town,
    typed,
)
from townsquare.core.actions import EditMessage, SendMessage


def _url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"


async def test_a_direct_message_opens_a_ticket_answered_from_the_inbox(tmp_path: Path) -> None:
    clock = Clock()
    tg, dc = Bot("tg", "telegram"), Bot("dc", "discord")
    async with town(_url(tmp_path), {"tg": tg, "dc": dc}, clock) as runtime:
        # The managers' inbox of the Discord guild is a Telegram chat.
        await play(runtime, typed("dc", "discord", "G1", "general", clock.now, "managers", "link"))
        link = [a for a in dc.take() if hasattr(a, "text")]
        code = next(
            w for t in texts(link, type(link[0])) for w in t.split() if w.isupper() and len(w) == 8
        )
        await play(
            runtime, typed("tg", "telegram", "-100", "-100", clock.now, "managers", f"here {code}")
        )
        tg.take()
        await play(runtime, said("dc", "discord", "G1", "general", clock.now, "hello all"))
        dc.take()
        await play(runtime, direct("dc", "discord", clock.now, "I cannot <b>log in</b> @everyone"))
        cards = [a for a in tg.take() if isinstance(a, SendMessage) and a.key == "ticket:1"]
        assert len(cards) == 1
        assert "I cannot <b>log in</b> @everyone" in cards[0].text.plain()
        acks = dc.take()
        assert any("ticket #1" in t for t in texts(acks))
        await play(runtime, direct("dc", "discord", clock.now, "still broken"))
        edits = [a for a in tg.take() if isinstance(a, EditMessage)]
        assert edits and "still broken" in edits[-1].text.plain()
        assert dc.take() == []  # no second acknowledgement
        # A member cannot claim, close or answer.
        await play(
            runtime, typed("dc", "discord", "G1", "general", clock.now, "ticket", "1 claim", MEMBER)
        )
        assert any("Only managers" in t for t in texts(dc.take()))
        # The manager answers from the Telegram inbox by replying to the card.
        await play(
            runtime,
            said(
                "tg",
                "telegram",
                "-100",
                "-100",
                clock.now,
                "Try again now",
                MANAGER,
                reply_to="msg-ticket:1",
            ),
        )
        sent = directs(dc.take())
        assert [d.user_id for d in sent] == ["bob"]
        assert "Try again now" in sent[0].text.plain()
        assert "Mo" not in sent[0].text.plain()  # signed as the team
        # A reply the bot cannot read (Discord without the intent) is not sent on.
        await play(
            runtime,
            said("tg", "telegram", "-100", "-100", clock.now, "", MANAGER, reply_to="msg-ticket:1"),
        )
        assert directs(dc.take()) == []
        assert any("could not read" in d.text.plain() for d in directs(tg.take()))
        # ... and with the command, signed.
        await play(
            runtime,
            typed("tg", "telegram", "-100", "-100", clock.now, "ticket", "1 reply --named Better?"),
        )
        sent = directs(dc.take())
        assert "Mo" in sent[0].text.plain() and "Better?" in sent[0].text.plain()
        await play(runtime, typed("tg", "telegram", "-100", "-100", clock.now, "ticket", "1 claim"))
        assert any("You handle ticket #1" in t for t in texts(tg.take()))
        await play(runtime, typed("tg", "telegram", "-100", "-100", clock.now, "ticket", "1 close"))
        assert any("closed" in d.text.plain() for d in directs(dc.take()))
        tg.take()
        # Auto-close: a new ticket left quiet.
        await play(runtime, direct("dc", "discord", clock.now, "one more thing"))
        assert any(a.key == "ticket:2" for a in tg.take() if isinstance(a, SendMessage))
        dc.take()
        clock.advance(timedelta(hours=73))
        assert await tick(runtime) >= 1
        notes = directs(dc.take())
        assert any("quiet" in d.text.plain() for d in notes)
