"""The dashboard's feedback, events and analytics pages, over HTTP against the Telegram
fake: hostile idea texts and event titles render as text; an idea's status changes
through the manager's own ``/feedback status`` (the status, its history and the fact in
the database, the backer told privately); an event's answers and attendees, on the
community's clock, and cancelling it; the analytics page's figures are those ``/stats``
answers for the same data, with the charts drawn in SVG and the same numbers in a table.
(Another community's objects and POSTs without the CSRF token:
``test_dashboard_security.py``.)"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests.fakes.telegram import payloads as p
from tests.rewards.town import eventually
from tests.web.dashboard_support import EVE, HOSTILE_TEXT, OLGA, Site, browser, command, nonce_of
from tests.web.dashboard_support import site as running
from townsquare.core.context import Context
from townsquare.core.facts import Fact, FeedbackStatusChanged
from townsquare.core.feedback.rules import Status
from townsquare.storage.feedback import SqlFeedbackStore

GROUP = int(str(p.GROUP["id"]))
TAG = re.compile(r"<[^>]+>")


async def said(town: Site, text: str, user: dict[str, Any], expect: str) -> str:
    """``user`` sends the command ``text`` in the group; the bot's answer there that
    holds ``expect``."""
    before = len(town.sent(GROUP))
    await town.api.push(command(text, user))
    found = await town.wait(
        lambda: [m for m in town.sent(GROUP)[before:] if expect in str(m["text"])]
    )
    return str(found[-1]["text"])


async def idea_filed(town: Site, text: str, user: dict[str, Any]) -> int:
    before = len(town.sent(int(user["id"])))
    await town.api.push(command(f"/feedback {text}", user))
    sent = await town.wait(lambda: town.sent(int(user["id"]))[before:])
    found = re.search(r"#(\d+)", str(sent[0]["text"]))
    assert found, sent
    return int(found.group(1))


async def test_the_feedback_board_and_a_status_change(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    published: list[FeedbackStatusChanged] = []
    publish = Context.publish

    def spy(ctx: Context, fact: Fact) -> None:
        if isinstance(fact, FeedbackStatusChanged):
            published.append(fact)
        publish(ctx, fact)

    monkeypatch.setattr(Context, "publish", spy)
    async with running(sqlite_url) as town, browser(town.base) as olga:
        await olga.log_in(await town.dashboard_link(OLGA))
        hostile = await idea_filed(town, f"{HOSTILE_TEXT} a dark mode please", EVE)
        other = await idea_filed(town, "Weekly meetups in the park on sundays", p.ALICE)
        await town.api.push(command(f"/feedback vote {hostile}", p.ALICE))
        status, board = await eventually(
            lambda: olga.get("/feedback"), lambda got: "Votes: 2" in got[1]
        )
        assert status == 200
        assert "<script>alert" not in board and "&lt;script&gt;alert" in board
        assert board.index(f'data-idea="{hostile}"') < board.index(f'data-idea="{other}"')
        newest = (await olga.get("/feedback?sort=newest"))[1]
        assert newest.index(f'data-idea="{other}"') < newest.index(f'data-idea="{hostile}"')
        assert f'data-idea="{other}"' not in (await olga.get("/feedback?status=done"))[1]

        status, page = await olga.get(f"/feedback/{hostile}")
        assert status == 200 and "&lt;script&gt;alert" in page and "<script>alert" not in page
        form = {"status": "planned", "note": "<b>next</b> month", "nonce": nonce_of(page)}
        assert (await olga.post(f"/feedback/{hostile}", form, csrf=False))[0] == 403
        async with town.runtime.store.transaction() as tx:
            unchanged = await SqlFeedbackStore(tx).get(hostile)
        assert unchanged is not None and unchanged.status is Status.NEW

        status, changed = await olga.post(f"/feedback/{hostile}", form)
        assert status == 200, changed
        assert "Planned" in changed and "&lt;b&gt;next&lt;/b&gt; month" in changed
        async with town.runtime.store.transaction() as tx:
            idea = await SqlFeedbackStore(tx).get(hostile)
            history = await SqlFeedbackStore(tx).history(hostile)
        assert idea is not None and idea.status is Status.PLANNED
        assert idea.note == "<b>next</b> month"
        assert [entry[1] for entry in history][-1] is Status.PLANNED
        assert history[-1][3] == f"telegram:{OLGA['id']}", "audited as Olga"
        assert "Planned · Olga (telegram): &lt;b&gt;next" in changed
        assert [(f.idea_id, f.old, f.new, f.by) for f in published] == [
            (hostile, "new", "planned", f"telegram:{OLGA['id']}")
        ], "the fact the chat command publishes"
        # The submitter is told privately by the feature, as from the chat.
        await town.wait(lambda: "Planned" in str(town.sent(int(EVE["id"]))))
        again = await olga.post(f"/feedback/{hostile}", form)
        assert "already sent" in again[1]


async def test_events_with_answers_on_the_community_clock_and_cancelling(sqlite_url: str) -> None:
    async with running(sqlite_url) as town, browser(town.base) as olga:
        await olga.log_in(await town.dashboard_link(OLGA))
        await said(town, "/settings tz Europe/Rome", OLGA, "Europe/Rome")
        title = "<img src=x onerror=alert(1)> Picnic"
        await said(town, f'/event "{title}" 2030-06-01 19:00 --capacity 1', OLGA, "Picnic")
        await said(town, "/event rsvp 1 going", p.ALICE, "going")
        await said(town, "/event rsvp 1 going", EVE, "waitlist")
        status, listed = await olga.get("/events")
        assert status == 200 and 'data-event="1"' in listed
        assert "&lt;img src=x" in listed and "<img src=x" not in listed
        assert "19:00 Europe/Rome (UTC+02:00)" in listed, "the community's clock"
        assert "Going: 1/1" in listed and "Waitlist: 1" in listed
        status, page = await olga.get("/events/1")
        assert status == 200
        going = re.search(r'data-answer="going">(.*?)</ol>', page, re.S)
        waiting = re.search(r'data-answer="waiting">(.*?)</ol>', page, re.S)
        assert going and p.ALICE["first_name"] in going.group(1)
        assert waiting and "&lt;img src=x onerror=" in waiting.group(1)
        form = {"action": "cancel", "nonce": nonce_of(page)}
        assert (await olga.post("/events/1", form, csrf=False))[0] == 403
        assert "Cancel the event" in (await olga.get("/events/1"))[1]
        status, cancelled = await olga.post("/events/1", form)
        assert status == 200 and "cancelled" in cancelled
        assert "Cancel the event" not in cancelled
        assert 'data-event="1"' not in (await olga.get("/events"))[1]
        await town.wait(lambda: "cancelled" in str(town.sent(int(p.ALICE["id"]))))


def _plain(page: str) -> str:
    return html.unescape(TAG.sub("", page))


async def test_the_analytics_page_shows_what_stats_answers(sqlite_url: str) -> None:
    async with running(sqlite_url) as town, browser(town.base) as olga:
        await olga.log_in(await town.dashboard_link(OLGA))
        await town.api.push(p.chat_member(EVE, "left", "member"))
        for text in ("hello everyone", "how do I join the club?", "see you tonight"):
            await town.say(text, p.ALICE)
        await town.say("thanks, sounds good", EVE)
        answer = await eventually(
            lambda: said(town, "/stats 30d", OLGA, "Messages:"), lambda text: "Messages: 4 " in text
        )
        page_url = f"/analytics/telegram/{GROUP}?period=30d"
        status, page = await olga.get(page_url)
        assert status == 200
        shown = _plain(page)
        stats_lines = _plain(answer).splitlines()
        assert len(stats_lines) > 5
        for line in stats_lines:
            assert line in shown, line
        assert '<svg viewBox="0 0 640 200" role="img"' in page
        assert "<title" in page and 'class="bar"' in page and 'class="line"' in page
        assert "style=" not in page and "<script>" not in page
        rows = re.findall(r'<tr data-day="[^"]+">.*?</tr>', page, re.S)
        assert len(rows) == 30
        cells = [re.findall(r'class="count">(\d+)<', row) for row in rows]
        assert sum(int(c[0]) for c in cells) == 4, "messages in the table"
        assert int(cells[-1][1]) == 2, "two members wrote today"
        status, index = await olga.get("/analytics?period=7d")
        assert status == 200 and page_url.replace("30d", "7d") in html.unescape(index)
        assert "Messages: 4" in _plain(index).replace("\n", " ").replace("  ", " ")
        status, week = await olga.get(page_url.replace("30d", "7d"))
        assert 'aria-current="page">last 7 days' in week.replace("\n", "")
        assert len(re.findall(r'<tr data-day="', week)) == 7
