"""The Discord adapter: a discord.py 2 client feeding the core, and REST for actions.

Modules by responsibility: :mod:`.gateway` (intake: every dispatch reaches the sink, mapped
or as :class:`~core.events.UpdateRejected`), :mod:`.interactions` (answers through the
interaction's token, from any process), :mod:`.rest` (the bot's REST calls, idempotent
sends, errors); this module holds the client's lifecycle, the gateway handlers and
``perform``.

Acknowledge only what is stored. Gateway events are handed to the sink as soon as
discord.py parsed them; :meth:`DiscordAdapter.stop` closes the gateway first and waits
until everything received was handed over, so nothing arrives that could not be stored.
discord.py resumes the session after a dropped connection (Discord replays what was
missed). An interaction is acknowledged (deferred: an ephemeral "thinking" placeholder
for a command, a silent update for a press) once the sink returned, within Discord's 3
seconds: if storing takes longer than :data:`ACK_DEADLINE` from the interaction's
creation the adapter defers anyway, so the answers that follow still have a token to
use, and if storing then fails the member is told to try again; if storing fails in
time the member gets that answer instead of a deferral.

Answers travel in the outbox: the event's ``interaction_id`` is an
:class:`~adapters.discord.interactions.InteractionRef` (``"<id>:<kind>:<token>"``) that
features copy into their actions, and any process delivers them through the webhook
endpoints:

* ``SendEphemeral`` replaces the placeholder, or becomes an ephemeral follow-up;
* ``AnswerButton`` with a toast becomes an ephemeral follow-up;
* ``SendMessage`` with it is posted in the channel, where everyone sees it and it can be
  edited later (a poll), and the placeholder is removed.

A private answer never becomes public: once the token carries nothing (15 minutes, or the
interaction was never acknowledged) ``SendEphemeral`` goes to the member by direct
message, and if they do not accept those it fails with
:class:`~core.errors.PermanentDeliveryError`; a late toast is dropped with a log line
(the press was acknowledged when it arrived).

Forms are the exception. A modal must be an interaction's *first* response, which a
deferral rules out, so a press on a button marked ``asks_text`` (its ``custom_id`` starts
with :data:`~adapters.discord.outbound.ASKS_TEXT_MARK`) is not deferred: it is handed to
the core and deferred only if no first answer came within :data:`ANSWER_WINDOW`
seconds. ``AskText`` then opens the modal, from whichever process delivers it, while the
press is younger than 3 seconds and unanswered; otherwise the member gets the form's
``fallback_text`` (the typed command) as an ephemeral follow-up. A submitted modal
(``MODAL_SUBMIT``) is deferred like a press and reaches the core as a ``ButtonPressed``
with the form's ``data`` and ``text``. Buttons carry the core's ``Button.data`` as
``custom_id`` and are handled in ``on_interaction`` without discord.py views, so they work
after a restart.

``api_url``/``gateway_url`` set ``discord.http.Route.BASE`` and
``DiscordWebSocket.DEFAULT_GATEWAY``, which are class attributes: one value per process.
Bots of one process with different overrides are refused at start with a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord
import yarl
from discord.http import Route

from adapters.common_config import secret_value
from adapters.discord import inbound, outbound, slash
from adapters.discord.config import DiscordBotConfig
from adapters.discord.gateway import Intake
from adapters.discord.interactions import InteractionRef, Kind, Responder, Webhooks
from adapters.discord.rest import Rest, delivery_error
from core.actions import (
    Action,
    AnswerButton,
    AskText,
    DeleteMessage,
    EditMessage,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendEphemeral,
    SendFile,
    SendMessage,
    UnrestrictMember,
)
from core.capabilities import Capability, RateLimits
from core.errors import (
    DirectMessageRefused,
    NotSupported,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from core.events import Event
from core.ports import Adapter, AdapterDeps, Delivered, EventSink
from core.waiting import wait_event

__all__ = ["DiscordAdapter", "DiscordStartError", "delivery_error", "sync_commands"]

log = logging.getLogger(__name__)

DEFAULT_API_BASE = Route.BASE
DEFAULT_GATEWAY = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
API_VERSION_PATH = re.compile(r"/api/v\d+$")

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
ACK_DEADLINE = 2.5
"""Seconds after an interaction's creation by which the adapter acknowledges it, stored
or not yet (Discord allows 3; the deferral itself takes a round trip)."""
RESTARTING_NOTICE = "The bot is restarting; please try again in a minute."
NOT_STORED_NOTICE = "Sorry, that did not go through; please try again."
STALE_COMMAND_NOTICE = "This menu entry is no longer available."

CAPABILITIES = frozenset(
    {
        Capability.BUTTONS,
        Capability.EDIT,
        Capability.DELETE,
        Capability.DIRECT_MESSAGES,
        Capability.RESTRICT,
        Capability.REMOVE,
        Capability.REACTIONS,
        Capability.THREADS,
        Capability.EPHEMERAL,
        Capability.FILES,
        Capability.ROLES,
        Capability.FORMS,
    }
)
LIMITS = RateLimits(per_bot=50, per_chat=5, per_chat_window=5, max_text=outbound.MAX_TEXT)
"""Discord: 50 requests/s per bot, 5 messages per 5 s in one channel (a DM channel too);
discord.py's HTTPClient also follows the route buckets its ``X-RateLimit-*`` headers report."""


class DiscordStartError(RuntimeError):
    """The bot cannot start; the message says what to change (no traceback needed)."""


# -- process-wide URL overrides -------------------------------------------------------------


@dataclass
class _Overrides:
    """Who set ``Route.BASE``/``DEFAULT_GATEWAY`` in this process, and to what (a bot
    name may hold them more than once: two adapters of one bot, each with some shards)."""

    api_base: str = DEFAULT_API_BASE
    gateway: yarl.URL = DEFAULT_GATEWAY
    holders: Counter[str] = field(default_factory=Counter)

    def claim(self, holder: str, api_base: str, gateway: yarl.URL) -> None:
        others = {name for name in self.holders if name != holder}
        if (others or self.holders[holder]) and (
            api_base != self.api_base or gateway != self.gateway
        ):
            raise DiscordStartError(
                f"bot {holder}: discord.py keeps one api_url and gateway_url per process and "
                f"bot(s) {', '.join(sorted(others or {holder}))} already use {self.api_base} / "
                f"{self.gateway}; give every Discord bot in this process the same overrides "
                "or run this one in a separate process"
            )
        self.api_base, self.gateway = api_base, gateway
        Route.BASE = api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
        self.holders[holder] += 1

    def release(self, holder: str) -> None:
        self.holders[holder] -= 1
        if self.holders[holder] <= 0:
            del self.holders[holder]
        if not self.holders:
            self.api_base, self.gateway = DEFAULT_API_BASE, DEFAULT_GATEWAY
            Route.BASE = DEFAULT_API_BASE
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = DEFAULT_GATEWAY


_OVERRIDES = _Overrides()


def api_base(config: DiscordBotConfig) -> str:
    """The REST base for ``config``: ``http://host:port`` gets ``/api/v10`` appended."""
    if config.api_url is None:
        return DEFAULT_API_BASE
    base = str(config.api_url).rstrip("/")
    return base if API_VERSION_PATH.search(base) else base + "/api/v10"


def gateway_url(config: DiscordBotConfig) -> yarl.URL:
    return yarl.URL(str(config.gateway_url)) if config.gateway_url else DEFAULT_GATEWAY


def intents_for(config: DiscordBotConfig) -> discord.Intents:
    """Guilds, members (privileged), messages and reactions in guilds and DMs, and message
    content (privileged) unless the config turns it off."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.guild_reactions = True
    intents.dm_reactions = True
    intents.message_content = config.message_content
    return intents


def privileged_intents_message(
    config: DiscordBotConfig, flags: discord.ApplicationFlags | None, application_id: int | None
) -> str:
    """Close code 4014 explained: which developer-portal toggle is off, and where it is."""
    intents = intents_for(config)
    wanted = []
    if intents.members:
        wanted.append(("Server Members Intent", "gateway_guild_members"))
    if intents.message_content:
        wanted.append(("Message Content Intent", "gateway_message_content"))
    missing = [
        label
        for label, flag in wanted
        if flags is None or not (getattr(flags, flag) or getattr(flags, flag + "_limited"))
    ] or [label for label, _flag in wanted]
    where = (
        f"https://discord.com/developers/applications/{application_id}/bot"
        if application_id
        else "https://discord.com/developers/applications (your application -> Bot)"
    )
    hint = ""
    if "Message Content Intent" in missing:
        hint = (
            f", or set message_content = false for bot {config.name} (slash commands, buttons "
            "and reports keep working; FAQ auto-answers stop)"
        )
    return (
        f"Discord refused the gateway connection of bot {config.name} (close code 4014, "
        f"privileged intents not enabled): turn on {' and '.join(missing)} under "
        f"'Privileged Gateway Intents' at {where}{hint}"
    )


def _close_code_message(config: DiscordBotConfig, code: int | None) -> str:
    reasons = {
        4004: "the token was rejected (reset it under Bot -> Token in the developer portal "
        "and update the config)",
        4010: "invalid shard (check shards and shard_ids)",
        4011: "the bot is in too many guilds for one connection: set shards = N "
        "(Discord's recommended count is in GET /gateway/bot)",
        4012: "invalid gateway API version",
        4013: "invalid intents",
    }
    reason = reasons.get(code or 0, "the gateway closed the connection")
    return f"Discord gateway refused bot {config.name} (close code {code}): {reason}"


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
        capabilities = set(CAPABILITIES)
        if config.message_content:
            capabilities.add(Capability.MESSAGE_CONTENT)
        self.capabilities: frozenset[Capability] = frozenset(capabilities)
        self.limits = LIMITS
        self.commands = slash.build(deps.commands)
        self.client: discord.Client | None = None
        self.intake = Intake(self.bot)
        self.responder = Responder(self.bot, Webhooks(self._application_id))
        self.pending = self.responder.pending
        self.rest = Rest(self.bot, self._http)
        self._ready = asyncio.Event()
        self._connect_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._claimed = False
        self._closed = False

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
            "on_guild_remove": self._on_guild_remove,
            "on_interaction": self._on_interaction,
        }
        for name, handler in handlers.items():
            setattr(client, name, handler)
        # The dict the gateway looks parsers up in (discord.py has no public hook for a
        # dispatch its parser cannot read; unguarded, one would end the connection).
        self.intake.guard(client._connection.parsers)
        return client

    async def start(self, sink: EventSink) -> None:
        """Log in, connect the gateway, wait for READY; raise :class:`DiscordStartError`
        with an actionable message when Discord refuses."""
        self.intake.sink = sink
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
            self._spawn(self._sync_guilds([guild.id for guild in client.guilds]))

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
            return DiscordStartError(_close_code_message(self.config, error.code))
        if error is None:
            return DiscordStartError(f"bot {self.bot}: the gateway connection ended")
        return DiscordStartError(f"bot {self.bot}: gateway connection failed: {error}")

    def _gateway_ended(self, task: asyncio.Task[None]) -> None:
        """The gateway loop ended on its own (discord.py reconnects by itself otherwise)."""
        if self._closed or task.cancelled():
            return
        self.intake.accepting = False
        log.error("%s; bot %s no longer receives events", self._gateway_failure(task), self.bot)

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Stop receiving: close the gateway (the session ends; the next start identifies
        anew), then wait until every event already received was handed to the core. REST
        keeps working so the outbox can drain."""
        await self._disconnect()
        await self.intake.drain()
        self.intake.accepting = False

    async def _disconnect(self) -> None:
        connect, self._connect_task = self._connect_task, None
        if connect is not None and not connect.done():
            connect.cancel()
            with contextlib.suppress(BaseException):
                await connect
        client = self.client
        if client is None:
            return
        try:
            if isinstance(client, discord.AutoShardedClient):
                for shard in client.shards.values():
                    await shard.disconnect()
            elif client.ws is not None:
                await client.ws.close(code=1000)
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

    def _guild(self, guild_id: int | None) -> discord.Guild | None:
        if guild_id is None or self.client is None:
            return None
        return self.client.get_guild(guild_id)

    def _is_me(self, user_id: int) -> bool:
        me = self.client.user if self.client is not None else None
        return me is not None and me.id == user_id

    async def _on_ready(self) -> None:
        self._ready.set()

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
            guild = self._guild(payload.guild_id)
            return inbound.message_edited(payload, bot=self.bot, guild=guild)

        await self._emit("MESSAGE_UPDATE", build)

    async def _on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        def build() -> Event | None:
            cached = payload.cached_message
            if cached is not None and self._is_me(cached.author.id):
                return None
            guild = self._guild(payload.guild_id)
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
            guild = self._guild(payload.guild_id)
            return inbound.member_left(payload, bot=self.bot, guild=guild, now=now)

        await self._emit("GUILD_MEMBER_REMOVE", build)

    async def _on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        def build() -> Event | None:
            if self._is_me(payload.user_id):
                return None
            guild = self._guild(payload.guild_id)
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

    async def _on_guild_join(self, guild: discord.Guild) -> None:
        if self.config.sync_commands and self.intake.accepting:
            self._spawn(self._sync_guilds([guild.id]))
        await self._emit("GUILD_CREATE", lambda: inbound.bot_added(guild, bot=self.bot))

    async def _on_guild_remove(self, guild: discord.Guild) -> None:
        now = datetime.now(UTC)
        await self._emit("GUILD_DELETE", lambda: inbound.bot_removed(guild, bot=self.bot, now=now))

    # interactions ---------------------------------------------------------------------------

    def _interaction_event(
        self, interaction: discord.Interaction
    ) -> tuple[Event | None, Kind] | None:
        """The event of an interaction and how to acknowledge it; (None, kind) for one
        of an older version of the bot (answered with a notice), None for kinds the bot
        never asks for (select menus, autocomplete)."""
        guild = self._guild(interaction.guild_id)
        ref = InteractionRef(interaction.id, Kind.PRESS, interaction.token)
        match interaction.type:
            case discord.InteractionType.component:
                data: Mapping[str, Any] = interaction.data or {}
                form = outbound.pressed_data(str(data.get("custom_id", "")))[1]
                kind = Kind.FORM_PRESS if form else Kind.PRESS
                ref = InteractionRef(interaction.id, kind, interaction.token)
                event = inbound.button_pressed(interaction, bot=self.bot, guild=guild, ref=ref)
                return None if event is None else (event, kind)
            case discord.InteractionType.modal_submit:
                kind = Kind.PRESS if interaction.message is not None else Kind.COMMAND
                ref = InteractionRef(interaction.id, kind, interaction.token)
                event = inbound.form_submitted(interaction, bot=self.bot, guild=guild, ref=ref)
                return event, kind
            case discord.InteractionType.application_command:
                ref = InteractionRef(interaction.id, Kind.COMMAND, interaction.token)
                data = interaction.data or {}
                command_type = data.get("type", slash.CHAT_INPUT)
                if command_type == slash.CHAT_INPUT:
                    name, argv = self.commands.invocation(data)
                    return inbound.command_issued(
                        interaction, name, argv, bot=self.bot, guild=guild, ref=ref
                    ), Kind.COMMAND
                if command_type == slash.MESSAGE_MENU and data.get("name") == slash.REPORT_MENU:
                    return inbound.report_from_menu(
                        interaction, slash.REPORT_COMMAND, bot=self.bot, guild=guild, ref=ref
                    ), Kind.COMMAND
                return None, Kind.COMMAND
            case _:
                return None

    async def _on_interaction(self, interaction: discord.Interaction) -> None:
        """Store the interaction, then acknowledge it (see the module docstring)."""
        mapped: tuple[Event | None, Kind | None] | None
        try:
            mapped = self._interaction_event(interaction)
        except Exception as error:
            mapped = self.intake.rejected("INTERACTION_CREATE", interaction.data, error), None
        if mapped is None:
            return
        event, kind = mapped
        ref = InteractionRef(interaction.id, kind or Kind.PRESS, interaction.token)
        if not self.intake.accepting:
            await self.responder.refuse(ref, RESTARTING_NOTICE)
            return
        if event is None:  # an entry or modal registered by an older version of the bot
            await self.responder.refuse(ref, STALE_COMMAND_NOTICE)
            return
        if kind is None:  # rejected: stored for the operator, the member hears nothing
            await self.intake.emit(event)
            return
        self.pending.add(ref)
        if kind is Kind.FORM_PRESS:
            age = (datetime.now(UTC) - interaction.created_at).total_seconds()
            window = min(self.answer_window, max(0.0, ACK_DEADLINE - age))
            self._spawn(self._answer_window(ref, window))
        stored = asyncio.ensure_future(self.intake.submit(event))
        deadline = ACK_DEADLINE - (datetime.now(UTC) - interaction.created_at).total_seconds()
        done, _ = await asyncio.wait({stored}, timeout=max(0.0, deadline))
        acknowledge = kind is not Kind.FORM_PRESS and (not done or stored.exception() is None)
        if acknowledge and await self.responder.acknowledge(ref) and kind is Kind.COMMAND:
            self._spawn(self._expire_placeholder(ref))
        try:
            await stored
        except Exception as error:
            log.error(
                "bot %s: %s %s was not stored: %s", self.bot, event.kind, event.event_id, error
            )
            await self._tell_not_stored(ref)

    async def _tell_not_stored(self, ref: InteractionRef) -> None:
        try:
            await self.responder.refuse(ref, NOT_STORED_NOTICE)
        except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
            log.debug("bot %s: could not tell interaction %s: %s", self.bot, ref.id, error)

    async def _answer_window(self, ref: InteractionRef, window: float) -> None:
        """Defer a press that may open a form if nothing answered it within ``window``."""
        pending = self.pending.get(ref)
        if pending is None or await wait_event(pending.responded, window):
            return
        await self.responder.acknowledge(ref)

    async def _expire_placeholder(self, ref: InteractionRef) -> None:
        """Remove a "thinking" placeholder nobody answered.

        A command whose feature replies only by other means (a direct message, a post in
        the managers' channel) would otherwise show "thinking..." until Discord declares
        it failed. Removing it is safe for late answers: an ephemeral one then arrives as an
        ephemeral follow-up, a public one goes to the channel anyway."""
        await asyncio.sleep(self.placeholder_timeout)
        await self.responder.remove_placeholder(ref)

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
                return await self._send_ephemeral(action)
            case SendFile():
                return await self.rest.send_file(action, action.idempotency_key)
            case EditMessage():
                return await self.rest.edit(action)
            case DeleteMessage():
                return await self.rest.delete(action)
            case AnswerButton():
                return await self._answer(action)
            case AskText():
                return await self._ask_text(action)
            case RestrictMember():
                return await self.rest.restrict(action)
            case UnrestrictMember():
                return await self.rest.unrestrict(action)
            case RemoveMember():
                return await self.rest.remove(action)
        raise NotSupported(f"discord cannot perform {type(action).__name__}")

    async def _send_message(self, action: SendMessage, key: str | None) -> Delivered:
        delivered = await self.rest.post(
            action.channel,
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

    async def _send_ephemeral(self, action: SendEphemeral) -> Delivered:
        """Privately through the interaction; once its token carries nothing, by direct
        message; never in the channel (see the module docstring)."""
        what = f"ephemeral answer to {action.user_id}"
        ref = InteractionRef.decode(action.interaction_id)
        if ref is not None:
            mentions = outbound.allowed_mentions(action.text)
            try:
                if await self.responder.private(ref, outbound.render(action.text), mentions):
                    return Delivered()
            except (discord.DiscordException, aiohttp.ClientError, OSError) as error:
                raise delivery_error(error, what) from error
        log.info(
            "bot %s: the interaction of a private answer to %s is expired or unknown; sending "
            "it by direct message",
            self.bot,
            action.user_id,
        )
        try:
            if action.channel.is_direct:
                return await self.rest.post(action.channel, action.text)
            dm = await self.rest.direct_channel(action.user_id)
            return await self.rest.post(dm, action.text)
        except DirectMessageRefused as error:
            raise PermanentDeliveryError(
                f"bot {self.bot}: a private answer to member {action.user_id} cannot be "
                "delivered: its interaction expired (15 minutes) and the member does not "
                f"accept direct messages ({error})"
            ) from error

    async def _answer(self, action: AnswerButton) -> Delivered:
        """A toast: an ephemeral follow-up to the (already acknowledged) press, or the
        ephemeral first response of one that may open a form."""
        ref = InteractionRef.decode(action.interaction_id)
        if ref is None:
            log.info("bot %s: button answer for an unknown interaction; dropped", self.bot)
            return Delivered()
        if not action.toast.strip():
            if ref.kind is Kind.FORM_PRESS:
                await self.responder.acknowledge(ref)
            return Delivered()
        await self._toast(ref, action.toast, f"button answer {ref.id}")
        return Delivered()

    async def _toast(self, ref: InteractionRef, text: str, what: str) -> None:
        """``text`` privately to whoever pressed; an expired interaction is logged (the
        press was acknowledged when it arrived), not retried."""
        try:
            sent = await self.responder.private(ref, [outbound.toast(text)], {"parse": []})
        except (discord.DiscordException, aiohttp.ClientError, OSError) as error:
            raise delivery_error(error, what) from error
        if not sent:
            log.info("bot %s: interaction %s expired before %s", self.bot, ref.id, what)

    async def _ask_text(self, action: AskText) -> Delivered:
        """Open the form as the press's first response; once the press was acknowledged
        (the core answered after :data:`ANSWER_WINDOW`, the button was not marked
        ``asks_text``, 3 seconds passed) a modal is impossible, so the member gets the
        form's ``fallback_text`` as an ephemeral follow-up."""
        ref = InteractionRef.decode(action.interaction_id)
        if ref is None:
            log.info("bot %s: form for an unknown interaction not opened", self.bot)
            return Delivered()
        modal = outbound.form_modal(action).to_dict()
        if await self.responder.form(ref, modal):
            return Delivered()
        log.info(
            "bot %s: interaction %s was acknowledged before its form; hint sent instead",
            self.bot,
            ref.id,
        )
        await self._toast(ref, action.fallback_text, f"form hint {ref.id}")
        return Delivered()


# -- command registration, also for ``townsquare discord sync`` -----------------------------------


async def sync_guild_commands(
    client: discord.Client, commands: slash.SlashCommands, guild_ids: list[int], *, bot: str
) -> int:
    """Bulk-overwrite the commands in each guild; returns how many guilds succeeded.

    Per-guild registration is instant (global commands take up to an hour to appear) and
    splits naturally across shards: each process registers in the guilds it serves."""
    application_id = client.application_id
    if application_id is None:
        return 0
    synced = 0
    for guild_id in guild_ids:
        try:
            await client.http.bulk_upsert_guild_commands(application_id, guild_id, commands.payload)
        except discord.Forbidden:
            log.warning(
                "bot %s: no permission to register slash commands in guild %s; re-invite the "
                "bot with the applications.commands scope",
                bot,
                guild_id,
            )
        except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
            log.warning(
                "bot %s: slash commands not registered in guild %s: %s", bot, guild_id, error
            )
        else:
            synced += 1
    log.info("bot %s: slash commands registered in %d of %d guild(s)", bot, synced, len(guild_ids))
    return synced


async def sync_commands(config: DiscordBotConfig, deps: AdapterDeps) -> int:
    """``townsquare discord sync``: register the slash commands in every guild of the bot
    over REST only (no gateway). Returns the number of commands registered per guild, 0
    when the bot is in no guild."""
    commands = slash.build(deps.commands)
    holder = f"{config.name} (sync)"
    _OVERRIDES.claim(holder, api_base(config), gateway_url(config))
    client = discord.Client(intents=discord.Intents.none())
    try:
        try:
            await client.login(secret_value(config.token))
        except discord.LoginFailure:
            raise DiscordStartError(
                f"Discord rejected the token of bot {config.name} (401 Unauthorized)"
            ) from None
        guild_ids = [guild.id async for guild in client.fetch_guilds(limit=None)]
        synced = await sync_guild_commands(client, commands, guild_ids, bot=config.name)
        return len(commands.payload) if synced else 0
    finally:
        await client.close()
        _OVERRIDES.release(holder)


def create_adapter(config: DiscordBotConfig, deps: AdapterDeps) -> Adapter:
    return DiscordAdapter(config, deps)
