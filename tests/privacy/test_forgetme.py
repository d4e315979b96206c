"""``/forgetme`` through the runtime with every built-in feature on: a member linked on
two platforms of a space leaves data in each feature (join, messages, XP and thanks, a
poll vote, an RSVP, a giveaway entry, a report and a warning, a /link code, analytics);
after the confirming press no row of any table names them (their ids, their names,
their person ids), except the documented moderation records, which name the pseudonym;
the vote, the report and the warning still count. Only the member may confirm; the
export writes what is stored about them."""

from __future__ import annotations

import argparse
import io
import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from tests.fakes.bots import config as fake_config
from tests.harness import console_runtime, play
from tests.people.support import Clock
from tests.privacy.scan import naming
from tests.support import MemoryAdapter
from townsquare.bots.privacy_cli import run_privacy
from townsquare.core.events import ButtonPressed, CommandIssued, MemberJoined, MessagePosted
from townsquare.core.forgetme.feature import ForgetButton, account_digest
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole
from townsquare.storage.escalation_models import EscalationReporterRow, EscalationWarningRow
from townsquare.storage.feedback_models import FeedbackIdeaRow, FeedbackVoteRow
from townsquare.storage.people import SqlPeopleStore, SqlPersonDirectory
from townsquare.storage.polls_models import PollVoteRow

START = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SPACE = {"name": "town", "communities": ["tg:g1", "dc:d1"]}
PLACES = {"tg": ("telegram", "g1"), "dc": ("discord", "d1")}
ZELDA_TG = Actor("7770001", "Zelda Forgettable")
ZELDA_DC = Actor("88800020000000001", "ZeldaOnDiscord")
OTHER = Actor("5550003", "Otto Other")
BOSS = Actor("4440004", "Boss Person", platform_role=PlatformRole.ADMIN)
_ids = itertools.count(1)


def env(bot: str, at: datetime, actor: Actor) -> dict[str, Any]:
    platform, community = PLACES[bot]
    return {
        "platform": platform,
        "bot": bot,
        "event_id": f"ev{next(_ids)}",
        "occurred_at": at,
        "community": CommunityRef(platform, community),
        "channel": ChannelRef("general"),
        "actor": actor,
    }


def said(bot: str, at: datetime, who: Actor, text: str, reply: Actor | None = None) -> Any:
    e = env(bot, at, who)
    return MessagePosted(
        **e,
        message=MessageRef(ChannelRef("general"), e["event_id"]),
        text=text,
        reply_to=MessageRef(ChannelRef("general"), "m-other") if reply else None,
        reply_to_author=reply,
    )


def cmd(
    bot: str, at: datetime, who: Actor, name: str, *argv: str, reply: Actor | None = None
) -> Any:
    e = env(bot, at, who)
    return CommandIssued(
        **e,
        name=name,
        argv=argv,
        message=MessageRef(ChannelRef("general"), e["event_id"]),
        reply_to=MessageRef(ChannelRef("general"), "m-zelda") if reply else None,
        reply_to_author=reply,
    )


async def export_of(runtime: Any, member: str) -> dict[str, Any]:
    return await export_of_config(config_of(runtime), member)


def config_of(runtime: Any) -> Any:
    return runtime.config


async def export_of_config(config: Any, member: str) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(config="bots.toml", member=member, output=None)
    assert await run_privacy(args, config, out=out, err=err) == 0, err.getvalue()
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


async def test_export_refuses_operator_mistakes_in_one_line(tmp_path: Any) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'none.db'}"
    config = fake_config(url, {"name": "tg", "platform": "console"})
    for member, wanted in (
        ("12345", "expected PLATFORM:ID"),
        ("icq:12345", "unknown platform 'icq'"),
        ("telegram:12345", "no database at"),
    ):
        out, err = io.StringIO(), io.StringIO()
        args = argparse.Namespace(config="bots.toml", member=member, output=None)
        assert await run_privacy(args, config, out=out, err=err) == 2
        assert wanted in err.getvalue() and err.getvalue().count("\n") == 1, err.getvalue()


def press(bot: str, at: datetime, who: Actor, data: str) -> ButtonPressed:
    e = env(bot, at, who)
    return ButtonPressed(**e, data=data, interaction_id=f"i{e['event_id']}")


async def test_forgetme_leaves_no_row_naming_the_member(database_url: str) -> None:
    clock = Clock(START)
    adapters = {"tg": MemoryAdapter("tg"), "dc": MemoryAdapter("dc")}
    async with console_runtime(database_url, adapters, clock=clock, spaces=[SPACE]) as runtime:
        directory = SqlPersonDirectory()
        async with runtime.store.transaction() as tx:
            keep = await directory.person_of(tx, "telegram", ZELDA_TG.user_id)
            merged = await directory.person_of(tx, "discord", ZELDA_DC.user_id)
            await SqlPeopleStore(tx).merge(keep, merged, START)
        t = START
        steps = [
            MemberJoined(**env("tg", t, ZELDA_TG), member=ZELDA_TG),
            MemberJoined(**env("tg", t, OTHER), member=OTHER),
            said("tg", t + timedelta(minutes=1), ZELDA_TG, "hello everyone, nice town"),
            said("dc", t + timedelta(minutes=2), ZELDA_DC, "hi from discord, lovely place"),
            said("tg", t + timedelta(minutes=3), OTHER, "welcome Zelda"),
            cmd("tg", t + timedelta(minutes=4), BOSS, "poll", "Where?", "Park", "Library"),
            cmd("tg", t + timedelta(minutes=5), ZELDA_TG, "vote", "1", "2"),
            cmd("tg", t + timedelta(minutes=5), OTHER, "vote", "1", "1"),
            cmd("tg", t + timedelta(minutes=6), BOSS, "event", "Meetup", "in 2d", "--space"),
            cmd("tg", t + timedelta(minutes=7), ZELDA_TG, "event", "rsvp", "1", "going"),
            cmd("tg", t + timedelta(minutes=8), BOSS, "giveaway", "Tickets", "--ends", "1d"),
            cmd("tg", t + timedelta(minutes=9), ZELDA_TG, "giveaway", "enter", "1"),
            cmd("tg", t + timedelta(minutes=10), OTHER, "report", "rude", reply=ZELDA_TG),
            cmd("tg", t + timedelta(minutes=11), BOSS, "warn", "be kind", reply=ZELDA_TG),
            cmd("tg", t + timedelta(minutes=12), ZELDA_TG, "thanks", reply=OTHER),
            cmd("dc", t + timedelta(minutes=13), ZELDA_DC, "link"),
            cmd("tg", t + timedelta(minutes=14), BOSS, "watch", "add", "refund"),
            said("tg", t + timedelta(minutes=15), ZELDA_TG, "I want a refund for the tickets"),
            cmd("tg", t + timedelta(minutes=16), ZELDA_TG, "feedback", "Add a night market"),
            cmd("tg", t + timedelta(minutes=16), OTHER, "feedback", "vote", "1"),
            cmd("tg", t + timedelta(minutes=17), OTHER, "feedback", "Longer opening hours"),
            cmd("tg", t + timedelta(minutes=17), ZELDA_TG, "feedback", "vote", "2"),
            cmd("tg", t + timedelta(minutes=18), ZELDA_TG, "ticket", "I lost my badge"),
        ]
        for step in steps:
            clock.now = step.occurred_at
            await play(runtime, step)
        clock.now = t + timedelta(minutes=20)
        await play(runtime, cmd("tg", clock.now, ZELDA_TG, "forgetme"))
        minute = int(clock.now.timestamp() // 60)
        data = ForgetButton(account_digest("telegram", ZELDA_TG.user_id), minute).pack()
        async with runtime.store.engine.connect() as connection:
            before = await naming(
                connection,
                {ZELDA_TG.user_id, ZELDA_DC.user_id},
                {ZELDA_TG.display_name, ZELDA_DC.display_name},
                {keep, merged},
            )
        exported = await export_of(runtime, f"telegram:{ZELDA_TG.user_id}")
        assert exported["accounts"] == [
            f"discord:{ZELDA_DC.user_id}",
            f"telegram:{ZELDA_TG.user_id}",
        ]
        stored = exported["data"]
        assert {"polls", "events", "giveaways", "escalation", "rewards", "people"} <= set(stored)
        assert {"analytics", "onboarding", "core"} <= set(stored)
        (vote,) = stored["polls"]["poll_votes"]
        assert vote["user_id"] == ZELDA_TG.user_id and vote["option"] == 1
        tables = {hit.table for hit in before}
        assert {"poll_votes", "calendar_rsvps", "giveaway_entries", "people_accounts"} <= tables
        assert {"escalation_warnings", "rewards_wallets", "analytics_active", "members"} <= tables
        assert {"feedback_ideas", "feedback_votes", "tickets", "watch_mentions"} <= tables, tables
        async with runtime.store.engine.connect() as connection:
            before_votes = await connection.scalar(
                select(func.count()).select_from(FeedbackVoteRow)
            )
        await play(runtime, press("tg", clock.now, OTHER, data))  # not theirs: nothing
        await play(runtime, press("tg", clock.now, ZELDA_TG, data))
        async with runtime.store.engine.connect() as connection:
            after = await naming(
                connection,
                {ZELDA_TG.user_id, ZELDA_DC.user_id},
                {ZELDA_TG.display_name, ZELDA_DC.display_name},
                {keep, merged},
            )
            votes = await connection.scalar(select(func.count()).select_from(PollVoteRow))
            warnings = (await connection.execute(select(EscalationWarningRow.user_id))).all()
            reports = (await connection.execute(select(EscalationReporterRow.user_id))).all()
            ideas = await connection.scalar(select(func.count()).select_from(FeedbackIdeaRow))
            backed = await connection.scalar(select(func.count()).select_from(FeedbackVoteRow))
    texts = adapters["tg"].texts()
    toasts = [a for a in adapters["tg"].performed if getattr(a, "toast", "")]
    assert any("Only the member who asked" in a.toast for a in toasts), toasts
    assert any("your personal data is erased" in a.toast for a in toasts), (toasts, texts)
    # The one row left is the answer to the confirming press itself (delivered, then
    # pruned with the outbox after 7 days): it names the account it answers.
    assert len(after) == 1, after
    (answer,) = after
    assert answer.table == "outbox" and answer.value["kind"] == "answer_button", after
    assert (await export_of_config(config_of(runtime), f"discord:{ZELDA_DC.user_id}"))["data"] == {}
    assert votes == 2  # Zelda's vote still counts, without her
    assert [row.user_id.startswith("forgotten-") for row in warnings] == [True]
    assert len(reports) == 1
    assert ideas == 2 and backed == before_votes  # her idea and her vote stay, without her
