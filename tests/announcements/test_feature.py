"""``/announce``, ``/announcements`` and ``/announce cancel`` through the real runtime,
pipeline, outbox, scheduler and SQL store, with memory bots that have each platform's
capabilities and a clock the test moves (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.announcements.support import (
    MEMBER,
    START,
    Bot,
    Clock,
    Where,
    answers,
    play,
    posts,
    tick,
    town,
)
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import CrosspostMessage, PinMessage, SendDirect

TG = Where("tg", "telegram", "-100777", "-100777")
DC = Where("dc", "discord", "9001", "9002")
SL = Where("sl", "slack", "T01", "C01")
OTHER = Where("tg", "telegram", "-100888", "-100888")
"""A community of the same Telegram bot outside the space."""


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bots() -> dict[str, Bot]:
    return {"tg": Bot("tg", "telegram"), "dc": Bot("dc", "discord"), "sl": Bot("sl", "slack")}


@pytest.fixture
async def runtime(database_url: str, bots: dict[str, Bot], clock: Clock) -> AsyncIterator[Runtime]:
    for where in (TG, DC, SL, OTHER):
        where.clock = clock
    space = {"name": "town", "communities": [TG.place, DC.place, SL.place]}
    async with town(database_url, bots, clock, spaces=[space]) as running:
        yield running


async def test_posted_at_once_as_typed_with_nothing_becoming_a_mention(
    runtime: Runtime, bots: dict[str, Bot]
) -> None:
    text = "Meetup on Friday!\n@everyone <!channel> <b>bring</b> *snacks*"
    await play(runtime, TG.command(text))
    done = bots["tg"].take()
    (post,) = posts(done)
    assert post.channel.id == "-100777" and post.key is None
    assert post.text.plain() == text
    assert [span.style for span in post.text.spans] == ["plain"]
    assert answers(done) == [], "in a public chat the post is its own confirmation"


async def test_at_a_time_it_waits_then_is_posted_once(
    runtime: Runtime, bots: dict[str, Bot], clock: Clock
) -> None:
    await play(runtime, TG.command("--at in 2h Doors open at 19:00"))
    done = bots["tg"].take()
    assert posts(done) == []
    (said,) = answers(done)
    assert said.startswith("Announcement #1 will be posted ")
    assert "/announce cancel 1 stops it." in said
    await tick(runtime)
    assert posts(bots["tg"].take()) == []

    clock.advance(timedelta(hours=2))
    await tick(runtime)
    await tick(runtime)
    (post,) = posts(bots["tg"].take())
    assert post.text.plain() == "Doors open at 19:00"
    clock.advance(timedelta(days=2))
    await tick(runtime)
    assert bots["tg"].take() == []


async def test_at_takes_two_words_without_quotes_in_the_communitys_time_zone(
    runtime: Runtime, bots: dict[str, Bot], clock: Clock
) -> None:
    await play(runtime, TG.command("tz Europe/Rome", name="settings"))
    bots["tg"].take()
    await play(runtime, TG.command("--at tomorrow 09:30 Coffee in the hall"))
    (said,) = answers(bots["tg"].take())
    assert "will be posted" in said
    clock.advance(timedelta(days=1, minutes=29))  # 09:29 in Rome on Saturday
    await tick(runtime)
    assert posts(bots["tg"].take()) == []
    clock.advance(timedelta(minutes=1))  # 08:30 UTC: 09:30 in Rome
    await tick(runtime)
    (post,) = posts(bots["tg"].take())
    assert post.text.plain() == "Coffee in the hall"


async def test_every_day_keeps_romes_clock_across_the_change_to_summer_time(
    runtime: Runtime, bots: dict[str, Bot], clock: Clock
) -> None:
    await play(runtime, TG.command("tz Europe/Rome", name="settings"))
    bots["tg"].take()
    await play(runtime, TG.command("--every daily Good morning!"))  # 09:00 in Rome
    done = bots["tg"].take()
    assert [p.text.plain() for p in posts(done)] == ["Good morning!"]
    (said,) = answers(done)
    assert said.startswith("Announcement #1 is posted; it comes again every day, next ")
    seen = []
    for hours in (23, 1, 22, 1):  # Sat 08:00 UTC; summer time from Sunday: 07:00 UTC
        clock.advance(timedelta(hours=hours))
        await tick(runtime)
        if posts(bots["tg"].take()):
            seen.append(clock.now)
    assert seen == [START + timedelta(days=1), START + timedelta(days=2, hours=-1)]

    await play(runtime, TG.command("cancel 1"))
    assert answers(bots["tg"].take()) == ["Announcement #1 is cancelled: it is not posted again."]
    clock.advance(timedelta(days=3))
    await tick(runtime)
    assert posts(bots["tg"].take()) == []
    await play(runtime, TG.command("cancel 1"))
    assert answers(bots["tg"].take()) == ["Announcement #1 has nothing left to post."]


async def test_a_space_announcement_reaches_every_community_once_pinned_and_published(
    runtime: Runtime, bots: dict[str, Bot], clock: Clock
) -> None:
    await play(runtime, TG.command('--at "in 30m" --pin --space Town hall tonight'))
    (said,) = answers(bots["tg"].take())
    assert "It goes to 3 communities of the space town." in said
    clock.advance(timedelta(minutes=30))
    await tick(runtime)
    await tick(runtime)
    telegram, discord, slack = bots["tg"].take(), bots["dc"].take(), bots["sl"].take()
    for done, channel in ((telegram, "-100777"), (discord, "9002"), (slack, "C01")):
        (post,) = posts(done)
        assert post.channel.id == channel and post.text.plain() == "Town hall tonight"
        (pin,) = [a for a in done if isinstance(a, PinMessage)]
        assert pin.channel == post.channel and pin.message is not None
        assert pin.message.message_id == f"msg-{post.key}"
        assert done.index(pin) > done.index(post)
    (publish,) = [a for a in discord if isinstance(a, CrosspostMessage)]
    assert (
        publish.message is not None and publish.message.message_id == f"msg-{posts(discord)[0].key}"
    )
    assert not [a for a in telegram + slack if isinstance(a, CrosspostMessage)]
    # Discord's post carries the manager's notices, sent by the Telegram bot they used.
    assert isinstance(posts(discord)[0].on_failure, SendDirect)
    assert posts(discord)[0].on_failure.bot == "tg"
    assert "through dc" in posts(discord)[0].on_failure.text.plain()


async def test_listed_and_cancelled_from_any_community_of_the_space_but_not_outside(
    runtime: Runtime, bots: dict[str, Bot]
) -> None:
    await play(
        runtime,
        TG.command("--at in 1h --space Space news"),
        TG.command("--at in 2h --every weekly Our own news"),
        OTHER.command("--at in 3h Elsewhere"),
    )
    bots["tg"].take()
    await play(runtime, SL.command("", name="announcements"))
    (listing,) = answers(bots["sl"].take())
    assert "#1" in listing and "Space news" in listing and "space town" in listing
    assert "#2" not in listing and "#3" not in listing
    await play(runtime, TG.command("", name="announcements"))
    (listing,) = answers(bots["tg"].take())
    assert listing.index("#1") < listing.index("#2") and "every week" in listing
    assert "#3" not in listing

    await play(runtime, OTHER.command("cancel 1"), OTHER.command("cancel 2"))
    assert answers(bots["tg"].take()) == [
        "There is no announcement #1.",
        "There is no announcement #2.",
    ]
    await play(runtime, DC.command("cancel 2"), DC.command("cancel 1"))
    assert answers(bots["dc"].take()) == [
        "There is no announcement #2.",
        "Announcement #1 is cancelled: it is not posted again.",
    ]
    await play(runtime, OTHER.command("", name="announcements"))
    (listing,) = answers(bots["tg"].take())
    assert "#3" in listing and "#1" not in listing


async def test_members_may_use_no_form(runtime: Runtime, bots: dict[str, Bot]) -> None:
    await play(runtime, TG.command("--at in 1h Soon"))
    bots["tg"].take()
    await play(
        runtime,
        TG.command("Hello all", who=MEMBER),
        TG.command("--at in 1h Later", who=MEMBER),
        TG.command("cancel 1", who=MEMBER),
        TG.command("", who=MEMBER, name="announcements"),
    )
    done = bots["tg"].take()
    assert posts(done) == []
    said = answers(done)
    assert len(said) == 4 and all("managers" in line for line in said), said


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("", "Missing <text>\nUsage: /announce <text> [--at WHEN]"),
        ("--pin", "Missing <text>"),
        ("--at in 1h", "Write the announcement after the options"),
        ("--at tomorrow 19:00 --pin", "Missing <text>"),
        ("--at tomorrow 19:00 --at 20:00 Hi", "Give --at once."),
        ("--at someday Hi", "I cannot read someday as a time; write e.g. 2026-12-10 19:00"),
        ("--at 2020-01-01 10:00 Hi", "2020-01-01 10:00 is in the past."),
        ("--at 10/12 Hi", "10/12 could be "),
        ("--at 2027-03-28 02:30 Hi", "02:30 does not exist on "),
        ("--at 2031-01-01 10:00 Hi", "--at must be within a year."),
        ("--every hourly Hi", "--every takes daily, weekly or monthly."),
        ("x" * 1901, "The announcement is too long: at most 1900 characters, it has 1901."),
    ],
)
async def test_mistakes_get_one_line_and_nothing_is_posted(
    runtime: Runtime, bots: dict[str, Bot], typed: str, answer: str
) -> None:
    await play(runtime, TG.command("tz Europe/Rome", name="settings"))
    bots["tg"].take()
    await play(runtime, TG.command(typed))
    done = bots["tg"].take()
    assert posts(done) == []
    (said,) = answers(done)
    assert said.startswith(answer), said


async def test_space_needs_a_space_and_a_pin_where_none_is_possible_is_said(
    database_url: str, clock: Clock
) -> None:
    console = Where("cons", "console", "town", clock=clock)
    bots = {"cons": Bot("cons", "console")}
    async with town(database_url, bots, clock) as runtime:
        await play(runtime, console.command("--space Hi"))
        assert answers(bots["cons"].take()) == [
            "This community is in no space, so --space has nowhere to post."
        ]
        await play(runtime, console.command("--pin Hi"))
        done = bots["cons"].take()
        assert len(posts(done)) == 1
        assert not [a for a in done if isinstance(a, PinMessage)]
        (said,) = answers(done)
        assert "It is not pinned on cons: that platform cannot pin messages." in said


async def test_an_occurrence_whose_job_fires_again_is_not_posted_again(
    runtime: Runtime, bots: dict[str, Bot], clock: Clock
) -> None:
    """A second firing of one occurrence (a replayed job, another process's late claim)
    finds it posted and posts nothing."""
    await play(runtime, TG.command("--at in 1h Once"))
    bots["tg"].take()
    async with runtime.store.transaction() as tx:  # the same occurrence, due again
        await tx.schedule(
            kind="announcements.post",
            due_at=clock.now + timedelta(hours=1),
            platform="telegram",
            bot="tg",
            payload={"announcement": 1, "occurrence": 1},
            community_id=TG.community_id,
            key="announce:1:again",
            now=clock.now,
        )
    clock.advance(timedelta(hours=1))
    await tick(runtime)
    await tick(runtime)
    assert [p.text.plain() for p in posts(bots["tg"].take())] == ["Once"]


async def test_managers_are_answered_in_the_communitys_language(
    runtime: Runtime, bots: dict[str, Bot]
) -> None:
    await play(runtime, TG.command("it", name="lang"))
    bots["tg"].take()
    await play(runtime, TG.command("--at in 1h Ciao a tutti"), TG.command("", name="announcements"))
    said, listing = answers(bots["tg"].take())
    assert said.startswith("L'annuncio #1 sarà pubblicato ")
    assert "/announce cancel 1 lo ferma." in said
    assert listing.startswith("Annunci programmati:") and "Ciao a tutti" in listing
    await play(runtime, TG.command("ru", name="lang"))
    bots["tg"].take()
    await play(runtime, TG.command("--every weekly Привет"))
    (said,) = answers(bots["tg"].take())
    assert said.startswith("Объявление #2 опубликовано; оно повторяется каждую неделю")


async def test_help_shows_the_forms_options_and_examples_to_managers_only(
    runtime: Runtime, bots: dict[str, Bot]
) -> None:
    await play(
        runtime,
        TG.command("announce", name="help"),
        TG.command("announce", name="help", who=MEMBER),
    )
    shown, refused = answers(bots["tg"].take())
    assert shown.splitlines()[:4] == [
        "/announce — Post an announcement, now or later, once or again and again",
        "Usage:",
        "/announce <text> [--at WHEN] [--every daily|weekly|monthly] [--pin] [--space] "
        "— Post an announcement, now or later, once or again and again",
        "/announce cancel <id> — Stop a scheduled announcement",
    ]
    assert "--every daily|weekly|monthly — post it again every day, week or month" in shown
    assert 'Example: /announce --at "fri 18:30" --pin Meetup tonight at the library!' in shown
    assert "Example: /announce cancel 3" in shown
    assert refused == "/announce is for managers."


async def test_a_time_the_autumn_change_repeats_is_posted_at_its_first_reading(
    runtime: Runtime, bots: dict[str, Bot], clock: Clock
) -> None:
    await play(runtime, TG.command("tz Europe/Rome", name="settings"))
    bots["tg"].take()
    await play(runtime, TG.command("--at 2027-10-31 02:30 Clocks go back tonight"))
    (said,) = answers(bots["tg"].take())
    assert said.startswith("Announcement #1 will be posted ")
    clock.now = datetime(2027, 10, 31, 0, 29, tzinfo=UTC)
    await tick(runtime)
    assert posts(bots["tg"].take()) == []
    clock.advance(timedelta(minutes=1))  # 02:30 summer time, the first of the two
    await tick(runtime)
    assert [p.text.plain() for p in posts(bots["tg"].take())] == ["Clocks go back tonight"]
    clock.advance(timedelta(hours=1))  # 02:30 again, winter time: not again
    await tick(runtime)
    assert posts(bots["tg"].take()) == []
