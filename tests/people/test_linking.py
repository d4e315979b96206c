"""``/link`` and ``/unlink`` through the real pipeline, on a Telegram-like bot (no
ephemeral answers: codes go by direct message) and a Discord-like one (slash commands
answered ephemerally)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from tests.harness import play
from tests.people.support import (
    DISCORD,
    NOTHING_PRIVATE,
    TELEGRAM,
    Clock,
    Place,
    adapter,
    code_in,
    private,
    public,
    running,
    take,
)
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import DeleteMessage, SendDirect
from townsquare.core.people import rules
from townsquare.core.refs import Actor
from townsquare.core.text import Style
from townsquare.storage.people import SqlPersonDirectory

ALICE_TG = Actor("101", "Alice")
ALICE_DC = Actor("9001", "alice.dc")
EVE_DC = Actor("9666", "Eve")
BOB_DC = Actor("9002", "Bob")


@dataclass
class World:
    runtime: Runtime
    clock: Clock
    tg: MemoryAdapter
    dc: MemoryAdapter
    group: Place
    """The Telegram group."""
    dm: Place
    """A private chat with the Telegram bot."""
    guild: Place
    """A Discord channel, commands as slash commands."""

    async def tg_says(self, who: Actor, text: str, *, where: Place | None = None) -> None:
        await play(self.runtime, (where or self.group).command(who, text))

    async def dc_says(self, who: Actor, text: str) -> list[str]:
        await play(self.runtime, self.guild.command(who, text))
        return private(take(self.dc), who.user_id)

    async def tg_code(self, who: Actor = ALICE_TG) -> str:
        await self.tg_says(who, "/link", where=self.dm)
        return code_in(private(take(self.tg), who.user_id))

    async def person(self, platform: str, who: Actor) -> int:
        async with self.runtime.store.transaction() as tx:
            return await SqlPersonDirectory().person_of(tx, platform, who.user_id)


@asynccontextmanager
async def built(url: str) -> AsyncIterator[World]:
    clock = Clock()
    tg, dc = adapter("tg", TELEGRAM), adapter("dc", DISCORD)
    async with running(url, {"tg": tg, "dc": dc}, clock=clock) as runtime:
        yield World(
            runtime,
            clock,
            tg,
            dc,
            group=Place("tg", "telegram", clock),
            dm=Place("tg", "telegram", clock, direct=True),
            guild=Place("dc", "discord", clock, slash=True, community_id="g1"),
        )


@pytest.fixture
async def world(sqlite_url: str) -> AsyncIterator[World]:
    async with built(sqlite_url) as made:
        yield made


@pytest.fixture
async def both(database_url: str) -> AsyncIterator[World]:
    """The world on SQLite and on PostgreSQL, for the tests that cover every statement."""
    async with built(database_url) as made:
        yield made


async def test_link_in_a_group_sends_the_code_privately_never_in_the_group(
    world: World,
) -> None:
    await world.tg_says(ALICE_TG, "/link")
    done = take(world.tg)
    (direct,) = [a for a in done if isinstance(a, SendDirect)]
    assert direct.user_id == "101" and direct.fallback_channel is None
    value = code_in([direct.text.plain()])
    assert "10 minutes" in direct.text.plain()
    assert "No other account is linked to this one yet." in direct.text.plain()
    (note,) = public(done)
    assert "I sent you a one-time code privately" in note
    assert value not in note and value.replace("-", "") not in note


async def test_a_telegram_code_typed_on_discord_links_both_and_tells_the_first(
    both: World,
) -> None:
    value = await both.tg_code()
    answer = await both.dc_says(ALICE_DC, f"/link {value.lower()}")
    assert answer == [
        "Linked: this Discord account and your Telegram account Alice.\n"
        "Your linked accounts:\nDiscord: alice.dc (this account)\nTelegram: Alice"
    ]
    (told,) = private(take(both.tg), "101")
    assert told == (
        "Your Telegram account is now linked with the Discord account alice.dc. "
        "If that was not you, send /unlink discord."
    )
    assert await both.person("discord", ALICE_DC) == await both.person("telegram", ALICE_TG)
    (listed,) = await both.dc_says(ALICE_DC, "/link")
    assert "Discord: alice.dc (this account)\nTelegram: Alice" in listed
    assert code_in([listed]) != value  # /link alone also gives a fresh code


async def test_a_code_works_once(world: World) -> None:
    value = await world.tg_code()
    await world.dc_says(ALICE_DC, f"/link {value}")
    (again,) = await world.dc_says(EVE_DC, f"/link {value}")
    assert again == "This code is unknown, used or expired. Send /link on your other account."
    assert await world.person("discord", EVE_DC) != await world.person("telegram", ALICE_TG)


async def test_a_code_expires_after_ten_minutes(world: World) -> None:
    value = await world.tg_code()
    world.clock.advance(rules.CODE_TTL)
    (late,) = await world.dc_says(ALICE_DC, f"/link {value}")
    assert late.startswith("This code is unknown, used or expired.")
    assert await world.person("discord", ALICE_DC) != await world.person("telegram", ALICE_TG)


async def test_a_new_code_replaces_the_earlier_one(world: World) -> None:
    first = await world.tg_code()
    second = await world.tg_code()
    (old,) = await world.dc_says(ALICE_DC, f"/link {first}")
    assert old.startswith("This code is unknown, used or expired.")
    (linked,) = await world.dc_says(ALICE_DC, f"/link {second.replace('-', ' ')}")
    assert linked.startswith("Linked:")


async def test_the_account_that_got_a_code_cannot_use_it(world: World) -> None:
    value = await world.tg_code()
    await world.tg_says(ALICE_TG, f"/link {value}", where=world.dm)
    (refused,) = private(take(world.tg), "101")
    assert refused.startswith("This code is for your account on another platform")
    (linked,) = await world.dc_says(ALICE_DC, f"/link {value}")  # typed privately: still good
    assert linked.startswith("Linked:")


async def test_a_code_its_own_account_shows_in_a_group_is_deleted_and_stops_working(
    world: World,
) -> None:
    value = await world.tg_code()
    await world.tg_says(ALICE_TG, f"/link {value}")
    done = take(world.tg)
    assert [a for a in done if isinstance(a, DeleteMessage)]
    assert private(done, "101")[0].startswith("This code is for your account")
    (stale,) = await world.dc_says(EVE_DC, f"/link {value}")
    assert stale.startswith("This code is unknown, used or expired.")
    assert await world.person("discord", EVE_DC) != await world.person("telegram", ALICE_TG)


async def test_guessing_is_cut_off_and_a_lockout_holds_even_for_the_right_code(
    both: World,
) -> None:
    value = await both.tg_code()
    wrong = "ZZZZ-ZZZZ" if value != "ZZZZ-ZZZZ" else "YYYY-YYYY"
    for attempt in range(1, rules.MAX_FAILURES + 1):
        (answer,) = await both.dc_says(EVE_DC, f"/link {wrong}")
        assert answer.startswith("This code is unknown, used or expired.")
        assert ("Too many wrong codes" in answer) == (attempt == rules.MAX_FAILURES)
    # Eve somehow has Alice's real code now: still refused, and the code is not used up.
    (locked,) = await both.dc_says(EVE_DC, f"/link {value}")
    assert locked.startswith("Too many wrong codes")
    assert await both.person("discord", EVE_DC) != await both.person("telegram", ALICE_TG)
    assert private(take(both.tg), "101") == []  # Alice is told of no link
    (linked,) = await both.dc_says(ALICE_DC, f"/link {value}")
    assert linked.startswith("Linked:")


async def test_a_lockout_ends_and_a_wrong_code_counts_again(world: World) -> None:
    for _ in range(rules.MAX_FAILURES):
        await world.dc_says(EVE_DC, "/link ZZZZ-ZZZZ")
    world.clock.advance(rules.LOCKOUT)
    (answer,) = await world.dc_says(EVE_DC, "/link ZZZZ-ZZZZ")
    assert answer == "This code is unknown, used or expired. Send /link on your other account."


async def test_something_that_is_no_code_is_explained_and_not_counted(world: World) -> None:
    for _ in range(rules.MAX_FAILURES + 2):
        (answer,) = await world.dc_says(EVE_DC, "/link discord")
        assert answer.startswith("That is not a link code")
    value = await world.tg_code()
    (linked,) = await world.dc_says(EVE_DC, f"/link {value}")
    assert linked.startswith("Linked:")  # the typos cost no attempts


async def test_a_second_account_on_one_platform_is_refused_and_the_code_kept(
    both: World,
) -> None:
    await both.dc_says(ALICE_DC, f"/link {await both.tg_code()}")
    value = await both.tg_code()
    (refused,) = await both.dc_says(BOB_DC, f"/link {value}")
    assert refused.startswith("Both sides already have a Discord account")
    assert "/unlink discord" in refused
    await both.tg_says(ALICE_TG, "/unlink discord", where=both.dm)
    take(both.tg)
    (linked,) = await both.dc_says(BOB_DC, f"/link {value}")
    assert linked.startswith("Linked:")


async def test_unlink_makes_the_account_a_person_of_its_own_and_tells_it(both: World) -> None:
    await both.dc_says(ALICE_DC, f"/link {await both.tg_code()}")
    joined = await both.person("telegram", ALICE_TG)
    take(both.tg)  # "now linked with ..."
    await both.tg_says(ALICE_TG, "/unlink Discord", where=both.dm)
    (answer,) = private(take(both.tg), "101")
    assert answer == (
        "Unlinked your Discord account alice.dc.\nNo other account is linked to this one yet."
    )
    (told,) = private(take(both.dc), "9001")
    assert told == "Your Discord account is no longer linked to the Telegram account Alice."
    assert await both.person("telegram", ALICE_TG) == joined
    assert await both.person("discord", ALICE_DC) != joined
    (nothing,) = await both.dc_says(ALICE_DC, "/unlink telegram")
    assert nothing == "Your account is not linked to any other. /link links one."


async def test_unlink_of_a_platform_without_an_account_lists_the_accounts(world: World) -> None:
    await world.dc_says(ALICE_DC, f"/link {await world.tg_code()}")
    (answer,) = await world.dc_says(ALICE_DC, "/unlink slack")
    assert answer.startswith("None of your linked accounts is on Slack.")
    assert "Telegram: Alice" in answer


async def test_persons_are_merged_and_their_old_ids_stay_reachable(both: World) -> None:
    old_dc = await both.person("discord", ALICE_DC)
    await both.dc_says(ALICE_DC, f"/link {await both.tg_code()}")
    person = await both.person("telegram", ALICE_TG)
    async with both.runtime.store.transaction() as tx:
        aliases = await SqlPersonDirectory().aliases(tx, person)
    assert aliases == {person, old_dc}


async def test_a_platform_with_nothing_private_gives_no_code(sqlite_url: str) -> None:
    clock = Clock()
    console = adapter("co", NOTHING_PRIVATE)
    async with running(sqlite_url, {"co": console}, clock=clock) as runtime:
        await play(runtime, Place("co", "console", clock).command(ALICE_TG, "/link"))
        (answer,) = [a.text.plain() for a in take(console) if hasattr(a, "text")]
    assert answer.startswith("I cannot send you anything privately on this platform")
    assert rules.normalize(answer.split()[-1]) is None


async def test_names_stay_plain_text(world: World) -> None:
    mallory = Actor("9777", "<b>@everyone</b> [x](http://evil)")
    await world.dc_says(mallory, f"/link {await world.tg_code()}")
    told = [a for a in take(world.tg) if isinstance(a, SendDirect)]
    spans = [span for action in told for span in action.text.spans]
    assert any(span.text == "<b>@everyone</b> [x](http://evil)" for span in spans)
    assert all(span.style in (Style.PLAIN, Style.BOLD) for span in spans)


async def test_help_lists_the_linking_commands(world: World) -> None:
    await world.tg_says(ALICE_TG, "/help", where=world.dm)
    (shown,) = private(take(world.tg), "101")
    assert "/link /unlink" in shown.splitlines()[1]
    await world.tg_says(ALICE_TG, "/help link", where=world.dm)
    (usage,) = private(take(world.tg), "101")
    assert "/link [code]" in usage and "/link ABCD-2345" in usage


async def test_answers_are_in_the_language_of_each_side(sqlite_url: str) -> None:
    clock = Clock()
    tg, dc = adapter("tg", TELEGRAM), adapter("dc", DISCORD)
    async with running(
        sqlite_url, {"tg": tg, "dc": dc}, clock=clock, defaults={"locale": "it"}
    ) as runtime:
        await play(runtime, Place("tg", "telegram", clock, direct=True).command(ALICE_TG, "/link"))
        (dm,) = private(take(tg), "101")
        assert dm.startswith("Il tuo codice monouso:")
        guild = Place("dc", "discord", clock, slash=True, community_id="g1")
        await play(runtime, guild.command(ALICE_DC, f"/link {code_in([dm])}"))
        (linked,) = private(take(dc), "9001")
        assert linked.startswith("Collegati: questo account Discord")
        (told,) = private(take(tg), "101")
        assert told.startswith("Il tuo account Telegram è ora collegato all'account Discord")


async def test_a_code_typed_by_another_account_of_its_platform_links_nothing(
    world: World,
) -> None:
    eve_tg = Actor("102", "Eve")
    value = await world.tg_code()
    await world.tg_says(eve_tg, f"/link {value}", where=world.dm)
    (refused,) = private(take(world.tg), "102")
    assert refused.startswith("Both sides already have a Telegram account")
    assert await world.person("telegram", eve_tg) != await world.person("telegram", ALICE_TG)
    (linked,) = await world.dc_says(ALICE_DC, f"/link {value}")  # not used up
    assert linked.startswith("Linked:")
