"""Onboarding through the real adapters and their protocol-faithful fakes: one join is
greeted once, a hostile name arrives escaped, the rules gate mutes and releases.

* Telegram (aiogram and python-telegram-bot): ``restrictChatMember`` on join, an inline
  button whose press by someone else is refused, by the newcomer lifts the mute.
* Discord: the greeting in the system channel pings only the newcomer, the gate is a
  timeout lifted by the newcomer's press.
* Slack: no mutes exist, so the gate is tracked only (``/settings`` says so); a retried
  join event is greeted once and the name can never become ``<!channel>``.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conformance.scenarios import HOSTILE_NAME
from tests.discord.conftest import World
from tests.fakes.bots import (
    discord_posts,
    discord_runtime,
    discord_slash_answer,
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
from tests.slack.conftest import EVE as SLACK_EVE
from tests.slack.conftest import OLGA

WELCOME = "Welcome to Town Square"


def _json(value: Any) -> Any:
    """Bot API parameters arrive as JSON strings from one backend, objects from the other."""
    return json.loads(value) if isinstance(value, str) else value


def greetings(texts: list[str]) -> list[str]:
    return [text for text in texts if WELCOME in text]


async def test_telegram_greets_once_escapes_and_gates(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    async with running(sqlite_url, telegram_bot(api, backend)) as runtime:
        await api.push(p.command("/verify on", user=p.ADMIN))
        (answer,) = await api.wait_for("sendMessage")
        assert answer["text"].startswith("Verification: on (newcomers are muted")

        await api.push(p.join_service_message(p.EVE))
        await api.push(p.chat_member(p.EVE, "left", "member"))  # the same join, twice
        (mute,) = await api.wait_for("restrictChatMember")
        assert mute["user_id"] in (p.EVE["id"], str(p.EVE["id"]))
        assert (
            not any(mute["permissions"].values()) if isinstance(mute["permissions"], dict) else True
        )
        await api.wait_for("sendMessage", 2)
        assert await runtime.worker.drain(timeout=10)
        sent = api.called("sendMessage")
        (greeting,) = [m for m in sent if "Welcome to Town Square" in m["text"]]
        assert greeting["text"].startswith(
            f'Welcome to Town Square, <a href="tg://user?id={p.EVE["id"]}">@everyone '
            "&lt;b&gt;*Eve*&lt;/b&gt; &lt;!channel&gt; _x_ &amp;amp; @here</a>!"
        )
        assert greeting["parse_mode"] == "HTML"
        ((button,),) = _json(greeting["reply_markup"])["inline_keyboard"]
        assert button == {"text": "I accept the rules", "callback_data": f"onb:acc:{p.EVE['id']}"}

        stranger = p.callback(button["callback_data"], user=p.ALICE)
        stranger["callback_query"]["id"] = "press-by-alice"
        await api.push(stranger)
        (refused,) = await api.wait_for("answerCallbackQuery")
        assert refused["text"] == "This button is not for you."
        newcomer = p.callback(button["callback_data"], user=p.EVE)
        newcomer["callback_query"]["id"] = "press-by-eve"
        await api.push(newcomer)
        _refused, thanked = await api.wait_for("answerCallbackQuery", 2)
        assert thanked["text"] == "Thank you! You can write now."
        _mute, release = await api.wait_for("restrictChatMember", 2)
        assert all(_json(release["permissions"]).values()), "an ordinary member again"


async def test_telegram_private_greeting_falls_back_to_the_group_when_refused(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    """``/welcome dm only``: a newcomer who started the bot is greeted privately; one who
    never did (Telegram answers 403) is greeted in the group with a mention instead."""
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    stranger = {"id": 1003, "is_bot": False, "first_name": "Zoe"}
    api.unreachable_users.add(stranger["id"])
    async with running(sqlite_url, telegram_bot(api, backend)) as runtime:
        await api.push(p.command("/welcome dm only", user=p.ADMIN))
        (answer,) = await api.wait_for("sendMessage")
        assert answer["text"].startswith("Newcomers are greeted privately")
        await api.push(p.chat_member(p.ALICE, "left", "member"))
        await api.wait_for("sendMessage", 2)
        await api.push(p.chat_member(stranger, "left", "member"))
        await api.wait_for("sendMessage", 4)  # the refused attempt, then the group
        assert await runtime.worker.drain(timeout=10)
        sent = [(m["chat_id"], m["text"]) for m in api.called("sendMessage")][1:]
        alice, group = str(p.ALICE["id"]), str(p.GROUP["id"])
        assert [(str(chat), text) for chat, text in sent] == [
            (alice, f"Welcome to Town Square, {_tg_mention(p.ALICE)}!"),
            (str(stranger["id"]), f"Welcome to Town Square, {_tg_mention(stranger)}!"),
            (
                group,
                f"{_tg_mention(stranger)} Welcome to Town Square, {_tg_mention(stranger)}!",
            ),
        ]


async def test_telegram_clean_deletes_the_previous_greeting(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    """``/welcome clean on``: the second greeting goes out and the first is deleted by the
    message id Telegram gave it (the worker resolved the greeting's key)."""
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    bob = {"id": 1004, "is_bot": False, "first_name": "Bob"}
    async with running(sqlite_url, telegram_bot(api, backend)) as runtime:
        await api.push(p.command("/welcome clean on", user=p.ADMIN))
        await api.wait_for("sendMessage")
        await api.push(p.chat_member(p.ALICE, "left", "member"))
        await api.wait_for("sendMessage", 2)
        await api.push(p.chat_member(bob, "left", "member"))
        (deleted,) = await api.wait_for("deleteMessage")
        assert await runtime.worker.drain(timeout=10)
        kept = [m["html"] for (chat, _id), m in api.messages.items() if chat == p.GROUP["id"]]
        assert kept == [
            "The previous greeting is deleted when a new one is posted.",
            f'Welcome to Town Square, <a href="tg://user?id={bob["id"]}">Bob</a>!',
        ], "Alice's greeting is gone, the rest stays"
        assert str(deleted["chat_id"]) == str(p.GROUP["id"])


def _tg_mention(user: dict[str, Any]) -> str:
    return f'<a href="tg://user?id={user["id"]}">{user["first_name"]}</a>'


async def test_discord_greets_in_the_system_channel_and_gates_with_a_timeout(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url):
        answer = await answered(fake, world, "verify on")
        assert "Verification: on" in answer
        template = "Welcome to Town Square, {mention} ({name})!"
        answer = await answered(fake, world, "welcome set", template=template)
        assert answer.startswith("**Greeting saved. Preview:**")
        eve = await fake.member_joins(guild, "eve", nick=HOSTILE_NAME)
        eve_id = eve["user"]["id"]
        system_channel = str(guild.system_channel_id)
        found = await fake.wait_for(
            lambda: discord_posts(fake, system_channel, WELCOME), timeout=15
        )
        (greeting,) = found
        content = greeting["content"]
        assert content.startswith(f"Welcome to Town Square, <@{eve_id}> (@\u200beveryone")
        assert "\\*Eve\\*" in content and "@\u200bhere" in content
        assert greeting["pings"] == {"everyone": False, "users": [eve_id], "roles": []}
        ((button,),) = [row["components"] for row in greeting["components"]]
        assert button["custom_id"] == f"onb:acc:{eve_id}"
        (timeout,) = await fake.wait_request(
            "PATCH", rf"/guilds/{guild.id}/members/{eve_id}", timeout=15
        )
        assert timeout.json.get("communication_disabled_until")

        stranger = await fake.press(guild, greeting, world.alice_id, button["custom_id"])
        (toast,) = await fake.wait_request(
            "POST", rf"/webhooks/\d+/{stranger.payload['token']}", timeout=15
        )
        assert toast.json["content"] == "This button is not for you."
        await fake.press(guild, greeting, int(eve_id), button["custom_id"])
        patches = await fake.wait_for(
            lambda: [
                r
                for r in fake.requests
                if r.method == "PATCH"
                and r.path.endswith(f"/members/{eve_id}")
                and r.json.get("communication_disabled_until", "x") is None
            ],
            timeout=15,
        )
        assert patches, "the timeout is lifted"
        assert len(greetings([m["content"] for m in fake.messages_in(system_channel)])) == 1


async def answered(fake: FakeDiscord, world: World, command: str, **values: str) -> str:
    """Run a slash command as the moderator; return the private answer once it is there."""
    return await discord_slash_answer(fake, world.guild, world.mod_id, command, **values)


async def test_slack_greets_once_escapes_and_tracks_acceptance(
    slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    url = slack_events_url(port)
    async with running(sqlite_url, slack_bot(slack, port)) as runtime:
        template = "Welcome to our community, {mention} ({name})!"
        body = f.command_body("/welcome", "set " + template, OLGA, response_url=slack.response_url)
        assert await slack_post(url, body) == 200
        await slack.wait_for("response_url")
        body = f.command_body("/verify", "on", OLGA, response_url=slack.response_url)
        assert await slack_post(url, body) == 200
        _saved, answer = await slack.wait_for("response_url", 2)
        assert answer["text"].startswith("Verification: tracked only")

        join = {
            "type": "member_joined_channel",
            "user": SLACK_EVE,
            "channel": "C0GENERAL",
            "channel_type": "C",
            "team": f.TEAM,
            "event_ts": "1700000001.000200",
        }
        event = f.event_body(join, "Ev0ONBOARD")
        assert await slack_post(url, event, "application/json") == 200
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert await slack_post(url, event, "application/json", **retry) == 200
        (greeting,) = await slack.wait_for(
            "chat.postMessage", where=lambda m: str(m.get("text")).startswith("Welcome to")
        )
        assert await runtime.worker.drain(timeout=10)
        posts = slack.called("chat.postMessage")
        assert [str(m.get("text")).startswith("Welcome to") for m in posts].count(True) == 1
        escaped = "@everyone &lt;b&gt;*Eve*&lt;/b&gt; &lt;!channel&gt; _x_ &amp;amp; @here"
        assert greeting["text"].startswith(f"Welcome to our community, <@{SLACK_EVE}> ({escaped})!")
        assert "Please read the rules and accept them." in f.message_text(greeting)
        assert all("<!channel>" not in str(m.get("text")) for m in posts)
        assert slack_button_values(greeting) == [f"onb:acc:{SLACK_EVE}"]

        body = f.command_body("/settings", "", OLGA, response_url=slack.response_url)
        assert await slack_post(url, body) == 200
        *_answers, shown = await slack.wait_for("response_url", 3)
        assert "verify: tracked" in shown["text"].replace("*", "")

        for who in (SLACK_ALICE, SLACK_EVE):
            press = f.block_actions(f"onb:acc:{SLACK_EVE}", who, response_url=slack.response_url)
            assert await slack_post(url, f.interaction_body(press)) == 200
        toasts = await slack.wait_for("response_url", 5)
        assert [t["text"] for t in toasts[3:]] == [
            "This button is not for you.",
            "Thank you for accepting the rules.",
        ]


async def test_discord_join_raid_gives_a_handful_of_greetings_and_one_alert(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    """40 GUILD_MEMBER_ADDs in a burst through discord.py: at most 10 greeting messages
    (five at once, then one combined greeting per 5 s window), one raid alert in the
    managers' inbox, and the combined greeting pings only the newcomers it names."""
    guild = world.guild
    inbox = guild.channel("managers")["id"]
    system_channel = str(guild.system_channel_id)

    def greeting_messages() -> list[dict[str, Any]]:
        return discord_posts(fake, system_channel, WELCOME)

    defaults = {"escalate_to": f"dc:{inbox}"}
    async with discord_runtime(fake, guild, sqlite_url, defaults=defaults) as runtime:
        raiders = [await fake.member_joins(guild, f"raider{index:02d}") for index in range(40)]
        combined = await fake.wait_for(
            lambda: [m for m in greeting_messages() if "others" in m["content"]], timeout=20
        )
        assert await runtime.worker.drain(timeout=10)
        sent = greeting_messages()
        assert len(sent) == 6 <= 10, [m["content"] for m in sent]
        (message,) = combined
        first_waiting = raiders[5]["user"]["id"]
        assert message["content"].startswith(f"Welcome to Town Square, <@{first_waiting}>, <@")
        assert message["content"].endswith("and 33 others!")
        assert len(message["pings"]["users"]) == 2 and not message["pings"]["everyone"]
        alerts = [m for m in fake.messages_in(inbox) if "Join raid" in m["content"]]
        assert len(alerts) == 1
        assert alerts[0]["content"].startswith("⚠️ Join raid in **Town Square**: 11 newcomers")
        assert not [m for m in fake.messages_in(system_channel) if "Join raid" in m["content"]]


async def test_discord_gate_by_a_configured_role(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    """``/verify role @Unverified``: the newcomer gets the role instead of a timeout, and
    their own press takes it away (Add/Remove Guild Member Role)."""
    guild = world.guild
    unverified = fake.add_role(guild, "Unverified")["id"]
    async with discord_runtime(fake, guild, sqlite_url):
        assert "Verification: on" in await answered(fake, world, "verify on")
        answer = await answered(fake, world, "verify role", role=f"<@&{unverified}>")
        assert answer.startswith(f"Verification: on (newcomers get the role `{unverified}`")
        eve = await fake.member_joins(guild, "eve")
        eve_id = eve["user"]["id"]
        roles = rf"/guilds/{guild.id}/members/{eve_id}/roles/{unverified}"
        await fake.wait_request("PUT", roles, timeout=15)
        assert guild.members[int(eve_id)]["roles"] == [unverified]
        (greeting,) = await fake.wait_for(
            lambda: discord_posts(fake, str(guild.system_channel_id), WELCOME), timeout=15
        )
        ((button,),) = [row["components"] for row in greeting["components"]]
        await fake.press(guild, greeting, int(eve_id), button["custom_id"])
        await fake.wait_request("DELETE", roles, timeout=15)
        assert guild.members[int(eve_id)]["roles"] == []
        assert not fake.find_requests("PATCH", rf"/guilds/{guild.id}/members/{eve_id}"), (
            "no timeout when a role gates"
        )


async def test_discord_without_a_system_channel_greets_in_the_first_text_channel(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = fake.add_guild("Quiet Hall", channels=("lobby", "general"))
    guild.system_channel_id = None  # "Send a random welcome message" switched off
    async with discord_runtime(fake, guild, sqlite_url):
        eve = await fake.member_joins(guild, "eve")
        lobby = guild.channel("lobby")["id"]
        (greeting,) = await fake.wait_for(
            lambda: discord_posts(fake, lobby, "Welcome to Quiet Hall"), timeout=15
        )
        assert greeting["content"] == f"Welcome to Quiet Hall, <@{eve['user']['id']}>!"
