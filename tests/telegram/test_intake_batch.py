"""A getUpdates answer handed to the intake in one call (Intake.handle_batch) ends as the
same updates handled one by one: the same events in the same order, one outcome per
update, roles fetched again after an administrator change within the batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.fakes.telegram import payloads as p
from townsquare.adapters.telegram.inbound import BotIdentity
from townsquare.adapters.telegram.intake import Intake
from townsquare.core.actions import Action
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import Event, MemberJoined, MessagePosted, UpdateRejected
from townsquare.core.pipeline import Pipeline, PipelineClosed

ME = BotIdentity(42, "townsquare_bot")


class Recording(Pipeline):
    """The core's pipeline, recording each batch instead of storing it."""

    def __init__(self) -> None:
        super().__init__(None, Dispatcher([], bots={}), max_delay=0)  # type: ignore[arg-type]
        self.events: list[Event] = []

    async def process(self, events: Sequence[Event]) -> list[Action]:
        self.events += events
        return []


def numbered(update: dict[str, Any], number: int) -> dict[str, Any]:
    return {"update_id": number, **update}


async def opened(pipeline: Pipeline, fetches: list[int]) -> Intake:
    async def administrators(chat_id: int) -> list[dict[str, Any]]:
        fetches.append(chat_id)
        return [p.owner(p.ADMIN)]

    intake = Intake("telegram", "tg", administrators)
    intake.open(ME, pipeline.submit)
    return intake


async def test_a_batch_queues_every_event_in_order_with_one_outcome_each() -> None:
    pipeline, fetches = Recording(), list[int]()
    pipeline.start()
    intake = await opened(pipeline, fetches)
    updates = [
        numbered(p.message("first"), 1),
        "not an object",
        numbered(p.chat_member(p.ALICE, "left", "member"), 3),
        numbered(p.message("last", message_id=11), 4),
    ]
    results = await intake.handle_batch(updates)
    assert results == [None, None, None, None]
    kinds = [type(event) for event in pipeline.events]
    assert kinds == [MessagePosted, UpdateRejected, MemberJoined, MessagePosted]
    assert [e.text for e in pipeline.events if isinstance(e, MessagePosted)] == ["first", "last"]
    assert fetches == [int(str(p.GROUP["id"]))], "the chat's roles were fetched once"
    await pipeline.close()


async def test_an_administrator_change_in_the_batch_refreshes_the_roles_after_it() -> None:
    pipeline, fetches = Recording(), list[int]()
    pipeline.start()
    intake = await opened(pipeline, fetches)
    promoted = p.member_change(p.ALICE, p.member(p.ALICE, "member"), p.administrator(p.ALICE))
    updates = [
        numbered(p.message("before"), 1),
        numbered(promoted, 2),
        numbered(p.message("after", message_id=11), 3),
    ]
    assert await intake.handle_batch(updates) == [None, None, None]
    assert len(fetches) == 2, "fetched for the batch, then again after the change"
    await pipeline.close()


async def test_a_closed_pipeline_fails_every_update_of_the_batch() -> None:
    pipeline, fetches = Recording(), list[int]()
    pipeline.start()
    intake = await opened(pipeline, fetches)
    await pipeline.close()
    results = await intake.handle_batch([numbered(p.message("late"), 1)])
    assert len(results) == 1 and isinstance(results[0], PipelineClosed)
    assert pipeline.events == []
