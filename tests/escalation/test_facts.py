"""Escalation tells other features what it changed: each fact is published by the action
that makes the change, through the real runtime, and by nothing else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from tests.escalation.support import START, Clock, Place, adapter, person
from tests.facts.support import fact_jobs
from tests.harness import console_runtime, play
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.builtin import builtin_features
from townsquare.core.escalation.feature import Escalation
from townsquare.core.escalation.policy import EscalationPolicy, Threshold
from townsquare.core.escalation.signals import (
    ObservedMessage,
    ObservedReaction,
    Severity,
    Signal,
)
from townsquare.core.facts import (
    CaseClaimed,
    CaseOpened,
    CaseResolved,
    Fact,
    MemberMuted,
    WarningGiven,
)
from townsquare.core.features import Context, Feature, on
from townsquare.core.refs import PlatformRole
from townsquare.storage.escalation import SqlEscalationStore

MALLORY = person("Mallory")
BOB = person("Bob")
ALICE = person("Alice", PlatformRole.ADMIN)


class Flagger:
    """Flags every message saying "FLAG" (a detector the test controls)."""

    name = "flagger"

    def on_message(self, message: ObservedMessage) -> Sequence[Signal]:
        if message.text != "FLAG":
            return ()
        return (Signal("flagger", "insult", Severity.MEDIUM, "flagged", message.message),)

    def on_reaction(self, reaction: ObservedReaction) -> Sequence[Signal]:
        return ()


@dataclass
class Recorder(Feature):
    """Every escalation fact it heard, noted once its handling committed."""

    name = "recorder"
    heard: list[Fact] = field(default_factory=list)
    total: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @on(CaseOpened, CaseClaimed, CaseResolved, WarningGiven, MemberMuted)
    async def hear(self, fact: Fact, ctx: Context) -> None:
        ctx.after_commit(lambda: self._note(fact))

    def _note(self, fact: Fact) -> None:
        self.heard.append(fact)
        self.changed.set()

    async def take(self, runtime: Runtime, count: int) -> list[Fact]:
        """The next ``count`` facts heard, once every fact stored so far was handled:
        more (or fewer) than ``count`` fails."""
        async with asyncio.timeout(10):
            while len(self.heard) < count:
                self.changed.clear()
                if len(self.heard) >= count:
                    break
                if not await runtime.scheduler.run_once():  # the runtime's may have it
                    await self.changed.wait()
        taken, self.heard[:] = self.heard[:count], self.heard[count:]
        self.total += count
        assert self.heard == [], f"more facts than expected: {self.heard}"
        assert await fact_jobs(runtime.engine) == self.total
        return taken


@asynccontextmanager
async def running(url: str, recorder: Recorder, clock: Clock) -> AsyncIterator[Runtime]:
    adapters: dict[str, MemoryAdapter] = {"tg": adapter("tg", "telegram")}
    escalation = Escalation(
        store=SqlEscalationStore,
        detectors=[Flagger()],
        policy=EscalationPolicy(thresholds=(Threshold(2, "mute", timedelta(minutes=30)),)),
    )
    async with console_runtime(
        url,
        adapters,
        clock=clock,
        features=[*builtin_features(), escalation, recorder],
        defaults={"escalate_to": "tg:-1009"},
    ) as runtime:
        yield runtime


async def test_each_case_change_and_each_sanction_is_published_once(database_url: str) -> None:
    clock, recorder = Clock(), Recorder()
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    inbox = Place("tg", "telegram", "-1009", "-1009", title="Managers", clock=clock)
    async with running(database_url, recorder, clock) as rt:
        rude = group.say(MALLORY, "spam")
        await play(rt, rude, group.command("report", "spam", who=BOB, reply_to=rude))
        (opened,) = await recorder.take(rt, 1)
        assert opened == CaseOpened(
            platform="telegram",
            community_id="-1001",
            at=START,
            case_id=1,
            source="report",
            severity=int(Severity.LOW),
            offender_id="mallory",
            reporter_id="bob",
        )

        await play(rt, inbox.press("case:1:claim", who=BOB))  # refused: not a manager
        await play(rt, inbox.press("case:1:claim", who=ALICE))
        await play(rt, inbox.press("case:1:claim", who=ALICE))  # already hers: no change
        (claimed,) = await recorder.take(rt, 1)
        assert claimed == CaseClaimed(
            platform="telegram",
            community_id="-1001",
            at=START,
            case_id=1,
            manager_id="alice",
            manager_platform="telegram",
        )

        await play(rt, group.command("warn", "spam", who=ALICE, reply_to=rude))
        (warned,) = await recorder.take(rt, 1)
        assert warned == WarningGiven(
            platform="telegram",
            community_id="-1001",
            at=START,
            user_id="mallory",
            manager_id="alice",
            warnings=1,
            case_id=1,
        )

        await play(rt, group.command("mute", "2h", who=ALICE, reply_to=rude))
        (muted,) = await recorder.take(rt, 1)
        assert muted == MemberMuted(
            platform="telegram",
            community_id="-1001",
            at=START,
            user_id="mallory",
            manager_id="alice",
            until=START + timedelta(hours=2),
            case_id=1,
        )

        # the second warning reaches the threshold: warned, then muted by the policy
        await play(rt, group.command("warn", who=ALICE, reply_to=rude))
        second, automatic = await recorder.take(rt, 2)
        assert isinstance(second, WarningGiven) and second.warnings == 2
        assert isinstance(automatic, MemberMuted)
        assert automatic.until == START + timedelta(minutes=30)

        await play(rt, inbox.command("case", "1 resolve talked to her", who=ALICE))
        (resolved,) = await recorder.take(rt, 1)
        assert resolved == CaseResolved(
            platform="telegram",
            community_id="-1001",
            at=START,
            case_id=1,
            manager_id="alice",
            manager_platform="telegram",
            dismissed=False,
            reporter_ids=("bob",),
        )
        await play(rt, inbox.command("case", "1 resolve twice", who=ALICE))  # refused
        await play(rt, inbox.command("case", "1 reopen", who=ALICE))  # publishes nothing
        assert await recorder.take(rt, 0) == []


async def test_a_signal_opens_a_case_and_dismissing_it_closes_it(sqlite_url: str) -> None:
    clock, recorder = Clock(), Recorder()
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    inbox = Place("tg", "telegram", "-1009", "-1009", title="Managers", clock=clock)
    async with running(sqlite_url, recorder, clock) as rt:
        await play(rt, group.say(MALLORY, "FLAG"))
        (opened,) = await recorder.take(rt, 1)
        assert isinstance(opened, CaseOpened)
        assert (opened.source, opened.reporter_id, opened.offender_id) == (
            "signal",
            None,
            "mallory",
        )
        await play(rt, inbox.press("case:1:dismiss", who=ALICE))
        (dismissed,) = await recorder.take(rt, 1)
        assert isinstance(dismissed, CaseResolved)
        assert (dismissed.dismissed, dismissed.reporter_ids) == (True, ())
        await play(rt, inbox.press("case:1:dismiss", who=ALICE))  # refused: closed
        assert await recorder.take(rt, 0) == []
