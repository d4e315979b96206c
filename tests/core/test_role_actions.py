"""Role actions (:class:`GiveRole`, :class:`TakeRole`): they survive the outbox, go
through where the platform has roles or user groups, and where it has neither (Telegram)
become the managers' notice or a log line: never an error, never a promotion."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from tests.conftest import migrate
from tests.support import CHANNEL, COMMUNITY, MemoryAdapter, command, enqueue, manager, said
from townsquare.adapters.console.outbound import CAPABILITIES as CONSOLE
from townsquare.adapters.console.outbound import describe
from townsquare.adapters.discord.outbound import CAPABILITIES as DISCORD
from townsquare.adapters.slack.outbound import CAPABILITIES as SLACK
from townsquare.adapters.telegram.outbound import CAPABILITIES as TELEGRAM
from townsquare.adapters.telegram.outbound import plan
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import (
    GiveRole,
    SendMessage,
    TakeRole,
    action_from_payload,
    action_to_payload,
)
from townsquare.core.capabilities import Capability
from townsquare.core.degrade import degrade
from townsquare.core.delivery import DeliveryWorker
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.errors import NotSupported, PermanentDeliveryError
from townsquare.core.events import MessagePosted
from townsquare.core.features import BotInfo, Context, Feature, on
from townsquare.core.i18n import translator
from townsquare.core.inbox import Inbox
from townsquare.core.pipeline import Pipeline
from townsquare.core.refs import ChannelRef
from townsquare.core.refusals import refusal_notice, with_refusal_notice
from townsquare.core.sending import paced_by
from townsquare.core.store import OutboxItem
from townsquare.core.text import Style
from townsquare.storage.database import create_engine
from townsquare.storage.outbox import lane_of
from townsquare.storage.store import SqlStore

EN = translator("en")
MODS = ChannelRef("mods")


def give(**extra: object) -> GiveRole:
    return GiveRole(bot="mem", community=COMMUNITY, user_id="u1", role_id="42", **extra)  # type: ignore[arg-type]


def take(**extra: object) -> TakeRole:
    return TakeRole(bot="mem", community=COMMUNITY, user_id="u1", role_id="42", **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize("action", [give(), take(reason="level 2 lost")])
def test_role_actions_survive_the_outbox_json_round_trip(action: GiveRole | TakeRole) -> None:
    with_notice = with_refusal_notice(action, "Bob", EN, Inbox("inbox", MODS), role="Regular")
    for value in (action, with_notice):
        payload = json.loads(json.dumps(action_to_payload(value)))
        assert payload["kind"] == value.kind
        assert action_from_payload(payload) == value
    assert isinstance(with_notice.on_failure, SendMessage)
    assert isinstance(with_notice.on_give_up, SendMessage)


def test_a_role_has_its_lane_per_community_and_is_not_paced_as_a_message() -> None:
    assert lane_of(give()) == lane_of(take()) == "mem:roles:c1"
    row = OutboxItem(id=1, bot="mem", lane=lane_of(give()), action=give(), attempts=0)
    assert paced_by(row, MemoryAdapter()) is None


@pytest.mark.parametrize("capabilities", [DISCORD, CONSOLE], ids=["discord", "console"])
def test_platforms_with_roles_or_user_groups_get_the_action(
    capabilities: frozenset[Capability],
) -> None:
    for action in (give(), take()):
        assert degrade(action, capabilities) == [action]


def test_slack_has_user_groups_but_not_roles_the_onboarding_gate() -> None:
    assert Capability.USER_GROUPS in SLACK and Capability.ROLES not in SLACK
    assert Capability.ROLES in DISCORD
    assert not {Capability.ROLES, Capability.USER_GROUPS} & TELEGRAM


def test_telegram_sends_the_managers_notice_instead(caplog: pytest.LogCaptureFixture) -> None:
    action = with_refusal_notice(give(), "Bob", EN, Inbox("inbox", MODS), role="Regular")
    with caplog.at_level(logging.INFO):
        (notice,) = degrade(action, TELEGRAM)
    assert isinstance(notice, SendMessage)
    assert (notice.bot, notice.channel) == ("inbox", MODS)
    assert notice.on_failure is None and notice.on_give_up is None  # no notice of a notice
    assert notice.text.plain().startswith("I could not give Bob the role Regular:")
    assert "Telegram has no member roles" in notice.text.plain()
    assert all(record.levelno < logging.WARNING for record in caplog.records)


def test_telegram_without_a_notice_logs_a_line_and_sends_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="townsquare.core.degrade"):
        assert degrade(take(), TELEGRAM) == []
    (record,) = caplog.records
    assert "take_role 42 for u1 skipped" in record.getMessage()
    assert record.exc_info is None


def test_telegram_never_plans_a_promotion() -> None:
    """Should a role reach Telegram's planner undegraded it is refused, not turned into
    promoteChatMember or a custom title."""
    for action in (give(), take()):
        with pytest.raises(NotSupported):
            plan(action)


def test_the_console_prints_what_it_would_do() -> None:
    assert describe(give(reason="level 5"), "con") == ["con › (gave role 42 to u1: level 5)"]
    assert describe(take(), "con") == ["con › (took role 42 from u1)"]
    assert describe(give(reason="\x1b[2Jlevel"), "con") == [
        "con › (gave role 42 to u1: \N{REPLACEMENT CHARACTER}[2Jlevel)"
    ]


def test_the_notice_names_member_and_role_as_plain_text() -> None:
    hostile = "<@&1> @everyone <!channel>"
    notice = refusal_notice(take(), hostile, translator("ru"), Inbox("inbox", MODS), role=hostile)
    assert notice is not None
    assert notice.text.plain().startswith(f"Не удалось снять роль {hostile} с участника {hostile}")
    assert all(span.style is Style.PLAIN for span in notice.text.spans)
    # Without a role name the id stands in; without an inbox there is nowhere to tell.
    named = refusal_notice(give(), "Bob", EN, Inbox("inbox", MODS))
    assert named is not None and "the role 42:" in named.text.plain()
    assert refusal_notice(give(), "Bob", EN) is None


async def test_a_refused_role_tells_the_managers_once(store: SqlStore) -> None:
    adapter, inbox = MemoryAdapter(), MemoryAdapter("inbox")
    adapter.failures = [PermanentDeliveryError("paid_teams_only")]
    await enqueue(store, with_refusal_notice(give(), "Bob", EN, Inbox("inbox", MODS)))
    worker = DeliveryWorker(
        store, {"mem": adapter, "inbox": inbox}, backoff_base=0.001, poll_interval=0.05
    )
    worker.start()
    assert await worker.drain(timeout=10)
    await worker.stop()
    assert adapter.performed == []
    (notice,) = inbox.performed
    assert isinstance(notice, SendMessage) and notice.channel == MODS
    assert notice.text.plain().startswith("I could not give Bob the role 42:")
    statuses = {row["kind"]: row["status"] for row in await store.outbox_status()}
    assert statuses == {"give_role": "failed", "send_message": "sent"}
    assert worker.metrics["delivery.refusal_notices"] == 1


async def test_a_feature_giving_a_role_on_telegram_leaves_a_notice_in_the_outbox(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Through the pipeline, as a feature emits it: the community's language, the
    managers' notice in the outbox, nothing logged as an error."""

    class Rewarder(Feature):
        name = "rewarder"

        @on(MessagePosted)
        async def reward(self, event: MessagePosted, ctx: Context) -> None:
            assert event.community is not None and event.actor is not None
            action = GiveRole(
                bot=ctx.bot.name,
                community=event.community,
                user_id=event.actor.user_id,
                role_id="7",
                reason="level 5",
            )
            ctx.emit(
                with_refusal_notice(
                    action, event.actor.display_name, ctx.tr, Inbox(ctx.bot.name, CHANNEL)
                )
            )

    await migrate(sqlite_url)
    engine = create_engine(sqlite_url)
    store = SqlStore(engine)
    dispatcher = Dispatcher([Rewarder()], bots={"mem": BotInfo("mem", "telegram", TELEGRAM)})
    pipeline = Pipeline(store, dispatcher)
    try:
        async with store.transaction() as tx:
            await tx.set_setting(COMMUNITY, "locale", "it", datetime.now(UTC))
        with caplog.at_level(logging.INFO):
            (notice,) = await pipeline.process([said("hello")])
        rows = await store.outbox_status()
    finally:
        await engine.dispose()
    assert isinstance(notice, SendMessage) and notice.channel == CHANNEL
    assert notice.text.plain().startswith("Non sono riuscito a dare a")
    assert [row["kind"] for row in rows] == ["send_message"]
    assert all(record.levelno < logging.ERROR for record in caplog.records)


LEVELS_ONLY = "role rewards show as levels only"


@pytest.mark.parametrize(
    ("capabilities", "locale", "said"),
    [
        (TELEGRAM, "en", LEVELS_ONLY),
        (TELEGRAM, "it", "i ruoli premio appaiono solo come livelli"),
        (TELEGRAM, "ru", "награды-роли показываются только как уровни"),
        (DISCORD, "en", None),
        (SLACK, "en", None),
        (CONSOLE, "en", None),
    ],
    ids=["telegram", "telegram-it", "telegram-ru", "discord", "slack", "console"],
)
async def test_settings_says_where_role_rewards_are_levels_only(
    sqlite_url: str, capabilities: frozenset[Capability], locale: str, said: str | None
) -> None:
    await migrate(sqlite_url)
    adapter = MemoryAdapter(capabilities=capabilities)
    config = parse_config(
        {"storage": {"url": sqlite_url}, "bots": [{"name": "mem", "platform": "console"}]},
        {},
        "test",
    )
    runtime = Runtime(config, adapters={"mem": adapter}, delivery_options={"poll_interval": 0.05})
    await runtime.start()
    try:
        async with runtime.store.transaction() as tx:
            await tx.set_setting(COMMUNITY, "locale", locale, datetime.now(UTC))
        await runtime.pipeline.submit(command("settings", who=manager("Alice")))
        assert await runtime.worker.drain(timeout=10)
    finally:
        await runtime.stop()
    (answer,) = adapter.texts()
    if said is None:
        assert LEVELS_ONLY not in answer
    else:
        limited = answer.split("\n")
        assert any(line.startswith(said) for line in limited), answer
