"""The built-in features publish their facts when the member's or manager's action
happens, through the real runtime (pipeline, scheduler, SQL store): a subscriber to
every fact sees each once, with the values a consumer needs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from tests.facts.support import Clock, Listener
from tests.harness import console_runtime, play
from tests.support import MemoryAdapter, joined, manager, member, said, typed
from townsquare.bots.runtime import Runtime, default_features
from townsquare.core.facts import (
    Fact,
    FaqAnswered,
    FaqRated,
    FaqUnanswered,
    MemberGreeted,
    MemberVerified,
    PollClosed,
    VoteCast,
)
from townsquare.core.features import Context, Feature, on

ALICE, BOB, CAROL = manager("Alice"), member("Bob"), member("Carol")


class Recorder(Listener):
    """Every fact any feature publishes, as it was handled (committed)."""

    name = "recorder"

    def __init__(self) -> None:
        super().__init__()
        self.facts: list[Fact] = []
        self.taken = 0

    @on(Fact)
    async def record(self, fact: Fact, ctx: Context) -> None:
        ctx.after_commit(lambda: self._keep(fact))

    def _keep(self, fact: Fact) -> None:
        self.facts.append(fact)
        self._note(fact.kind, 0)

    async def next(self, *kinds: type[Fact]) -> list[Fact]:
        """The next ``len(kinds)`` facts not looked at yet, checked to be of those types
        in that order."""
        start = self.taken
        await self.hears(start + len(kinds))
        self.taken = start + len(kinds)
        got = self.facts[start : self.taken]
        assert [type(fact) for fact in got] == list(kinds), got
        return got


@asynccontextmanager
async def running(url: str) -> AsyncIterator[tuple[Runtime, Recorder, Clock]]:
    recorder, clock = Recorder(), Clock()
    features: list[Feature] = [*default_features(), recorder]
    async with console_runtime(
        url, {"mem": MemoryAdapter("mem")}, clock=clock, features=features
    ) as runtime:
        yield runtime, recorder, clock
        while await runtime.scheduler.run_once():
            pass
    # Stopped: whatever was published was handled by now, and nothing more than the test
    # looked at (a fact handled twice would show here).
    assert recorder.facts[recorder.taken :] == []


def where(fact: Fact, at: datetime) -> tuple[str, str | None, datetime]:
    return fact.platform, fact.community_id, fact.at


async def test_polls_publish_votes_and_the_close(sqlite_url: str) -> None:
    async with running(sqlite_url) as (runtime, recorder, clock):
        await play(runtime, typed('/poll "Lunch?" Pizza Sushi --multi', who=ALICE))
        pressed = typed("/vote 1 2", who=BOB)
        await play(runtime, pressed, pressed)  # redelivered: one vote, one fact
        (vote,) = await recorder.next(VoteCast)
        assert isinstance(vote, VoteCast)
        assert (vote.poll_id, vote.user_id, vote.options) == (1, "bob", (1,))
        assert where(vote, clock.now) == ("memory", "c1", clock.now)
        await play(runtime, typed("/vote 1 1", who=CAROL), typed("/vote 1 retract", who=BOB))
        added, withdrawn = await recorder.next(VoteCast, VoteCast)
        assert isinstance(added, VoteCast) and isinstance(withdrawn, VoteCast)
        assert (added.user_id, added.options) == ("carol", (0,))
        assert (withdrawn.user_id, withdrawn.options) == ("bob", ())
        await play(runtime, typed("/poll close 1", who=ALICE), typed("/poll close 1", who=ALICE))
        (closed,) = await recorder.next(PollClosed)
        assert isinstance(closed, PollClosed)
        assert (closed.poll_id, closed.counts, closed.voters, closed.closed_by) == (
            1,
            (1, 0),
            1,
            "alice",
        )


async def test_faq_publishes_answers_ratings_and_unanswered_questions(sqlite_url: str) -> None:
    async with running(sqlite_url) as (runtime, recorder, _clock):
        await play(runtime, typed('/faq add "How do I pay?" "With a card."', who=ALICE))
        await play(runtime, typed("/faq how do I pay", who=BOB))
        (answered,) = await recorder.next(FaqAnswered)
        assert isinstance(answered, FaqAnswered)
        assert (answered.entry_id, answered.user_id, answered.automatic) == (1, "bob", False)
        await play(runtime, typed("/faq helpful 1", who=BOB), typed("/faq helpful 1", who=BOB))
        (rated,) = await recorder.next(FaqRated)
        assert isinstance(rated, FaqRated)
        assert (rated.entry_id, rated.user_id, rated.helpful) == (1, "bob", True)
        await play(runtime, said("How do I pay?", who=CAROL))
        (automatic,) = await recorder.next(FaqAnswered)
        assert isinstance(automatic, FaqAnswered)
        assert (automatic.user_id, automatic.automatic) == ("carol", True)
        await play(runtime, typed("/faq parking zebras", who=CAROL))
        (unanswered,) = await recorder.next(FaqUnanswered)
        assert isinstance(unanswered, FaqUnanswered)
        assert unanswered.user_id == "carol" and "zebra" in unanswered.question


async def test_onboarding_publishes_greetings_and_verification(sqlite_url: str) -> None:
    async with running(sqlite_url) as (runtime, recorder, _clock):
        await play(runtime, joined("Dora"))
        (greeted,) = await recorder.next(MemberGreeted)
        assert isinstance(greeted, MemberGreeted)
        assert (greeted.user_id, greeted.combined, greeted.community_id) == ("dora", False, "c1")
        await play(runtime, typed("/verify on", who=ALICE), joined("Bob"))
        (gated,) = await recorder.next(MemberGreeted)
        assert isinstance(gated, MemberGreeted) and gated.user_id == "bob"
        await play(runtime, typed("/accept", who=BOB), typed("/accept", who=BOB))
        (verified,) = await recorder.next(MemberVerified)
        assert isinstance(verified, MemberVerified) and verified.user_id == "bob"
