"""A send the platform accepted is not repeated by a SIGKILL that comes before its mark.

On SQLite the delivery worker's "sent" mark waits for the single writer. The test holds
that writer from outside (``BEGIN IMMEDIATE`` on the database, taken by the fake Bot API
the moment it accepts the greeting), so the mark cannot commit; then it kills the real
``townsquare run`` with SIGKILL, lets go of the database and starts it again. Before the
sent journal (:mod:`core.sent_journal`) the restarted process sent the greeting a second
time; now it reads the journal, marks the row sent and sends only what is new.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy.engine import make_url

from tests.chaos.botapi import ChaosBotApi
from tests.chaos.runner import Mode, Run, until
from tests.chaos.script import group, user
from tests.fakes.telegram.server import _params

pytestmark = [pytest.mark.chaos]

CHAT = group(1)
FIRST = user(2_100_001, "Ada")
SECOND = user(2_100_002, "Bruno")


@dataclass
class HoldingBotApi(ChaosBotApi):
    """Takes SQLite's write lock when it accepts the first greeting, and keeps it."""

    database: Path | None = None
    held: sqlite3.Connection | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        waiting = self.database is not None and self.held is None
        if waiting and request.match_info["method"] == "sendMessage":
            text = str((await _params(request)).get("text", ""))
            if self.database is not None and text.startswith("Welcome"):
                self.held = sqlite3.connect(self.database, timeout=30, isolation_level=None)
                self.held.execute("BEGIN IMMEDIATE")
        return await super()._handle(request)

    def let_go(self) -> None:
        if self.held is not None:
            self.held.rollback()
            self.held.close()


def _join(update_id: int, member: dict[str, object]) -> dict[str, object]:
    return {
        "update_id": update_id,
        "chat_member": {
            "chat": CHAT,
            "from": member,
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": member},
            "new_chat_member": {"status": "member", "user": member},
        },
    }


def _greetings(api: ChaosBotApi, member: dict[str, object]) -> int:
    mention = f"tg://user?id={member['id']}"
    texts = [str(record.params.get("text", "")) for record in api.accepted("sendMessage")]
    return sum(1 for text in texts if text.startswith("Welcome") and mention in text)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("chaos_database", ["sqlite"], indirect=True)
async def test_a_send_killed_before_its_mark_is_not_sent_again(
    chaos_database: str, tmp_path: Path
) -> None:
    database = Path(make_url(chaos_database).database or "")
    journal = database.with_name(database.name + ".sent")
    api = HoldingBotApi(database=database)
    mode = Mode("sqlite, killed while the mark waits", "sqlite")
    async with Run(mode, tmp_path, chaos_database, chaos_database, api=api) as run:
        assert run.fleet is not None
        await api.push(_join(1, FIRST))

        async def greeted_and_journaled() -> bool:
            return _greetings(api, FIRST) == 1 and journal.exists() and journal.stat().st_size > 0

        journaled = await until(api, greeted_and_journaled, time.monotonic() + 60, every=0.02)
        assert _greetings(api, FIRST) == 1, run.logs()
        await run.fleet.kill(0)
        api.let_go()

        await run.fleet.start(0)
        await api.push(_join(2, SECOND))

        async def second_greeted() -> bool:
            return _greetings(api, SECOND) >= 1

        assert await until(api, second_greeted, time.monotonic() + 90), run.logs()
        assert run.outbox is not None
        assert not await run.outbox.pending(), "rows left in the outbox after the restart"
        assert _greetings(api, FIRST) == 1, (
            f"the first greeting was sent {_greetings(api, FIRST)} times\n{run.logs()}"
        )
        assert _greetings(api, SECOND) == 1
        assert journaled, "the greeting was not journaled before the kill"
