"""Warnings follow the person: a member who linked their Telegram and Discord accounts
(``/link``) has a warning given on Discord counted on Telegram, in the ladder that mutes
them there and in ``/warnings``, where the same managers handle both communities."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from tests.conftest import migrate
from tests.escalation.support import Clock, Place, adapter, person, take, texts
from tests.fakes.bots import config
from tests.harness import QUICK_DELIVERY as QUICK
from tests.harness import play
from tests.people.support import code_in
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import RestrictMember, SendMessage
from townsquare.core.builtin import builtin_features
from townsquare.core.escalation.feature import Escalation
from townsquare.core.escalation.policy import EscalationPolicy, Threshold
from townsquare.core.people.feature import People
from townsquare.core.refs import PlatformRole
from townsquare.storage.escalation import SqlEscalationStore
from townsquare.storage.people import SqlPeopleStore, SqlPersonDirectory

MALLORY_TG = person("Mallory", user_id="201")
MALLORY_DC = person("Mallory", user_id="8001")
EVE_DC = person("Eve", user_id="8666")
ALICE_TG = person("Alice", PlatformRole.ADMIN, user_id="101")
ALICE_DC = person("Alice", PlatformRole.ADMIN, user_id="9001")
POLICY = EscalationPolicy(thresholds=(Threshold(2, "mute", timedelta(minutes=30)),))


@dataclass
class Both:
    runtime: Runtime
    tg: MemoryAdapter
    dc: MemoryAdapter
    group: Place
    """The Telegram group."""
    guild: Place
    """A Discord channel (commands are slash commands there)."""
    clock: Clock

    async def link(self, telegram: str, discord: str) -> str:
        """The Telegram account ``telegram`` asks for a code in its private chat, the
        Discord account ``discord`` types it; the answer on Discord."""
        dm = Place("tg", "telegram", telegram, telegram, clock=self.clock, direct=True)
        await play(self.runtime, dm.command("link", who=person("Mallory", user_id=telegram)))
        value = code_in(texts(take(self.tg)))
        who = person("Someone", user_id=discord)
        await play(self.runtime, self.guild.command("link", value, who=who, interaction=True))
        (answer,) = texts(take(self.dc))
        return answer

    async def warn_on_discord(self, who: str, reason: str) -> str:
        """The warning's notice in the Discord channel."""
        said = self.guild.say(person("Mallory", user_id=who), "spam")
        await play(self.runtime, said)
        await play(self.runtime, self.guild.command("warn", reason, who=ALICE_DC, reply_to=said))
        return texts(take(self.dc), SendMessage)[0]


@asynccontextmanager
async def both(url: str, *, people: bool = True, space: bool = False) -> AsyncIterator[Both]:
    """Both bots on one runtime; the two communities share the managers' inbox, or
    (``space``) are one space without an inbox."""
    clock = Clock()
    tg, dc = adapter("tg", "telegram"), adapter("dc", "discord")
    escalation = Escalation(
        store=SqlEscalationStore,
        policy=POLICY,
        detectors=[],
        people=SqlPersonDirectory() if people else None,
    )
    features = [*builtin_features(), People(store=SqlPeopleStore), escalation]
    await migrate(url)
    settings = config(
        url,
        {"name": "tg", "platform": "console"},
        {"name": "dc", "platform": "console"},
        defaults={} if space else {"escalate_to": "tg:-1009"},
        **({"spaces": [{"name": "town", "communities": ["tg:-1001", "dc:g1/general"]}]})
        if space
        else {},
    )
    runtime = Runtime(
        settings, features=features, adapters={"tg": tg, "dc": dc}, delivery_options=QUICK
    )
    await runtime.start()
    runtime.pipeline.clock = runtime.scheduler.clock = clock
    runtime.worker.clock = clock.flowing
    try:
        yield Both(
            runtime,
            tg,
            dc,
            group=Place("tg", "telegram", "-1001", "-1001", clock=clock),
            guild=Place("dc", "discord", "g1", "general", clock=clock),
            clock=clock,
        )
    finally:
        await runtime.stop()


async def test_a_warning_on_discord_counts_on_telegram_and_the_ladder_mutes_there(
    database_url: str,
) -> None:
    async with both(database_url) as world:
        assert (await world.link("201", "8001")).startswith("Linked:")
        warned = await world.warn_on_discord("8001", "spam on discord")
        assert warned == "@Mallory has been warned (1/2). Reason: spam on discord"

        said = world.group.say(MALLORY_TG, "more spam")
        await play(world.runtime, said)
        await play(world.runtime, world.group.command("warn", "spam", who=ALICE_TG, reply_to=said))
        done = take(world.tg)
        assert texts(done, SendMessage) == [
            "@Mallory has been warned (2). Reason: spam",
            "@Mallory is muted for 30m: 2 active warnings.",
        ]
        (mute,) = [a for a in done if isinstance(a, RestrictMember)]
        assert (mute.bot, mute.user_id) == ("tg", "201")  # on Telegram, where it was reached

        await play(world.runtime, world.group.command("warnings", who=ALICE_TG, reply_to=said))
        (listing,) = texts(take(world.tg), SendMessage)
        assert listing.startswith("Mallory has 2 active warnings")
        assert "spam on discord" in listing
        # and Discord counts all of them too
        assert await world.warn_on_discord("8001", "again") == (
            "@Mallory has been warned (3). Reason: again"
        )


async def test_a_warning_given_before_the_link_counts_after_it(sqlite_url: str) -> None:
    async with both(sqlite_url) as world:
        await world.warn_on_discord("8001", "before")
        assert (await world.link("201", "8001")).startswith("Linked:")
        said = world.group.say(MALLORY_TG, "spam")
        await play(world.runtime, said)
        await play(world.runtime, world.group.command("warn", who=ALICE_TG, reply_to=said))
        assert texts(take(world.tg), SendMessage)[0].startswith("@Mallory has been warned (2).")


async def test_someone_elses_code_links_nothing_and_their_warnings_stay_theirs(
    sqlite_url: str,
) -> None:
    async with both(sqlite_url) as world:
        dm = Place("tg", "telegram", "201", "201", clock=world.clock, direct=True)
        await play(world.runtime, dm.command("link", who=MALLORY_TG))
        value = code_in(texts(take(world.tg)))
        # Alice, on her own Telegram account, types the code sent to Mallory: refused
        await play(world.runtime, world.group.command("link", value, who=ALICE_TG))
        (refused,) = texts(take(world.tg))
        assert "Linked" not in refused
        await world.warn_on_discord("8666", "eve's own")  # an unlinked Discord account
        said = world.group.say(MALLORY_TG, "spam")
        await play(world.runtime, said)
        await play(world.runtime, world.group.command("warn", who=ALICE_TG, reply_to=said))
        assert texts(take(world.tg), SendMessage)[0].startswith("@Mallory has been warned (1/2).")
        async with world.runtime.store.transaction() as tx:
            directory = SqlPersonDirectory()
            mallory = await directory.person_of(tx, "telegram", "201")
            assert await directory.person_of(tx, "telegram", "101") != mallory
            assert await directory.person_of(tx, "discord", "8666") != mallory


async def test_another_team_of_managers_keeps_its_own_count(sqlite_url: str) -> None:
    async with both(sqlite_url) as world:
        assert (await world.link("201", "8001")).startswith("Linked:")
        mods = Place("dc", "discord", "g1", "mods", clock=world.clock)
        await play(world.runtime, mods.command("managers", "here", who=ALICE_DC))
        take(world.dc)
        await world.warn_on_discord("8001", "on discord")
        said = world.group.say(MALLORY_TG, "spam")
        await play(world.runtime, said)
        await play(world.runtime, world.group.command("warn", who=ALICE_TG, reply_to=said))
        assert texts(take(world.tg), SendMessage)[0].startswith("@Mallory has been warned (1/2).")


async def test_without_a_person_directory_each_account_counts_alone(sqlite_url: str) -> None:
    async with both(sqlite_url, people=False) as world:
        assert (await world.link("201", "8001")).startswith("Linked:")
        await world.warn_on_discord("8001", "on discord")
        said = world.group.say(MALLORY_TG, "spam")
        await play(world.runtime, said)
        await play(world.runtime, world.group.command("warn", who=ALICE_TG, reply_to=said))
        assert texts(take(world.tg), SendMessage)[0].startswith("@Mallory has been warned (1/2).")


async def test_one_space_is_one_count_without_an_inbox(sqlite_url: str) -> None:
    async with both(sqlite_url, space=True) as world:
        assert (await world.link("201", "8001")).startswith("Linked:")
        await world.warn_on_discord("8001", "on discord")
        said = world.group.say(MALLORY_TG, "spam")
        await play(world.runtime, said)
        await play(world.runtime, world.group.command("warn", who=ALICE_TG, reply_to=said))
        assert texts(take(world.tg), SendMessage)[0].startswith("@Mallory has been warned (2).")
