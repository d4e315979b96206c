"""``/stats`` through the runtime: a scripted 70 days (fixed seed) in a space of a
Telegram-like and a Discord-like community gives exactly the figures and the CSV worked
out here from the script itself; Alice, linked on both, counts once; the chart is a PNG.
Ideas are filed and shipped with the feedback feature's own commands (its facts reach
analytics through the scheduler, as in production): one reopened and done again, in the
same period and across two, ships once."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from PIL import Image
from sqlalchemy import func, select

from tests.harness import console_runtime, play
from tests.people.support import Clock
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import SendFile
from townsquare.core.commands import parse_command_text, split_arguments
from townsquare.core.events import (
    CommandIssued,
    JobDue,
    MemberJoined,
    MessagePosted,
    ReactionAdded,
)
from townsquare.core.facts import (
    CaseClaimed,
    CaseOpened,
    CaseResolved,
    EventAttended,
    FaqAnswered,
    FaqRated,
    FaqUnanswered,
    ReputationGiven,
    encode,
)
from townsquare.core.facts.fact import Fact
from townsquare.core.facts.published import FACT_JOB
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole
from townsquare.storage.models import ScheduledJob
from townsquare.storage.people import SqlPeopleStore, SqlPersonDirectory

START = datetime(2026, 9, 1, tzinfo=UTC)
DAYS = 70
SPACE = {"name": "town", "communities": ["tg:g1", "dc:d1"]}
PLACES = {"tg": ("telegram", "g1"), "dc": ("discord", "d1")}
BOSS = Actor("boss", "Boss", platform_role=PlatformRole.ADMIN)
_ids = itertools.count(1)
FEEDBACK = [
    # (day, bot, user, command, counter it adds to that day, if any); ideas are numbered
    # in the order they are filed. The last 30 days are days 40..69, the 30 before 10..39.
    (20, "tg", "alice", "/feedback A dark mode for the mobile app", "feedback_filed"),
    (20, "dc", "d0", "/feedback Calendar sync with Google", "feedback_filed"),
    (25, "tg", "boss", "/feedback status 1 done", "feedback_shipped"),
    (45, "tg", "t1", "/feedback Export the member list as CSV", "feedback_filed"),
    (45, "dc", "d1", "/idea Weekly meetups in the north district", "feedback_filed"),
    (46, "tg", "t2", "/feedback Translate the rules into Spanish", "feedback_filed"),
    (50, "tg", "boss", "/feedback status 2 done", "feedback_shipped"),  # filed before
    (50, "tg", "boss", "/feedback status 3 done", "feedback_shipped"),
    (52, "tg", "boss", "/feedback status 3 progress", None),
    (55, "tg", "boss", "/feedback status 3 done Really done now", None),  # once
    (60, "tg", "boss", "/feedback status 1 progress", None),
    (61, "tg", "boss", "/feedback status 1 done", None),  # shipped on day 25 already
    (62, "tg", "boss", "/feedback status 4 declined", None),
]


@dataclass
class Script:
    """The events, and what they should count, worked out as they are made."""

    events: list[Any] = field(default_factory=list)
    active: set[tuple[int, str]] = field(default_factory=set)
    """(day, person) pairs: someone wrote that day."""
    counts: dict[tuple[int, str], int] = field(default_factory=dict)
    joined: dict[str, int] = field(default_factory=dict)
    thanks: list[tuple[str, str, datetime]] = field(default_factory=list)
    """(bot, user, when) of each thanks fact, made with the person ids in the test."""

    def count(self, day: int, name: str) -> None:
        self.counts[(day, name)] = self.counts.get((day, name), 0) + 1


def person(bot: str, user: str) -> str:
    return "alice" if user.startswith("alice") else f"{bot}:{user}"


def envelope(bot: str, at: datetime, actor: Actor | None) -> dict[str, Any]:
    platform, community = PLACES[bot]
    return {
        "platform": platform,
        "bot": bot,
        "event_id": f"s{next(_ids)}",
        "occurred_at": at,
        "community": CommunityRef(platform, community),
        "channel": ChannelRef("general"),
        "actor": actor,
    }


def typed(bot: str, at: datetime, user: str, text: str) -> CommandIssued:
    """A command as a text platform delivers it (``argv`` and the raw text)."""
    parsed = parse_command_text(text)
    assert parsed is not None, text
    name, arg_text = parsed
    who = BOSS if user == "boss" else Actor(user, user.title())
    env = envelope(bot, at, who)
    return CommandIssued(
        **env,
        name=name,
        argv=split_arguments(arg_text),
        arg_text=arg_text,
        message=MessageRef(ChannelRef("general"), env["event_id"]),
    )


async def facts_handled(runtime: Runtime, timeout: float = 15) -> None:
    """Fire the facts the last event published, until none waits (in order: each
    command's facts are handled before the next command)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    waiting = select(func.count()).where(
        ScheduledJob.kind == FACT_JOB, ScheduledJob.status == "pending"
    )
    while True:
        await runtime.scheduler.run_once()
        async with runtime.engine.connect() as connection:
            if not await connection.scalar(waiting):
                return
        assert loop.time() < deadline, "facts not handled"
        await asyncio.sleep(0.05)


def fact_event(bot: str, fact: Fact) -> JobDue:
    return JobDue(
        **envelope(bot, fact.at, None),
        job_id=next(_ids),
        job_kind=FACT_JOB,
        payload={**encode(fact), "depth": 1},
    )


def script(seed: int = 21) -> Script:
    rng = random.Random(seed)
    out = Script()
    regulars = {"tg": ["alice", *(f"t{n}" for n in range(6))], "dc": ["alice-d", "d0", "d1"]}
    for day in range(DAYS):
        base = START + timedelta(days=day)
        if day % 4 == 1:  # a newcomer every four days, on either side
            bot = "tg" if day % 8 == 1 else "dc"
            user = f"new{day}"
            regulars[bot].append(user)
            who = Actor(user, user.title())
            at = base + timedelta(hours=8)
            out.events.append(MemberJoined(**envelope(bot, at, who), member=who))
            out.count(START.date().toordinal() + day, "joins")
            out.joined.setdefault(person(bot, user), START.date().toordinal() + day)
        for bot, users in regulars.items():
            for user in users:
                if rng.random() < 0.35:
                    at = base + timedelta(hours=rng.randint(9, 22), minutes=rng.randint(0, 59))
                    who = Actor(user, user.title())
                    env = envelope(bot, at, who)
                    reply = rng.random() < 0.3
                    target: MessagePosted | None = None
                    if reply:
                        asked = [e for e in out.events[-60:] if isinstance(e, MessagePosted)]
                        asked = [e for e in asked if e.bot == bot and "?" in e.text]
                        target = rng.choice(asked) if asked and rng.random() < 0.7 else None
                    text = "where is it?" if rng.random() < 0.12 else "hello there"
                    out.events.append(
                        MessagePosted(
                            **env,
                            message=MessageRef(ChannelRef("general"), env["event_id"]),
                            text=text,
                            reply_to=(
                                (
                                    target.message
                                    if target
                                    else MessageRef(ChannelRef("general"), "x")
                                )
                                if reply
                                else None
                            ),
                            reply_to_author=target.actor if target else None,
                        )
                    )
                    ordinal = at.date().toordinal()
                    out.active.add((ordinal, person(bot, user)))
                    out.count(ordinal, "messages")
                    if reply:
                        out.count(ordinal, "replies")
                if rng.random() < 0.15:
                    at = base + timedelta(hours=23)
                    env = envelope(bot, at, Actor(user, user.title()))
                    message = MessageRef(ChannelRef("general"), "x")
                    out.events.append(ReactionAdded(**env, message=message, emoji="👍"))
                    out.count(at.date().toordinal(), "reactions")
    facts_day = START + timedelta(days=DAYS - 3, hours=10)
    ordinal = facts_day.date().toordinal()
    where: dict[str, Any] = {"platform": "telegram", "community_id": "g1", "at": facts_day}
    asking = facts_day - timedelta(minutes=10)  # the FAQ answers it in the chat at 10:00
    ask = envelope("tg", asking, Actor("t1", "T1"))
    message = MessageRef(ChannelRef("general"), ask["event_id"])
    out.events.append(MessagePosted(**ask, message=message, text="is there parking?"))
    out.count(ordinal, "messages")
    out.active.add((ordinal, person("tg", "t1")))
    facts: list[Fact] = [
        FaqAnswered(**where, entry_id=1, user_id="t1", automatic=True),
        FaqAnswered(**where, entry_id=1, user_id="t2", automatic=True),
        FaqAnswered(**where, entry_id=2, user_id="t3"),
        FaqUnanswered(**where, user_id="t4", question="where is the venue"),
        FaqRated(**where, entry_id=1, user_id="t1", helpful=True),
        FaqRated(**where, entry_id=2, user_id="t3", helpful=False),
        CaseOpened(**where, case_id=7, source="report", severity=1),
        CaseOpened(**where, case_id=8, source="report", severity=1),
        CaseOpened(**where, case_id=9, source="signal", severity=2),
        CaseOpened(
            **{**where, "at": facts_day - timedelta(days=9)},
            case_id=10,
            source="signal",
            severity=1,
        ),
        EventAttended(**where, event_id=3, user_id="t1"),
        EventAttended(**where, event_id=3, user_id="t2"),
    ]
    out.thanks = [("tg", "alice", facts_day), ("tg", "alice", facts_day), ("tg", "t1", facts_day)]
    moved: dict[str, Any] = {**where, "manager_id": "boss", "manager_platform": "telegram"}
    facts += [
        CaseClaimed(**{**moved, "at": facts_day + timedelta(minutes=20)}, case_id=7),
        CaseClaimed(**{**moved, "at": facts_day + timedelta(minutes=40)}, case_id=8),
        CaseResolved(**{**moved, "at": facts_day + timedelta(hours=3)}, case_id=7),
    ]
    out.events += [fact_event("tg", fact) for fact in facts]
    for n, (day, bot, user, text, counter) in enumerate(FEEDBACK):
        at = START + timedelta(days=day, hours=12, seconds=n)
        out.events.append(typed(bot, at, user, text))
        if counter is not None:
            out.count(at.date().toordinal(), counter)
    for name, n in (("questions", 4), ("answered", 3), ("answered_by_bot", 2), ("helpful", 1)):
        out.counts[(ordinal, name)] = n
    out.counts[(ordinal, "cases_opened")] = 3
    out.counts[(ordinal - 9, "cases_opened")] = 1
    out.counts[(ordinal, "signals")] = 1
    out.counts[(ordinal - 9, "signals")] = 1
    out.counts[(ordinal, "checkins")] = 2
    out.events.sort(key=lambda event: event.occurred_at)
    return out


@dataclass
class Asked:
    bot: str
    user: str
    at: datetime
    answered_at: datetime | None = None
    by_bot: bool = False
    answerer: tuple[str, str] | None = None


def questions(s: Script) -> list[Asked]:
    """Every question of the script with its first answer, walking it in order."""
    found: dict[str, Asked] = {}
    for event in s.events:
        if isinstance(event, MessagePosted):
            assert event.actor is not None
            if event.reply_to is not None and event.reply_to.message_id in found:
                q = found[event.reply_to.message_id]
                if q.answered_at is None and q.user != event.actor.user_id:
                    q.answered_at = event.occurred_at
                    q.answerer = (PLACES[event.bot][0], event.actor.user_id)
            if "?" in event.text:
                found[event.message.message_id] = Asked(
                    event.bot, event.actor.user_id, event.occurred_at
                )
        elif isinstance(event, JobDue) and event.payload["kind"] == "faq.answered":
            # The FAQ's answer (automatic or asked for) answers the asker's latest open
            # question of the hour before.
            fields = event.payload["fields"]
            at = datetime.fromisoformat(fields["at"])
            waiting = [
                q
                for q in found.values()
                if q.user == fields["user_id"]
                and q.answered_at is None
                and at - timedelta(hours=1) <= q.at <= at + timedelta(minutes=1)
            ]
            if waiting:
                latest = max(waiting, key=lambda q: q.at)
                latest.answered_at, latest.by_bot = at, True
    return list(found.values())


def replied_newcomers(s: Script) -> set[str]:
    """The newcomers someone else replied to after they joined."""
    found = set()
    for event in s.events:
        author = getattr(event, "reply_to_author", None)
        if isinstance(event, MessagePosted) and author is not None:
            assert event.actor is not None
            who = person(event.bot, author.user_id)
            if author.user_id != event.actor.user_id and who in s.joined:
                found.add(who)
    return found


def p90(values: list[timedelta]) -> timedelta | None:
    """Nearest rank: the value at rank ceil(0.9 n)."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1] if ordered else None


def middle(values: list[timedelta]) -> timedelta | None:
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def wait(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = value.total_seconds()
    if seconds < 60:
        return f"{round(seconds)}s"
    minutes = round(seconds / 60)
    d, rest = divmod(minutes, 1440)
    h, m = divmod(rest, 60)
    return f"{d}d {h}h" if d else f"{h}h {m}m" if h else f"{m}m"


def pct(part: int, whole: int) -> str:
    return f"{round(part / whole * 100)}%" if whole else "—"


def expected(s: Script, first: int, last: int, today: int) -> dict[str, Any]:
    """The figures of days ``first``..``last``, from the script alone."""

    def total(name: str) -> int:
        return sum(
            n for (day, kind), n in s.counts.items() if kind == name and first <= day <= last
        )

    def distinct(since: int) -> int:
        return len({who for day, who in s.active if since <= day <= last})

    newcomers = [(who, day) for who, day in s.joined.items() if first <= day <= last]

    def kept(lo: int, hi: int) -> str:
        due = [(who, day) for who, day in newcomers if day + hi < today]
        if not due:
            return "—"
        back = [w for w, d in due if any((d + k, w) in s.active for k in range(lo, hi + 1))]
        return f"{round(len(back) / len(due) * 100)}%"

    asked = [q for q in questions(s) if first <= q.at.date().toordinal() <= last]
    waits = [q.answered_at - q.at for q in asked if q.answered_at is not None]
    wrote = [w for w, d in newcomers if any(day >= d and p == w for day, p in s.active)]
    replied = replied_newcomers(s)
    signals = [0] * ((last - first) // 7 + 1)
    for (day, kind), n in s.counts.items():
        if kind == "signals" and first <= day <= last:
            signals[len(signals) - 1 - (last - day) // 7] += n
    days = last - first + 1
    dau = sum(1 for day, _who in s.active if first <= day <= last) / days
    mau = distinct(max(first, last - 29))
    return {
        "messages": total("messages"),
        "replies": total("replies"),
        "reactions": total("reactions"),
        "active": distinct(first),
        "dau": round(dau, 1),
        "wau": distinct(max(first, last - 6)),
        "mau": mau,
        "stickiness": f"{round(dau / mau * 100)}%" if mau else "—",
        "joins": len(newcomers),
        "week1": kept(7, 13),
        "week4": kept(28, 34),
        "wrote": pct(len(wrote), len(newcomers)),
        "replied": pct(len([w for w, _d in newcomers if w in replied]), len(newcomers)),
        "asked": len(asked),
        "median": wait(middle(waits)),
        "p90": wait(p90(waits)),
        "by_people": sum(1 for q in asked if q.answered_at is not None and not q.by_bot),
        "by_bot": sum(1 for q in asked if q.by_bot),
        "never": pct(sum(1 for q in asked if q.answered_at is None), len(asked)),
        "answerers": [q.answerer for q in asked if q.answerer is not None],
        "signals": signals,
        "checkins": total("checkins"),
        "filed": total("feedback_filed"),
        "shipped": total("feedback_shipped"),
    }


def today_of(clock: Clock) -> int:
    return clock.now.date().toordinal()


def change(now: int, before: int) -> str:
    if before == 0:
        return "±0%" if now == 0 else "new"
    moved = round((now - before) / before * 100)
    return "±0%" if moved == 0 else f"{moved:+d}%"


def shown(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


async def test_stats_give_the_scripted_figures_csv_and_chart(database_url: str) -> None:
    s = script()
    clock = Clock(START)
    adapters = {"tg": MemoryAdapter("tg"), "dc": MemoryAdapter("dc")}
    async with console_runtime(database_url, adapters, clock=clock, spaces=[SPACE]) as runtime:
        directory = SqlPersonDirectory()
        async with runtime.store.transaction() as tx:
            keep = await directory.person_of(tx, "telegram", "alice")
            merged = await directory.person_of(tx, "discord", "alice-d")
            await SqlPeopleStore(tx).merge(keep, merged, START)
            people = {
                user: await directory.person_of(tx, "telegram", user) for user in ("alice", "t1")
            }
        thanks = [
            fact_event(
                bot,
                ReputationGiven(
                    platform="telegram",
                    community_id="g1",
                    at=at,
                    scope="town",
                    person_id=people[user],
                    user_id=user,
                    from_user_id="t5",
                    reputation=1,
                ),
            )
            for bot, user, at in s.thanks
        ]
        for event in sorted([*s.events, *thanks], key=lambda event: event.occurred_at):
            clock.now = event.occurred_at
            await runtime.pipeline.submit(event)
            if isinstance(event, CommandIssued):
                await facts_handled(runtime)
        clock.now = START + timedelta(days=DAYS - 1, hours=23, minutes=30)
        boss = BOSS
        stranger = Actor("t1", "T1")
        await play(
            runtime,
            CommandIssued(**envelope("tg", clock.now, stranger), name="stats", argv=("30d",)),
            CommandIssued(**envelope("tg", clock.now, boss), name="stats", argv=("30d",)),
            CommandIssued(**envelope("tg", clock.now, boss), name="stats", argv=("export", "30d")),
        )
        async with runtime.store.transaction() as tx:
            answerers: dict[int, int] = {}
            found = expected(s, today_of(clock) - 29, today_of(clock), today_of(clock))
            for platform, user in found["answerers"]:
                who = await directory.person_of(tx, platform, user)
                answerers[who] = answerers.get(who, 0) + 1
    top = sorted(answerers.items(), key=lambda item: (-item[1], item[0]))[:3]
    answered_first = ", ".join(f"#{who} {n}" for who, n in top)
    thanked = f"#{people['alice']} 2, #{people['t1']} 1"
    today = clock.now.date().toordinal()
    now = expected(s, today - 29, today, today)
    before = expected(s, today - 59, today - 30, today)
    assert now["active"] > 5 and now["joins"] >= 5 and now["week1"] != "—"  # a real test
    texts = [t for t in adapters["tg"].texts() if not t.startswith("Welcome")]
    refusal = next(t for t in reversed(texts) if "/stats" in t and "Messages" not in t)
    answer = next(t for t in reversed(texts) if t.startswith("Stats for"))
    assert "manager" in refusal and "Messages" not in refusal, texts
    assert answer.splitlines() == [
        "Stats for the last 30 days, against the 30 before",
        f"Messages: {now['messages']} ({change(now['messages'], before['messages'])}); "
        f"replies {now['replies']}, reactions {now['reactions']}",
        f"Active members: {now['active']} ({change(now['active'], before['active'])}); "
        f"per day {shown(now['dau'])}, WAU {now['wau']}, MAU {now['mau']}, "
        f"stickiness {now['stickiness']}",
        f"New members: {now['joins']} ({change(now['joins'], before['joins'])}), left 0; "
        f"still writing in week 1: {now['week1']}, in week 4: {now['week4']}",
        "Questions: 4 (new); answered 3, 2 of them in the chat by the bot; unanswered 1; "
        "deflection 25%",
        "Cases: 4 (new); median time to claim 30m, to resolve 3h 0m",
        f"Activation: of {now['joins']} new members, {now['wrote']} wrote, "
        f"{now['replied']} got a reply",
        f"Questions in the chat: {now['asked']} ({change(now['asked'], before['asked'])}); "
        f"first answer in {now['median']} (median), {now['p90']} (p90); by people "
        f"{now['by_people']}, by the bot {now['by_bot']}; never answered {now['never']}",
        f"Heat signals: 2 (new); per week {', '.join(map(str, now['signals']))}",
        "Event check-ins: 2 (new)",
        "Feedback: 3 filed (+50%), 2 shipped (+100%)",
        f"Top contributors: thanked {thanked}; answered first {answered_first or '—'}",
    ]
    assert (now["filed"], now["shipped"], before["filed"], before["shipped"]) == (3, 2, 2, 1)
    assert now["asked"] > 10 and now["by_people"] > 3 and now["by_bot"] >= 1  # a real test
    assert now["replied"] not in ("—", "0%") and now["never"] not in ("—", "0%")
    files = [a for a in adapters["tg"].performed if isinstance(a, SendFile)]
    chart, export = files
    assert chart.mime_type == "image/png" and chart.channel == ChannelRef("general")
    image = Image.open(io.BytesIO(bytes(chart.data)))
    assert image.format == "PNG" and image.size[0] > 100
    image.verify()
    assert export.user_id == "boss" and export.mime_type == "text/csv"
    rows = list(csv.reader(io.StringIO(bytes(export.data).decode("utf-8"))))
    header, body = rows[0], rows[1:]
    assert len(body) == 30
    assert header[-2:] == ["feedback_filed", "feedback_shipped"]
    columns = {name: header.index(name) for name in ("feedback_filed", "feedback_shipped")}
    assert [sum(int(row[i]) for row in body) for i in columns.values()] == [3, 2]
    for row in body:
        day = date.fromisoformat(row[0]).toordinal()
        writers = len({who for d, who in s.active if d == day})
        wanted = [str(writers), *(str(s.counts.get((day, name), 0)) for name in header[2:])]
        assert row[1:] == wanted, row[0]
