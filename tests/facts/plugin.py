"""A feature for the ``townsquare run`` process the SIGKILL test starts (``[features]
plugins``): it handles :class:`~tests.facts.support.Told` by noting the word in the
community's settings, but first checks in with the test over a loopback socket and waits
for its word, so the test can kill the process while the handling is in flight (its
transaction open, nothing committed), and learns when the handling committed."""

from __future__ import annotations

import asyncio
import os

from tests.facts.support import Told
from townsquare.core.features import Context, Feature, on

GATE_VARIABLE = "TOWNSQUARE_FACTS_GATE"
"""The loopback port the test listens on."""


class Hanger(Feature):
    name = "hanger"

    @on(Told)
    async def hear(self, fact: Told, ctx: Context) -> None:
        community = fact.community
        assert community is not None
        port = int(os.environ[GATE_VARIABLE])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"{os.getpid()}\n".encode())
        await writer.drain()
        await reader.readline()  # the test answers, or kills this process first
        heard = (await ctx.tx.settings(community)).get("heard", [])
        await ctx.tx.set_setting(community, "heard", [*heard, fact.word], ctx.now)

        def committed() -> None:
            writer.write(b"committed\n")

        ctx.after_commit(committed)
