"""A poll, or the result of a poll a manager closed, that the platform refuses reaches that
manager privately, in the community's language, with the platform's reason."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from tests.conftest import migrate
from tests.polls.test_polls import ALICE, settle, start
from tests.support import CHANNEL, MemoryAdapter, command
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import Action, SendDirect, SendMessage
from townsquare.core.errors import PermanentDeliveryError
from townsquare.core.ports import Delivered

REASON = "Forbidden: no rights to post here"


class Refusing(MemoryAdapter):
    """Refuses every channel message ``refuse`` picks, as a platform would."""

    def __init__(self, refuse: Callable[[SendMessage], bool]) -> None:
        super().__init__()
        self.refuse = refuse

    async def perform(self, action: Action) -> Delivered:
        if isinstance(action, SendMessage) and self.refuse(action):
            raise PermanentDeliveryError(REASON)
        return await super().perform(action)


async def running(url: str, adapter: MemoryAdapter) -> AsyncIterator[Runtime]:
    await migrate(url)
    runtime = await start(url, adapter)
    yield runtime
    await runtime.stop()


@pytest.fixture
async def refusing_polls(sqlite_url: str) -> AsyncIterator[tuple[Runtime, Refusing]]:
    adapter = Refusing(lambda message: "📊" in message.text.plain())
    async for runtime in running(sqlite_url, adapter):
        yield runtime, adapter


@pytest.fixture
async def refusing_results(sqlite_url: str) -> AsyncIterator[tuple[Runtime, Refusing]]:
    adapter = Refusing(lambda message: message.text.plain().startswith("Poll #1 closed"))
    async for runtime in running(sqlite_url, adapter):
        yield runtime, adapter


def notices(adapter: MemoryAdapter) -> list[SendDirect]:
    return [a for a in adapter.performed if isinstance(a, SendDirect)]


async def test_a_refused_poll_is_reported_to_its_manager_in_the_community_language(
    refusing_polls: tuple[Runtime, Refusing],
) -> None:
    runtime, adapter = refusing_polls
    await runtime.pipeline.submit(command("lang", "it", who=ALICE))
    await runtime.pipeline.submit(command("poll", "Pranzo?", "Pizza", "Sushi", who=ALICE))
    await settle(runtime)

    (notice,) = notices(adapter)
    assert (notice.user_id, notice.display_name) == (ALICE.user_id, ALICE.display_name)
    assert notice.fallback_channel == CHANNEL, "where a private message cannot reach them"
    assert notice.text.plain() == (
        "Non sono riuscito a pubblicare il tuo sondaggio #1 Pranzo?: la piattaforma l'ha "
        "rifiutato. Controlla che io possa pubblicare messaggi con pulsanti in quel canale, "
        f"poi avvia di nuovo il sondaggio.\n{REASON}"
    )


async def test_a_refused_result_is_reported_to_the_manager_who_closed_the_poll(
    refusing_results: tuple[Runtime, Refusing],
) -> None:
    runtime, adapter = refusing_results
    await runtime.pipeline.submit(command("poll", "Lunch?", "Pizza", "Sushi", who=ALICE))
    await settle(runtime)
    assert notices(adapter) == [], "the poll itself was posted"
    await runtime.pipeline.submit(command("poll", "close", "1", who=ALICE))
    await settle(runtime)

    (notice,) = notices(adapter)
    assert notice.user_id == ALICE.user_id
    assert notice.text.plain() == (
        "I could not post the result of poll #1 Lunch?: the platform refused it. Check that "
        f"I may post in that channel; /poll results 1 shows it to you.\n{REASON}"
    )
