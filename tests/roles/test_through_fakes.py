"""Role actions through the runtime, the real SDKs and the platforms' fakes: a feature
emits :class:`GiveRole` / :class:`TakeRole` (as role rewards do) and the outbox delivers
them.

* Discord: Add / Remove Guild Member Role with the reason in the audit log; a role above
  the bot's is refused (403) and the managers' inbox is told.
* Slack: the member added to and removed from a user group (``usergroups.users.*``), the
  last one out disables the group; a free workspace (``paid_teams_only``) tells managers.
* Telegram (both backends): no member roles; the managers' notice, no traceback, no
  promotion to administrator, and ``/settings`` says role rewards show as levels only.
* The console prints what it would do.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote

import pytest

from tests.discord.conftest import World
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
from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.slack.conftest import ALICE, OLGA
from townsquare.adapters.console.transport import ConsoleAdapter
from townsquare.core.actions import GiveRole, TakeRole
from townsquare.core.commands import CommandSpec, Invocation, Param
from townsquare.core.features import Context, Feature, command
from townsquare.core.refusals import refusable
from townsquare.core.roles_ref import parse_role_ref

REASON = "level 5 reward"


class RoleTester(Feature):
    """``/roletest give|take <role>``: the caller gets or loses the role, with the notices a
    role reward carries (named "Regulars" for managers)."""

    name = "test-roles"

    @command(
        CommandSpec("roletest", "Give or take a role", params=(Param("change"), Param("role")))
    )
    async def change(self, invocation: Invocation, ctx: Context) -> None:
        actor = ctx.event.actor
        assert actor is not None
        text = str(invocation.args["role"])
        role = parse_role_ref(text, ctx.bot.platform) or text
        kind = GiveRole if invocation.args["change"] == "give" else TakeRole
        action = kind(
            bot=ctx.bot.name,
            community=ctx.community,
            user_id=actor.user_id,
            role_id=role,
            reason=REASON,
        )
        ctx.emit(await refusable(ctx, action, actor.display_name, role="Regulars"))


def features() -> list[Feature]:
    return [RoleTester()]


# -- Discord ---------------------------------------------------------------------------------


async def roletest(fake: FakeDiscord, world: World, change: str, role: str) -> None:
    await fake.slash(world.guild, "general", world.alice_id, "roletest", change=change, role=role)


async def test_discord_gives_and_takes_a_role_with_its_reason(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    fake.add_bot_role(guild)
    regulars = fake.add_role(guild, "Regulars")["id"]
    path = rf"/guilds/{guild.id}/members/{world.alice_id}/roles/{regulars}"
    async with discord_runtime(fake, guild, sqlite_url, features=features()) as runtime:
        await roletest(fake, world, "give", f"<@&{regulars}>")
        (given,) = await fake.wait_request("PUT", path, timeout=15)
        assert given.status == 204
        assert unquote(given.headers["X-Audit-Log-Reason"]) == f"townsquare: {REASON}"
        assert regulars in guild.members[world.alice_id]["roles"]

        await roletest(fake, world, "take", regulars)  # a bare id names it as well
        (taken,) = await fake.wait_request("DELETE", path, timeout=15)
        assert taken.status == 204
        assert regulars not in guild.members[world.alice_id]["roles"]
        assert await runtime.worker.drain(timeout=10)


async def test_discord_refuses_a_role_above_the_bot_and_managers_are_told(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    fake.add_bot_role(guild)
    admins = fake.add_role(guild, "Admins")
    admins["position"] = 200  # above the bot's role
    managers = guild.channel("managers")["id"]
    defaults = {"escalate_to": f"dc:{managers}"}
    async with discord_runtime(
        fake, guild, sqlite_url, defaults=defaults, features=features()
    ) as runtime:
        await roletest(fake, world, "give", f"<@&{admins['id']}>")
        path = rf"/guilds/{guild.id}/members/{world.alice_id}/roles/{admins['id']}"
        (refused,) = await fake.wait_request("PUT", path, timeout=15)
        assert refused.status == 403
        (notice,) = await fake.wait_for(
            lambda: discord_posts(fake, managers, "I could not give"), timeout=15
        )
        assert notice["content"].startswith("I could not give ")
        assert "the role Regulars" in notice["content"]
        assert not notice["pings"]["users"] and not notice["pings"]["roles"]
        assert await runtime.worker.drain(timeout=10)
        assert len(fake.find_requests("PUT", path)) == 1, "a refusal is not retried"
    assert admins["id"] not in guild.members[world.alice_id]["roles"]


# -- Slack -----------------------------------------------------------------------------------


async def slack_roletest(port: int, slack: FakeSlack, user: str, change: str, role: str) -> None:
    body = f.command_body("/roletest", f"{change} {role}", user, response_url=slack.response_url)
    assert await slack_post(slack_events_url(port), body) == 200


async def test_slack_adds_and_removes_the_member_in_a_user_group(
    slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    group = slack.add_group("regulars", users=(OLGA,))
    async with running(sqlite_url, slack_bot(slack, port), features=features()) as runtime:
        await slack_roletest(port, slack, ALICE, "give", group.id)
        (update,) = await slack.wait_for("usergroups.users.update")
        assert update["usergroup"] == group.id
        assert group.users == [OLGA, ALICE]

        await slack_roletest(port, slack, ALICE, "give", group.id)  # already in: no write
        await slack.wait_for("usergroups.users.list", 2)
        assert await runtime.worker.drain(timeout=10)
        assert len(slack.called("usergroups.users.update")) == 1

        await slack_roletest(port, slack, ALICE, "take", group.id)
        await slack.wait_for("usergroups.users.update", 2)
        assert group.users == [OLGA] and not group.disabled

        await slack_roletest(port, slack, OLGA, "take", group.id)  # the last member
        await slack.wait_for("usergroups.disable")
        assert group.disabled

        await slack_roletest(port, slack, ALICE, "give", group.id)
        await slack.wait_for("usergroups.users.update", 3)
        assert not group.disabled and group.users == [ALICE]
        assert slack.called("usergroups.enable")
        assert await runtime.worker.drain(timeout=10)


@pytest.mark.parametrize(
    ("refusal", "reason"),
    [("paid_teams_only", "paid Slack plan"), ("missing_scope", "needs usergroups:write")],
)
async def test_a_workspace_refusing_user_groups_tells_the_managers(
    slack: FakeSlack, port: int, sqlite_url: str, refusal: str, reason: str
) -> None:
    group = slack.add_group("regulars", users=(OLGA,))
    if refusal == "paid_teams_only":
        slack.paid = False
    else:
        slack.scopes = frozenset({"chat:write", "commands", "usergroups:read"})
    defaults = {"escalate_to": "sl:C0MODS"}
    bot = slack_bot(slack, port)
    async with running(sqlite_url, bot, defaults=defaults, features=features()) as runtime:
        await slack_roletest(port, slack, ALICE, "give", group.id)
        (notice,) = await slack.wait_for(
            "chat.postMessage", where=lambda params: params["channel"] == "C0MODS"
        )
        text = f.message_text(notice)
        assert text.startswith("I could not give ")
        assert "the role Regulars" in text and "paid plan" in text
        assert await runtime.worker.drain(timeout=10)
        (failed,) = [
            row for row in await runtime.store.outbox_status() if row["kind"] == "give_role"
        ]
        assert failed["status"] == "failed" and reason in failed["last_error"]
    assert group.users == [OLGA]


# -- Telegram --------------------------------------------------------------------------------


def _promotions(api: FakeBotApi) -> list[Any]:
    return [
        call
        for method in ("promoteChatMember", "setChatAdministratorCustomTitle")
        for call in api.called(method)
    ]


async def test_telegram_has_no_member_roles_and_tells_the_managers(
    api: FakeBotApi, backend: str, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    managers = -1009999
    defaults = {"escalate_to": f"tg:{managers}"}
    bot = telegram_bot(api, backend)
    with caplog.at_level(logging.INFO):
        async with running(sqlite_url, bot, defaults=defaults, features=features()) as runtime:
            await api.push(p.command("/roletest give 123456789012345678"))
            await api.wait_for("sendMessage")
            await api.push(p.command("/roletest take 123456789012345678"))
            await api.wait_for("sendMessage", 2)
            sent = api.called("sendMessage")
            assert [str(message["chat_id"]) for message in sent] == [str(managers)] * 2
            give, take = (message["text"] for message in sent)
            assert give.startswith("I could not give ")
            assert "Telegram has no member roles" in give
            assert take.startswith("I could not take the role Regulars from ")

            await api.push(p.command("/settings", user=p.ADMIN))
            *_notices, settings = await api.wait_for("sendMessage", 3)
            assert str(settings["chat_id"]) == str(p.GROUP["id"])
            assert "role rewards show as levels only" in settings["text"]
            assert await runtime.worker.drain(timeout=10)
            kinds = {row["kind"] for row in await runtime.store.outbox_status()}
    assert "give_role" not in kinds and "take_role" not in kinds, "degraded before the outbox"
    assert _promotions(api) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# -- console ---------------------------------------------------------------------------------


async def test_the_console_prints_the_role_it_would_give_and_take(sqlite_url: str) -> None:
    console = {"name": "con", "platform": "console"}
    async with running(sqlite_url, console, features=features()) as runtime:
        adapter = runtime.adapters["con"]
        assert isinstance(adapter, ConsoleAdapter)
        adapter.output = lambda line: None
        give = adapter.mapper.say("Bob", "/roletest give regulars")
        assert give.actor is not None
        await adapter.feed(give)
        await adapter.feed(adapter.mapper.say("Bob", "/roletest take regulars"))
        assert await runtime.worker.drain(timeout=10)
        lines = [line for line in adapter.transcript if "role regulars" in line]
    bob = give.actor.user_id
    assert lines == [
        f"con › (gave role regulars to {bob}: {REASON})",
        f"con › (took role regulars from {bob}: {REASON})",
    ]
