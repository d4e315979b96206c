"""A poll through Telegram: inline keyboard, presses, live tally edits (both backends)."""

from __future__ import annotations

from bots.config import parse_config
from bots.runtime import Runtime
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi


async def test_poll_buttons_votes_and_tally(api: FakeBotApi, backend: str, sqlite_url: str) -> None:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    config = parse_config(
        {
            "storage": {"url": sqlite_url},
            "bots": [
                {
                    "name": "tg",
                    "platform": backend,
                    "token": api.token,
                    "api_url": api.url,
                    "poll_timeout": 1,
                }
            ],
        },
        {},
        "test",
    )
    async with Runtime(config):
        await api.push(p.command('/poll "Lunch?" Pizza "<b>Sushi</b>"', user=p.ADMIN))
        (poll,) = await api.wait_for("sendMessage")
        keyboard = poll["reply_markup"]["inline_keyboard"]
        assert [[b["callback_data"] for b in row] for row in keyboard] == [
            ["poll:1:0", "poll:1:1"],
            ["poll:1:r"],
        ]
        assert "&lt;b&gt;Sushi&lt;/b&gt;" in poll["text"]
        await api.push(p.callback("poll:1:1", user=p.ALICE))
        (toast,) = await api.wait_for("answerCallbackQuery")
        assert toast["text"] == "Vote recorded"
        (edit,) = await api.wait_for("editMessageText")
        assert edit["message_id"] == 500 and "2. &lt;b&gt;Sushi&lt;/b&gt; — 1" in edit["text"]
        await api.push(p.callback("poll:1:1", user=p.ALICE))
        toasts = await api.wait_for("answerCallbackQuery", 2)
        assert toasts[1]["text"] == "That is already your vote"
