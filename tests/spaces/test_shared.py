"""A space (``[[spaces]]``) has one set of rules and one managers' inbox for all its
communities, whichever platform a manager sets them on, through the real SDKs and fakes:
rules set in the Telegram group are the Slack workspace's rules; the inbox a Slack
manager picks with ``/managers here`` gets the Telegram group's reports. Outside the space
each community keeps its own."""

from __future__ import annotations

from typing import Any

from tests.escalation.test_through_fakes import olga_types, tg_command, tg_report
from tests.fakes.bots import config, slack_bot, slack_events_url, slack_post, telegram_bot
from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.slack.conftest import ALICE as SLACK_ALICE
from townsquare.bots.runtime import Runtime

GROUP_ID = int(str(p.GROUP["id"]))
SPACE = {"name": "town", "communities": [f"tg:{GROUP_ID}", f"sl:{f.TEAM}/C0GENERAL"]}


def _runtime(
    api: FakeBotApi, backend: str, slack: FakeSlack, port: int, url: str, **extra: Any
) -> Runtime:
    api.administrators[GROUP_ID] = [p.owner(p.ADMIN)]
    bots = telegram_bot(api, backend), slack_bot(slack, port)
    return Runtime(config(url, *bots, **extra))


async def _slack_rules(slack: FakeSlack, port: int) -> str:
    before = len(slack.called("response_url"))
    body = f.command_body("/rules", "", SLACK_ALICE, response_url=slack.response_url)
    assert await slack_post(slack_events_url(port), body) == 200
    answers = await slack.wait_for("response_url", before + 1)
    return f.message_text(answers[before])


async def test_rules_set_on_telegram_are_the_slack_workspaces_in_one_space(
    api: FakeBotApi, backend: str, slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    async with _runtime(api, backend, slack, port, sqlite_url, spaces=[SPACE]):  # type: ignore[arg-type]
        await api.push(tg_command("/rules set Be kind. No ads.", p.ADMIN, 20))
        await api.wait_for("sendMessage")
        assert "Be kind. No ads." in await _slack_rules(slack, port)


async def test_outside_a_space_the_rules_stay_each_communitys(
    api: FakeBotApi, backend: str, slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    async with _runtime(api, backend, slack, port, sqlite_url):
        await api.push(tg_command("/rules set Be kind. No ads.", p.ADMIN, 20))
        await api.wait_for("sendMessage")
        assert "Be kind. No ads." not in await _slack_rules(slack, port)


async def test_the_inbox_a_slack_manager_picks_gets_the_telegram_groups_reports(
    api: FakeBotApi, backend: str, slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    async with _runtime(api, backend, slack, port, sqlite_url, spaces=[SPACE]):  # type: ignore[arg-type]
        url = slack_events_url(port)
        assert await slack_post(url, olga_types(slack, "/managers", "here")) == 200
        (answer,) = await slack.wait_for("response_url")
        assert "managers' inbox" in f.message_text(answer)

        offending = p.message("nobody likes you", user=p.EVE, message_id=30)["message"]
        await api.push(tg_report("/report", 31, offending))
        (card,) = await slack.wait_for("chat.postMessage")
        assert card["channel"] == "C0MGR" and "Case #1" in f.message_text(card)
        assert "nobody likes you" in f.message_text(card)


async def test_settings_in_the_slack_workspace_show_the_rules_its_space_shares(
    api: FakeBotApi, backend: str, slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    """The rules were set in the Telegram group; a Slack manager's /settings lists them,
    because they are the workspace's rules too (before, it listed only values stored
    under the workspace itself and said nothing was changed)."""
    async with _runtime(api, backend, slack, port, sqlite_url, spaces=[SPACE]):  # type: ignore[arg-type]
        await api.push(tg_command("/rules set Be kind. No ads.", p.ADMIN, 20))
        await api.wait_for("sendMessage")
        before = len(slack.called("response_url"))
        assert await slack_post(slack_events_url(port), olga_types(slack, "/settings", "")) == 200
        answer = f.message_text((await slack.wait_for("response_url", before + 1))[before])
        assert "Be kind. No ads." in answer
        assert "No settings changed" not in answer
