"""Escalation through the real adapters and their protocol-faithful fakes.

* A Telegram report (aiogram and python-telegram-bot) lands in a Slack channel, is claimed
  with a Block Kit button and resolved there with the note typed in the Resolve button's
  modal (an expired trigger gives the typed command instead); the Telegram side sees the
  /report message deleted and private messages only.
* Discord's "Report to managers" context menu: an ephemeral answer, a case message with
  components in the managers' channel, a moderator's press edits it, Mute asks for the
  duration and reason in a modal and times the member out for that long.
  Resolve opens a modal asking for the note (the press's first response, never deferred);
  submitting it resolves the case, a member's press or submission is refused.
* Slack's message shortcut: the reporter's answer is ephemeral; a mute (asked for in a
  modal), which Slack cannot do, becomes a visible notice.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.discord.conftest import World
from tests.fakes.bots import (
    discord_followup,
    discord_private_answer,
    discord_runtime,
    running,
    slack_bot,
    slack_button_values,
    slack_events_url,
    slack_interaction,
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
from townsquare.adapters.discord.transport import DiscordAdapter


def inbox(chat: str) -> dict[str, Any]:
    """Community defaults sending cases to ``chat`` (``bot:channel``)."""
    return {"escalate_to": chat}


@pytest.fixture
def managers(world: World) -> str:
    """The id of the Discord guild's #managers channel, the inbox of the Discord tests."""
    channel_id: str = world.guild.channel("managers")["id"]
    return channel_id


def tg_command(text: str, user: dict[str, Any], message_id: int, **extra: Any) -> dict[str, Any]:
    """A Telegram update with the command ``text`` (its first word marked as the command)."""
    head = text.split(maxsplit=1)[0]
    entities = [{"type": "bot_command", "offset": 0, "length": len(head)}]
    return p.message(text, user=user, message_id=message_id, entities=entities, **extra)


def tg_report(text: str, message_id: int, offending: dict[str, Any]) -> dict[str, Any]:
    """Alice's ``/report`` in reply to the ``offending`` message."""
    return tg_command(text, p.ALICE, message_id, reply_to_message=offending)


def olga_presses(slack: FakeSlack, value: str) -> dict[str, Any]:
    """Olga's press of the case button ``value`` in the managers' Slack channel."""
    return f.block_actions(value, OLGA, response_url=slack.response_url, channel="C0MGR")


def olga_types(slack: FakeSlack, command: str, text: str) -> bytes:
    """The body of Olga's slash ``command`` with ``text`` in the managers' Slack channel."""
    return f.command_body(command, text, OLGA, response_url=slack.response_url, channel="C0MGR")


def plain(markdown: str) -> str:
    """Discord content without markdown escapes and emphasis."""
    return markdown.replace("\\", "").replace("**", "")


def cards(fake: FakeDiscord, channel: int | str) -> list[dict[str, Any]]:
    """The Discord messages in ``channel`` that have buttons: the case cards."""
    return [m for m in fake.messages_in(channel) if m["components"]]


def showing(fake: FakeDiscord, channel: int | str, text: str) -> list[dict[str, Any]]:
    """The Discord messages in ``channel`` whose plain content contains ``text``."""
    return [m for m in fake.messages_in(channel) if text in plain(m["content"])]


async def shown(fake: FakeDiscord, channel: int | str, text: str) -> None:
    """Wait until a Discord message in ``channel`` shows ``text``."""
    await fake.wait_for(lambda: showing(fake, channel, text), timeout=15)


def marked_button(card: dict[str, Any], data: str) -> str:
    """The custom_id of the Discord case card's button for ``data``, marked as asking."""
    custom_ids = [b["custom_id"] for row in card["components"] for b in row["components"]]
    (found,) = [c for c in custom_ids if c.endswith(data)]
    assert found != data, "a press that opens a form is marked"
    return found


def resolve_button(card: dict[str, Any]) -> tuple[str, list[str]]:
    """The custom_id of a Discord case card's Resolve button, and all of the card's."""
    custom_ids = [b["custom_id"] for row in card["components"] for b in row["components"]]
    (resolve,) = [c for c in custom_ids if c.endswith("case:1:resolve")]
    return resolve, custom_ids


def member(fake: FakeDiscord, world: World, name: str) -> int:
    """A new member of the Discord guild called ``name``; their user id."""
    added = fake.add_member(world.guild, name.lower(), global_name=name)
    return int(added["user"]["id"])


async def discord_report(fake: FakeDiscord, world: World, user_id: int, target: Any) -> Any:
    """``user_id`` reports ``target`` in #general with the "Report to managers" menu."""
    return await fake.message_command(world.guild, "general", user_id, "Report to managers", target)


async def test_telegram_report_lands_in_slack_through_both_fakes(
    api: FakeBotApi, backend: str, slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    bots = telegram_bot(api, backend), slack_bot(slack, port)
    async with running(sqlite_url, *bots, defaults=inbox("sl:C0MGR")):
        offending = p.message("<b>nobody</b> likes you", user=p.EVE, message_id=10)["message"]
        await api.push(tg_report("/report spamming", 11, offending))

        (card,) = await slack.wait_for("chat.postMessage")
        assert card["channel"] == "C0MGR"
        shown = f.message_text(card)
        assert "Case #1" in shown and "<b>nobody</b> likes you" in shown
        links = [e["url"] for e in f.elements(card) if e["type"] == "link"]
        assert links == ["https://t.me/c/1234567890/10"]
        assert f.pings(card) == {"users": [], "broadcast": []}
        assert slack_button_values(card) == [
            "case:1:claim",
            "case:1:resolve",
            "case:1:warn",
            "case:1:mute",
        ]

        (deleted,) = await api.wait_for("deleteMessage")
        assert deleted["message_id"] in (11, "11")
        (private,) = await api.wait_for("sendMessage")
        assert int(private["chat_id"]) == p.ALICE["id"], "the reporter hears back privately"
        assert "case #1" in private["text"]

        # Olga (workspace owner) claims in the Slack channel with the button
        assert await slack_interaction(port, olga_presses(slack, "case:1:claim")) == 200
        (toast,) = await slack.wait_for("response_url")
        assert f.message_text(toast) == "You claimed case #1."
        (edit,) = await slack.wait_for("chat.update")
        assert edit["channel"] == "C0MGR" and "Claimed by Olga" in f.message_text(edit)

        # Resolve asks for the note in a modal; if Slack no longer honours the press's
        # trigger_id (3 s passed), the manager reads the command to type, privately
        press = olga_presses(slack, "case:1:resolve")
        press["trigger_id"] = f"trigger.{time.time_ns() - 4_000_000_000}"
        assert await slack_interaction(port, press) == 200
        toasts = await slack.wait_for("response_url", 2)
        assert toasts[-1]["response_type"] == "ephemeral"
        needs_note = "Resolving needs a note: send /case 1 resolve <note>"
        assert f.message_text(toasts[-1]) in (needs_note, f.slack_escape(needs_note))
        assert not slack.views, "Slack refused the expired trigger"
        assert len(slack.called("chat.update")) == 1, "the case is still claimed, not resolved"

        press = olga_presses(slack, "case:1:resolve")
        assert await slack_interaction(port, press) == 200
        expired, opened = await slack.wait_for("views.open", 2)
        assert opened["trigger_id"] == press["trigger_id"] != expired["trigger_id"]
        (view,) = slack.views
        assert view["type"] == "modal" and view["title"]["text"] == "Resolve case #1"
        assert view["submit"]["text"] == "Resolve"
        (block,) = view["blocks"]
        assert block["type"] == "input" and block["label"]["text"] == "Resolution note"
        element = block["element"]
        assert element["type"] == "plain_text_input" and element["multiline"] is True
        assert (element["min_length"], element["max_length"]) == (3, 500)
        assert len(slack.called("response_url")) == 2, "no hint when the form opened"

        # she submits her note in the modal: the case is resolved, she alone is told
        submission = f.view_submission(view, OLGA, "talked to Eve")
        assert await slack_interaction(port, submission) == 200
        edits = await slack.wait_for("chat.update", 2)
        assert "Resolved by Olga: talked to Eve" in f.message_text(edits[-1])
        assert {"type": "text", "text": "Olga", "style": {"bold": True}} in f.elements(edits[-1])
        (confirmation,) = await slack.wait_for("chat.postEphemeral")
        assert confirmation["channel"] == "C0MGR" and confirmation["user"] == OLGA
        assert f.message_text(confirmation) == "Case #1 resolved."
        messages = await api.wait_for("sendMessage", 2)
        assert int(messages[-1]["chat_id"]) == p.ALICE["id"]
        assert messages[-1]["text"].startswith("Managers reviewed the message you reported")
        # nothing was ever posted in the Telegram group
        assert all(int(m["chat_id"]) > 0 for m in api.called("sendMessage"))


async def test_discord_context_menu_report_and_moderator_buttons(
    fake: FakeDiscord, world: World, managers: str, sqlite_url: str
) -> None:
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url, defaults=inbox(f"dc:{managers}")):
        target = await fake.post(guild, "general", world.alice_id, "rude words @everyone")
        menu = await discord_report(fake, world, member(fake, world, "Rita"), target)
        answer = await discord_private_answer(fake, menu)
        assert "the managers have your report (case #1)" in plain(answer)
        assert menu.original is not None and menu.original["flags"] & 64, "ephemeral"
        assert not showing(fake, world.general_id, "case #1")
        card = (await fake.wait_for(lambda: cards(fake, managers), timeout=15))[0]
        assert "Case #1" in plain(card["content"]) and card["pings"]["everyone"] is False
        link = f"discord.com/channels/{guild.id}/{world.general_id}/{target['id']}"
        assert link in card["content"]
        assert not showing(fake, world.general_id, "Case #1")

        # a second report of the same message joins case #1: its message is edited, no new one
        again = await discord_report(fake, world, member(fake, world, "Sam"), target)
        assert "case #1" in plain(await discord_private_answer(fake, again))
        await shown(fake, managers, "Reported by 2 members: Rita, Sam")
        assert len(cards(fake, managers)) == 1

        press = await fake.press(guild, card, world.mod_id, "case:1:claim")
        toast = await discord_followup(fake, press)
        assert plain(toast["content"]) == "You claimed case #1."
        assert toast.get("flags", 0) & 64, "the toast is ephemeral"
        await shown(fake, managers, "Claimed by Mo")
        mute = await fake.press(guild, card, world.mod_id, marked_button(card, "case:1:mute"))
        await fake.wait_for(lambda: mute.acked_type, timeout=15)
        await fake.submit_modal(guild, mute, "1h")
        timeouts = await fake.wait_request(
            "PATCH", rf"/guilds/{guild.id}/members/{world.alice_id}", timeout=15
        )
        assert timeouts[0].json.get("communication_disabled_until")
        await shown(fake, world.general_id, "is muted for 1h. Reason: case #1")


async def test_slack_shortcut_report_is_private_and_mute_degrades_visibly(
    slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    async with running(sqlite_url, slack_bot(slack, port), defaults=inbox("sl:C0MGR")):
        shortcut = {
            "type": "message_action",
            "callback_id": "report_to_managers",
            "trigger_id": "trigger.report",
            "team": {"id": f.TEAM},
            "user": {"id": SLACK_ALICE, "team_id": f.TEAM},
            "channel": {"id": "C0GENERAL"},
            "message": {
                "type": "message",
                "user": SLACK_EVE,
                "ts": "1700000009.000100",
                "text": "rude",
            },
            "response_url": slack.response_url,
        }
        assert await slack_interaction(port, shortcut) == 200
        (card,) = await slack.wait_for("chat.postMessage")
        assert card["channel"] == "C0MGR" and "Case #1" in f.message_text(card)
        # the link to the reported message, built from the workspace address auth.test gave
        links = [e["url"] for e in f.elements(card) if e["type"] == "link"]
        assert links == ["https://town.example/archives/C0GENERAL/p1700000009000100"]
        (private,) = await slack.wait_for("response_url")
        assert private["response_type"] == "ephemeral" and "case #1" in f.message_text(private)
        assert not [m for m in slack.called("chat.postMessage") if m["channel"] == "C0GENERAL"]

        assert await slack_interaction(port, olga_presses(slack, "case:1:mute")) == 200
        await slack.wait_for("views.open")
        (view,) = slack.views
        assert await slack_interaction(port, f.view_submission(view, OLGA, "1h")) == 200
        posts = await slack.wait_for("chat.postMessage", 3)
        general = [f.message_text(m) for m in posts if m["channel"] == "C0GENERAL"]
        assert general[0].startswith("Mute requested for")
        assert "does not let me mute members" in general[1]
        assert json.dumps(posts).count("C0GENERAL") >= 2


async def test_telegram_reporter_who_never_started_the_bot_stays_anonymous(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    """Telegram refuses the private confirmation (403): the group gets a neutral note that
    names nobody and says nothing about a report, and the case reaches the inbox."""
    api.unreachable_users.add(p.ALICE["id"])
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    bot = telegram_bot(api, backend)
    async with running(sqlite_url, bot, defaults=inbox("tg:-1005550001")):
        offending = p.message("nobody likes you", user=p.EVE, message_id=10)["message"]
        await api.push(tg_report("/report spamming", 11, offending))
        (deleted,) = await api.wait_for("deleteMessage")
        assert int(deleted["message_id"]) == 11
        sent = await api.wait_for("sendMessage", 3)
        by_chat = {int(m["chat_id"]): m for m in sent}
        assert "Case #1" in by_chat[-1005550001]["text"]
        assert "case #1" in by_chat[p.ALICE["id"]]["text"]  # tried privately first: refused
        note = by_chat[p.GROUP["id"]]
        assert note["text"].startswith("I could not answer someone here privately.")
        for revealing in (p.ALICE["first_name"], str(p.ALICE["id"]), "report", "spamming"):
            assert revealing.lower() not in note["text"].lower()
        assert not note.get("entities") and "reply_parameters" not in note
        assert "reply_markup" not in note
        assert len(api.called("sendMessage")) == 3

        # a manager presses Resolve: Telegram shows an alert saying how to add the note
        managers_chat = {"id": -1005550001, "type": "supergroup", "title": "Managers"}
        api.administrators[-1005550001] = [p.owner(p.ADMIN)]
        await api.push(p.callback("case:1:resolve", user=p.ADMIN, chat=managers_chat))
        (alert,) = await api.wait_for("answerCallbackQuery")
        assert alert["text"] == "Resolving needs a note: send /case 1 resolve <note>"
        assert alert["show_alert"] in (True, "true")
        assert not api.called("editMessageText"), "nothing resolved without a note"


async def test_managers_link_code_moves_a_telegram_groups_inbox_to_slack(
    api: FakeBotApi, backend: str, slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    """/managers link in the Telegram group sends a one-time code privately; /managers here
    CODE in a Slack channel makes it the inbox, once; the group's next report lands there."""
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    async with running(sqlite_url, telegram_bot(api, backend), slack_bot(slack, port)):
        await api.push(tg_command("/managers link", p.ADMIN, 20))
        sent = await api.wait_for("sendMessage", 2)
        (private,) = [m for m in sent if int(m["chat_id"]) == p.ADMIN["id"]]
        (public,) = [m for m in sent if int(m["chat_id"]) == p.GROUP["id"]]
        found = re.search(r"/managers here ([A-Z0-9]{8})", private["text"])
        assert found is not None
        value = found.group(1)
        assert value not in public["text"] and "one-time code privately" in public["text"]

        here = f"here {value}"
        assert await slack_post(slack_events_url(port), olga_types(slack, "/managers", here)) == 200
        (answer,) = await slack.wait_for("response_url")
        assert answer["response_type"] == "ephemeral"
        assert f.message_text(answer) == "This chat is now the managers' inbox of Town Square."
        notices = await api.wait_for("sendMessage", 3)
        assert int(notices[-1]["chat_id"]) == p.GROUP["id"]
        assert notices[-1]["text"].startswith("<b>Olga</b> linked a managers' inbox for this")

        # the code works once (a new command, not Slack retrying the first)
        assert await slack_post(slack_events_url(port), olga_types(slack, "/managers", here)) == 200
        answers = await slack.wait_for("response_url", 2)
        assert f.message_text(answers[-1]).startswith("This code is unknown, used or expired.")

        offending = p.message("nobody likes you", user=p.EVE, message_id=30)["message"]
        await api.push(tg_report("/report", 31, offending))
        (card,) = await slack.wait_for("chat.postMessage")
        assert card["channel"] == "C0MGR" and "Case #1" in f.message_text(card)


async def test_discord_resolve_button_asks_for_the_note_in_a_modal(
    fake: FakeDiscord, world: World, managers: str, sqlite_url: str
) -> None:
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url, defaults=inbox(f"dc:{managers}")):
        target = await fake.post(guild, "general", world.alice_id, "spam http://bad.example")
        rita = member(fake, world, "Rita")
        await discord_report(fake, world, rita, target)
        (card,) = await fake.wait_for(lambda: cards(fake, managers), timeout=15)
        resolve, custom_ids = resolve_button(card)
        assert resolve != "case:1:resolve", "the press that opens a form is marked"
        assert "case:1:claim" in custom_ids, "other buttons keep their data as custom_id"

        def callbacks(interaction: Any) -> list[Any]:
            return fake.find_requests(
                "POST", rf"/interactions/{interaction.payload['id']}/[^/]+/callback"
            )

        # a member pressing Resolve is refused privately, and no modal opens
        refused = await fake.press(guild, card, rita, resolve)
        await fake.wait_for(lambda: refused.acked_type, timeout=15)
        assert refused.acked_type == 4 and refused.modal is None
        assert refused.original is not None and refused.original["flags"] & 64
        assert plain(refused.original["content"]) == "Only managers can handle cases."

        # a manager's press is answered with the modal, as its first and only response
        opened = await fake.press(guild, card, world.mod_id, resolve)
        await fake.wait_for(lambda: opened.acked_type, timeout=15)
        assert opened.acked_type == 9, "a modal, not a deferral"
        assert len(callbacks(opened)) == 1
        modal = opened.modal
        assert modal is not None
        assert modal["title"] == "Resolve case #1" and modal["custom_id"] == "case:1:resolve"
        (label,) = modal["components"]
        assert label["type"] == 18 and label["label"] == "Resolution note"
        field = label["component"]
        assert field["style"] == 2 and (field["min_length"], field["max_length"]) == (3, 500)
        assert not showing(fake, managers, "Resolved")

        # a submission by a member (crafted: only Mo saw the modal) is refused
        crafted = await fake.submit_modal(guild, opened, "nothing happened", user_id=rita)
        toast = await discord_followup(fake, crafted)
        assert plain(toast["content"]) == "Only managers can handle cases."
        assert toast.get("flags", 0) & 64
        assert crafted.acked_type == 6, "acknowledged without a visible message"

        # Mo's note resolves the case: ephemeral confirmation, card edited, audit entry
        submitted = await fake.submit_modal(guild, opened, "spam link removed")
        toast = await discord_followup(fake, submitted)
        assert plain(toast["content"]) == "Case #1 resolved."
        assert toast.get("flags", 0) & 64, "the confirmation is ephemeral"
        await shown(fake, managers, "Resolved by Mo: spam link removed")
        history = await fake.slash(guild, "managers", world.mod_id, "case", id="1")
        assert "Mo resolved: spam link removed" in plain(
            await discord_private_answer(fake, history)
        )


async def test_discord_mute_button_asks_for_the_duration_in_a_modal(
    fake: FakeDiscord, world: World, managers: str, sqlite_url: str
) -> None:
    """Mute opens a modal for ``<duration> [reason]``; "30m flooding" times the member
    out for 30 minutes, announced with the reason."""
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url, defaults=inbox(f"dc:{managers}")):
        target = await fake.post(guild, "general", world.alice_id, "flood flood flood")
        await discord_report(fake, world, member(fake, world, "Rita"), target)
        (card,) = await fake.wait_for(lambda: cards(fake, managers), timeout=15)
        opened = await fake.press(guild, card, world.mod_id, marked_button(card, "case:1:mute"))
        await fake.wait_for(lambda: opened.acked_type, timeout=15)
        assert opened.acked_type == 9, "a modal, not a deferral"
        modal = opened.modal
        assert modal is not None
        assert modal["title"] == "Mute Alice" and modal["custom_id"] == "case:1:mute"
        (label,) = modal["components"]
        assert label["label"] == "Duration and reason, e.g. 2h spam"
        assert label["component"]["min_length"] == 2
        assert not fake.find_requests("PATCH", rf"/guilds/{guild.id}/members/{world.alice_id}")

        before = datetime.now(UTC)
        submitted = await fake.submit_modal(guild, opened, "30m flooding")
        (timeout,) = await fake.wait_request(
            "PATCH", rf"/guilds/{guild.id}/members/{world.alice_id}", timeout=15
        )
        until = datetime.fromisoformat(timeout.json["communication_disabled_until"])
        after = datetime.now(UTC)
        assert before + timedelta(minutes=30) - timedelta(seconds=5) <= until
        assert until <= after + timedelta(minutes=30) + timedelta(seconds=5)
        await shown(fake, world.general_id, "is muted for 30m. Reason: flooding")
        toast = await discord_followup(fake, submitted)
        assert toast.get("flags", 0) & 64, "the manager alone is told"
        await shown(fake, managers, "Claimed by Mo")


async def test_discord_form_that_comes_too_late_becomes_the_typed_hint(
    fake: FakeDiscord, world: World, managers: str, sqlite_url: str
) -> None:
    """When the core answers after the adapter's wait, the press has been deferred and a
    modal is no longer possible: the manager reads the command to type, privately."""
    guild = world.guild
    async with discord_runtime(
        fake, guild, sqlite_url, defaults=inbox(f"dc:{managers}")
    ) as runtime:
        adapter = runtime.adapters["dc"]
        assert isinstance(adapter, DiscordAdapter)
        adapter.answer_window = 0.0  # the core is always too slow now
        target = await fake.post(guild, "general", world.alice_id, "spam")
        await discord_report(fake, world, member(fake, world, "Rita"), target)
        (card,) = await fake.wait_for(lambda: cards(fake, managers), timeout=15)
        resolve, _ = resolve_button(card)
        press = await fake.press(guild, card, world.mod_id, resolve)
        hint = await discord_followup(fake, press)
        assert press.acked_type == 6 and press.modal is None
        assert plain(hint["content"]) == "Resolving needs a note: send /case 1 resolve <note>"
        assert hint.get("flags", 0) & 64


async def test_without_an_inbox_a_manager_telegram_will_not_message_is_called_in_the_group(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    """No managers' inbox, and the one manager seen never started the bot: instead of the
    case reaching nobody, the group gets a note calling that manager, with nothing of the
    case in it, and later changes to the case never edit that note."""
    api.unreachable_users.add(p.ADMIN["id"])
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    async with running(sqlite_url, telegram_bot(api, backend)):
        await api.push(p.message("good morning", user=p.ADMIN, message_id=5))  # seen acting
        offending = p.message("nobody likes you", user=p.EVE, message_id=10)["message"]
        await api.push(tg_report("/report spamming", 11, offending))
        sent = await api.wait_for("sendMessage", 3)
        by_chat: dict[int, list[str]] = {}
        for message in sent:
            by_chat.setdefault(int(message["chat_id"]), []).append(message["text"])
        assert "Case #1" in by_chat[p.ADMIN["id"]][0]  # tried privately first: refused
        assert "case #1" in by_chat[p.ALICE["id"]][0]  # the reporter hears back privately
        (note,) = by_chat[p.GROUP["id"]]
        assert note.startswith(f'<a href="tg://user?id={p.ADMIN["id"]}">')
        assert "there is a new case for the managers" in note and "/managers here" in note
        for revealing in (p.ALICE["first_name"], p.EVE["first_name"], "spamming", "nobody"):
            assert revealing.lower() not in note.lower()

        await api.push(tg_command("/case 1 claim", p.ADMIN, 12))
        answers = await api.wait_for("sendMessage", 4)
        assert answers[3]["text"] == "You claimed case #1."
        assert not api.called("editMessageText"), "the note never becomes the case card"
