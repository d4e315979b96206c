"""The Discord adapter: a discord.py 2 client feeding the core, and REST for actions.

Inbound, gateway events go through :mod:`adapters.discord.inbound` to the sink. Slash
commands and button presses are interactions: Discord gives 3 seconds to acknowledge them,
far less than a busy pipeline may need, so the adapter defers at once (an ephemeral
"thinking" placeholder for commands, a silent update for buttons) and keeps the interaction
in a bounded in-memory map for the answers the core sends later:

* ``SendEphemeral`` with that ``interaction_id`` replaces the placeholder, or becomes an
  ephemeral follow-up once it is gone;
* ``AnswerButton`` with a toast becomes an ephemeral follow-up;
* ``SendMessage`` with it is posted in the channel, where everyone sees it and it can be
  edited later (a poll), and the placeholder is removed.

Forms are the exception. A modal must be an interaction's *first* response, which a
deferral rules out, so a press on a button marked ``asks_text`` (its ``custom_id`` starts
with :data:`~adapters.discord.outbound.ASKS_TEXT_MARK`) is not deferred: it is parked
and handed to the core, and its first answer is awaited for at most
:data:`ANSWER_WINDOW` seconds. ``AskText`` then opens the modal
(``interaction.response.send_modal``), an ``AnswerButton`` toast or ``SendEphemeral``
becomes the ephemeral initial response; if nothing came in time the press is deferred as
usual, and a late ``AskText`` becomes an ephemeral follow-up with its ``fallback_text``
(the typed command). A submitted modal (``MODAL_SUBMIT``) is deferred like a press and
reaches the core as a ``ButtonPressed`` with the form's ``data`` and ``text``.

Deferring commands as ephemeral is what keeps ``/help`` private: Discord makes the first
answer to a deferred command as visible as the deferral was. Interaction tokens live 15
minutes; an unknown or expired one (after a restart) falls back to a channel message
addressed with a mention. Buttons carry the core's ``Button.data`` as ``custom_id`` and are
handled in ``on_interaction`` without discord.py views, so they work after a restart.

Outbound REST goes through discord.py's ``HTTPClient``, which keeps Discord's per-route
buckets and honours 429s (sleeping ``retry_after`` when Discord's edge marks them with
``Via``; a wait over 30 s or an unmarked 429 surfaces as :class:`core.errors.RateLimited`
for the delivery worker to schedule). The core's per-channel shaping runs on top.

``api_url``/``gateway_url`` set ``discord.http.Route.BASE`` and
``DiscordWebSocket.DEFAULT_GATEWAY``, which are class attributes: one value per process.
Bots of one process with different overrides are refused at start with a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import aiohttp
import discord
import yarl
from discord.http import Route

from adapters.common_config import secret_value
from adapters.discord import inbound, outbound, slash
from adapters.discord.config import DiscordBotConfig
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
    RateLimited,
    TransientDeliveryError,
)
from core.events import Event
from core.ports import Adapter, AdapterDeps, Delivered, EventSink
from core.refs import ChannelRef, MessageRef
from core.text import Text
from core.waiting import wait_event

log = logging.getLogger(__name__)

DEFAULT_API_BASE = Route.BASE
DEFAULT_GATEWAY = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
API_VERSION_PATH = re.compile(r"/api/v\d+$")

START_TIMEOUT = 60.0
MAX_RATELIMIT_WAIT = 30.0
"""discord.py sleeps through 429s up to this long (its minimum); longer ones are raised
as :class:`RateLimited` so the delivery worker reschedules instead of blocking."""
PENDING_INTERACTIONS = 4096
INTERACTION_LIFETIME = 15 * 60.0
PLACEHOLDER_TIMEOUT = 30.0
"""Seconds a command's "thinking" placeholder waits for an answer before it is removed."""
ANSWER_WINDOW = 2.0
"""Seconds a press that may open a form waits for the core's first answer before it is
deferred (Discord allows 3 from the interaction's creation; the window shrinks by the
time the interaction took to arrive)."""
ACK_DEADLINE = 2.8
"""Seconds after an interaction's creation by which the adapter wants it acknowledged."""
RESTARTING_NOTICE = "The bot is restarting; please try again in a minute."
STALE_COMMAND_NOTICE = "This menu entry is no longer available."

# Discord JSON error codes the adapter tells apart.
UNKNOWN_MESSAGE = 10008
CANNOT_MESSAGE_USER = 50007
EXPIRED_INTERACTION_CODES = frozenset({10015, 10062, 50027})
"""Unknown webhook, unknown interaction, invalid webhook token: the token is no longer
usable, so the answer takes the fallback path instead of failing."""

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
    """Who set ``Route.BASE``/``DEFAULT_GATEWAY`` in this process, and to what."""

    api_base: str = DEFAULT_API_BASE
    gateway: yarl.URL = DEFAULT_GATEWAY
    holders: set[str] = field(default_factory=set)

    def claim(self, holder: str, api_base: str, gateway: yarl.URL) -> None:
        others = self.holders - {holder}
        if others and (api_base != self.api_base or gateway != self.gateway):
            raise DiscordStartError(
                f"bot {holder}: discord.py keeps one api_url and gateway_url per process and "
                f"bot(s) {', '.join(sorted(others))} already use {self.api_base} / "
                f"{self.gateway}; give every Discord bot in this process the same overrides "
                "or run this one in a separate process"
            )
        self.api_base, self.gateway = api_base, gateway
        Route.BASE = api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
        self.holders.add(holder)

    def release(self, holder: str) -> None:
        self.holders.discard(holder)
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


# -- interactions -----------------------------------------------------------------------------


@dataclass
class PendingInteraction:
    """An acknowledged interaction whose token can still carry answers."""

    interaction: discord.Interaction
    kind: Literal["command", "component"]
    placeholder: bool
    """A deferred command still shows the ephemeral "thinking" message."""
    created: float = field(default_factory=time.monotonic)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    responded: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once a parked press (one that may open a form) got its first response."""

    @property
    def acknowledged(self) -> bool:
        """The interaction has had its first response (deferral, modal or message)."""
        return self.interaction.response.is_done()

    def expired(self, now: float) -> bool:
        return now - self.created > INTERACTION_LIFETIME - 30


class PendingInteractions:
    """Bounded map of interaction id -> :class:`PendingInteraction` (oldest dropped first;
    tokens expire after 15 minutes anyway)."""

    def __init__(self, capacity: int = PENDING_INTERACTIONS) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, PendingInteraction] = OrderedDict()

    def add(self, interaction_id: str, pending: PendingInteraction) -> None:
        self._items[interaction_id] = pending
        self._items.move_to_end(interaction_id)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def get(self, interaction_id: str | None) -> PendingInteraction | None:
        if interaction_id is None:
            return None
        pending = self._items.get(interaction_id)
        if pending is not None and pending.expired(time.monotonic()):
            del self._items[interaction_id]
            return None
        return pending

    def __len__(self) -> int:
        return len(self._items)


# -- errors -------------------------------------------------------------------------------------


def _retry_after(error: discord.HTTPException) -> float:
    headers = getattr(error.response, "headers", None) or {}
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        value = headers.get(name)
        if value:
            with contextlib.suppress(ValueError):
                return max(float(value), 0.0)
    return 1.0


def delivery_error(error: BaseException, what: str) -> Exception:
    """Map a discord.py or network failure to the core's delivery errors."""
    if isinstance(error, discord.RateLimited):
        return RateLimited(f"{what}: rate limited", retry_after=error.retry_after)
    if isinstance(error, discord.HTTPException):
        detail = f"{what}: Discord {error.status} (code {error.code}) {error.text}".strip()
        if error.status == 429:
            return RateLimited(detail, retry_after=_retry_after(error))
        if error.status >= 500:
            return TransientDeliveryError(detail)
        if error.code == CANNOT_MESSAGE_USER:
            return DirectMessageRefused(detail)
        return PermanentDeliveryError(detail)
    if isinstance(error, aiohttp.ClientError | OSError | asyncio.TimeoutError):
        return TransientDeliveryError(f"{what}: {type(error).__name__}: {error}")
    return PermanentDeliveryError(f"{what}: {type(error).__name__}: {error}")


def _int_id(value: str, what: str) -> int:
    if not outbound.is_snowflake(value):
        raise PermanentDeliveryError(f"{what} {value!r} is not a Discord id")
    return int(value)


def _target(channel: ChannelRef) -> int:
    return _int_id(channel.thread_id or channel.id, "channel")


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
        self.pending = PendingInteractions()
        self.client: discord.Client | None = None
        self._sink: EventSink | None = None
        self._accepting = False
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
        return client

    async def start(self, sink: EventSink) -> None:
        """Log in, connect the gateway, wait for READY; raise :class:`DiscordStartError`
        with an actionable message when Discord refuses."""
        self._sink = sink
        _OVERRIDES.claim(self.bot, api_base(self.config), gateway_url(self.config))
        self._claimed = True
        client = self.client = self._make_client()
        try:
            await self._login(client)
            self._accepting = True
            self._connect_task = asyncio.create_task(
                client.connect(reconnect=True), name=f"discord-gateway-{self.bot}"
            )
            await self._wait_ready(self._connect_task)
        except BaseException:
            self._accepting = False
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
        self._accepting = False
        log.error("%s; bot %s no longer receives events", self._gateway_failure(task), self.bot)

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Stop handing events to the core. REST keeps working so the outbox can drain;
        interactions that arrive meanwhile are told the bot is restarting."""
        self._accepting = False

    async def close(self) -> None:
        self._closed = True
        self._accepting = False
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

    async def _emit(self, event: Event | None) -> None:
        if event is None or not self._accepting or self._sink is None:
            return
        try:
            await self._sink(event)
        except Exception:
            log.exception(
                "bot %s: %s %s was not accepted by the core", self.bot, event.kind, event.event_id
            )

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
        if self._is_me(message.author.id):
            return
        await self._emit(inbound.message_posted(message, bot=self.bot))

    async def _on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if self._is_me(payload.message.author.id):
            return
        guild = self._guild(payload.guild_id)
        await self._emit(inbound.message_edited(payload, bot=self.bot, guild=guild))

    async def _on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        cached = payload.cached_message
        if cached is not None and self._is_me(cached.author.id):
            return
        guild = self._guild(payload.guild_id)
        await self._emit(inbound.message_deleted(payload, bot=self.bot, guild=guild))

    async def _on_member_join(self, member: discord.Member) -> None:
        if self._is_me(member.id):
            return
        await self._emit(inbound.member_joined(member, bot=self.bot))

    async def _on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if self._is_me(payload.user.id):
            return
        guild = self._guild(payload.guild_id)
        now = datetime.now(UTC)
        await self._emit(inbound.member_left(payload, bot=self.bot, guild=guild, now=now))

    async def _on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if self._is_me(payload.user_id):
            return
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
        await self._emit(
            inbound.reaction_added(
                payload, bot=self.bot, guild=guild, reactor=reactor, author=author
            )
        )

    async def _on_guild_join(self, guild: discord.Guild) -> None:
        if self.config.sync_commands and self._accepting:
            self._spawn(self._sync_guilds([guild.id]))
        await self._emit(inbound.bot_added(guild, bot=self.bot))

    async def _on_guild_remove(self, guild: discord.Guild) -> None:
        await self._emit(inbound.bot_removed(guild, bot=self.bot, now=datetime.now(UTC)))

    async def _on_interaction(self, interaction: discord.Interaction) -> None:
        kind = interaction.type
        if kind not in (
            discord.InteractionType.application_command,
            discord.InteractionType.component,
            discord.InteractionType.modal_submit,
        ):
            return
        if not self._accepting:
            with contextlib.suppress(discord.HTTPException, aiohttp.ClientError, OSError):
                await interaction.response.send_message(RESTARTING_NOTICE, ephemeral=True)
            return
        guild = self._guild(interaction.guild_id)
        event: Event | None
        if kind is discord.InteractionType.component:
            event = inbound.button_pressed(interaction, bot=self.bot, guild=guild)
            if event is None:  # a select menu or another component we never send
                return
            pressed: Mapping[str, Any] = interaction.data or {}
            if outbound.pressed_data(str(pressed.get("custom_id", "")))[1]:
                self._park(interaction)
            else:
                await self._acknowledge(interaction, "component")
        elif kind is discord.InteractionType.modal_submit:
            event = inbound.form_submitted(interaction, bot=self.bot, guild=guild)
            if event is None:  # a modal of an older version of the bot
                with contextlib.suppress(discord.HTTPException, aiohttp.ClientError, OSError):
                    await interaction.response.send_message(STALE_COMMAND_NOTICE, ephemeral=True)
                return
            await self._acknowledge(interaction, "component")
        else:
            data: Mapping[str, Any] = interaction.data or {}
            command_type = data.get("type", slash.CHAT_INPUT)
            if command_type == slash.CHAT_INPUT:
                name, argv = self.commands.invocation(data)
                event = inbound.command_issued(interaction, name, argv, bot=self.bot, guild=guild)
            elif command_type == slash.MESSAGE_MENU and data.get("name") == slash.REPORT_MENU:
                event = inbound.report_from_menu(
                    interaction, slash.REPORT_COMMAND, bot=self.bot, guild=guild
                )
            else:
                event = None
            if event is None:  # an entry registered by an older version of the bot
                with contextlib.suppress(discord.HTTPException, aiohttp.ClientError, OSError):
                    await interaction.response.send_message(STALE_COMMAND_NOTICE, ephemeral=True)
                return
            await self._acknowledge(interaction, "command")
        await self._emit(event)

    async def _acknowledge(
        self, interaction: discord.Interaction, kind: Literal["command", "component"]
    ) -> None:
        """Defer within Discord's 3 seconds; answers follow through the kept token."""
        try:
            if kind == "command":
                await interaction.response.defer(ephemeral=True, thinking=True)
            else:
                await interaction.response.defer()
        except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
            log.warning(
                "bot %s: could not acknowledge interaction %s in time (%s); its answers go "
                "to the channel",
                self.bot,
                interaction.id,
                error,
            )
            return
        pending = PendingInteraction(interaction, kind, placeholder=kind == "command")
        self.pending.add(str(interaction.id), pending)
        if pending.placeholder:
            self._spawn(self._expire_placeholder(pending))

    def _park(self, interaction: discord.Interaction) -> None:
        """Keep a press that may be answered with a form unacknowledged: the core's first
        answer for it becomes its first response (see the module docstring)."""
        pending = PendingInteraction(interaction, "component", placeholder=False)
        self.pending.add(str(interaction.id), pending)
        age = (datetime.now(UTC) - interaction.created_at).total_seconds()
        window = min(self.answer_window, max(0.0, ACK_DEADLINE - age))
        self._spawn(self._answer_window(pending, window))

    async def _answer_window(self, pending: PendingInteraction, window: float) -> None:
        """Defer a parked press the core did not answer within ``window`` seconds."""
        if await wait_event(pending.responded, window):
            return
        await self._acknowledge_parked(pending)

    async def _acknowledge_parked(self, pending: PendingInteraction) -> None:
        """Defer a parked press that has no response yet (nothing otherwise)."""
        async with pending.lock:
            if pending.acknowledged:
                return
            try:
                await pending.interaction.response.defer()
            except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
                log.warning(
                    "bot %s: could not acknowledge interaction %s in time (%s)",
                    self.bot,
                    pending.interaction.id,
                    error,
                )
            finally:
                pending.responded.set()

    async def _expire_placeholder(self, pending: PendingInteraction) -> None:
        """Remove a "thinking" placeholder nobody answered.

        A command whose feature replies only by other means (a direct message, a post in
        the managers' channel) would otherwise show "thinking..." until Discord declares
        it failed. Removing it is safe for late answers: an ephemeral one then arrives as an
        ephemeral follow-up, a public one goes to the channel anyway."""
        await asyncio.sleep(self.placeholder_timeout)
        async with pending.lock:
            if pending.placeholder:
                pending.placeholder = False
                await self._quietly(pending.interaction.delete_original_response())

    # outbound -----------------------------------------------------------------------------

    def _http(self) -> discord.http.HTTPClient:
        client = self.client
        if client is None or client.is_closed() or client.user is None:
            raise TransientDeliveryError(f"bot {self.bot} is not connected to Discord yet")
        return client.http

    async def _request(self, route: Route, what: str, **kwargs: Any) -> Any:
        http = self._http()
        try:
            return await http.request(route, **kwargs)
        except (TimeoutError, discord.DiscordException, aiohttp.ClientError, OSError) as error:
            raise delivery_error(error, what) from error

    async def perform(self, action: Action) -> Delivered:
        if isinstance(action, SendMessage):
            return await self._send_message(action)
        if isinstance(action, SendDirect):
            return await self._send_direct(action)
        if isinstance(action, SendEphemeral):
            return await self._send_ephemeral(action)
        if isinstance(action, SendFile):
            return await self._send_file(action)
        if isinstance(action, EditMessage):
            return await self._edit(action)
        if isinstance(action, DeleteMessage):
            return await self._delete(action)
        if isinstance(action, AnswerButton):
            return await self._answer(action)
        if isinstance(action, AskText):
            return await self._ask_text(action)
        if isinstance(action, RestrictMember):
            return await self._restrict(action)
        if isinstance(action, UnrestrictMember):
            return await self._unrestrict(action)
        if isinstance(action, RemoveMember):
            return await self._remove(action)
        raise NotSupported(f"discord cannot perform {type(action).__name__}")

    async def _post(
        self,
        channel: ChannelRef,
        text: Text,
        buttons: Any = (),
        *,
        reply_to: MessageRef | None = None,
        silent: bool = False,
    ) -> Delivered:
        target = _target(channel)
        try:
            bodies = outbound.message_payloads(text, buttons, reply_to=reply_to, silent=silent)
        except ValueError as error:
            raise PermanentDeliveryError(str(error)) from error
        refs: list[MessageRef] = []
        for body in bodies:
            route = Route("POST", "/channels/{channel_id}/messages", channel_id=target)
            data = await self._request(route, f"send to channel {target}", json=body)
            refs.append(MessageRef(channel, str(data["id"])))
        return Delivered(tuple(refs))

    async def _send_message(self, action: SendMessage) -> Delivered:
        delivered = await self._post(
            action.channel,
            action.text,
            action.buttons,
            reply_to=action.reply_to,
            silent=action.silent,
        )
        pending = self.pending.get(action.interaction_id)
        if pending is not None and pending.placeholder:
            async with pending.lock:
                if pending.placeholder:
                    pending.placeholder = False
                    await self._quietly(pending.interaction.delete_original_response())
        return delivered

    async def _quietly(self, call: Awaitable[Any]) -> None:
        """Tidying up (a "thinking" placeholder) must not fail the delivered message."""
        try:
            await call
        except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
            log.debug("bot %s: interaction clean-up failed: %s", self.bot, error)

    async def _direct_channel(self, user: str) -> ChannelRef:
        user_id = _int_id(user, "user")
        route = Route("POST", "/users/@me/channels")
        channel = await self._request(
            route, f"open DM with {user_id}", json={"recipient_id": str(user_id)}
        )
        return ChannelRef(str(channel["id"]), is_direct=True)

    async def _send_direct(self, action: SendDirect) -> Delivered:
        dm = await self._direct_channel(action.user_id)
        return await self._post(dm, action.text, action.buttons)

    async def _send_file(self, action: SendFile) -> Delivered:
        """A message with the file attached (multipart: ``payload_json`` and
        ``files[0]``, built by discord.py from a :class:`discord.File`)."""
        if action.user_id is not None:
            channel = await self._direct_channel(action.user_id)
        else:
            assert action.channel is not None
            channel = action.channel
        target = _target(channel)
        before, body = outbound.file_payloads(action.caption, action.filename)
        refs: list[MessageRef] = []
        for part in before:
            route = Route("POST", "/channels/{channel_id}/messages", channel_id=target)
            data = await self._request(route, f"send to channel {target}", json=part)
            refs.append(MessageRef(channel, str(data["id"])))
        file = discord.File(io.BytesIO(action.data), filename=action.filename)
        form = [
            {"name": "payload_json", "value": json.dumps(body)},
            {
                "name": "files[0]",
                "value": file.fp,
                "filename": file.filename,
                "content_type": action.mime_type,
            },
        ]
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=target)
        try:
            data = await self._request(
                route, f"send {action.filename} to channel {target}", files=[file], form=form
            )
        finally:
            file.close()
        refs.append(MessageRef(channel, str(data["id"])))
        return Delivered(tuple(refs))

    async def _send_ephemeral(self, action: SendEphemeral) -> Delivered:
        pending = self.pending.get(action.interaction_id)
        if pending is not None:
            try:
                await self._answer_privately(pending, action.text)
            except discord.HTTPException as error:
                if error.code not in EXPIRED_INTERACTION_CODES:
                    raise delivery_error(
                        error, f"ephemeral answer to {action.interaction_id}"
                    ) from error
                log.info(
                    "bot %s: interaction %s expired; answering in the channel",
                    self.bot,
                    action.interaction_id,
                )
            except (discord.DiscordException, aiohttp.ClientError, OSError) as error:
                raise delivery_error(
                    error, f"ephemeral answer to {action.interaction_id}"
                ) from error
            else:
                return Delivered()
        text = action.text
        if not action.channel.is_direct:
            text = outbound.with_mention(action.user_id, action.display_name, action.text)
        return await self._post(action.channel, text)

    async def _answer_privately(self, pending: PendingInteraction, text: Text) -> None:
        """Replace the "thinking" placeholder with the first chunk, send the rest (or
        everything, once the placeholder is gone) as ephemeral follow-ups."""
        mentions = discord.AllowedMentions(
            everyone=False,
            roles=False,
            replied_user=False,
            users=[discord.Object(int(i)) for i in outbound.mentioned_users(text)],
        )
        interaction = pending.interaction
        async with pending.lock:
            for chunk in outbound.render(text):
                if pending.placeholder:
                    await interaction.edit_original_response(
                        content=chunk, allowed_mentions=mentions
                    )
                    pending.placeholder = False
                else:
                    await self._private(pending, chunk, mentions)

    async def _answer(self, action: AnswerButton) -> Delivered:
        """A toast: an ephemeral follow-up to the (already acknowledged) press, or the
        ephemeral first response of a parked one."""
        pending = self.pending.get(action.interaction_id)
        if pending is None:
            log.info(
                "bot %s: button answer for unknown or expired interaction %s; the press was "
                "acknowledged when it arrived",
                self.bot,
                action.interaction_id,
            )
            return Delivered()
        if not action.toast.strip():
            await self._acknowledge_parked(pending)
            return Delivered()
        await self._toast(pending, action.toast, f"button answer {action.interaction_id}")
        return Delivered()

    @staticmethod
    async def _private(
        pending: PendingInteraction, content: str, mentions: discord.AllowedMentions
    ) -> None:
        """``content`` to whoever pressed, privately: the first response of a parked press,
        else an ephemeral follow-up. The caller holds ``pending.lock``."""
        interaction = pending.interaction
        if not pending.acknowledged:
            await interaction.response.send_message(
                content, ephemeral=True, allowed_mentions=mentions
            )
            pending.responded.set()
        else:
            await interaction.followup.send(
                content, ephemeral=True, allowed_mentions=mentions, wait=True
            )

    async def _toast(self, pending: PendingInteraction, text: str, what: str) -> None:
        """``text`` privately to whoever pressed: the first response of a parked press,
        else an ephemeral follow-up. An expired interaction is logged, not retried."""
        try:
            async with pending.lock:
                await self._private(pending, outbound.toast(text), discord.AllowedMentions.none())
        except discord.HTTPException as error:
            if error.code not in EXPIRED_INTERACTION_CODES:
                raise delivery_error(error, what) from error
            log.info(
                "bot %s: interaction %s expired before %s", self.bot, pending.interaction.id, what
            )
        except (discord.DiscordException, aiohttp.ClientError, OSError) as error:
            raise delivery_error(error, what) from error

    async def _ask_text(self, action: AskText) -> Delivered:
        """Open the form as the parked press's first response; once the press was
        acknowledged (the core answered after :data:`ANSWER_WINDOW`, or the button was
        not marked ``asks_text``) a modal is impossible, so the member gets the
        form's ``fallback_text`` as an ephemeral follow-up."""
        pending = self.pending.get(action.interaction_id)
        if pending is None:
            log.info(
                "bot %s: form for unknown or expired interaction %s not opened",
                self.bot,
                action.interaction_id,
            )
            return Delivered()
        async with pending.lock:
            if not pending.acknowledged:
                try:
                    await pending.interaction.response.send_modal(outbound.form_modal(action))
                except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
                    log.warning(
                        "bot %s: the form for interaction %s did not open (%s); the member "
                        "gets the typed command instead",
                        self.bot,
                        action.interaction_id,
                        error,
                    )
                else:
                    pending.responded.set()
                    return Delivered()
        log.info(
            "bot %s: interaction %s was acknowledged before its form; hint sent instead",
            self.bot,
            action.interaction_id,
        )
        await self._toast(pending, action.fallback_text, f"form hint {action.interaction_id}")
        return Delivered()

    async def _edit(self, action: EditMessage) -> Delivered:
        if action.message is None:
            raise PermanentDeliveryError("edit without a resolved message")
        channel_id = _target(action.message.channel)
        message_id = _int_id(action.message.message_id, "message")
        try:
            body, cut = outbound.edit_payload(action.text, action.buttons)
        except ValueError as error:
            raise PermanentDeliveryError(str(error)) from error
        if cut:
            log.warning(
                "bot %s: edit of message %s is longer than %d characters; the rest was cut",
                self.bot,
                message_id,
                outbound.MAX_TEXT,
            )
        route = Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )
        await self._request(route, f"edit message {message_id}", json=body)
        return Delivered((action.message,))

    async def _delete(self, action: DeleteMessage) -> Delivered:
        if action.message is None:
            raise PermanentDeliveryError("delete without a resolved message")
        channel_id = _target(action.message.channel)
        message_id = _int_id(action.message.message_id, "message")
        route = Route(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )
        try:
            await self._request(route, f"delete message {message_id}")
        except PermanentDeliveryError as error:
            cause = error.__cause__
            if isinstance(cause, discord.HTTPException) and cause.code == UNKNOWN_MESSAGE:
                return Delivered()  # already gone: the wanted outcome
            raise
        return Delivered()

    async def _timeout(self, community: str, user: str, until: datetime | None, why: str) -> None:
        guild_id = _int_id(community, "guild")
        user_id = _int_id(user, "user")
        route = Route(
            "PATCH", "/guilds/{guild_id}/members/{user_id}", guild_id=guild_id, user_id=user_id
        )
        value = until.astimezone(UTC).isoformat() if until is not None else None
        await self._request(
            route,
            f"{why} member {user_id}",
            json={"communication_disabled_until": value},
            reason=f"townsquare: {why}",
        )

    async def _role(self, community: str, user: str, role: str, give: bool) -> None:
        """Give or take a member's role (the bot needs Manage Roles and a higher role)."""
        guild_id = _int_id(community, "guild")
        user_id = _int_id(user, "user")
        role_id = _int_id(role, "role")
        route = Route(
            "PUT" if give else "DELETE",
            "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
            guild_id=guild_id,
            user_id=user_id,
            role_id=role_id,
        )
        why = "verification role" if give else "verification accepted"
        await self._request(
            route, f"{'give' if give else 'take'} role {role_id}", reason=f"townsquare: {why}"
        )

    async def _restrict(self, action: RestrictMember) -> Delivered:
        """Mute as a Discord timeout, or give the member ``role_id`` (a role the guild's
        channel permissions keep from writing). Timeouts last at most 28 days: a mute
        without end (``until=None``) or a longer one becomes the longest Discord allows."""
        if action.role_id is not None:
            await self._role(action.community.id, action.user_id, action.role_id, give=True)
            return Delivered()
        until, shortened = outbound.timeout_until(action.until, datetime.now(UTC))
        if shortened:
            log.warning(
                "bot %s: Discord timeouts last at most 28 days; mute of %s ends %s",
                self.bot,
                action.user_id,
                until.isoformat(),
            )
        await self._timeout(action.community.id, action.user_id, until, "mute")
        return Delivered()

    async def _unrestrict(self, action: UnrestrictMember) -> Delivered:
        if action.role_id is not None:
            await self._role(action.community.id, action.user_id, action.role_id, give=False)
            return Delivered()
        await self._timeout(action.community.id, action.user_id, None, "unmute")
        return Delivered()

    async def _remove(self, action: RemoveMember) -> Delivered:
        guild_id = _int_id(action.community.id, "guild")
        user_id = _int_id(action.user_id, "user")
        route = Route(
            "DELETE", "/guilds/{guild_id}/members/{user_id}", guild_id=guild_id, user_id=user_id
        )
        await self._request(route, f"remove member {user_id}", reason="townsquare: remove")
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
