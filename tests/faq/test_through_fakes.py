"""The FAQ through every adapter: the real SDKs against the loopback fakes (Telegram with
aiogram and python-telegram-bot, Discord, Slack) and the console adapter.

One story everywhere: a manager adds an entry; a member cannot; a member's paraphrase is
answered once on its own with "Helpful / Not helpful" buttons (asking again within the
cooldown gets no second answer); a press is recorded and shows in ``/faq list``; a question
nothing answers shows in ``/faq unanswered``. What differs is only how each platform
carries it: Telegram text commands and inline keyboards, Discord slash commands and
components, Slack slash commands and Block Kit, typed commands on the console. A Discord
bot without the MESSAGE_CONTENT intent answers ``/faq`` and mentions only, and says so in
``/settings``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.discord.conftest import World
from tests.fakes.bots import (
    config,
    discord_private_answer,
    discord_runtime,
    running,
    slack_bot,
    slack_button_values,
    slack_events_url,
    slack_post,
    telegram_bot,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.slack.conftest import ALICE as SLACK_ALICE
from tests.slack.conftest import OLGA
from townsquare.adapters.console.config import ConsoleBotConfig
from townsquare.adapters.console.transport import ConsoleAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import AnswerButton, SendEphemeral, SendMessage

ENTRY = ("How do I reset my password?", "Settings → Account → Reset password.")
ADD = f'add "{ENTRY[0]}" "{ENTRY[1]}"'
PARAPHRASE = "How can I reset my password?"
AGAIN = "how do i reset my password?"
UNMATCHED = "Where can I park my bike?"
ANSWER = f"💡 {ENTRY[0]}\n{ENTRY[1]}"
LISTED = f"#1 {ENTRY[0]} — 1 hit · 👍 1 · 👎 0"
"""One hit (the auto-answer; the repeat within the cooldown is not answered) and the
member's press."""
GAP = f"1× {UNMATCHED}"
REFUSED = "Sorry, only managers can use /faq add."
VOTES = ["faq:1:y", "faq:1:n"]


def _json(value: Any) -> Any:
    """Bot API parameters arrive as JSON strings from one backend, objects from the other."""
    return json.loads(value) if isinstance(value, str) else value


# -- Telegram (both backends) ----------------------------------------------------------


async def test_telegram(
    api: FakeBotApi, backend: str, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    async with running(sqlite_url, telegram_bot(api, backend)) as runtime:
        # the fake's getMe says privacy mode is on (Telegram's default); the operator is told
        (warning,) = [r for r in caplog.records if "privacy mode" in r.getMessage()]
        assert "FAQ auto-answers work only where it is an administrator" in warning.getMessage()
        await api.push(p.command(f"/faq {ADD}", user=p.ADMIN))
        (added,) = await api.wait_for("sendMessage")
        assert added["text"] == "FAQ entry #1 added."

        await api.push(p.command('/faq add "Is there a bar?" "No."', user=p.ALICE))
        _added, refused = await api.wait_for("sendMessage", 2)
        assert refused["text"] == REFUSED

        await api.push(p.message(PARAPHRASE, user=p.ALICE, message_id=20))
        _added, _refused, answer = await api.wait_for("sendMessage", 3)
        assert answer["text"] == f"💡 <b>{ENTRY[0]}</b>\n{ENTRY[1]}"
        assert _json(answer["reply_parameters"])["message_id"] in (20, "20")
        ((helpful, not_helpful),) = _json(answer["reply_markup"])["inline_keyboard"]
        assert [helpful["callback_data"], not_helpful["callback_data"]] == VOTES
        assert [helpful["text"], not_helpful["text"]] == ["👍 Helpful", "👎 Not helpful"]

        await api.push(p.message(AGAIN, user=p.EVE, message_id=21))
        await api.push(p.message(UNMATCHED, user=p.EVE, message_id=22))
        await api.push(p.callback(helpful["callback_data"], user=p.ALICE))
        (toast,) = await api.wait_for("answerCallbackQuery")
        assert toast["text"] == "Thanks for the feedback!"

        await api.push(p.command("/faq list", user=p.ADMIN))
        await api.push(p.command("/faq unanswered", user=p.ADMIN))
        *_earlier, listing, gaps = await api.wait_for("sendMessage", 5)
        assert LISTED in listing["text"]
        assert GAP in gaps["text"].replace("<b>", "").replace("</b>", "")
        assert await runtime.worker.drain(timeout=10)
        answers = [m for m in api.called("sendMessage") if m["text"].startswith("💡")]
        assert len(answers) == 1, "the same entry is not answered twice within the cooldown"


# -- Discord ---------------------------------------------------------------------------


def shown(content: str) -> str:
    """Discord content as a member reads it: bold markers and escapes not shown."""
    return FakeDiscord.shown(content.replace("**", ""))


def bot_answers(fake: FakeDiscord, world: World) -> list[dict[str, Any]]:
    """The FAQ answers the bot posted in #general."""
    return [
        m
        for m in fake.messages_in(world.general_id)
        if m["author"]["id"] == str(fake.bot_id) and shown(m["content"]).startswith("💡")
    ]


async def test_discord(fake: FakeDiscord, world: World, sqlite_url: str) -> None:
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url) as runtime:
        added = await fake.slash(
            guild, "general", world.mod_id, "faq add", question=ENTRY[0], answer=ENTRY[1]
        )
        assert shown(await discord_private_answer(fake, added)) == "FAQ entry #1 added."
        refused = await fake.slash(
            guild, "general", world.alice_id, "faq add", question="Is there a bar?", answer="No."
        )
        assert shown(await discord_private_answer(fake, refused)) == REFUSED

        asked = await fake.post(guild, "general", world.alice_id, PARAPHRASE)

        (answer,) = await fake.wait_for(lambda: bot_answers(fake, world), timeout=15)
        assert shown(answer["content"]) == ANSWER
        assert answer["content"].startswith(f"💡 **{ENTRY[0]}**")
        assert answer["message_reference"]["message_id"] == asked["id"]
        ((helpful, not_helpful),) = [row["components"] for row in answer["components"]]
        assert [helpful["custom_id"], not_helpful["custom_id"]] == VOTES
        assert [helpful["label"], not_helpful["label"]] == ["👍 Helpful", "👎 Not helpful"]

        await fake.post(guild, "general", world.alice_id, AGAIN)
        await fake.post(guild, "general", world.alice_id, UNMATCHED)
        press = await fake.press(guild, answer, world.alice_id, helpful["custom_id"])
        (toast,) = await fake.wait_request(
            "POST", rf"/webhooks/\d+/{press.payload['token']}", timeout=15
        )
        assert shown(toast.json["content"]) == "Thanks for the feedback!"

        listing = await fake.slash(guild, "general", world.mod_id, "faq list")
        assert LISTED in shown(await discord_private_answer(fake, listing))
        gaps = await fake.slash(guild, "general", world.mod_id, "faq unanswered")
        assert GAP in shown(await discord_private_answer(fake, gaps))
        assert await runtime.worker.drain(timeout=10)
        assert len(bot_answers(fake, world)) == 1, (
            "the same entry is not answered twice within the cooldown"
        )


# -- Slack -----------------------------------------------------------------------------


def slack_message(text: str, ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": "C0GENERAL",
        "channel_type": "channel",
        "user": SLACK_ALICE,
        "team": f.TEAM,
        "text": f.slack_escape(text),
        "ts": ts,
        "event_ts": ts,
    }


async def test_slack(slack: FakeSlack, port: int, sqlite_url: str) -> None:
    url = slack_events_url(port)

    async def command(text: str, user: str) -> dict[str, Any]:
        before = len(slack.called("response_url"))
        body = f.command_body("/faq", text, user, response_url=slack.response_url)
        assert await slack_post(url, body) == 200
        answers = await slack.wait_for("response_url", before + 1)
        return answers[before]

    async def said(text: str, ts: str) -> None:
        body = f.event_body(slack_message(text, ts), f"Ev{ts.replace('.', '')}")
        assert await slack_post(url, body, "application/json") == 200

    async with running(sqlite_url, slack_bot(slack, port)) as runtime:
        added = await command(ADD, OLGA)
        assert f.message_text(added) == "FAQ entry #1 added."
        assert added["response_type"] == "ephemeral"
        refused = await command('add "Is there a bar?" "No."', SLACK_ALICE)
        assert f.message_text(refused) == REFUSED

        await said(PARAPHRASE, "1700000100.000100")
        (answer,) = await slack.wait_for(
            "chat.postMessage", where=lambda m: f.message_text(m).startswith("💡")
        )
        assert f.message_text(answer).startswith(ANSWER)
        assert answer["channel"] == "C0GENERAL"
        assert slack_button_values(answer) == VOTES

        await said(AGAIN, "1700000101.000100")
        await said(UNMATCHED, "1700000102.000100")
        press = f.block_actions("faq:1:y", SLACK_ALICE, response_url=slack.response_url)
        assert await slack_post(url, f.interaction_body(press)) == 200
        (toast,) = await slack.wait_for(
            "response_url", where=lambda m: f.message_text(m).startswith("Thanks")
        )
        assert f.message_text(toast) == "Thanks for the feedback!"
        assert toast["response_type"] == "ephemeral" and not toast["replace_original"]

        listing = await command("list", OLGA)
        gaps = await command("unanswered", OLGA)
        assert LISTED in f.message_text(listing)
        assert GAP in f.message_text(gaps)
        assert await runtime.worker.drain(timeout=10)
        answers = [
            m for m in slack.called("chat.postMessage") if f.message_text(m).startswith("💡")
        ]
        assert len(answers) == 1, "the same entry is not answered twice within the cooldown"


# -- console ---------------------------------------------------------------------------


async def test_console(sqlite_url: str) -> None:
    """No buttons on the console: the answer names the commands that vote instead."""
    settings = config(sqlite_url, {"name": "local", "platform": "console", "managers": ["olga"]})
    bot = settings.bot("local")
    assert isinstance(bot, ConsoleBotConfig)
    console = ConsoleAdapter(bot, output=lambda _line: None)
    runtime = Runtime(settings, adapters={"local": console})
    mapper = console.mapper
    seen = 0

    async def say(who: str, text: str) -> list[str]:
        nonlocal seen
        await console.feed(mapper.say(who, text))
        assert await runtime.worker.drain(timeout=10)
        new = console.performed[seen:]
        seen = len(console.performed)
        return [
            action.text.plain() for action in new if isinstance(action, SendMessage | SendEphemeral)
        ]

    async with runtime:
        assert await say("Olga", f"/faq {ADD}") == ["FAQ entry #1 added."]
        assert await say("Ann", '/faq add "Is there a bar?" "No."') == [REFUSED]
        (answer,) = await say("Ann", PARAPHRASE)
        assert (
            answer == f"{ANSWER}\n\n👍 Helpful: /faq helpful 1\n👎 Not helpful: /faq nothelpful 1"
        )
        assert await say("Ben", AGAIN) == []
        assert await say("Ben", UNMATCHED) == []
        assert await say("Ann", "/faq helpful 1") == ["Thanks for the feedback!"]
        (listing,) = await say("Olga", "/faq list")
        assert LISTED in listing
        (gaps,) = await say("Olga", "/faq unanswered")
        assert GAP in gaps
        assert not [a for a in console.performed if isinstance(a, AnswerButton)]


async def test_discord_without_message_content(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    """``message_content = false``: Discord blanks what members write, so ordinary
    messages are not auto-answered (nor noted as unanswered); ``/faq ask`` and a message
    that mentions the bot are answered, and ``/settings`` says auto-answers are off."""
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url, message_content=False) as runtime:
        added = await fake.slash(
            guild, "general", world.mod_id, "faq add", question=ENTRY[0], answer=ENTRY[1]
        )
        assert shown(await discord_private_answer(fake, added)) == "FAQ entry #1 added."
        await fake.post(guild, "general", world.alice_id, PARAPHRASE)
        await fake.post(guild, "general", world.alice_id, UNMATCHED)
        await fake.slash(guild, "general", world.alice_id, "faq ask", question=PARAPHRASE)
        (answer,) = await fake.wait_for(lambda: bot_answers(fake, world), timeout=15)
        assert shown(answer["content"]) == ANSWER
        settings = await fake.slash(guild, "general", world.mod_id, "settings show")
        limits = shown(await discord_private_answer(fake, settings))
        assert "FAQ auto-answers only when it is mentioned" in limits
        gaps = await fake.slash(guild, "general", world.mod_id, "faq unanswered")
        assert shown(await discord_private_answer(fake, gaps)) == "No unanswered questions."
        # a message that mentions the bot still arrives with its text, and is answered
        mention = await fake.post(guild, "general", world.alice_id, f"<@{fake.bot_id}> {AGAIN}")
        _answer, replied = await fake.wait_for(
            lambda: (found := bot_answers(fake, world))[1:] and found, timeout=15
        )
        assert replied["message_reference"]["message_id"] == mention["id"]
        assert shown(replied["content"]) == ANSWER
        assert await runtime.worker.drain(timeout=10)
        assert bot_answers(fake, world) == [answer, replied], "ordinary messages stay unread"
