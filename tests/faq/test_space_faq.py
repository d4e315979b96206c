"""A space shares one FAQ: an entry a manager adds on Telegram answers a member's question
in the Slack workspace of the same space, and a question nothing answers there is on the
Telegram manager's ``/faq unanswered`` list. A community outside the space keeps its own
FAQ."""

from __future__ import annotations

from tests.fakes.bots import config, slack_bot, slack_events_url, slack_post, telegram_bot
from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.faq.test_through_fakes import ADD, ANSWER, PARAPHRASE, UNMATCHED, slack_message
from townsquare.bots.runtime import Runtime

GROUP_ID = int(str(p.GROUP["id"]))


async def test_an_entry_added_on_telegram_answers_on_slack_in_the_same_space(
    api: FakeBotApi, backend: str, slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    api.administrators[GROUP_ID] = [p.owner(p.ADMIN)]
    space = {"name": "town", "communities": [f"tg:{GROUP_ID}", f"sl:{f.TEAM}/C0GENERAL"]}
    bots = telegram_bot(api, backend), slack_bot(slack, port)
    url = slack_events_url(port)

    async def said(text: str, ts: str) -> None:
        body = f.event_body(slack_message(text, ts), f"Ev{ts.replace('.', '')}")
        assert await slack_post(url, body, "application/json") == 200

    async with Runtime(config(sqlite_url, *bots, spaces=[space])):  # type: ignore[arg-type]
        await api.push(p.command(f"/faq {ADD}", user=p.ADMIN))
        (added,) = await api.wait_for("sendMessage")
        assert added["text"] == "FAQ entry #1 added."

        await said(PARAPHRASE, "1700000100.000100")
        (answer,) = await slack.wait_for(
            "chat.postMessage", where=lambda m: f.message_text(m).startswith("💡")
        )
        assert f.message_text(answer).startswith(ANSWER) and answer["channel"] == "C0GENERAL"

        await said(UNMATCHED, "1700000101.000100")
        await api.push(p.command("/faq unanswered", user=p.ADMIN))
        _added, gaps = await api.wait_for("sendMessage", 2)
        assert f"1× {UNMATCHED}" in gaps["text"].replace("<b>", "").replace("</b>", "")


async def test_outside_a_space_each_community_keeps_its_own_faq(
    api: FakeBotApi, backend: str, slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    api.administrators[GROUP_ID] = [p.owner(p.ADMIN)]
    bots = telegram_bot(api, backend), slack_bot(slack, port)
    url = slack_events_url(port)
    async with Runtime(config(sqlite_url, *bots)) as runtime:
        await api.push(p.command(f"/faq {ADD}", user=p.ADMIN))
        await api.wait_for("sendMessage")
        body = f.event_body(slack_message(PARAPHRASE, "1700000100.000100"), "Ev1")
        # 200 means the event is committed (handled); then nothing is left to send
        assert await slack_post(url, body, "application/json") == 200
        assert await runtime.worker.drain(timeout=10)
        assert not [m for m in slack.called("chat.postMessage") if "💡" in f.message_text(m)]
