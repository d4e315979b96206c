"""The dashboard end to end in a real headless Chromium, against a real ``townsquare run``
process with aiogram, discord.py and slack-bolt on their loopback fakes:

the bot sends Olga (the Telegram group's owner) a ``/dashboard`` link privately; she logs
in in the browser; a case reported on Telegram (a hostile name and text, shown as text)
and a ticket Alice opened on Discord (the group and the guild are one space) are in one
list, and a second case appears there without reloading; she claims the case, warns its
author and resolves it from the browser: the fake Bot API receives the case card's edits
in the managers' chat and the warning in the group; she answers the ticket from the
browser and Alice receives the answer privately on Discord; she plans an idea Alice
sent, sees Alice going to her event and the analytics charts. The pages pass axe-core
with no serious finding, read in Italian after a switch, and fit a phone's screen; a
screenshot of each page is saved under the test's tmp dir (``screens/``).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from tests.fakes.telegram import payloads as p
from tests.rewards.town import DC, GROUP, TG, Town, free_port, telegram_user
from tests.rewards.town import town as town
from tests.web.browser import axe_check, chromium

MANAGERS = -1005550001
EVE = telegram_user(2666, '<img src=x onerror="alert(1)">Eve')
ALICE = telegram_user(2001, "Alice")
HOSTILE = "<script>alert('owned')</script> buy <b>cheap</b> @everyone"
LINK = re.compile(r"https?://[^\s\"<>]+/login/[A-Za-z0-9_-]+")


def sent(town: Town, chat: int, method: str = "sendMessage") -> list[dict[str, Any]]:
    return [
        c.params
        for c in town.telegram.calls
        if c.method == method and int(c.params.get("chat_id", 0)) == chat
    ]


def bot_dms(town: Town, user_id: int, containing: str) -> list[str]:
    """What the bot wrote to ``user_id`` in private on Discord containing ``containing``."""
    channels = {
        int(channel_id)
        for channel_id, channel in town.discord.channels.items()
        if channel["type"] == 1 and channel["recipients"][0]["id"] == str(user_id)
    }
    return [
        str(m["content"]).replace("\\", "")
        for m in town.discord.bot_messages()
        if int(m["channel_id"]) in channels and containing in str(m["content"]).replace("\\", "")
    ]


async def report(town: Town, text: str) -> None:
    before = len(sent(town, MANAGERS))
    offending = await town.telegram_says(EVE, text)
    await town.telegram_says(ALICE, "/report spam", reply_to=offending)
    await town.telegram_wait(lambda: len(sent(town, MANAGERS)) > before)


async def shown(page: Any, url: str, selector: str, tries: int = 80) -> None:
    """Open ``url`` again until ``selector`` is on it (what a member did on Telegram is
    processed a moment later)."""
    for _attempt in range(tries):
        await page.goto(url)
        if await page.locator(selector).count():
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{selector} never appeared on {url}")


async def test_a_manager_handles_a_telegram_case_from_the_browser(
    town: Town, tmp_path: Path
) -> None:
    port = free_port()
    extra = f'\n[defaults]\nescalate_to = "{TG}:{MANAGERS}"\n\n[web]\nlisten = "127.0.0.1:{port}"\n'
    await town.start(town.write_config(space=[TG, DC], extra=extra))
    screens = tmp_path / "screens"
    screens.mkdir()
    olga = p.ADMIN

    # /dashboard in the group: the link arrives privately, never in the group.
    await town.telegram_says(olga, "/dashboard")
    dms = await town.telegram_wait(lambda: town.telegram_texts(int(olga["id"])))
    (link,) = set(LINK.findall(dms[0]))
    assert link.startswith(f"http://127.0.0.1:{port}/login/")
    assert "/login/" not in str(town.telegram_texts())
    await town.telegram.push(p.chat_member(EVE, "left", "member"))
    await report(town, HOSTILE)
    # Alice opens a ticket on Discord: a direct message to the bot.
    alice = town.discord_members["alice"]
    await town.discord_says("alice", "hello everyone")
    await town.discord.direct_message(alice, "I cannot log in <b>@everyone</b>")
    await town.telegram_wait(lambda: "Ticket #1" in str(sent(town, MANAGERS)))

    async with chromium() as browser:
        context = await browser.new_context(
            bypass_csp=True, viewport={"width": 1200, "height": 900}
        )
        page = await context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))

        await page.goto(link)
        await page.screenshot(path=screens / "login.png", full_page=True)
        await axe_check(page, "login")
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url("**/inbox")
        item = page.locator('[data-kind="case"][data-id="1"]')
        await item.wait_for()
        assert HOSTILE in await item.inner_text(), "the hostile text reads as text"
        assert '<img src=x onerror="alert(1)">Eve' in await item.inner_text()
        ticket = page.locator('[data-kind="ticket"][data-id="1"]')
        assert "I cannot log in <b>@everyone</b>" in await ticket.inner_text()
        assert "discord" in await ticket.inner_text()
        await page.screenshot(path=screens / "inbox.png", full_page=True)
        await axe_check(page, "inbox")

        # A new case appears without reloading (htmx polls the list).
        await report(town, "second offence in the group")
        await page.locator('[data-kind="case"][data-id="2"]').wait_for(timeout=20_000)

        # Claim from the browser: the card in the managers' chat is edited.
        await item.locator("a").click()
        await page.wait_for_url("**/cases/1")
        await page.screenshot(path=screens / "case.png", full_page=True)
        await axe_check(page, "case")
        edits = len(sent(town, MANAGERS, "editMessageText"))
        await page.get_by_role("button", name="Claim").click()
        await page.get_by_role("status").wait_for()
        assert "claimed" in (await page.get_by_role("status").inner_text()).lower()
        await town.telegram_wait(lambda: len(sent(town, MANAGERS, "editMessageText")) > edits)
        assert "Olga" in str(sent(town, MANAGERS, "editMessageText")[-1]["text"])

        # Warn the author: the warning reaches the group on Telegram.
        await page.get_by_label("Reason", exact=True).fill("please keep it friendly")
        await page.get_by_role("button", name="Warn the author").click()
        await town.telegram_wait(
            lambda: [t for t in town.telegram_texts(GROUP) if "please keep it friendly" in t]
        )
        # Resolve with a note: the card says so, and so does the audit log on the page.
        edits = len(sent(town, MANAGERS, "editMessageText"))
        await page.locator("#note-resolve").fill("talked to them")
        await page.get_by_role("button", name="Resolve").click()
        await town.telegram_wait(lambda: len(sent(town, MANAGERS, "editMessageText")) > edits)
        await page.locator(".audit").get_by_text("talked to them").first.wait_for()
        await page.screenshot(path=screens / "case-resolved.png", full_page=True)

        # Answer the Discord ticket from the browser: Alice gets it privately on Discord.
        base = link.split("/login/")[0]
        await page.goto(base + "/inbox")
        await page.locator('[data-kind="ticket"][data-id="1"] a').click()
        await page.wait_for_url("**/tickets/1")
        await page.screenshot(path=screens / "ticket.png", full_page=True)
        await axe_check(page, "ticket")
        await page.get_by_label("Answer").fill("Try logging in again now")
        await page.get_by_role("button", name="Send the answer").click()
        answers = await town.discord.wait_for(
            lambda: bot_dms(town, alice, "Try logging in again now"), 30
        )
        assert "The team of Town Square" in answers[0], answers
        await page.locator(".conversation").get_by_text("Try logging in again now").wait_for()

        # Settings: the welcome template's preview follows the typing, without a reload.
        await page.goto(f"{base}/settings/telegram/{GROUP}")
        await page.get_by_label("Template", exact=False).fill("Hello {name} <i>of</i> {community}!")
        preview = page.locator("#preview")
        await preview.get_by_text("Hello Olga <i>of</i> Town Square!").wait_for()
        await page.screenshot(path=screens / "settings.png", full_page=True)
        await axe_check(page, "settings")
        await page.get_by_role("button", name="Save the welcome message").click()
        await page.get_by_role("status").wait_for()

        # FAQ: add an entry from the page.
        await page.goto(f"{base}/faq/telegram/{GROUP}")
        await page.locator("#new-question").fill("Where do we meet?")
        await page.locator("#new-answer").fill("At the library, on Thursdays.")
        await page.get_by_role("button", name="Add the entry").click()
        await page.get_by_text("At the library, on Thursdays.").wait_for()
        await page.screenshot(path=screens / "faq.png", full_page=True)
        await axe_check(page, "faq")

        # Polls: the live tally follows a vote cast on Telegram, without a reload.
        await town.telegram_says(olga, '/poll "Pizza or pasta?" "Pizza" "Pasta"')
        await town.telegram_wait(lambda: "Pizza or pasta?" in str(town.telegram_texts()))
        await page.goto(f"{base}/polls/1")
        await page.locator("#tally").get_by_text("Votes: 0").wait_for()
        await town.telegram_says(ALICE, "/vote 1 2")
        await page.locator("#tally").get_by_text("Votes: 1").wait_for(timeout=20_000)
        await page.screenshot(path=screens / "poll.png", full_page=True)
        await axe_check(page, "poll")

        # Members: Eve (warned above) found by name, her warning and XP on her page.
        await page.goto(f"{base}/members?q=eve")
        await page.locator(f'[data-member="{EVE["id"]}"] a').click()
        await page.locator(".warnings").get_by_text("please keep it friendly").wait_for()
        await page.screenshot(path=screens / "member.png", full_page=True)
        await axe_check(page, "member")

        # Feedback: an idea Alice sent on Telegram, planned from the page.
        await town.telegram_says(ALICE, "/feedback A dark mode for the app, please")
        await shown(page, f"{base}/feedback", '[data-idea="1"]')
        await page.locator('[data-idea="1"] a').click()
        await page.wait_for_url("**/feedback/1")
        await page.get_by_label("New status").select_option("planned")
        await page.get_by_role("button", name="Change the status").click()
        await page.get_by_role("status").wait_for()
        assert "Planned" in await page.locator("dd.status").inner_text()
        await page.screenshot(path=screens / "idea.png", full_page=True)
        await axe_check(page, "idea")
        # Events: Olga's event, Alice going, on the event's page.
        await town.telegram_says(olga, '/event "Picnic <b>in</b> the park" 2030-06-01 19:00')
        await shown(page, f"{base}/events", '[data-event="1"]')
        await town.telegram_says(ALICE, "/event rsvp 1 going")
        await shown(page, f"{base}/events/1", '[data-answer="going"] >> text=Alice')
        assert "Picnic <b>in</b> the park" in await page.locator("h1").inner_text()
        await page.screenshot(path=screens / "event.png", full_page=True)
        await axe_check(page, "event")
        # Analytics: the charts drawn on the page, with the numbers in a table.
        await page.goto(f"{base}/analytics/telegram/{GROUP}?period=7d")
        await page.locator("svg.chart-messages").wait_for()
        bars = page.locator("svg.chart-messages rect.bar")
        assert await bars.count() == 7
        assert float(await bars.last.get_attribute("height") or 0) > 0, "today's messages"
        assert await page.locator("svg.chart-active circle.point").count() == 7
        assert await page.locator("table.days tbody tr").count() == 7
        await page.screenshot(path=screens / "analytics.png", full_page=True)
        await axe_check(page, "analytics")

        listings = ("/polls", "/members", "/faq", "/settings", "/inbox?status=all")
        for listing in (*listings, "/feedback", "/events", "/analytics"):
            await page.goto(base + listing)
            await axe_check(page, listing)

        await page.goto(link.split("/login/")[0] + "/sessions")
        await page.screenshot(path=screens / "sessions.png", full_page=True)
        await axe_check(page, "sessions")

        # A used link: refused, in a page that passes axe too.
        used = await context.new_page()
        response = await used.goto(link)
        assert response is not None and response.status == 403
        await used.screenshot(path=screens / "refused.png", full_page=True)
        await axe_check(used, "refused")
        await used.close()

        # Italian, on a phone.
        await page.goto(link.split("/login/")[0] + "/inbox?status=all")
        await page.get_by_label("Language").select_option("it")
        await page.get_by_role("button", name="Change").click()
        await page.get_by_role("heading", name="Posta in arrivo").wait_for()
        await page.set_viewport_size({"width": 390, "height": 844})
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the inbox is {width}px wide on a 390px phone screen"
        await page.screenshot(path=screens / "inbox-phone-it.png", full_page=True)
        await axe_check(page, "inbox (it, phone)")
        narrow = {
            "analytics": f"/analytics/telegram/{GROUP}?period=90d",
            "idea": "/feedback/1",
            "event": "/events/1",
        }
        for name, url in narrow.items():
            await page.goto(base + url)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{url} is {width}px wide on a 390px phone screen"
            await page.screenshot(path=screens / f"{name}-phone-it.png", full_page=True)
        assert dialogs == [], "no script from a member ever ran"
        await context.close()

    pages = (
        "login",
        "inbox",
        "case",
        "case-resolved",
        "ticket",
        "settings",
        "faq",
        "poll",
        "member",
        "idea",
        "event",
        "analytics",
    )
    for name in (*pages, "sessions", "refused", "inbox-phone-it", "analytics-phone-it"):
        assert (screens / f"{name}.png").stat().st_size > 1000
    await town.stop()
