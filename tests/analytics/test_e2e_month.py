"""Analytics end to end: a real ``townsquare run`` with a Telegram, a Discord and a Slack
bot on their loopback fakes, the three communities one space.

A scripted month (fixed seed) of messages is delivered through the real SDKs with the
platforms' own timestamps spread over the last 30 days (Telegram's ``date``, Discord's
snowflakes, Slack's ``ts``: the day a message counts on is the platform's, so a month
passes without waiting for one). The expected figures are worked out here from the script
alone; ``/stats 30d`` on Telegram answers exactly those, with a PNG chart, and
``/stats export`` sends the CSV privately with exactly each day's figures, and the managers
of the Discord and Slack communities read the same figures from ``/stats 30d`` there.
About a third of the Telegram messages reply to an earlier one of another member, so the
replies are counted too. Alice writes on Telegram and on Discord, linked with ``/link``:
she counts once. Then a member asks
``/forgetme``, confirms with the button, and no row of the database names him any more
but the answer to his press.
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import create_async_engine

from tests.fakes.bots import slack_post
from tests.fakes.discord import payloads as dp
from tests.fakes.slack import server as slack_fake
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import Uploaded
from tests.privacy.scan import naming
from tests.rewards.town import (
    DC,
    SL,
    SLACK_CHANNEL,
    SLACK_OLGA,
    TG,
    Town,
    shown,
    telegram_user,
)
from tests.rewards.town import town as town

ALICE = telegram_user(2001, "Alice")
TOMASZ = telegram_user(2002, "Tomasz Quillfeather")
UMA = telegram_user(2003, "Uma")
OLGA = p.ADMIN
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")
DAYS = 30


@dataclass(frozen=True)
class Said:
    platform: str
    who: str
    """The account (``tg:2001``, ``dc:alice``, ``sl:U0ALICE``)."""
    at: datetime
    reply_to: int | None = None
    """The index in the script of the earlier Telegram message this one replies to."""


def person(account: str) -> str:
    """Alice's Telegram and Discord accounts are one person (linked)."""
    return "alice" if account in ("tg:2001", "dc:alice") else account


def script(now: datetime, seed: int = 21) -> list[Said]:
    rng = random.Random(seed)
    today = now.date()
    accounts = ["tg:2001", "tg:2002", "tg:2003", "dc:alice", "dc:bob", "sl:U0ALICE", "sl:U0BOB"]
    said: list[Said] = []
    for back in range(DAYS):
        day = today - timedelta(days=back)
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        latest = min(86_000, int((now - start).total_seconds()) - 120)
        if latest <= 0:
            continue
        for account in accounts:
            if rng.random() < 0.45:
                for _n in range(rng.randint(1, 3)):
                    at = start + timedelta(seconds=rng.randint(0, latest))
                    said.append(Said(account.split(":")[0], account, at))
    said.sort(key=lambda s: s.at)
    last_by: dict[str, int] = {}
    for index, s in enumerate(said):
        if s.platform == "tg":
            others = [n for who, n in last_by.items() if who != s.who]
            if others and rng.random() < 0.35:
                said[index] = Said(s.platform, s.who, s.at, reply_to=max(others))
            last_by[s.who] = index
    return said


def expected(said: list[Said], today: date) -> dict[str, Any]:
    first = today - timedelta(days=DAYS - 1)
    days = {first + timedelta(days=n): (0, set[str]()) for n in range(DAYS)}
    for s in said:
        count, people = days[s.at.date()]
        days[s.at.date()] = (count + 1, people | {person(s.who)})
    everyone = {person(s.who) for s in said}
    week = {person(s.who) for s in said if s.at.date() > today - timedelta(days=7)}
    dau = sum(len(people) for _count, people in days.values()) / DAYS
    return {
        "messages": len(said),
        "replies": sum(1 for s in said if s.reply_to is not None),
        "active": len(everyone),
        "dau": round(dau, 1),
        "wau": len(week),
        "mau": len(everyone),
        "stickiness": f"{round(dau / len(everyone) * 100)}%",
        "days": {day: (count, len(people)) for day, (count, people) in days.items()},
    }


def shown_number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


TELEGRAM_USERS = {"tg:2001": ALICE, "tg:2002": TOMASZ, "tg:2003": UMA}


def said_text(n: int) -> str:
    return f"message {n} of the month, hello everyone"


async def deliver(town: Town, said: list[Said], n: int) -> None:
    s, text = said[n], said_text(n)
    if s.platform == "tg":
        user = TELEGRAM_USERS[s.who]
        extra: dict[str, Any] = {}
        if s.reply_to is not None:
            replied = said[s.reply_to]
            extra["reply_to_message"] = {
                "message_id": 10_000 + s.reply_to,
                "from": TELEGRAM_USERS[replied.who],
                "chat": p.GROUP,
                "date": int(replied.at.timestamp()),
                "text": said_text(s.reply_to),
            }
        update = p.message(text, user, 10_000 + n, date=int(s.at.timestamp()), **extra)
        update["update_id"] = 900_000 + n
        await town.telegram.push(update)
    elif s.platform == "dc":
        member = town.guild.members[town.discord_members[s.who.split(":")[1]]]
        channel = town.guild.channel("general")
        message = dp.message(
            message_id=dp.snowflake(s.at),
            channel_id=int(channel["id"]),
            author=member["user"],
            content=text,
            guild_id=town.guild.id,
            member_payload=member,
        )
        message["timestamp"] = dp.iso(s.at)
        town.discord.messages[int(message["id"])] = message
        await town.discord.dispatch("MESSAGE_CREATE", message, guild_id=town.guild.id)
    else:
        ts = f"{s.at.timestamp():.6f}"
        event = {
            "type": "message",
            "channel": SLACK_CHANNEL,
            "user": s.who.split(":")[1],
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "channel",
            "team": slack_fake.TEAM,
        }
        body = slack_fake.event_body(event, f"EvMonth{n:06d}")
        assert await slack_post(town.slack_url, body, "application/json") == 200


def uploaded(call: dict[str, Any], *names: str) -> Uploaded:
    """The file a sendPhoto / sendDocument call uploaded (by ``attach://`` or itself)."""
    for name in names:
        value = call.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = call.get(value.removeprefix("attach://"))
        if isinstance(value, Uploaded):
            return value
    raise AssertionError(f"no file in {sorted(call)}")


async def all_counted(town: Town, total: int, timeout: float = 120) -> None:
    """Until the space's counters hold ``total`` messages: the database is polled (the
    process commits them in its own time; nothing tells the test)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while counted(town) < total:
        assert asyncio.get_running_loop().time() < deadline, f"{counted(town)} of {total}"
        await asyncio.sleep(0.2)


def counted(town: Town) -> int:
    with sqlite3.connect(town.database_url.split("///", 1)[1]) as db:
        row = db.execute(
            "SELECT COALESCE(SUM(messages), 0) FROM analytics_days WHERE scope = ?", ("s:town",)
        ).fetchone()
    return int(row[0])


@pytest.mark.timeout(400)
async def test_a_scripted_month_gives_exactly_its_figures_through_townsquare_run(
    town: Town,
) -> None:
    await town.start(town.write_config(space=[TG, DC, SL]))
    # Alice links her Telegram and Discord accounts first: one person from the start.
    await town.telegram_answer(ALICE, "/link")
    dms = await town.telegram_wait(lambda: town.telegram_texts(int(ALICE["id"])))
    (code,) = set(CODE.findall(dms[0]))
    linked = await town.discord_private("alice", "link", code=code)
    assert linked.startswith("Linked:"), linked

    now = datetime.now(UTC)
    said = script(now)
    for n in range(len(said)):
        await deliver(town, said, n)
    wanted = expected(said, now.date())
    assert wanted["active"] == 6 and wanted["messages"] > 150  # a real month, Alice once
    assert wanted["replies"] > 10
    await all_counted(town, len(said))
    assert counted(town) == len(said)

    answer = shown(await town.telegram_answer(OLGA, "/stats 30d"))
    headline = [
        "Stats for the last 30 days, against the 30 before",
        f"Messages: {wanted['messages']} (new); replies {wanted['replies']}, reactions 0",
        f"Active members: {wanted['active']} (new); per day {shown_number(wanted['dau'])}, "
        f"WAU {wanted['wau']}, MAU {wanted['mau']}, stickiness {wanted['stickiness']}",
    ]
    assert answer.splitlines()[:3] == headline, answer
    # The space's figures, whichever of its communities a manager asks from.
    on_discord = shown({"content": await town.discord_private("mo", "stats ask", period="30d")})
    assert on_discord.splitlines()[:3] == headline, on_discord
    on_slack = await town.slack_command(SLACK_OLGA, "/stats", "30d")
    assert shown(on_slack).splitlines()[:3] == headline, on_slack
    photo = await town.telegram_wait(
        lambda: [c for c in town.telegram_sent() if c["method"] in ("sendPhoto", "sendDocument")]
    )
    image = Image.open(io.BytesIO(uploaded(photo[0], "photo", "document").data))
    assert image.format == "PNG"
    image.verify()

    await town.telegram_says(OLGA, "/stats export 30d")
    files = await town.telegram_wait(
        lambda: [c for c in town.telegram_sent(int(OLGA["id"])) if c["method"] == "sendDocument"]
    )
    export = uploaded(files[0], "document").data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(export)))
    assert rows[0][:5] == ["day", "active_members", "joins", "leaves", "messages"]
    got = {date.fromisoformat(row[0]): (int(row[4]), int(row[1])) for row in rows[1:]}
    assert got == wanted["days"]

    # Tomasz asks to be forgotten and confirms with the button.
    with sqlite3.connect(town.database_url.split("///", 1)[1]) as db:
        persons = {
            int(row[0])
            for row in db.execute(
                "SELECT person_id FROM people_accounts WHERE user_id = ?", (str(TOMASZ["id"]),)
            )
        }
    assert persons
    asked = await town.telegram_answer(TOMASZ, "/forgetme")
    data = asked["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await town.telegram.push(p.callback(data, TOMASZ, message_id=77))
    try:
        await town.telegram_wait(
            lambda: [
                c
                for c in town.telegram.calls
                if c.method == "answerCallbackQuery" and "erased" in str(c.params.get("text"))
            ]
        )
    except AssertionError:
        toasts = [c.params for c in town.telegram.calls if c.method == "answerCallbackQuery"]
        raise AssertionError(f"no 'erased' toast: {toasts}\n{town.log[-6000:]}") from None
    await town.stop()
    engine = create_async_engine(town.database_url)
    try:
        async with engine.connect() as connection:
            hits = await naming(
                connection, {str(TOMASZ["id"])}, {str(TOMASZ["first_name"])}, persons
            )
    finally:
        await engine.dispose()
    left = [
        hit
        for hit in hits
        if not (hit.table == "outbox" and hit.value.get("kind") == "answer_button")
    ]
    assert left == [], left
