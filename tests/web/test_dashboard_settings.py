"""The dashboard's community pages, over HTTP against the Telegram fake: settings (the
welcome template's live preview, hostile text staying text, a broken template explained;
saving it, the rules and the bot's language through the manager's own commands), the FAQ
(an unanswered question made an entry in one step), a poll (tally, export, closing) and
a member (search, linked accounts, warnings, XP)."""

from __future__ import annotations

import re

from tests.fakes.telegram import payloads as p
from tests.rewards.town import eventually
from tests.web.dashboard_support import EVE, OLGA, browser, command, nonce_of, site
from townsquare.core.onboarding.settings import OnboardingSettings
from townsquare.core.refs import CommunityRef
from townsquare.core.settings import Language, read

PAGE = f"/settings/telegram/{p.GROUP['id']}"


async def test_welcome_rules_and_language_from_the_dashboard(sqlite_url: str) -> None:
    async with site(sqlite_url) as town, browser(town.base) as olga:
        await olga.log_in(await town.dashboard_link(OLGA))
        status, index = await olga.get("/settings")
        assert status == 200 and PAGE in index
        status, page = await olga.get(PAGE)
        assert status == 200 and "Welcome to Town Square" in page

        status, shown = await olga.post(
            PAGE + "/preview", {"text": "Hi {name} <script>x</script>, see {community}"}
        )
        assert status == 200
        assert "Hi Olga &lt;script&gt;x&lt;/script&gt;, see Town Square" in shown
        status, broken = await olga.post(PAGE + "/preview", {"text": "Hi {nope}"})
        assert "cannot be used" in broken

        form = {"what": "welcome", "text": "Ciao {name}, benvenuto!", "nonce": nonce_of(page)}
        status, saved = await olga.post(PAGE, form)
        assert status == 200, saved
        assert "Ciao {name}, benvenuto!" in saved
        status, saved = await olga.post(
            PAGE, {"what": "rules", "text": "Be kind.", "nonce": nonce_of(saved)}
        )
        assert "Be kind." in saved
        status, saved = await olga.post(
            PAGE, {"what": "lang", "language": "it", "nonce": nonce_of(saved)}
        )
        assert status == 200
        async with town.runtime.store.transaction() as tx:
            stored = await tx.settings(CommunityRef("telegram", str(p.GROUP["id"])))
        assert read(OnboardingSettings, stored).template == "Ciao {name}, benvenuto!"
        assert read(OnboardingSettings, stored).rules == "Be kind."
        assert read(Language, stored).locale == "it"


async def test_an_unanswered_question_becomes_an_entry_in_one_step(sqlite_url: str) -> None:
    async with site(sqlite_url) as town, browser(town.base) as olga:
        await olga.log_in(await town.dashboard_link(OLGA))
        faq = f"/faq/telegram/{p.GROUP['id']}"
        status, page = await olga.get(faq)
        assert status == 200
        form = {"what": "add", "question": "Where is the meetup?", "answer": "At the library."}
        status, page = await olga.post(faq, {**form, "nonce": nonce_of(page)})
        assert status == 200 and "At the library." in page
        # A member's /faq search that finds nothing is an unanswered question.
        before = len(town.api.calls)
        await town.api.push(command("/faq how do I pay <b>the fee</b>?", p.ALICE))
        await town.wait(lambda: [c for c in town.api.calls[before:] if c.method == "sendMessage"])
        status, page = await olga.get(faq)
        assert "how do I pay &lt;b&gt;the fee&lt;/b&gt;?" in page
        item = re.search(r'name="item" value="(\d+)"', page)
        assert item is not None
        form = {
            "what": "answer",
            "item": item.group(1),
            "question": "How do I pay the fee?",
            "answer": "By card at the desk.",
        }
        status, page = await olga.post(faq, {**form, "nonce": nonce_of(page)})
        assert status == 200, page
        assert "By card at the desk." in page
        assert 'name="item"' not in page, "the question left the unanswered list"


async def test_a_poll_has_a_live_tally_an_export_and_closes(sqlite_url: str) -> None:
    async with site(sqlite_url) as town, browser(town.base) as olga:
        await olga.log_in(await town.dashboard_link(OLGA))
        group = int(str(p.GROUP["id"]))
        before = len(town.sent(group))
        await town.api.push(command('/poll "Where <b>now</b>?" "Park" "Library"', OLGA))
        await town.wait(lambda: "Where" in str(town.sent(group)[before:]))
        status, listed = await olga.get("/polls")
        assert status == 200 and 'data-poll="1"' in listed
        assert "Where &lt;b&gt;now&lt;/b&gt;?" in listed
        status, tally = await olga.get("/polls/1/tally")
        assert status == 200 and "Park" in tally and "Votes: 0" in tally
        async with olga.http.get(olga.url("/polls/1/export.csv")) as response:
            assert response.status == 200
            assert response.headers["Content-Disposition"] == 'attachment; filename="poll-1.csv"'
            assert (await response.text()).splitlines()[0] == "option,votes,voters"
        status, page = await olga.get("/polls/1")
        status, closed = await olga.post("/polls/1", {"action": "close", "nonce": nonce_of(page)})
        assert status == 200, closed
        assert "Close the poll" not in closed


async def test_a_member_with_linked_accounts_warnings_and_xp(sqlite_url: str) -> None:
    async with site(sqlite_url) as town, browser(town.base) as olga:
        await olga.log_in(await town.dashboard_link(OLGA))
        await town.api.push(p.chat_member(EVE, "left", "member"))
        offending = await town.say("buy cheap watches here, best prices in town today", EVE)
        before = len(town.sent(int(str(p.GROUP["id"]))))
        await town.api.push(command("/warn spam <b>again</b>", OLGA, reply_to_message=offending))
        await town.wait(lambda: len(town.sent(int(str(p.GROUP["id"])))) > before)
        # The join is written with its batch; ask again until the roster has her.
        found = await eventually(
            lambda: olga.get("/members?q=eve"), lambda answer: "data-member" in answer[1]
        )
        status, found = found
        assert status == 200
        assert "&lt;img src=x onerror=" in found and "<img src=x" not in found
        status, page = await olga.get(f"/members/telegram/{p.GROUP['id']}/{EVE['id']}")
        assert status == 200, page
        assert "spam &lt;b&gt;again&lt;/b&gt;" in page
        assert 'class="xp"' in page
        assert "telegram: " in page, "her account is listed"
        assert (await olga.get(f"/members/telegram/{p.GROUP['id']}/999999"))[0] == 404
