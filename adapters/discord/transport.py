"""The Discord adapter: a discord.py 2 client feeding the core, and REST for actions.

Modules by responsibility: :mod:`.client` (discord.py set-up, start errors, command
registration), :mod:`.gateway` (intake: every dispatch reaches the sink, mapped or as
:class:`~core.events.UpdateRejected`), :mod:`.receipt` (interactions stored, then
acknowledged), :mod:`.interactions` and :mod:`.answers` (answers through the
interaction's token, from any process), :mod:`.rest` (the bot's REST calls, idempotent
sends, errors), :mod:`.publishing` (pins, and publications to an announcement channel's
followers). This module holds the client's lifecycle, the gateway handlers and
``perform``.

Acknowledge only what is stored: gateway events are handed to the sink as soon as
discord.py parsed them, and :meth:`DiscordAdapter.stop` closes the gateway first, then
waits until everything received was handed over, so nothing arrives that could not be
stored. discord.py resumes the session after a dropped connection within a process
(Discord replays what was missed); across processes (a SIGKILL, a restart) the sessions
are kept in the database and the next start resumes them beside its own
(:mod:`.sessions`), so what Discord sent while no process ran is received too.

Answers travel in the outbox: the event's ``interaction_id`` is an
:class:`~adapters.discord.interactions.InteractionRef` (``"<id>:<kind>:<token>"``) that
features copy into their actions, so any process delivers them:

* ``SendEphemeral`` replaces the placeholder, or becomes an ephemeral follow-up (by
  direct message once the token carries nothing; never in the channel);
* ``AnswerButton`` with a toast becomes an ephemeral follow-up;
* ``AskText`` opens a modal while the press takes one, else sends the typed command;
* ``SendMessage`` with it is posted in the channel, where everyone sees it and it can be
  edited later (a poll), and the placeholder is removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, assert_never

import aiohttp
import discord

from townsquare.adapters.common_config import secret_value
from townsquare.adapters.discord import inbound, interest, outbound, publishing, slash
from townsquare.adapters.discord.answers import Answers
from townsquare.adapters.discord.client import (
    _OVERRIDES,
    DiscordStartError,
    api_base,
    close_code_message,
    gateway_url,
    intents_for,
    privileged_intents_message,
    sync_commands,
    sync_guild_commands,
)
from townsquare.adapters.discord.config import DiscordBotConfig
from townsquare.adapters.discord.errors import delivery_error
from townsquare.adapters.discord.gateway import Intake
from townsquare.adapters.discord.interactions import InteractionRef, Responder, Webhooks
from townsquare.adapters.discord.receipt import (
    Receipt,
)
from townsquare.adapters.discord.rest import Rest
from townsquare.adapters.discord.sessions import Sessions
from townsquare.adapters.discord.startup import Startup
from townsquare.core.actions import (
    Action,
    AnswerButton,
    AskText,
    CancelScheduledEvent,
    CreateScheduledEvent,
    CrosspostMessage,
    DeleteMessage,
    EditMessage,
    GiveRole,
    PinMessage,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendEphemeral,
    SendFile,
    SendMessage,
    TakeRole,
    UnpinMessage,
    UnrestrictMember,
    UpdateScheduledEvent,
)
from townsquare.core.capabilities import Capability
from townsquare.core.errors import PermanentDeliveryError, TransientDeliveryError
from townsquare.core.events import Event
from townsquare.core.ports import Adapter, AdapterDeps, Delivered, EventSink
from townsquare.core.refs import ChannelRef

__all__ = [
    "DiscordAdapter",
    "DiscordStartError",
    "api_base",
    "create_adapter",
    "delivery_error",
    "sync_commands",
]

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0
MAX_RATELIMIT_WAIT = 30.0
"""discord.py sleeps through 429s up to this long (its minimum); longer ones are raised
as :class:`RateLimited` so the delivery worker reschedules instead of blocking."""
PLACEHOLDER_TIMEOUT = 30.0
"""Seconds a command's "thinking" placeholder waits for an answer before it is removed."""
ANSWER_WINDOW = 2.0
"""Seconds a press that may open a form waits for the core's first answer before it is
deferred (Discord allows 3 from the interaction's creation; the window shrinks by the
time the interaction took to arrive)."""


# -- the adapter ----------------------------------------------------------------------------------


class DiscordAdapter:
    """One Discord bot (optionally a subset of its shards)."""

    platform = "discord"
    placeholder_timeout = PLACEHOLDER_TIMEOUT
    answer_window = ANSWER_WINDOW

    def __init__(self, config: DiscordBotConfig, deps: AdapterDeps) -> None:
        self.config = config
        self.bot = config.name
        self.deps = deps
        capabilities = set(outbound.CAPABILITIES)
        if config.message_content:
            capabilities.add(Capability.MESSAGE_CONTENT)
        self.capabilities: frozenset[Capability] = frozenset(capabilities)
        self.limits = outbound.LIMITS
        self.commands = slash.build(deps.commands)
        self.client: discord.Client | None = None
        self.intake = Intake(self.bot)
        self.responder = Responder(self.bot, Webhooks(self._application_id))
        self.pending = self.responder.pending
        self.rest = Rest(self.bot, self._http)
        self.answers = Answers(self.bot, self.responder, self.rest)
        self.receipt = Receipt(self)
        self.sessions = Sessions(self.bot, deps.sessions, self.intake)
        self._ready = asyncio.Event()
        self._ready_at = datetime.now(UTC)
        self._startup = Startup(())
        self._connect_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._claimed = False
        self._closed = False
        self.lost: str | None = None
        """Why the gateway connection ended for good while running (a token reset, an
        intent turned off): the runtime reports the bot as ``lost`` in ``/readyz``."""
        self.ended = asyncio.Event()
        """Set when :attr:`lost` is: the runtime then starts the bot again, with backoff."""

    # lifecycle ----------------------------------------------------------------------------

    def _make_client(self) -> discord.Client:
        options: dict[str, Any] = {
            "intents": intents_for(self.config),
            "guild_ready_timeout": self.config.guild_ready_timeout,
            "chunk_guilds_at_startup": False,
            "max_ratelimit_timeout": MAX_RATELIMIT_WAIT,
            "allowed_mentions": discord.AllowedMentions.none(),
            "enable_debug_events": False,
        }
        # townsquare uses no voice; discord.py's "voice will NOT be supported" warnings at
        # every start would only send operators looking for a problem that is not there.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        client: discord.Client
        if self.config.shards is not None:
            options["shard_count"] = self.config.shards
            if self.config.shard_ids is not None:
                options["shard_ids"] = list(self.config.shard_ids)
            client = discord.AutoShardedClient(**options)
        else:
            client = discord.Client(**options)
        handlers: dict[str, Callable[..., Awaitable[None]]] = {
            "on_ready": self._on_ready,
            "on_message": self._on_message,
            "on_raw_message_edit": self._on_raw_message_edit,
            "on_raw_message_delete": self._on_raw_message_delete,
            "on_member_join": self._on_member_join,
            "on_raw_member_remove": self._on_raw_member_remove,
            "on_raw_reaction_add": self._on_raw_reaction_add,
            "on_guild_join": self._on_guild_join,
            "on_guild_available": self._on_guild_available,
            "on_guild_remove": self._on_guild_remove,
            "on_interaction": self._on_interaction,
            "on_scheduled_event_user_add": self._on_interested,
            "on_scheduled_event_user_remove": self._on_not_interested,
        }
        for name, handler in handlers.items():
            setattr(client, name, handler)
        # The dict the gateway looks parsers up in (discord.py has no public hook for a
        # dispatch its parser cannot read; unguarded, one would end the connection).
        self.intake.guard(client._connection.parsers)
        shards = self.config.shard_ids or range(self.config.shards or 1)
        self._startup = Startup(shards if self.config.shards is not None else [0])
        self._startup.watch_ready(client._connection.parsers, self._now_ready)
        return client

    async def start(self, sink: EventSink) -> None:
        """Log in, connect the gateway, wait for READY; raise :class:`DiscordStartError`
        with an actionable message when Discord refuses."""
        self.intake.sink = sink
        self._closed = False  # a start after close (a retry, a lost bot started again)
        self.lost = None
        self.ended.clear()
        self._ready.clear()
        _OVERRIDES.claim(self.bot, api_base(self.config), gateway_url(self.config))
        self._claimed = True
        client = self.client = self._make_client()
        try:
            await self._login(client)
            self.intake.accepting = True
            self._connect_task = asyncio.create_task(
                client.connect(reconnect=True), name=f"discord-gateway-{self.bot}"
            )
            await self._wait_ready(self._connect_task)
        except BaseException:
            self.intake.accepting = False
            await self.close()
            raise
        self._connect_task.add_done_callback(self._gateway_ended)
        if not self.config.message_content:
            log.warning(
                "bot %s runs without the Message Content intent: it cannot read ordinary "
                "messages, so FAQ auto-answers are off; slash commands, buttons and the "
                "'%s' menu work",
                self.bot,
                slash.REPORT_MENU,
            )
        if self.config.sync_commands:
            self.spawn(self._sync_guilds([guild.id for guild in client.guilds]))
        if self.sessions.kept:
            self.spawn(self.sessions.run(client, self._ready_at))

    async def _login(self, client: discord.Client) -> None:
        try:
            await client.login(secret_value(self.config.token))
        except discord.LoginFailure:
            raise DiscordStartError(
                f"Discord rejected the token of bot {self.bot} (401 Unauthorized): copy the "
                "bot token from the developer portal (your application -> Bot -> Reset Token) "
                "into the config"
            ) from None
        except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
            raise DiscordStartError(
                f"bot {self.bot} cannot reach Discord at {api_base(self.config)}: {error}"
            ) from None

    async def _wait_ready(self, connect: asyncio.Task[None]) -> None:
        ready = asyncio.create_task(self._ready.wait())
        try:
            done, _pending = await asyncio.wait(
                {ready, connect}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
        if connect in done:
            raise self._gateway_failure(connect)
        if not done:
            raise DiscordStartError(
                f"bot {self.bot}: the Discord gateway at {gateway_url(self.config)} did not "
                f"become ready within {START_TIMEOUT:.0f}s"
            )

    def _gateway_failure(self, connect: asyncio.Task[None]) -> DiscordStartError:
        error = None if connect.cancelled() else connect.exception()
        client = self.client
        if isinstance(error, discord.PrivilegedIntentsRequired):
            flags = client.application_flags if client is not None else None
            app_id = client.application_id if client is not None else None
            return DiscordStartError(privileged_intents_message(self.config, flags, app_id))
        if isinstance(error, discord.ConnectionClosed):
            return DiscordStartError(close_code_message(self.config, error.code))
        if error is None:
            return DiscordStartError(f"bot {self.bot}: the gateway connection ended")
        return DiscordStartError(f"bot {self.bot}: gateway connection failed: {error}")

    def _gateway_ended(self, task: asyncio.Task[None]) -> None:
        """The gateway loop ended on its own (discord.py reconnects by itself otherwise)."""
        if self._closed or task.cancelled():
            return
        self.intake.accepting = False
        self.lost = str(self._gateway_failure(task))
        log.error("%s; bot %s no longer receives events", self.lost, self.bot)
        self.ended.set()

    def spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Stop receiving: close the gateway, then wait until every event already received
        was handed to the core. With sessions kept, the gateway is closed so that its
        session stays resumable and where it stands is saved: the next start receives
        what Discord sends in between. REST keeps working so the outbox can drain."""
        self.sessions.stop()
        client = self.client
        snapshot = self.sessions.snapshot(client) if client is not None else {}
        await self._disconnect(code=4000 if self.sessions.kept else 1000)
        if client is not None and self.sessions.kept:
            snapshot = self.sessions.snapshot(client) or snapshot
        await self.intake.drain()
        self.intake.accepting = False
        if client is not None and snapshot:
            await self.sessions.save(client, snapshot)

    async def _disconnect(self, code: int = 1000) -> None:
        connect, self._connect_task = self._connect_task, None
        if connect is not None and not connect.done():
            connect.cancel()
            with contextlib.suppress(BaseException):
                await connect
        client = self.client
        if client is None:
            return
        _cancel_delayed_ready(client)
        try:
            if isinstance(client, discord.AutoShardedClient):
                for shard in client.shards.values():
                    ws = getattr(getattr(shard, "_parent", None), "ws", None)
                    if code != 1000 and ws is not None:
                        await ws.close(code=code)
                    else:
                        await shard.disconnect()
            elif client.ws is not None:
                await client.ws.close(code=code)
        except (discord.DiscordException, aiohttp.ClientError, OSError) as error:
            log.debug("bot %s: closing the gateway: %s", self.bot, error)

    async def close(self) -> None:
        self._closed = True
        self.intake.accepting = False
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        if self.client is not None:
            _cancel_delayed_ready(self.client)
            with contextlib.suppress(Exception):
                await self.client.close()
        if self._connect_task is not None:
            if not self._connect_task.done():
                self._connect_task.cancel()
            with contextlib.suppress(BaseException):
                await self._connect_task
        await self.responder.webhooks.close()
        if self._claimed:
            _OVERRIDES.release(self.bot)
            self._claimed = False

    # slash command registration -----------------------------------------------------------

    async def _sync_guilds(self, guild_ids: list[int]) -> int:
        client = self.client
        if client is None:
            return 0
        return await sync_guild_commands(client, self.commands, guild_ids, bot=self.bot)

    # inbound ------------------------------------------------------------------------------

    async def _emit(self, kind: str, build: Callable[[], Event | None]) -> None:
        await self.intake.emit(self.intake.map(kind, build))

    def guild(self, guild_id: int | None) -> discord.Guild | None:
        if guild_id is None or self.client is None:
            return None
        return self.client.get_guild(guild_id)

    def _is_me(self, user_id: int) -> bool:
        me = self.client.user if self.client is not None else None
        return me is not None and me.id == user_id

    def _now_ready(self) -> None:
        """Every guild READY listed has arrived (or discord.py's own ``ready`` came)."""
        if not self._ready.is_set():
            self._ready_at = datetime.now(UTC)
        self._ready.set()

    async def _on_ready(self) -> None:
        self._now_ready()

    async def _on_guild_available(self, guild: discord.Guild) -> None:
        client = self.client
        if client is None or client.is_ready():
            return  # back after an outage: nothing to report
        if self._startup.arrived(guild.id):
            await self._on_guild_join(guild)  # invited while discord.py still waited
        elif self._startup.complete:
            self._now_ready()

    async def _on_message(self, message: discord.Message) -> None:
        def build() -> Event | None:
            if self._is_me(message.author.id):
                return None
            return inbound.message_posted(message, bot=self.bot)

        await self._emit("MESSAGE_CREATE", build)

    async def _on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        def build() -> Event | None:
            if self._is_me(payload.message.author.id):
                return None
            guild = self.guild(payload.guild_id)
            return inbound.message_edited(payload, bot=self.bot, guild=guild)

        await self._emit("MESSAGE_UPDATE", build)

    async def _on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        def build() -> Event | None:
            cached = payload.cached_message
            if cached is not None and self._is_me(cached.author.id):
                return None
            guild = self.guild(payload.guild_id)
            return inbound.message_deleted(payload, bot=self.bot, guild=guild)

        await self._emit("MESSAGE_DELETE", build)

    async def _on_member_join(self, member: discord.Member) -> None:
        def build() -> Event | None:
            if self._is_me(member.id):
                return None
            return inbound.member_joined(member, bot=self.bot)

        await self._emit("GUILD_MEMBER_ADD", build)

    async def _on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        now = datetime.now(UTC)

        def build() -> Event | None:
            if self._is_me(payload.user.id):
                return None
            guild = self.guild(payload.guild_id)
            return inbound.member_left(payload, bot=self.bot, guild=guild, now=now)

        await self._emit("GUILD_MEMBER_REMOVE", build)

    async def _on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        def build() -> Event | None:
            if self._is_me(payload.user_id):
                return None
            guild = self.guild(payload.guild_id)
            reactor: discord.abc.User | None = payload.member
            if reactor is None and self.client is not None:
                reactor = self.client.get_user(payload.user_id)
            author: discord.abc.User | None = None
            if payload.message_author_id is not None:
                if guild is not None:
                    author = guild.get_member(payload.message_author_id)
                if author is None and self.client is not None:
                    author = self.client.get_user(payload.message_author_id)
            return inbound.reaction_added(
                payload, bot=self.bot, guild=guild, reactor=reactor, author=author
            )

        await self._emit("MESSAGE_REACTION_ADD", build)

    async def _on_interested(self, event: discord.ScheduledEvent, user: discord.User) -> None:
        await self._interest(event, user, added=True)

    async def _on_not_interested(self, event: discord.ScheduledEvent, user: discord.User) -> None:
        await self._interest(event, user, added=False)

    async def _interest(
        self, event: discord.ScheduledEvent, user: discord.User, *, added: bool
    ) -> None:
        me = self.client.user.id if self.client is not None and self.client.user else None
        found = await interest.interest_changed(
            self.rest, bot=self.bot, me=me, scheduled=event, user=user, added=added
        )
        if found is not None:
            await self.intake.emit(found)

    async def _on_guild_join(self, guild: discord.Guild) -> None:
        if self.config.sync_commands and self.intake.accepting:
            self.spawn(self._sync_guilds([guild.id]))
        await self._emit("GUILD_CREATE", lambda: inbound.bot_added(guild, bot=self.bot))

    async def _on_guild_remove(self, guild: discord.Guild) -> None:
        now = datetime.now(UTC)
        await self._emit("GUILD_DELETE", lambda: inbound.bot_removed(guild, bot=self.bot, now=now))

    async def _on_interaction(self, interaction: discord.Interaction) -> None:
        await self.receipt.handle(interaction)

    # outbound -----------------------------------------------------------------------------

    def _application_id(self) -> int | None:
        return self.client.application_id if self.client is not None else None

    def _http(self) -> discord.http.HTTPClient:
        client = self.client
        if client is None or client.is_closed() or client.user is None:
            raise TransientDeliveryError(f"bot {self.bot} is not connected to Discord yet")
        return client.http

    async def perform(self, action: Action) -> Delivered:
        match action:
            case SendMessage():
                return await self._send_message(action, action.idempotency_key)
            case SendDirect():
                dm = await self.rest.direct_channel(action.user_id)
                return await self.rest.post(
                    dm, action.text, action.buttons, key=action.idempotency_key
                )
            case SendEphemeral():
                return await self.answers.ephemeral(action)
            case SendFile():
                return await self.rest.send_file(action, action.idempotency_key)
            case EditMessage():
                return await self.rest.edit(action)
            case DeleteMessage():
                return await self.rest.delete(action)
            case AnswerButton():
                return await self.answers.button(action)
            case AskText():
                return await self.answers.form(action)
            case (
                RestrictMember()
                | UnrestrictMember()
                | RemoveMember()
                | GiveRole()
                | TakeRole()
                | CreateScheduledEvent()
                | UpdateScheduledEvent()
                | CancelScheduledEvent()
            ):
                return await self.rest.guild(action)
            case PinMessage() | UnpinMessage():
                return await publishing.pin(self.rest, action)
            case CrosspostMessage():
                return await publishing.crosspost(self.rest, action, self._channel_type)
            case _:
                assert_never(action)

    def _channel_type(self, channel_id: int) -> int | None:
        """A channel's type from the guild cache (None: not cached)."""
        found = self.client.get_channel(channel_id) if self.client is not None else None
        kind = getattr(found, "type", None)
        return int(kind.value) if isinstance(kind, discord.ChannelType) else None

    async def _send_message(self, action: SendMessage, key: str | None) -> Delivered:
        delivered = await self.rest.post(
            self._channel_of(action.channel),
            action.text,
            action.buttons,
            reply_to=action.reply_to,
            silent=action.silent,
            key=key,
        )
        ref = InteractionRef.decode(action.interaction_id)
        if ref is not None:
            await self.responder.remove_placeholder(ref)
        return delivered

    def _channel_of(self, channel: ChannelRef) -> ChannelRef:
        """A message to a guild itself (a space's post with no channel named, see
        :mod:`core.spaces`) goes to where Discord posts join notices, the guild's system
        channel (else its first channel the bot may write in)."""
        guild = self.guild(int(channel.id)) if channel.id.isdigit() else None
        if guild is None:
            return channel
        welcome = inbound.system_channel(guild)
        if welcome is None:
            raise PermanentDeliveryError(f"guild {guild.id} has no channel the bot may post in")
        return welcome


def _cancel_delayed_ready(client: discord.Client) -> None:
    """Cancel discord.py's wait for the last GUILD_CREATE: ``Client.close`` leaves it
    running, and when it ends it dispatches ``ready`` on a client whose loop is gone,
    which fails with a traceback in the log of a bot stopped soon after it started."""
    state = getattr(client, "_connection", None)
    tasks = [getattr(state, "_ready_task", None)]
    tasks += list((getattr(state, "_ready_tasks", None) or {}).values())  # sharded clients
    for task in tasks:
        if isinstance(task, asyncio.Task) and not task.done():
            task.cancel()


def create_adapter(config: DiscordBotConfig, deps: AdapterDeps) -> Adapter:
    return DiscordAdapter(config, deps)
