"""A display name holding a lone UTF-16 surrogate (valid JSON: ``"\\ud800"``) joins on
each platform, through the real SDK, mapper and features: the member is recorded and
greeted, the name shown with U+FFFD, and no feature fails. Before the edge cleaned text,
the roster and onboarding failed with ``UnicodeEncodeError`` on that join."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.discord.conftest import World
from tests.escalation.support import START
from tests.fakes.bots import (
    discord_posts,
    discord_runtime,
    running,
    slack_bot,
    slack_events_url,
    slack_post,
    telegram_bot,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import server as sf
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from townsquare.bots.runtime import Runtime
from townsquare.core.events import MemberJoined, MessagePosted
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef
from townsquare.core.sanitize import REPLACEMENT, clean_event, clean_text
from townsquare.storage.models import Member

LONE = "\ud800 Zed"
SHOWN = f"{REPLACEMENT} Zed"
WELCOME = "Welcome to Town Square"


def test_lone_surrogates_and_nul_become_the_replacement_character() -> None:
    assert clean_text("\ud800") == REPLACEMENT
    assert clean_text("a\udfffb\x00c") == f"a{REPLACEMENT}b{REPLACEMENT}c"
    fine = "Zoë 😀 \u200b\u202e mixed"
    assert clean_text(fine) is fine, "nothing else is touched"
    clean_text(LONE).encode("utf-8")


def test_every_text_field_of_an_event_is_cleaned() -> None:
    who = Actor("u\ud800", LONE, username="z\udc00")
    channel = ChannelRef("c", title="#\ud800")
    event = MessagePosted(
        platform="telegram",
        bot="b",
        event_id="1",
        occurred_at=START,
        community=CommunityRef("telegram", "g", title="T\ud800"),
        channel=channel,
        actor=who,
        message=MessageRef(channel, "m"),
        text="hi \ud800",
        reply_to_text="\udbff",
        raw={"kept": "\ud800"},
    )
    cleaned = clean_event(event)
    assert cleaned.actor == Actor(f"u{REPLACEMENT}", SHOWN, username=f"z{REPLACEMENT}")
    assert cleaned.text == f"hi {REPLACEMENT}" and cleaned.reply_to_text == REPLACEMENT
    assert cleaned.community is not None and cleaned.community.title == f"T{REPLACEMENT}"
    assert cleaned.message.channel.title == f"#{REPLACEMENT}"
    assert cleaned.raw == {"kept": "\ud800"}, "the native payload stays as it came"
    joined = MemberJoined(**{**_envelope(event), "member": who})
    assert clean_event(joined).member.display_name == SHOWN
    clean = MemberJoined(**{**_envelope(cleaned), "actor": None, "member": Actor("1", "Zoe")})
    assert clean_event(clean) is clean


def _envelope(event: MessagePosted) -> dict[str, Any]:
    return {
        "platform": event.platform,
        "bot": event.bot,
        "event_id": event.event_id,
        "occurred_at": event.occurred_at,
        "community": event.community,
        "channel": event.channel,
        "actor": event.actor,
    }


async def members(runtime: Runtime) -> list[str]:
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(select(Member.__table__.c.display_name))
        return [row[0] for row in rows]


def failures(runtime: Runtime) -> dict[str, int]:
    snapshot = runtime.metrics.snapshot()
    return {key: value for key, value in snapshot.items() if key.startswith("feature_errors")}


async def test_telegram_join_with_a_lone_surrogate(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    zed = {"id": 1005, "is_bot": False, "first_name": LONE}
    api.administrators[int(str(p.GROUP["id"]))] = [p.owner(p.ADMIN)]
    async with running(sqlite_url, telegram_bot(api, backend)) as runtime:
        await api.push(p.chat_member(zed, "left", "member"))
        (greeting,) = await api.wait_for("sendMessage")
        assert await runtime.worker.drain(timeout=10)
        assert greeting["text"] == (f'{WELCOME}, <a href="tg://user?id={zed["id"]}">{SHOWN}</a>!')
        assert SHOWN in await members(runtime)
        assert failures(runtime) == {}


async def test_discord_join_with_a_lone_surrogate(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url) as runtime:
        await fake.member_joins(guild, "zed", nick=LONE)
        system_channel = str(guild.system_channel_id)
        (greeting,) = await fake.wait_for(
            lambda: discord_posts(fake, system_channel, WELCOME), timeout=15
        )
        assert await runtime.worker.drain(timeout=10)
        assert SHOWN in await members(runtime)
        assert failures(runtime) == {}
        assert greeting["pings"]["everyone"] is False


async def test_slack_join_with_a_lone_surrogate(
    slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    zed = "U0ZED"
    slack.users[zed] = sf.user(zed, LONE)
    url = slack_events_url(port)
    async with running(sqlite_url, slack_bot(slack, port)) as runtime:
        join = {
            "type": "team_join",
            "user": slack.users[zed],
            "team": sf.TEAM,
            "event_ts": "1700000001.000200",
        }
        assert await slack_post(url, sf.event_body(join, "Ev0LONE"), "application/json") == 200
        join = {
            "type": "member_joined_channel",
            "user": zed,
            "channel": "C0GENERAL",
            "channel_type": "C",
            "team": sf.TEAM,
            "event_ts": "1700000001.000300",
        }
        assert await slack_post(url, sf.event_body(join, "Ev0LONE2"), "application/json") == 200
        (greeting,) = await slack.wait_for(
            "chat.postMessage", where=lambda m: str(m.get("text")).startswith("Welcome to")
        )
        assert await runtime.worker.drain(timeout=10)
        assert greeting["text"] == f"Welcome to our community, <@{zed}>!"
        assert SHOWN in await members(runtime)
        assert failures(runtime) == {}
