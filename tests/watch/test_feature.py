"""Watch words through the pipeline on SQLite and PostgreSQL: ``/watch`` for managers only,
a space's one list, one digest message per hour edited in place, spikes alerted once,
the same message counted once, ids of another community unknown."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.harness import console_runtime, play
from tests.people.support import Clock
from tests.support import MemoryAdapter, command, manager, member, said
from townsquare.bots.runtime import Runtime, default_features
from townsquare.core.actions import EditMessage, SendMessage
from townsquare.core.refs import ChannelRef, CommunityRef, MessageRef
from townsquare.core.watch.rules import digest_key, hour_of
from townsquare.storage.models import CommunitySetting
from townsquare.storage.watch_models import WatchMentionRow

START = datetime(2026, 12, 4, 10, 5, tzinfo=UTC)
SPACE = {"name": "town", "communities": ["mem:c1", "two:c2"]}
OTHER = CommunityRef("memory", "c3", title="Elsewhere")
mentions = WatchMentionRow.__table__


def sends(adapter: MemoryAdapter) -> list[SendMessage]:
    return [a for a in adapter.performed if isinstance(a, SendMessage)]


def digests(adapter: MemoryAdapter) -> list[SendMessage | EditMessage]:
    return [
        a
        for a in adapter.performed
        if isinstance(a, SendMessage | EditMessage) and (a.key or "").startswith("watch:")
    ]


def alerts(adapter: MemoryAdapter) -> list[SendMessage]:
    return [a for a in sends(adapter) if a.text.plain().startswith("⚠ Spike")]


def text_in(clock: Clock, text: str, bot: str = "mem", community: str = "c1", who: str = "Bob"):  # type: ignore[no-untyped-def]
    event = said(text, member(who))
    channel = ChannelRef("general")
    return replace(
        event,
        bot=bot,
        occurred_at=clock.now,
        community=CommunityRef("memory", community),
        message=MessageRef(channel, event.event_id),
    )


async def digest_round(runtime: Runtime, clock: Clock) -> None:
    """The digest job fires; then time moves on a little, as it does between batches (a
    job scheduled again at the very instant of its last version is that version)."""
    await runtime.scheduler.run_once()
    assert await runtime.worker.drain(timeout=10)
    clock.advance(timedelta(seconds=1))


async def test_mentions_in_a_space_reach_one_digest_an_hour(database_url: str) -> None:
    clock = Clock(START)
    mem, two = MemoryAdapter("mem"), MemoryAdapter("two")
    async with console_runtime(
        database_url,
        {"mem": mem, "two": two},
        clock=clock,
        defaults={"escalate_to": "mem:mods"},
        spaces=[SPACE],
    ) as runtime:
        await runtime.scheduler.stop()  # the test fires the jobs (digest_round)
        await play(runtime, command("watch", "add", "refund", who=member("Mallory")))
        assert mem.texts()[-1] == "Sorry, only managers can use /watch add."
        await play(runtime, command("watch", "add", "Refund", who=manager()))
        assert mem.texts()[-1].startswith("Watching #1 “Refund”: its mentions reach")
        await play(runtime, command("watch", "add", "refunds!", who=manager()))
        assert mem.texts()[-1] == "Already watching #1 “Refund”."
        await play(runtime, command("watch", "add", "app crashes", who=manager()))
        assert mem.texts()[-1].startswith("Watching #2 “app crashes”")

        # Two communities of the space, one list: both mentions, one digest message.
        await play(
            runtime,
            text_in(clock, "Where is my REFUND? <@everyone>"),
            text_in(clock, "refunds take ages", bot="two", community="c2", who="Carol"),
            text_in(clock, "good morning everyone"),
        )
        await digest_round(runtime, clock)
        (first,) = digests(mem)
        assert isinstance(first, SendMessage) and first.channel.id == "mods"
        assert first.key == digest_key("s:town", hour_of(START))
        shown = first.text.plain()
        assert "Watch words, 2026-12-04 10:00–11:00 UTC" in shown
        assert "“Refund” ×2" in shown
        assert "Bob on Memory: Where is my REFUND? ‹＠everyone›" in shown
        assert "Carol on Memory: refunds take ages" in shown
        assert not digests(two)

        # A later mention in the hour edits the same message.
        await play(runtime, text_in(clock, "the app crashed on login", bot="two", community="c2"))
        await digest_round(runtime, clock)
        edit = digests(mem)[-1]
        assert isinstance(edit, EditMessage) and edit.key == first.key
        assert "“Refund” ×2 · “app crashes” ×1" in edit.text.plain()
        assert len([d for d in digests(mem) if isinstance(d, SendMessage)]) == 1

        # The next hour has a digest of its own.
        clock.advance(timedelta(hours=1))
        await play(runtime, text_in(clock, "refund?"))
        await digest_round(runtime, clock)
        sent = [d for d in digests(mem) if isinstance(d, SendMessage)]
        assert len(sent) == 2 and sent[1].key != first.key
        assert "11:00–12:00 UTC" in sent[1].text.plain()

        # /watch list is the space's, from either community; remove by phrase or id.
        await play(
            runtime,
            replace(
                command("watch", "list", who=manager()),
                bot="two",
                community=CommunityRef("memory", "c2"),
            ),
        )
        assert two.texts()[-1] == "2 watched words and phrases:\n#1 “Refund”\n#2 “app crashes”"
        await play(runtime, command("watch", "remove", "REFUND", who=manager()))
        assert mem.texts()[-1] == "No longer watching #1 “Refund”."
        await play(runtime, command("watch", "remove", "1", who=manager()))
        assert mem.texts()[-1].startswith("I am not watching “1”")
        before = len(mem.performed)
        await play(runtime, text_in(clock, "refund refund"))
        await digest_round(runtime, clock)
        assert len(mem.performed) == before

        # Another community (not in the space) cannot name the space's phrases.
        elsewhere = replace(command("watch", "remove", "2", who=manager()), community=OTHER)
        await play(runtime, elsewhere)
        assert mem.texts()[-1].startswith("I am not watching “2”")
        await play(runtime, replace(command("watch", "list", who=manager()), community=OTHER))
        assert mem.texts()[-1].startswith("No watched words yet.")


async def test_a_spike_is_alerted_once_and_a_message_counts_once(database_url: str) -> None:
    clock = Clock(START)
    mem = MemoryAdapter("mem")
    async with console_runtime(
        database_url, {"mem": mem}, clock=clock, defaults={"escalate_to": "mem:mods"}
    ) as runtime:
        await runtime.scheduler.stop()
        await play(runtime, command("watch", "add", "outage", who=manager()))
        # The same message delivered twice (two event ids) is one mention.
        once = text_in(clock, "is there an outage?")
        await play(runtime, once, replace(once, event_id=once.event_id + "-again"))
        twice = text_in(clock, "an outage, delivered twice in one batch")
        await runtime.pipeline.process([twice, replace(twice, event_id=twice.event_id + "-b")])
        async with runtime.engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(mentions)) == 2
        for n in range(2):
            await play(runtime, text_in(clock, f"outage here too ({n})"))
        await digest_round(runtime, clock)
        assert alerts(mem) == []  # four mentions: not yet
        await play(runtime, text_in(clock, "total outage"))
        await digest_round(runtime, clock)
        (alert,) = alerts(mem)
        assert alert.channel.id == "mods"
        assert alert.text.plain().startswith(
            "⚠ Spike: “outage” mentioned 5 times this hour (not mentioned in the last 7 days)"
        )
        assert "Bob on Memory: total outage" in alert.text.plain()
        await play(runtime, text_in(clock, "outage again"))
        await digest_round(runtime, clock)
        assert len(alerts(mem)) == 1  # once an hour

        # Next hour: 5 mentions against a week that had 6 is a spike again (6/168 an hour).
        assert "“outage” ×6" in digests(mem)[-1].text.plain()
        clock.advance(timedelta(hours=1))
        for n in range(5):
            await play(runtime, text_in(clock, f"outage {n}"))
        await digest_round(runtime, clock)
        assert len(alerts(mem)) == 2
        assert "usually 0.04 an hour over the last 7 days" in alerts(mem)[-1].text.plain()


async def test_settings_do_not_show_the_lists_version(database_url: str) -> None:
    """The list's version is the feature's bookkeeping: ``/settings`` lists it neither
    with watch words on nor, the key still stored, with the feature disabled."""
    clock = Clock(START)
    mem = MemoryAdapter("mem")
    async with console_runtime(database_url, {"mem": mem}, clock=clock) as runtime:
        await play(runtime, command("watch", "add", "refund", who=manager()))
        await play(runtime, command("settings", who=manager()))
        assert "No settings changed from the defaults." in mem.texts()[-1], mem.texts()[-1]
        assert "watch_list_version" not in mem.texts()[-1]
    without = [f for f in default_features() if f.name != "watch"]
    async with console_runtime(
        database_url, {"mem": mem}, clock=clock, features=without
    ) as runtime:
        async with runtime.engine.connect() as connection:
            stored = await connection.scalar(
                select(func.count())
                .select_from(CommunitySetting)
                .where(CommunitySetting.key == "watch_list_version")
            )
        assert stored == 1
        await play(runtime, command("settings", who=manager()))
        assert "No settings changed from the defaults." in mem.texts()[-1], mem.texts()[-1]
