"""The dashboard's security, through the real aiogram bot on the fake Bot API and the
real web app over HTTP:

* ``/dashboard`` sends a manager a private link and a member none;
* a link works once (a second use gets 403 and no session), an expired one not at all;
* one community's manager can neither read nor change another community: every route
  of the app (feedback, events and analytics too) is tried with the other community's ids;
* a POST without the CSRF token changes nothing;
* hostile names and texts in a case render as text, never as HTML;
* logout and the session list end sessions.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from yarl import URL

from tests.fakes.telegram import payloads as p
from tests.web.dashboard_support import (
    BORIS,
    EVE,
    HOSTILE_TEXT,
    MALLORY,
    MANAGERS_CHAT,
    OLGA,
    OTHER,
    Site,
    browser,
    command,
    nonce_of,
    site,
)
from townsquare.core.escalation.store import CaseStatus
from townsquare.core.feedback.rules import Status as IdeaStatus
from townsquare.core.tickets.store import TicketStatus
from townsquare.storage.calendar import SqlEventStore
from townsquare.storage.escalation import SqlEscalationStore
from townsquare.storage.feedback import SqlFeedbackStore
from townsquare.storage.tickets import SqlTicketStore
from townsquare.storage.web_models import WebLoginTokenRow
from townsquare.web.app import create_app


async def case_status(town: Site, case_id: int) -> CaseStatus:
    async with town.runtime.store.transaction() as tx:
        case = await SqlEscalationStore(tx).case(case_id)
    assert case is not None
    return case.status


async def two_cases(town: Site) -> None:
    """Case 1 in Town Square (Eve's hostile message), case 2 and ticket 1 in Other Place
    (Mallory, last seen there, writes to the bot privately), and there too poll 1, idea 1
    and event 1 (Mallory going)."""
    offending = await town.say(HOSTILE_TEXT, EVE)
    await town.report(offending, p.ALICE)
    elsewhere = await town.say("secret of the other place", EVE, OTHER)
    await town.report(elsewhere, p.ALICE, OTHER)
    await town.say("hello all", MALLORY, OTHER)
    await town.api.push(p.private_message("secret ticket of the other place", MALLORY))
    await town.wait(lambda: "Ticket #1" in str(town.sent(MANAGERS_CHAT)))
    before = len(town.sent(int(str(OTHER["id"]))))
    await town.api.push(command('/poll "secret poll of the other place?" "a" "b"', BORIS, OTHER))
    await town.wait(lambda: len(town.sent(int(str(OTHER["id"])))) > before)
    # Idea 1 and event 1, in Other Place too.
    await town.api.push(command("/feedback secret idea of the other place", MALLORY, OTHER))
    await town.wait(lambda: "Your idea is #1" in str(town.sent(int(str(MALLORY["id"])))))
    await town.api.push(
        command('/event "secret event of the other place" 2030-06-01 19:00', BORIS, OTHER)
    )
    await town.wait(lambda: "secret event" in str(town.sent(int(str(OTHER["id"])))))
    before = len(town.sent(int(str(OTHER["id"]))))
    await town.api.push(command("/event rsvp 1 going", MALLORY, OTHER))
    await town.wait(lambda: len(town.sent(int(str(OTHER["id"])))) > before)


async def test_a_link_works_once_and_only_for_managers(sqlite_url: str) -> None:
    async with site(sqlite_url) as town:
        link = await town.dashboard_link(OLGA)
        assert link.startswith(town.base + "/login/")
        assert "/login/" not in str(town.sent(int(str(p.GROUP["id"])))), "never in public"

        # A member gets a refusal and no link.
        group = int(str(p.GROUP["id"]))
        await town.wait(lambda: "privately" in str(town.sent(group)))
        before = len(town.api.calls)
        await town.api.push(command("/dashboard", p.ALICE))
        await town.wait(lambda: "only managers can use /dashboard" in str(town.sent(group)))
        assert "/login/" not in str([c.params for c in town.api.calls[before:]])
        assert not town.sent(int(str(p.ALICE["id"])))

        async with browser(town.base) as first, browser(town.base) as second:
            await first.log_in(link)
            assert first.http.cookie_jar.filter_cookies(URL(town.base)).get("ts_session")
            # The second use: 403 on the page and on the POST, and no session.
            status, _body = await second.get(link)
            assert status == 403
            second.csrf = "x"
            status, _body = await second.post(link, {})
            assert status == 403
            assert not second.http.cookie_jar.filter_cookies(URL(town.base)).get("ts_session")
            assert (await second.get("/inbox"))[0] == 303

        # An expired link: refused too.
        late = await town.dashboard_link(OLGA)
        async with town.runtime.store.transaction() as tx:
            await tx.connection.execute(
                update(WebLoginTokenRow)
                .where(WebLoginTokenRow.used_at.is_(None))
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        async with browser(town.base) as third:
            assert (await third.get(late))[0] == 403


async def test_one_community_cannot_reach_another(sqlite_url: str) -> None:
    async with site(sqlite_url) as town:
        olga_link = await town.dashboard_link(OLGA)
        boris_link = await town.dashboard_link(BORIS, OTHER)
        await two_cases(town)
        async with browser(town.base) as olga, browser(town.base) as boris:
            await olga.log_in(olga_link)
            await boris.log_in(boris_link)
            status, inbox = await olga.get("/inbox")
            assert 'data-kind="case" data-id="1"' in inbox
            assert 'data-kind="case" data-id="2"' not in inbox
            assert 'data-kind="ticket"' not in inbox
            assert "Other Place" not in inbox and "secret of the other" not in inbox
            status, mine = await boris.get("/inbox")
            assert 'data-kind="case" data-id="2"' in mine
            assert 'data-kind="case" data-id="1"' not in mine
            assert 'data-kind="ticket" data-id="1"' in mine
            listed = (await boris.get("/sessions"))[1]
            boris_session = re.findall(r'action="/sessions/(\d+)/end"', listed)
            assert boris_session

            # Every route of the app, with Other Place's ids, as Olga.
            app = create_app(town.runtime)
            values = {
                "case": "2",
                "ticket": "1",
                "session": boris_session[0],
                "token": "nope",
                "poll": "1",
                "idea": "1",
                "event": "1",
                "user": str(MALLORY["id"]),
                "platform": "telegram",
                "community": str(OTHER["id"]),
            }
            tried = 0
            for route in app.router.routes():
                info = route.resource.get_info() if route.resource else {}
                path = info.get("formatter") or info.get("path") or ""
                if not path or path.startswith("/static") or "prefix" in info:
                    continue
                url = path.format(**values)
                if route.method == "GET":
                    status, body = await olga.get(url)
                    assert "secret" not in body, url
                    assert "Other Place" not in body, url
                    if "{" in path:
                        assert status in (403, 404), (url, status)
                elif route.method == "POST" and "{" in path and "{token}" not in path:
                    form = {"action": "claim", "what": "rules", "language": "it"}
                    form |= {"status": "declined"} if "feedback" in path else {}
                    form |= {"action": "cancel"} if "events" in path else {}
                    status, body = await olga.post(
                        url, {**form, "note": "x", "text": "x", "nonce": "abcdefgh12"}
                    )
                    assert status in (403, 404), (url, status, body)
                tried += 1
            assert tried >= 14
            assert await case_status(town, 2) is CaseStatus.OPEN
            assert "Close the poll" in (await boris.get("/polls/1"))[1], "still open"
            async with town.runtime.store.transaction() as tx:
                idea = await SqlFeedbackStore(tx).get(1)
                event = await SqlEventStore(tx).get(1)
            assert idea is not None and idea.status is IdeaStatus.NEW
            assert event is not None and event.cancelled_at is None
            assert "secret idea" in (await boris.get("/feedback/1"))[1]
            assert "secret event" in (await boris.get("/events/1"))[1]
            mine = (await boris.get(f"/analytics/telegram/{OTHER['id']}"))[1]
            assert "Other Place" in mine
            async with town.runtime.store.transaction() as tx:
                ticket = await SqlTicketStore(tx).get(1)
            assert ticket is not None and ticket.status is TicketStatus.OPEN
            assert "secret ticket" in (await boris.get("/tickets/1"))[1]
            assert (await boris.get("/inbox"))[0] == 200, "Boris's session is still live"


async def test_no_csrf_token_changes_nothing_and_hostile_text_stays_text(sqlite_url: str) -> None:
    async with site(sqlite_url) as town:
        link = await town.dashboard_link(OLGA)
        await two_cases(town)
        async with browser(town.base) as olga:
            await olga.log_in(link)
            status, page = await olga.get("/cases/1")
            assert status == 200
            assert "<script>alert" not in page and "<img src=x" not in page
            assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in page
            assert "&lt;img src=x onerror=" in page
            inbox = (await olga.get("/inbox"))[1]
            assert "<script>alert" not in inbox and "&lt;script&gt;" in inbox

            edits = len(town.edits(MANAGERS_CHAT))
            form = {"action": "claim", "nonce": nonce_of(page)}
            status, _body = await olga.post("/cases/1", form, csrf=False)
            assert status == 403
            status, _body = await olga.post("/cases/1", {**form, "csrf": "forged"}, csrf=False)
            assert status == 403
            assert await case_status(town, 1) is CaseStatus.OPEN
            assert len(town.edits(MANAGERS_CHAT)) == edits
            assert (await olga.post("/logout", {}, csrf=False))[0] == 403

            # With the token, the claim goes through the pipeline: the card is edited.
            status, answer = await olga.post("/cases/1", form)
            assert status == 200, answer
            assert "claimed" in answer.lower()
            assert await case_status(town, 1) is CaseStatus.CLAIMED
            await town.wait(lambda: len(town.edits(MANAGERS_CHAT)) > edits)
            # The same form again acts once: nothing more is done.
            status, again = await olga.post("/cases/1", form)
            assert "already sent" in again

            # Logout ends the session.
            assert (await olga.post("/logout", {}))[0] == 303
            assert (await olga.get("/inbox"))[0] == 303


async def test_a_manager_ends_their_other_sessions(sqlite_url: str) -> None:
    async with (
        site(sqlite_url) as town,
        browser(town.base) as phone,
        browser(town.base) as laptop,
    ):
        await phone.log_in(await town.dashboard_link(OLGA))
        await laptop.log_in(await town.dashboard_link(OLGA))
        page = (await laptop.get("/sessions"))[1]
        ids = re.findall(r'action="/sessions/(\d+)/end"', page)
        assert len(ids) == 2
        other = min(ids, key=int)
        status, page = await laptop.post(f"/sessions/{other}/end", {})
        assert status == 200 and "ended" in page
        assert (await phone.get("/inbox"))[0] == 303
        assert (await laptop.get("/inbox"))[0] == 200
        # The list's live refresh on the ended session asks the page to reload to log in.
        headers = {"HX-Request": "true"}
        async with phone.http.get(phone.url("/inbox/items"), headers=headers) as response:
            assert response.status == 401 and response.headers["HX-Redirect"] == "/login"
        # The language switch only ever sends back to a page of this site.
        for back in ("//evil.example/x", "/\\evil.example", "https://evil.example"):
            form = {"csrf": laptop.csrf, "lang": "it", "back": back}
            async with laptop.http.post(
                laptop.url("/language"), data=form, allow_redirects=False
            ) as response:
                assert response.status == 303 and response.headers["Location"] == "/inbox"
