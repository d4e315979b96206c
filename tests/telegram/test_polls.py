"""A poll through Telegram: inline keyboard, presses, live tally edits (both backends)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.fakes.bots import running, telegram_bot
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi, _visible, moments
from townsquare.core.i18n import Translator


async def test_poll_buttons_votes_and_tally(api: FakeBotApi, backend: str, sqlite_url: str) -> None:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    async with running(sqlite_url, telegram_bot(api, backend)):
        await api.push(p.command('/poll "Lunch?" Pizza "<b>Sushi</b>"', user=p.ADMIN))
        (poll,) = await api.wait_for("sendMessage")
        keyboard = poll["reply_markup"]["inline_keyboard"]
        assert [[b["callback_data"] for b in row] for row in keyboard] == [
            ["poll:1:0", "poll:1:1"],
            ["poll:1:r"],
        ]
        assert "&lt;b&gt;Sushi&lt;/b&gt;" in poll["text"]
        await api.push(p.callback("poll:1:1", user=p.ALICE, message_id=500))
        (toast,) = await api.wait_for("answerCallbackQuery")
        assert toast["text"] == "Vote recorded"
        (edit,) = await api.wait_for("editMessageText")
        assert edit["message_id"] == 500 and "2. &lt;b&gt;Sushi&lt;/b&gt; — 1" in edit["text"]
        await api.push(p.callback("poll:1:1", user=p.ALICE, message_id=500))
        toasts = await api.wait_for("answerCallbackQuery", 2)
        assert toasts[1]["text"] == "That is already your vote"


async def test_export_is_a_private_csv_document(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    async with running(sqlite_url, telegram_bot(api, backend)):
        await api.push(p.command('/poll "Lunch <b>now</b>?" "Pizza, thin" Sushi', user=p.ADMIN))
        await api.wait_for("sendMessage")
        await api.push(p.callback("poll:1:0", user=p.ALICE, message_id=500))
        await api.wait_for("answerCallbackQuery")
        await api.push(p.command("/poll export 1", user=p.ADMIN))
        (sent,) = await api.wait_for("sendDocument")
        assert sent["chat_id"] == p.ADMIN["id"], "privately, to the manager"
        assert sent["caption"] == "Poll #1 as CSV: <b>Lunch &lt;b&gt;now&lt;/b&gt;?</b>"
        ((chat, document),) = api.documents
        assert chat == p.ADMIN["id"] and document.filename == "poll-1.csv"
        assert (
            document.data
            == (
                f'option,votes,voters\r\n"Pizza, thin",1,{p.ALICE["first_name"]}\r\nSushi,0,\r\n'
            ).encode()
        )


async def test_export_to_a_manager_who_never_started_the_bot_lands_in_the_group(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    api.unreachable_users.add(p.ADMIN["id"])
    async with running(sqlite_url, telegram_bot(api, backend)):
        await api.push(p.command('/poll "Lunch?" Pizza Sushi --anonymous', user=p.ADMIN))
        await api.wait_for("sendMessage")
        await api.push(p.command("/poll export 1", user=p.ADMIN))
        refused, fallback = await api.wait_for("sendDocument", 2)
        assert refused["chat_id"] == p.ADMIN["id"] and fallback["chat_id"] == p.GROUP["id"]
        assert fallback["caption"].startswith(f'<a href="tg://user?id={p.ADMIN["id"]}">Olga</a> ')
        ((chat, document),) = api.documents
        assert chat == p.GROUP["id"]
        assert document.data == b"option,votes\r\nPizza,0\r\nSushi,0\r\n", "anonymous"


async def test_a_deadline_is_a_date_time_entity_each_member_reads_in_their_time_zone(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    async with running(sqlite_url, telegram_bot(api, backend)):
        asked = time.time()
        await api.push(p.command("/poll Lunch? Pizza Sushi --closes 2h", user=p.ADMIN))
        (poll,) = await api.wait_for("sendMessage")
        ((unix, shown),) = moments(poll["text"])
        assert shown == "wDt" and asked + 7200 - 5 <= unix <= time.time() + 7200
        # Apps that cannot show the entity read the UTC text inside it.
        assert f"closes {_utc(unix)} UTC" in _visible(poll["text"])


def _utc(unix: int) -> str:
    return Translator("en").moment(datetime.fromtimestamp(unix, UTC)).text.removesuffix(" UTC")
