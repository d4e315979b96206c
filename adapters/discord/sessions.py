"""Gateway sessions that outlive the process: what Discord sent while no process ran is
received by the next one.

Discord replays a session's missed dispatches to whoever RESUMEs it, but discord.py resumes
only inside the process that identified (a fresh client has no session to resume, and
after a RESUME Discord sends neither READY nor the guilds its cache needs). So a bot whose
process was killed, or restarted, would silently miss every join, message and press of the
gap. Here:

* every :data:`SAVE_EVERY` seconds, and on a graceful stop, each shard's session id,
  resume URL and sequence are stored (:class:`core.ports.GatewaySessions`), but only a
  sequence whose dispatches were all handed to the core (stored); once a dispatch could
  not be stored (the database was gone), the saved sequence stays before it for the rest
  of the process, so the next start's resume replays it (and what follows, handled once);
* a graceful stop closes the gateway with 4000, not 1000, which keeps the session
  resumable for the next start;
* the next start identifies as usual (READY and GUILD_CREATE fill the cache), then opens a
  second connection that RESUMEs the stored session through the same discord.py state:
  Discord replays the missed dispatches, which go through the same parsers and handlers;
  at RESUMED that connection is closed with 1000, ending the old session. What both
  sessions receive is handled once (the core de-duplicates by event id); interactions
  created after the new session's READY are left to it, so none is acknowledged twice;
  a replayed join of a member the new session's guild list already holds is still a join
  (discord.py would discard it as a known member).

A session Discord no longer knows (it expired) is reported in one line and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket, ReconnectWebSocket

from townsquare.adapters.discord.gateway import Intake
from townsquare.core.ports import GatewaySession, GatewaySessions
from townsquare.core.waiting import wait_event

log = logging.getLogger(__name__)

SAVE_EVERY = 5.0
"""Seconds between saves of each shard's session (a resume replays at most this much
more than needed; what is replayed twice is handled once)."""
CATCH_UP_TIMEOUT = 30.0
"""Seconds a resumed old session may take to replay what it missed."""


def shard_sockets(client: discord.Client) -> dict[int, DiscordWebSocket]:
    """The live gateway connection of each shard this client runs."""
    if isinstance(client, discord.AutoShardedClient):
        sockets: dict[int, DiscordWebSocket] = {}
        for shard_id, info in client.shards.items():
            ws = getattr(getattr(info, "_parent", None), "ws", None)
            if isinstance(ws, DiscordWebSocket):
                sockets[shard_id] = ws
        return sockets
    ws = client.ws
    return {client.shard_id or 0: ws} if isinstance(ws, DiscordWebSocket) else {}


def where(ws: DiscordWebSocket) -> GatewaySession | None:
    """Where ``ws``'s session is now, if it has one."""
    if not ws.session_id or ws.sequence is None:
        return None
    return GatewaySession(ws.session_id, str(ws.gateway), int(ws.sequence))


class Sessions:
    """Saves a bot's gateway sessions and resumes the ones a previous process left."""

    def __init__(self, bot: str, store: GatewaySessions | None, intake: Intake) -> None:
        self.bot = bot
        self.store = store
        self.intake = intake
        self._saved: dict[int, GatewaySession] = {}
        """What was last stored per shard: an unchanged session is not written again."""
        self.caught_up = asyncio.Event()
        """Set once the sessions left by a previous process were resumed (or skipped)."""
        self._stopping = asyncio.Event()

    @property
    def kept(self) -> bool:
        return self.store is not None

    async def run(self, client: discord.Client, ready_at: datetime) -> None:
        """Catch up on the sessions a previous process left, then save these ones."""
        try:
            await self.catch_up(client, ready_at)
        finally:
            self.caught_up.set()
        while not await wait_event(self._stopping, SAVE_EVERY):
            await self.save(client)

    def stop(self) -> None:
        self._stopping.set()

    # saving -----------------------------------------------------------------------------

    def snapshot(self, client: discord.Client) -> dict[int, GatewaySession]:
        return {
            shard: session
            for shard, ws in shard_sockets(client).items()
            if (session := where(ws)) is not None
        }

    async def save(
        self, client: discord.Client, snapshot: dict[int, GatewaySession] | None = None
    ) -> None:
        """Store each shard's session at a sequence whose dispatches are all stored."""
        if self.store is None:
            return
        taken = self.snapshot(client) if snapshot is None else snapshot
        await self.intake.settled()
        if self.intake.failures:
            return  # a dispatch was not stored: keep the older sequence, so it is replayed
        for shard, session in taken.items():
            if self._saved.get(shard) == session:
                continue  # a quiet bot: nothing new since the last save
            try:
                await self.store.save(self.bot, shard, session)
                self._saved[shard] = session
            except Exception as error:
                log.warning(
                    "bot %s: cannot save gateway session of shard %s: %s", self.bot, shard, error
                )
                return

    # resuming ---------------------------------------------------------------------------

    async def catch_up(self, client: discord.Client, ready_at: datetime) -> None:
        if self.store is None:
            return
        sharded = isinstance(client, discord.AutoShardedClient)
        for shard, ws in shard_sockets(client).items():
            try:
                saved = await self.store.load(self.bot, shard)
            except Exception as error:
                log.warning("bot %s: cannot read the saved gateway session: %s", self.bot, error)
                return
            if saved is None or saved.session_id == ws.session_id:
                continue
            replayed = await self._resume(client, shard if sharded else None, saved, ready_at)
            if replayed is not None:
                log.info(
                    "bot %s: resumed the session of shard %s that the previous process left; "
                    "%d missed dispatch(es) received",
                    self.bot,
                    shard,
                    replayed,
                )
        await self.save(client)

    async def _resume(
        self,
        client: discord.Client,
        shard_id: int | None,
        saved: GatewaySession,
        ready_at: datetime,
    ) -> int | None:
        """RESUME ``saved`` on a second connection until Discord says RESUMED; return how
        many dispatches it replayed (None: it could not be resumed)."""
        resumed = asyncio.Event()
        replayed = 0

        def counting(name: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
            def run(data: Any) -> None:
                nonlocal replayed
                if name == "RESUMED":
                    resumed.set()
                elif name == "INTERACTION_CREATE" and _created_after(data, ready_at):
                    return  # the new session received it too, and acknowledges it
                else:
                    replayed += 1
                if name == "GUILD_MEMBER_ADD":
                    _forget_member(client, data)
                parse(data)

            return run

        try:
            ws = await asyncio.wait_for(
                DiscordWebSocket.from_client(
                    client,
                    gateway=yarl.URL(saved.resume_url),
                    shard_id=shard_id,
                    session=saved.session_id,
                    sequence=saved.sequence,
                    resume=True,
                ),
                CATCH_UP_TIMEOUT,
            )
        except (OSError, aiohttp.ClientError, TimeoutError, discord.DiscordException) as error:
            log.warning(
                "bot %s: cannot resume the previous process's gateway session (%s); what "
                "Discord sent while no process ran is not received",
                self.bot,
                error,
            )
            return None
        ws._discord_parsers = {  # this connection only: the client's own stay as they are
            name: counting(name, parse) for name, parse in ws._discord_parsers.items()
        }
        try:
            async with asyncio.timeout(CATCH_UP_TIMEOUT):
                while not resumed.is_set():
                    await ws.poll_event()
        except ReconnectWebSocket:
            log.warning(
                "bot %s: Discord no longer knows the previous process's gateway session (it "
                "expired); what it sent while no process ran is not received",
                self.bot,
            )
            return None
        except (TimeoutError, OSError, aiohttp.ClientError, discord.DiscordException) as error:
            log.warning(
                "bot %s: resuming the previous process's gateway session failed (%s); %d "
                "missed dispatch(es) received",
                self.bot,
                error or type(error).__name__,
                replayed,
            )
            return None
        finally:
            with contextlib.suppress(Exception):
                await ws.close(code=1000)  # ends the old session
        await self.intake.settled()
        return replayed


def _forget_member(client: discord.Client, data: Any) -> None:
    """A member who joined while no process ran is already in the guild list the new
    session's GUILD_CREATE brought, and discord.py discards a join of a cached member:
    drop them from the cache so the replayed join is a join."""
    try:
        guild = client.get_guild(int(data["guild_id"]))
        user_id = int(data["user"]["id"])
    except (KeyError, TypeError, ValueError):
        return
    member = guild.get_member(user_id) if guild is not None else None
    if guild is not None and member is not None:
        guild._remove_member(member)


def _created_after(data: Any, moment: datetime) -> bool:
    try:
        created = discord.utils.snowflake_time(int(data["id"]))
    except (KeyError, TypeError, ValueError):
        return False
    return created.astimezone(UTC) >= moment
