"""Events end to end through a real ``townsquare run`` process with a Telegram, a Discord
and a Slack bot on their fakes, the three communities one space: an event created in
Rome time on Telegram with ``--space`` is posted in each, every rendering carrying the
same UTC instant (summer time: 19:00 in Rome is 17:00 UTC), the Discord fake receives the
scheduled-event calls (created, then cancelled with ours), and a member marking the
Discord event "Interested" is counted on every post."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tests.fakes.discord import payloads as dp
from tests.fakes.discord.scheduled import CANCELED, MANAGE_EVENTS
from tests.fakes.slack import blocks
from tests.fakes.telegram import payloads as p
from tests.rewards.town import DC, SL, TG, Town
from tests.rewards.town import town as town

OLGA = p.ADMIN
SUMMER = int(datetime(2027, 4, 1, 17, 0, tzinfo=UTC).timestamp())


def _slack_posts(town: Town, text: str) -> list[dict[str, Any]]:
    return [m for m in town.slack.called("chat.postMessage") if text in blocks.message_text(m)]


def _discord_posts(town: Town, text: str) -> list[dict[str, Any]]:
    return [m for m in town.discord.bot_messages() if text in m["content"] and m["components"]]


async def test_a_space_event_in_rome_time_on_three_platforms_and_its_discord_mirror(
    town: Town,
) -> None:
    guild = town.guild
    events = dp.role(dp.snowflake(), "Events", dp.EVERYONE_PERMISSIONS | MANAGE_EVENTS, position=2)
    guild.roles.append(events)
    bot = guild.members[town.discord.bot_id]
    bot["roles"] = [*bot["roles"], events["id"]]
    await town.start(town.write_config(space=[TG, DC, SL]))

    await town.telegram_says(
        OLGA, '/event "Board games" 2027-04-01 19:00 --tz Europe/Rome --where Library --space'
    )
    (telegram,) = await town.telegram_wait(
        lambda: [s for s in town.telegram_sent() if "Board games" in str(s.get("text"))]
    )
    assert re.findall(r'<tg-time unix="(\d+)"', str(telegram["text"]))[0] == str(SUMMER)
    assert "Thu 1 Apr 2027, 19:00 Europe/Rome (UTC+02:00)" in str(telegram["text"])
    (discord,) = await town.discord.wait_for(lambda: _discord_posts(town, "Board games"), 30)
    assert f"<t:{SUMMER}:" in discord["content"], "Discord shows each reader their time"
    (slack,) = await town.slack.wait_for(
        "chat.postMessage", where=lambda m: "Board games" in blocks.message_text(m), timeout=30
    )
    dates = [e["timestamp"] for e in blocks.elements(slack) if e.get("type") == "date"]
    assert dates[0] == SUMMER

    (mirror,) = await town.discord.wait_for(lambda: list(town.discord.scheduled_events.values()))
    assert mirror["scheduled_start_time"] == "2027-04-01T17:00:00+00:00"
    assert mirror["entity_metadata"] == {"location": "Library"}

    await town.discord.mark_interested(mirror["id"], town.discord_members["bob"])
    await town.slack.wait_for(
        "chat.update",
        where=lambda m: "⭐ 1 interested on Discord" in blocks.message_text(m),
        timeout=30,
    )
    await town.telegram_wait(
        lambda: [
            c
            for c in town.telegram.called("editMessageText")
            if "⭐ 1 interested on Discord" in str(c["text"])
        ]
    )

    await town.telegram_says(OLGA, "/event cancel 1")
    await town.discord.wait_for(lambda: mirror["status"] == CANCELED or None, 30)
    assert [method for method, _body in town.discord.scheduled_calls] == ["POST", "PATCH"]
    await town.stop()
