"""A protocol-faithful fake of Discord's REST API and gateway, on 127.0.0.1 port 0.

The real discord.py client connects to it through ``Route.BASE`` and
``DiscordWebSocket.DEFAULT_GATEWAY``, so what is tested is the real SDK speaking the real
protocol. Faithfulness where it matters (each point has bitten a real bot):

* REST answers carry ``Content-Type: application/json`` exactly; aiohttp's
  ``json_response`` appends ``; charset=utf-8`` and discord.py then treats the body as text.
* A 429 carries ``Via`` and a JSON ``retry_after``; discord.py retries only then.
* Gateway: HELLO, IDENTIFY (token, intents, shard checked; 4004/4010/4014 closes), READY
  with ``resume_gateway_url``, GUILD_CREATE per guild of the shard, heartbeats, RESUME with
  replay of missed dispatches, REQUEST_GUILD_MEMBERS, and ``compress=zlib-stream``: one
  zlib stream per connection, each frame flushed with ``Z_SYNC_FLUSH``.
* Dispatches are filtered by intents and shard; without MESSAGE_CONTENT the message
  content is blanked as Discord does.
* Interactions: the callback must come within the acknowledgement deadline (3 s), only
  once; follow-ups need an acknowledged interaction; the first follow-up after a deferred
  command replaces the "thinking" placeholder and inherits its ephemeral flag.
* Modals (callback type 9) only as the first response to a command or component, never to
  a modal submission, checked against Discord's limits (title and labels 45 characters,
  ``custom_id`` 100, text input lengths up to 4000) and recorded on the interaction;
  :meth:`FakeDiscord.submit_modal` then dispatches the MODAL_SUBMIT a member's client
  sends, refusing values the modal's length limits would not let through.
* Message creates honour ``nonce`` with ``enforce_nonce``: the same nonce from the same
  author in the same channel within :data:`NONCE_WINDOW` returns the first message
  instead of creating one (Discord's idempotent send).
* ``GET @original`` of a deferred response still "thinking" shows the LOADING flag.
* Pins, announcement channels (type 5) and publication to their followers with
  Discord's checks and publish limit: :mod:`tests.fakes.discord.publishing`.
* Messages: 2000-character limit, component limits, and the mentions a message would
  really ping, computed from content and ``allowed_mentions`` the way Discord does, so a
  test can prove nobody was pinged who should not be.

Everything a client does is recorded (:attr:`FakeDiscord.requests`,
:attr:`FakeDiscord.gateway_log`); tests wait on an :class:`asyncio.Condition` instead of
sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import re
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import multipart
from tests.fakes.discord import payloads as p
from tests.fakes.discord.publishing import Publishing
from tests.fakes.discord.scheduled import ScheduledEvents
from tests.fakes.images import picture_size

API_PREFIX = "/api/v10"
MAX_TIMEOUT = timedelta(days=28)
MAX_CONTENT = 2000
LOADING = 1 << 7
"""Message flag of a deferred interaction response still "thinking"."""
NONCE_WINDOW = 300.0
"""Seconds Discord remembers an ``enforce_nonce`` nonce ("the past few minutes")."""
MAX_UPLOAD = 10 * 1024 * 1024
"""Bytes of attachments a bot may upload to a server without boosts."""

# Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents).
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16

PRIVILEGED = {
    GUILD_MEMBERS: p.GATEWAY_GUILD_MEMBERS | (1 << 15),
    GUILD_PRESENCES: p.GATEWAY_PRESENCE | (1 << 13),
    MESSAGE_CONTENT: p.GATEWAY_MESSAGE_CONTENT | (1 << 19),
}

EVERYONE_RE = re.compile(r"@(everyone|here)")
USER_MENTION_RE = re.compile(r"<@!?(\d{17,20})>")
ROLE_MENTION_RE = re.compile(r"<@&(\d{17,20})>")
MARKDOWN_ESCAPE_RE = re.compile(r"\\([^0-9A-Za-z\s])")
COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json``."""
    response = web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    return response


def _error(status: int, code: int, message: str, errors: Any = None) -> web.Response:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return _json(body, status)


def _no_content() -> web.Response:
    return web.Response(status=204)


def _multipart_body(content_type: str, raw: bytes) -> Any:
    """A message sent with files: ``payload_json`` is the JSON body, ``files[n]`` the
    uploads (kept under ``_files``). Anything else is refused by validation."""
    try:
        parts = multipart.parse(content_type, raw)
    except (multipart.MalformedMultipart, UnicodeDecodeError) as error:
        return {"_invalid": str(error)}
    fields = {part.name: part for part in parts}
    if "payload_json" not in fields:
        return {"_invalid": "no payload_json part"}
    body = json.loads(fields["payload_json"].data)
    body["_files"] = {name: part for name, part in fields.items() if name.startswith("files[")}
    return body


def _check_attachments(body: dict[str, Any]) -> web.Response | None:
    """Discord's checks of uploads: valid multipart, each ``attachments`` entry naming a
    ``files[n]`` part, at most 10 files, at most 10 MiB in all."""
    if "_invalid" in body:
        return _error(400, 50035, "Invalid Form Body", {"multipart": body["_invalid"]})
    files: dict[str, multipart.Part] = body.get("_files") or {}
    attachments = body.get("attachments") or []
    if len(attachments) > 10:
        return _error(400, 50035, "Invalid Form Body", {"attachments": "BASE_TYPE_MAX_LENGTH"})
    for attachment in attachments:
        if f"files[{attachment.get('id')}]" not in files:
            return _error(400, 50035, "Invalid Form Body", {"attachments": "unknown file id"})
    if sum(len(part.data) for part in files.values()) > MAX_UPLOAD:
        return _error(413, 40005, "Request entity too large")
    return None


@dataclass
class Request:
    """One REST call as the fake received it (the Authorization header is left out)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    at: float
    status: int = 0
    response: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Injected:
    method: str
    path: re.Pattern[str]
    status: int
    body: Any
    headers: dict[str, str]
    times: int


@dataclass
class Session:
    session_id: str
    intents: int
    shard: tuple[int, int]
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    compressor: Any = None
    ready: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class FakeInteraction:
    payload: dict[str, Any]
    dispatched_at: float
    acked_type: int | None = None
    acked_at: float | None = None
    defer_flags: int = 0
    original: dict[str, Any] | None = None
    original_pending: bool = False
    modal: dict[str, Any] | None = None
    """The modal this interaction was answered with (callback type 9), as sent."""


@dataclass
class Guild:
    """A guild as the fake knows it; ``payload`` is what GUILD_CREATE sends."""

    id: int
    name: str
    owner_id: int
    roles: list[dict[str, Any]]
    channels: list[dict[str, Any]]
    members: dict[int, dict[str, Any]]
    joined_at: datetime
    system_channel_id: int | None

    @property
    def everyone_role(self) -> dict[str, Any]:
        return self.roles[0]

    def channel(self, name: str) -> dict[str, Any]:
        return next(c for c in self.channels if c["name"] == name)

    def payload(self, *, lazy: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": self.roles,
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": str(self.system_channel_id) if self.system_channel_id else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "application_id": None,
            "joined_at": p.iso(self.joined_at),
            "large": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": list(self.members.values()),
            "channels": self.channels,
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
        if lazy:
            data["unavailable"] = False
        return data


class FakeDiscord(Publishing, ScheduledEvents):
    """Discord REST + gateway on one loopback port.

    ``application_flags`` decides which privileged intents the "developer portal" allows;
    IDENTIFY asking for more is closed with 4014, exactly like Discord.
    """

    def __init__(
        self,
        *,
        token: str = "MTE4NDYwOTI3MDE1NzE2NjU5Mg.GfakeT.fake-discord-bot-token-for-tests",
        bot_name: str = "townsquare",
        application_flags: int = p.GATEWAY_GUILD_MEMBERS | p.GATEWAY_MESSAGE_CONTENT,
        heartbeat_interval_ms: int = 41_250,
        ack_deadline: float = 3.0,
    ) -> None:
        self.token = token
        self.application_flags = application_flags
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.ack_deadline = ack_deadline
        self.bot_user = p.user(username=bot_name, bot=True)
        self.bot_id = int(self.bot_user["id"])
        self.application_id = p.snowflake()
        self.users: dict[int, dict[str, Any]] = {self.bot_id: self.bot_user}
        self.dms_closed: set[int] = set()
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        """Bytes of every uploaded attachment, by attachment id."""
        self.interactions: dict[int, FakeInteraction] = {}
        self.nonces: dict[tuple[int, int, str], tuple[int, float]] = {}
        """(author, channel, nonce) -> (message id, when) of creates with enforce_nonce."""
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.requests: list[Request] = []
        self.gateway_log: list[tuple[str, dict[str, Any]]] = []
        self.sessions: dict[str, Session] = {}
        self.connections: list[Session] = []
        self.unexpected: list[str] = []
        self.role_hierarchy = False
        """True: giving or taking a member's role needs Manage Roles and a bot role above
        that role, as Discord checks (403, code 50013); see :meth:`add_bot_role`. False:
        the bot may change any role of the guild."""
        self._injected: list[Injected] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._closing = False
        self.port = 0
        self.init_publishing()
        self.init_scheduled_events()

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(site.name.rsplit(":", 1)[1])
        return self

    async def close(self) -> None:
        self._closing = True
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- world building ------------------------------------------------------------------

    def add_user(
        self, username: str, *, global_name: str | None = None, bot: bool = False
    ) -> dict[str, Any]:
        user = p.user(username=username, global_name=global_name, bot=bot)
        self.users[int(user["id"])] = user
        return user

    def add_guild(
        self,
        name: str = "Town Square",
        *,
        owner: dict[str, Any] | None = None,
        channels: Iterable[str] = ("general", "managers"),
        shard_of: tuple[int, int] | None = None,
    ) -> Guild:
        """A guild with an ``@everyone`` role, a "Mods" role (Manage Messages), text
        channels (the first is the system channel, where join notices go), its owner and
        the bot as members. ``shard_of=(shard_id, count)`` picks an id on that shard."""
        guild_id = p.snowflake()
        if shard_of is not None:
            while (guild_id >> 22) % shard_of[1] != shard_of[0]:
                guild_id = p.snowflake(datetime.now(UTC) + timedelta(milliseconds=guild_id % 97))
        owner = owner or self.add_user(f"owner-of-{name.lower().replace(' ', '-')}")
        mods = p.snowflake()
        roles = [
            p.role(guild_id, "@everyone", p.EVERYONE_PERMISSIONS),
            p.role(mods, "Mods", p.EVERYONE_PERMISSIONS | p.MANAGE_MESSAGES, position=1),
        ]
        channel_payloads = [
            p.text_channel(p.snowflake(), guild_id, channel_name, position=index)
            for index, channel_name in enumerate(channels)
        ]
        guild = Guild(
            id=guild_id,
            name=name,
            owner_id=int(owner["id"]),
            roles=roles,
            channels=channel_payloads,
            members={},
            joined_at=datetime.now(UTC),
            system_channel_id=int(channel_payloads[0]["id"]) if channel_payloads else None,
        )
        guild.members[int(owner["id"])] = p.member(owner)
        guild.members[self.bot_id] = p.member(self.bot_user)
        self.guilds[guild_id] = guild
        for channel in channel_payloads:
            self.channels[int(channel["id"])] = channel
        return guild

    def add_member(
        self,
        guild: Guild,
        username: str,
        *,
        nick: str | None = None,
        global_name: str | None = None,
        moderator: bool = False,
    ) -> dict[str, Any]:
        user = self.add_user(username, global_name=global_name)
        roles = [int(guild.roles[1]["id"])] if moderator else []
        payload = p.member(user, nick=nick, roles=roles)
        guild.members[int(user["id"])] = payload
        return payload

    def add_role(self, guild: Guild, name: str) -> dict[str, Any]:
        """A role without extra permissions (the guild's channel overwrites would keep it
        from writing, as a "verification" role does)."""
        role = p.role(p.snowflake(), name, p.EVERYONE_PERMISSIONS, position=len(guild.roles))
        guild.roles.append(role)
        return role

    def add_bot_role(self, guild: Guild, *, manage_roles: bool = True) -> dict[str, Any]:
        """The role Discord gives a bot on joining, at the top of the guild's roles (with
        Manage Roles unless ``manage_roles`` is false), and :attr:`role_hierarchy` on."""
        permissions = p.EVERYONE_PERMISSIONS | (p.MANAGE_ROLES if manage_roles else 0)
        role = p.role(p.snowflake(), self.bot_user["username"], permissions, position=100)
        guild.roles.append(role)
        guild.members[self.bot_id]["roles"] = [*guild.members[self.bot_id]["roles"], role["id"]]
        self.role_hierarchy = True
        return role

    def _may_manage(self, guild: Guild, role_id: str) -> bool:
        """Whether the bot may give or take ``role_id`` (:attr:`role_hierarchy`)."""
        if not self.role_hierarchy or self.bot_id == guild.owner_id:
            return True
        if not self.member_permissions(guild, self.bot_id) & p.MANAGE_ROLES:
            return False
        held = set(guild.members[self.bot_id]["roles"])
        top = max((int(r["position"]) for r in guild.roles if r["id"] in held), default=0)
        target = next(r for r in guild.roles if r["id"] == role_id)
        return int(target["position"]) < top

    def member_permissions(self, guild: Guild, user_id: int) -> int:
        """Guild-level permissions, computed like Discord (owner and admins get all)."""
        if user_id == guild.owner_id:
            return (1 << 51) - 1
        member = guild.members.get(user_id)
        role_ids = {str(guild.id), *(member["roles"] if member else ())}
        value = 0
        for role in guild.roles:
            if role["id"] in role_ids:
                value |= int(role["permissions"])
        return (1 << 51) - 1 if value & p.ADMINISTRATOR else value

    # -- recording and waiting -------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` returns something truthy, and return it."""

        async def wait() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(wait(), timeout)

    def find_requests(
        self, method: str, pattern: str, *, since: int = 0, status: int | None = None
    ) -> list[Request]:
        regex = re.compile(pattern)
        return [
            request
            for request in self.requests[since:]
            if request.method == method
            and regex.fullmatch(request.path)
            and request.status
            and (status is None or request.status == status)
        ]

    async def wait_request(
        self, method: str, pattern: str, *, since: int = 0, count: int = 1, timeout: float = 5.0
    ) -> list[Request]:
        """Wait for ``count`` answered requests matching ``method`` and a path regex."""
        found: list[Request] = await self.wait_for(
            lambda: (
                (found := self.find_requests(method, pattern, since=since))[count - 1 :] and found
            ),
            timeout,
        )
        return found

    async def wait_gateway(self, op: int, *, count: int = 1, timeout: float = 5.0) -> list[Any]:
        """Wait until clients sent ``count`` gateway payloads with opcode ``op``."""

        def sent() -> list[Any]:
            found = [
                d for direction, d in self.gateway_log if direction == "recv" and d["op"] == op
            ]
            return found if len(found) >= count else []

        payloads: list[Any] = await self.wait_for(sent, timeout)
        return payloads

    async def wait_ready(self, sessions: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``sessions`` live connections got READY and their GUILD_CREATEs."""
        await self.wait_for(
            lambda: sum(s.ready and s.ws is not None for s in self.sessions.values()) >= sessions,
            timeout,
        )

    def inject(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and the path regex with this
        response instead (a 429, a 5xx, a 403 with a Discord error code)."""
        self._injected.append(
            Injected(method, re.compile(path), status, body, dict(headers or {}), times)
        )

    def rate_limit_next(
        self,
        method: str,
        path: str,
        retry_after: float,
        *,
        via: bool = True,
        is_global: bool = False,
    ) -> None:
        """A Discord 429: JSON body with ``retry_after``, ``Via`` like Discord's edge adds."""
        headers = {
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if via:
            headers["Via"] = "1.1 google"
        if not is_global:
            headers.update(
                {
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Bucket": "fake-bucket-" + path.replace("/", "-"),
                }
            )
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
            "code": 0,
        }
        self.inject(method, path, 429, body, headers=headers)

    # -- REST ------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if raw and request.content_type == "application/json":
                body = json.loads(raw)
            elif raw and request.content_type == "multipart/form-data":
                body = _multipart_body(request.headers["Content-Type"], raw)
            elif raw:
                body = {"_raw": raw.decode(errors="replace"), "_type": request.content_type}
        record = Request(
            request.method,
            path,
            dict(request.query),
            body,
            time.monotonic(),
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
        )
        self.requests.append(record)
        response = await self._answer(request, path, body)
        record.status = response.status
        if isinstance(response, web.Response) and response.body:
            with contextlib.suppress(ValueError, TypeError):
                record.response = json.loads(response.body)  # type: ignore[arg-type]
        await self._notify()
        return response

    async def _answer(self, request: web.Request, path: str, body: Any) -> web.StreamResponse:
        method = request.method
        for injected in self._injected:
            if injected.method == method and injected.path.fullmatch(path) and injected.times:
                injected.times -= 1
                if injected.status == 204:
                    return _no_content()
                return _json(injected.body, injected.status, injected.headers)
        needs_auth = not (path.startswith("/interactions/") or path.startswith("/webhooks/"))
        if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        for route_method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                result: web.StreamResponse = await handler(request, body, *match.groups())
                return result
        self.unexpected.append(f"{method} {path}")
        return _error(404, 0, "404: Not Found")

    def _routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        return [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("GET", r"/users/@me/guilds", self._get_my_guilds),
            ("POST", r"/users/@me/channels", self._create_dm),
            ("POST", r"/channels/(\d+)/messages", self._create_message),
            ("GET", r"/channels/(\d+)/messages/(\d+)", self._get_message),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self._edit_message),
            ("DELETE", r"/channels/(\d+)/messages/(\d+)", self._delete_message),
            ("PATCH", r"/guilds/(\d+)/members/(\d+)", self._modify_member),
            ("DELETE", r"/guilds/(\d+)/members/(\d+)", self._kick_member),
            ("PUT", r"/guilds/(\d+)/members/(\d+)/roles/(\d+)", self._give_role),
            ("DELETE", r"/guilds/(\d+)/members/(\d+)/roles/(\d+)", self._take_role),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._interaction_callback),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self._followup),
            ("GET", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._get_original),
            ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._edit_original),
            ("DELETE", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._delete_original),
            ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/(\d+)", self._edit_followup),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self._put_guild_commands),
            ("GET", r"/applications/(\d+)/guilds/(\d+)/commands", self._get_guild_commands),
            ("PUT", r"/applications/(\d+)/commands", self._put_global_commands),
            ("GET", r"/applications/(\d+)/commands", self._get_global_commands),
            *self.publishing_routes(),
            *self.scheduled_event_routes(),
        ]

    def _ratelimit_headers(self, bucket: str) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset-After": "0.050",
            "X-RateLimit-Reset": f"{time.time() + 0.05:.3f}",
            "X-RateLimit-Bucket": bucket,
        }

    async def _get_me(self, request: web.Request, body: Any) -> web.Response:
        return _json(self.bot_user)

    async def _get_application(self, request: web.Request, body: Any) -> web.Response:
        return _json(p.application(self.application_id, self.bot_user, self.application_flags))

    async def _get_gateway(self, request: web.Request, body: Any) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request, body: Any) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_my_guilds(self, request: web.Request, body: Any) -> web.Response:
        after = int(request.query.get("after", "0"))
        limit = int(request.query.get("limit", "200"))
        guilds = sorted((g for g in self.guilds.values() if g.id > after), key=lambda g: g.id)
        partial: list[dict[str, Any]] = [
            {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "banner": None,
                "owner": False,
                "permissions": str(self.member_permissions(g, self.bot_id)),
                "features": [],
            }
            for g in guilds[:limit]
        ]
        return _json(partial)

    async def _create_dm(self, request: web.Request, body: Any) -> web.Response:
        recipient = int(body["recipient_id"])
        if recipient not in self.users:
            return _error(400, 50035, "Invalid Form Body")
        existing = next(
            (
                c
                for c in self.channels.values()
                if c["type"] == 1 and c["recipients"][0]["id"] == str(recipient)
            ),
            None,
        )
        if existing is None:
            existing = p.dm_channel(p.snowflake(), self.users[recipient])
            self.channels[int(existing["id"])] = existing
        return _json(existing)

    def _validate_message(self, body: Any, *, editing: bool = False) -> web.Response | None:
        if not isinstance(body, dict):
            return _error(400, 50109, "The request body contains invalid JSON.")
        content = body.get("content")
        if content is not None and len(content) > MAX_CONTENT:
            return _error(
                400,
                50035,
                "Invalid Form Body",
                {
                    "content": {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_MAX_LENGTH",
                                "message": "Must be 2000 or fewer in length.",
                            }
                        ]
                    }
                },
            )
        components = body.get("components") or []
        problem = _check_attachments(body)
        if problem is not None:
            return problem
        if (
            not editing
            and not content
            and not components
            and not body.get("embeds")
            and not body.get("attachments")
        ):
            return _error(400, 50006, "Cannot send an empty message")
        if len(components) > 5:
            return _error(400, 50035, "Invalid Form Body", {"components": "BASE_TYPE_MAX_LENGTH"})
        custom_ids: set[str] = set()
        for row in components:
            if row.get("type") != 1 or not 1 <= len(row.get("components", [])) <= 5:
                return _error(400, 50035, "Invalid Form Body", {"components": "action row"})
            for button in row["components"]:
                custom_id = button.get("custom_id", "")
                if button.get("type") != 2 or button.get("style") not in (1, 2, 3, 4):
                    return _error(400, 50035, "Invalid Form Body", {"components": "button"})
                if not 1 <= len(custom_id) <= 100 or custom_id in custom_ids:
                    return _error(400, 50035, "Invalid Form Body", {"custom_id": custom_id})
                if len(button.get("label", "")) > 80:
                    return _error(400, 50035, "Invalid Form Body", {"label": "too long"})
                custom_ids.add(custom_id)
        allowed = body.get("allowed_mentions")
        if allowed is not None:
            parse = allowed.get("parse", [])
            if any(kind not in ("users", "roles", "everyone") for kind in parse):
                return _error(400, 50035, "Invalid Form Body", {"allowed_mentions": "parse"})
            if ("users" in parse and allowed.get("users")) or (
                "roles" in parse and allowed.get("roles")
            ):
                return _error(
                    400,
                    50035,
                    "Invalid Form Body",
                    {"allowed_mentions": "parse and list are mutually exclusive"},
                )
        return None

    @staticmethod
    def shown(content: str) -> str:
        """The words of a message as Discord shows them: a backslash before a character
        that is neither a letter, a digit nor whitespace is an escape and is not shown."""
        return MARKDOWN_ESCAPE_RE.sub(r"\1", content)

    @staticmethod
    def pings(content: str, allowed: dict[str, Any] | None) -> dict[str, Any]:
        """Who a message really notifies, per Discord's allowed_mentions rules."""
        parse = ["users", "roles", "everyone"] if allowed is None else allowed.get("parse", [])
        users = set(USER_MENTION_RE.findall(content))
        roles = set(ROLE_MENTION_RE.findall(content))
        listed_users = {str(u) for u in (allowed or {}).get("users", [])}
        listed_roles = {str(r) for r in (allowed or {}).get("roles", [])}
        allowed_users = users if "users" in parse else listed_users
        allowed_roles = roles if "roles" in parse else listed_roles
        return {
            "everyone": "everyone" in parse and bool(EVERYONE_RE.search(content)),
            "users": sorted(users & allowed_users),
            "roles": sorted(roles & allowed_roles),
        }

    def _store_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        *,
        author: dict[str, Any] | None = None,
        flags: int = 0,
        webhook: bool = False,
        interaction: FakeInteraction | None = None,
    ) -> dict[str, Any]:
        channel = self.channels.get(channel_id, {})
        guild_id = int(channel["guild_id"]) if channel.get("guild_id") else None
        reference = body.get("message_reference")
        referenced = self.messages.get(int(reference["message_id"])) if reference else None
        message = p.message(
            channel_id=channel_id,
            author=author or self.bot_user,
            content=body.get("content") or "",
            guild_id=guild_id,
            components=body.get("components") or [],
            referenced=referenced,
            flags=flags | int(body.get("flags") or 0),
            webhook_id=self.application_id if webhook else None,
            application_id=self.application_id if webhook else None,
        )
        message["attachments"] = [
            self._attach(int(message["id"]), channel_id, attachment, body["_files"])
            for attachment in body.get("attachments") or []
        ]
        message["allowed_mentions"] = body.get("allowed_mentions")
        message["pings"] = self.pings(message["content"], body.get("allowed_mentions"))
        if interaction is not None:
            message["interaction_id"] = interaction.payload["id"]
        self.messages[int(message["id"])] = message
        return message

    def _attach(
        self,
        message_id: int,
        channel_id: int,
        attachment: dict[str, Any],
        files: dict[str, multipart.Part],
    ) -> dict[str, Any]:
        """An uploaded file as the message's attachment object; the bytes are kept in
        :attr:`uploads` under the attachment id."""
        part = files[f"files[{attachment['id']}]"]
        filename = attachment.get("filename") or part.filename or "unknown"
        attachment_id = str(p.snowflake())
        self.uploads[attachment_id] = part.data
        url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{filename}"
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        found: dict[str, Any] = {
            "id": attachment_id,
            "filename": filename,
            "size": len(part.data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }
        size = picture_size(part.data) if content_type.startswith("image/") else None
        if size is not None:  # Discord shows it inline: it gives an image's dimensions
            found["width"], found["height"] = size
        return found

    def attachments(self, message: dict[str, Any]) -> list[tuple[str, bytes]]:
        """(file name, bytes) of each file a message carries, as the bot uploaded them."""
        return [(a["filename"], self.uploads[a["id"]]) for a in message.get("attachments", [])]

    def _public(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            k: v
            for k, v in message.items()
            if k not in ("pings", "allowed_mentions", "interaction_id", "deleted")
        }

    async def _create_message(
        self, request: web.Request, body: Any, channel_id: str
    ) -> web.Response:
        channel = self.channels.get(int(channel_id))
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        problem = self._validate_message(body)
        if problem is not None:
            return problem
        if channel["type"] == 1 and int(channel["recipients"][0]["id"]) in self.dms_closed:
            return _error(403, 50007, "Cannot send messages to this user")
        nonce = body.get("nonce")
        if nonce is not None and len(str(nonce)) > 25:
            return _error(400, 50035, "Invalid Form Body", {"nonce": "BASE_TYPE_MAX_LENGTH"})
        key = (self.bot_id, int(channel_id), str(nonce))
        if nonce is not None and body.get("enforce_nonce"):
            # Discord: the same nonce from the same author within a few minutes returns the
            # message created the first time instead of creating another.
            seen = self.nonces.get(key)
            if seen is not None and time.monotonic() - seen[1] < NONCE_WINDOW:
                first = self._public(self.messages[seen[0]])
                return _json(first, headers=self._ratelimit_headers("messages-" + channel_id))
        message = self._store_message(int(channel_id), body)
        if nonce is not None:
            message["nonce"] = nonce
            if body.get("enforce_nonce"):
                self.nonces[key] = (int(message["id"]), time.monotonic())
        public = self._public(message)
        guild_id = channel.get("guild_id")
        dispatch = dict(public)
        if guild_id:
            dispatch["member"] = {
                k: v
                for k, v in self.guilds[int(guild_id)].members[self.bot_id].items()
                if k != "user"
            }
        await self.dispatch(
            "MESSAGE_CREATE", dispatch, guild_id=int(guild_id) if guild_id else None
        )
        return _json(public, headers=self._ratelimit_headers("messages-" + channel_id))

    async def _get_message(
        self, request: web.Request, body: Any, channel_id: str, message_id: str
    ) -> web.Response:
        message = self.messages.get(int(message_id))
        if message is None or message["channel_id"] != channel_id or message.get("deleted"):
            return _error(404, 10008, "Unknown Message")
        return _json(self._public(message))

    async def _edit_message(
        self, request: web.Request, body: Any, channel_id: str, message_id: str
    ) -> web.Response:
        message = self.messages.get(int(message_id))
        if message is None or message["channel_id"] != channel_id or message.get("deleted"):
            return _error(404, 10008, "Unknown Message")
        if message["author"]["id"] != self.bot_user["id"]:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        problem = self._validate_message(body, editing=True)
        if problem is not None:
            return problem
        if "content" in body:
            message["content"] = body["content"] or ""
        if "components" in body:
            message["components"] = body["components"] or []
        message["edited_timestamp"] = p.iso()
        message["allowed_mentions"] = body.get("allowed_mentions")
        message["pings"] = self.pings(message["content"], body.get("allowed_mentions"))
        return _json(self._public(message), headers=self._ratelimit_headers("edit-" + channel_id))

    async def _delete_message(
        self, request: web.Request, body: Any, channel_id: str, message_id: str
    ) -> web.Response:
        message = self.messages.get(int(message_id))
        if message is None or message["channel_id"] != channel_id or message.get("deleted"):
            return _error(404, 10008, "Unknown Message")
        message["deleted"] = True
        return _no_content()

    async def _modify_member(
        self, request: web.Request, body: Any, guild_id: str, user_id: str
    ) -> web.Response:
        guild = self.guilds.get(int(guild_id))
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        member = guild.members.get(int(user_id))
        if member is None:
            return _error(404, 10007, "Unknown Member")
        if "communication_disabled_until" in body:
            until = body["communication_disabled_until"]
            if until is not None:
                moment = datetime.fromisoformat(until)
                if moment > datetime.now(UTC) + MAX_TIMEOUT:
                    return _error(
                        400,
                        50035,
                        "Invalid Form Body",
                        {"communication_disabled_until": "must be at most 28 days in the future"},
                    )
            member["communication_disabled_until"] = until
        return _json(member)

    async def _member_role(
        self, guild_id: str, user_id: str, role_id: str, give: bool
    ) -> web.Response:
        """Add Guild Member Role / Remove Guild Member Role: 204, idempotent."""
        guild = self.guilds.get(int(guild_id))
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        if not any(role["id"] == role_id for role in guild.roles) or role_id == str(guild.id):
            return _error(404, 10011, "Unknown Role")
        member = guild.members.get(int(user_id))
        if member is None:
            return _error(404, 10007, "Unknown Member")
        if not self._may_manage(guild, role_id):
            return _error(403, 50013, "Missing Permissions")
        roles = [role for role in member["roles"] if role != role_id]
        member["roles"] = [*roles, role_id] if give else roles
        await self.dispatch(
            "GUILD_MEMBER_UPDATE", {**member, "guild_id": guild_id}, guild_id=guild.id
        )
        return _no_content()

    async def _give_role(
        self, request: web.Request, body: Any, guild_id: str, user_id: str, role_id: str
    ) -> web.Response:
        return await self._member_role(guild_id, user_id, role_id, give=True)

    async def _take_role(
        self, request: web.Request, body: Any, guild_id: str, user_id: str, role_id: str
    ) -> web.Response:
        return await self._member_role(guild_id, user_id, role_id, give=False)

    async def _kick_member(
        self, request: web.Request, body: Any, guild_id: str, user_id: str
    ) -> web.Response:
        guild = self.guilds.get(int(guild_id))
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        member = guild.members.pop(int(user_id), None)
        if member is None:
            return _error(404, 10007, "Unknown Member")
        await self.dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": guild_id, "user": member["user"]}, guild_id=guild.id
        )
        return _no_content()

    def _interaction_by_token(self, application_id: str, token: str) -> FakeInteraction | None:
        if application_id != str(self.application_id):
            return None
        return next((i for i in self.interactions.values() if i.payload["token"] == token), None)

    async def _interaction_callback(
        self, request: web.Request, body: Any, interaction_id: str, token: str
    ) -> web.Response:
        interaction = self.interactions.get(int(interaction_id))
        if interaction is None or interaction.payload["token"] != token:
            return _error(404, 10062, "Unknown interaction")
        if time.monotonic() - interaction.dispatched_at > self.ack_deadline:
            return _error(404, 10062, "Unknown interaction")
        if interaction.acked_type is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        kind = body.get("type")
        data = body.get("data") or {}
        if kind not in (4, 5, 6, 7, 9):
            return _error(400, 50035, "Invalid Form Body", {"type": "invalid callback type"})
        if kind in (6, 7) and not (
            interaction.payload["type"] == 3
            or (interaction.payload["type"] == 5 and interaction.payload.get("message"))
        ):
            return _error(400, 50035, "Invalid Form Body", {"type": "only for components"})
        if kind == 9:
            if interaction.payload["type"] not in (2, 3):
                return _error(400, 50035, "Invalid Form Body", {"type": "no modal here"})
            problem = self._validate_modal(data)
            if problem is not None:
                return _error(400, 50035, "Invalid Form Body", {"data": problem})
            interaction.modal = data
        interaction.acked_type = kind
        interaction.acked_at = time.monotonic()
        interaction.defer_flags = int(data.get("flags") or 0)
        channel_id = int(interaction.payload["channel_id"])
        if kind == 4:
            problem = self._validate_message(data)
            if problem is not None:
                return problem
            interaction.original = self._store_message(
                channel_id, data, webhook=True, interaction=interaction
            )
        elif kind == 5:
            interaction.original_pending = True
        elif kind in (6, 7):
            message = interaction.payload.get("message")
            interaction.original = self.messages.get(int(message["id"])) if message else None
            if kind == 7 and interaction.original is not None:
                interaction.original.update(
                    {k: v for k, v in data.items() if k in ("content", "components")}
                )
        if request.query.get("with_response") in ("true", "True", "1"):
            resource: dict[str, Any] = {"type": kind}
            if interaction.original is not None and kind in (4, 7):
                resource["message"] = self._public(interaction.original)
            return _json(
                {
                    "interaction": {
                        "id": interaction.payload["id"],
                        "type": interaction.payload["type"],
                        "response_message_id": interaction.original and interaction.original["id"],
                        "response_message_loading": kind == 5,
                        "response_message_ephemeral": bool(interaction.defer_flags & 64),
                    },
                    "resource": resource,
                }
            )
        return _no_content()

    @staticmethod
    def _validate_modal(data: dict[str, Any]) -> str | None:
        """Discord's checks of a modal: title, custom_id, 1-5 top-level components that
        are Labels (type 18) holding a text input, or action rows (type 1) of one."""
        if not 1 <= len(str(data.get("title") or "")) <= 45:
            return "title: 1 to 45 characters"
        if not 1 <= len(str(data.get("custom_id") or "")) <= 100:
            return "custom_id: 1 to 100 characters"
        components = data.get("components") or []
        if not 1 <= len(components) <= 5:
            return "components: 1 to 5"
        for component in components:
            if component.get("type") == 18:
                if not 1 <= len(str(component.get("label") or "")) <= 45:
                    return "label: 1 to 45 characters"
                inputs = [component.get("component") or {}]
                if inputs[0].get("label") is not None:
                    return "a text input in a label has no label of its own"
            elif component.get("type") == 1:
                inputs = component.get("components") or []
                if len(inputs) != 1 or not 1 <= len(str(inputs[0].get("label") or "")) <= 45:
                    return "an action row holds one text input with a 1-45 character label"
            else:
                return f"component type {component.get('type')} is not allowed in a modal"
            field = inputs[0]
            if field.get("type") != 4 or field.get("style") not in (1, 2):
                return "expected a text input (type 4, style 1 or 2)"
            if not 1 <= len(str(field.get("custom_id") or "")) <= 100:
                return "text input custom_id: 1 to 100 characters"
            low, high = field.get("min_length"), field.get("max_length")
            if low is not None and not 0 <= low <= 4000:
                return "min_length: 0 to 4000"
            if high is not None and not 1 <= high <= 4000:
                return "max_length: 1 to 4000"
            if low is not None and high is not None and low > high:
                return "min_length above max_length"
            if len(str(field.get("placeholder") or "")) > 100:
                return "placeholder: at most 100 characters"
        return None

    async def _followup(
        self, request: web.Request, body: Any, application_id: str, token: str
    ) -> web.Response:
        interaction = self._interaction_by_token(application_id, token)
        if interaction is None or interaction.acked_type is None:
            return _error(404, 10015, "Unknown Webhook")
        problem = self._validate_message(body)
        if problem is not None:
            return problem
        channel_id = int(interaction.payload["channel_id"])
        if interaction.original_pending:
            # The first follow-up of a deferred command replaces the "thinking" message and
            # keeps the visibility chosen when deferring.
            flags = interaction.defer_flags
            body = {**body, "flags": flags}
            message = self._store_message(channel_id, body, webhook=True, interaction=interaction)
            interaction.original = message
            interaction.original_pending = False
        else:
            message = self._store_message(channel_id, body, webhook=True, interaction=interaction)
        if request.query.get("wait") in ("true", "True", "1"):
            return _json(self._public(message))
        return _no_content()

    async def _get_original(
        self, request: web.Request, body: Any, application_id: str, token: str
    ) -> web.Response:
        """The original response; a deferred one still "thinking" carries the LOADING
        flag (128) and the visibility chosen when deferring."""
        interaction = self._interaction_by_token(application_id, token)
        if interaction is None or interaction.acked_type is None:
            return _error(404, 10015, "Unknown Webhook")
        if interaction.original_pending:
            return _json(
                {
                    "id": str(int(interaction.payload["id"]) + 1),
                    "channel_id": interaction.payload["channel_id"],
                    "content": "",
                    "flags": interaction.defer_flags | LOADING,
                    "author": self.bot_user,
                    "webhook_id": str(self.application_id),
                    "application_id": str(self.application_id),
                    "interaction_metadata": {"id": interaction.payload["id"]},
                }
            )
        if interaction.original is None or interaction.original.get("deleted"):
            return _error(404, 10008, "Unknown Message")
        return _json(self._public(interaction.original))

    async def _edit_original(
        self, request: web.Request, body: Any, application_id: str, token: str
    ) -> web.Response:
        interaction = self._interaction_by_token(application_id, token)
        if interaction is None or interaction.acked_type is None:
            return _error(404, 10015, "Unknown Webhook")
        problem = self._validate_message(body, editing=True)
        if problem is not None:
            return problem
        channel_id = int(interaction.payload["channel_id"])
        if interaction.original_pending:
            message = self._store_message(
                channel_id,
                {**body, "flags": interaction.defer_flags},
                webhook=True,
                interaction=interaction,
            )
            interaction.original = message
            interaction.original_pending = False
            return _json(self._public(message))
        if interaction.original is None or interaction.original.get("deleted"):
            return _error(404, 10008, "Unknown Message")
        original = interaction.original
        for key in ("content", "components"):
            if key in body:
                original[key] = body[key] or ("" if key == "content" else [])
        original["allowed_mentions"] = body.get("allowed_mentions")
        original["pings"] = self.pings(original["content"], body.get("allowed_mentions"))
        return _json(self._public(original))

    async def _delete_original(
        self, request: web.Request, body: Any, application_id: str, token: str
    ) -> web.Response:
        interaction = self._interaction_by_token(application_id, token)
        if interaction is None or interaction.acked_type is None:
            return _error(404, 10015, "Unknown Webhook")
        if interaction.original_pending:
            interaction.original_pending = False
            return _no_content()
        if interaction.original is None or interaction.original.get("deleted"):
            return _error(404, 10008, "Unknown Message")
        interaction.original["deleted"] = True
        return _no_content()

    async def _edit_followup(
        self, request: web.Request, body: Any, application_id: str, token: str, message_id: str
    ) -> web.Response:
        interaction = self._interaction_by_token(application_id, token)
        message = self.messages.get(int(message_id))
        if interaction is None or message is None:
            return _error(404, 10015, "Unknown Webhook")
        message.update({k: v for k, v in body.items() if k in ("content", "components")})
        return _json(self._public(message))

    def validate_commands(self, commands: Any) -> dict[str, Any] | None:
        """Discord's checks for a bulk overwrite: names, lengths, option order and nesting."""
        if not isinstance(commands, list):
            return {"_errors": "expected a list"}
        seen: set[tuple[int, str]] = set()
        counts = {1: 0, 2: 0, 3: 0}
        for index, command in enumerate(commands):
            kind = command.get("type", 1)
            name = command.get("name", "")
            counts[kind] = counts.get(kind, 0) + 1
            if (kind, name) in seen:
                return {str(index): {"name": "APPLICATION_COMMANDS_DUPLICATE_NAME"}}
            seen.add((kind, name))
            if kind == 1:
                if not COMMAND_NAME_RE.fullmatch(name) or name != name.lower():
                    return {str(index): {"name": f"invalid name {name!r}"}}
                if not 1 <= len(command.get("description", "")) <= 100:
                    return {str(index): {"description": "must be 1-100 characters"}}
                problem = self._validate_options(command.get("options") or [], depth=0)
                if problem:
                    return {str(index): {"options": problem}}
                if self._command_size(command) > 4000:
                    return {str(index): "APPLICATION_COMMAND_TOO_LARGE"}
            else:
                if not 1 <= len(name) <= 32 or command.get("description"):
                    return {str(index): {"name": "context menu names are 1-32 characters"}}
        if counts[1] > 100 or counts[2] > 5 or counts[3] > 5:
            return {"_errors": "too many commands"}
        return None

    def _command_size(self, command: dict[str, Any]) -> int:
        total = len(command.get("name", "")) + len(command.get("description", ""))
        for option in command.get("options") or []:
            total += self._command_size(option)
            for choice in option.get("choices") or []:
                total += len(choice["name"]) + len(str(choice["value"]))
        return total

    def _validate_options(self, options: list[dict[str, Any]], *, depth: int) -> str | None:
        if len(options) > 25:
            return "at most 25 options"
        names = [option.get("name", "") for option in options]
        if len(set(names)) != len(names):
            return "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS"
        kinds = {option.get("type") for option in options}
        if kinds & {1, 2} and kinds - {1, 2}:
            return "subcommands cannot be mixed with other options"
        seen_optional = False
        for option in options:
            kind = option.get("type")
            if (
                not COMMAND_NAME_RE.fullmatch(option.get("name", ""))
                or option["name"] != option["name"].lower()
            ):
                return f"invalid option name {option.get('name')!r}"
            if not 1 <= len(option.get("description", "")) <= 100:
                return f"option {option['name']}: description must be 1-100 characters"
            if kind in (1, 2):
                if depth >= (1 if kind == 2 else 2) or (kind == 2 and depth > 0):
                    return "subcommands nested too deep"
                inner = option.get("options") or []
                if kind == 2 and any(o.get("type") != 1 for o in inner):
                    return "a group holds only subcommands"
                if kind == 1 and any(o.get("type") in (1, 2) for o in inner):
                    return "a subcommand holds no subcommands"
                problem = self._validate_options(inner, depth=depth + 1)
                if problem:
                    return problem
                continue
            if kind not in range(3, 12):
                return f"unknown option type {kind}"
            if option.get("required"):
                if seen_optional:
                    return "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"
            else:
                seen_optional = True
        return None

    def _stored_commands(
        self, commands: list[dict[str, Any]], guild_id: int | None
    ) -> list[dict[str, Any]]:
        previous = {(c["type"], c["name"]): c["id"] for c in self.commands.get(guild_id, [])}
        stored = []
        for command in commands:
            kind = command.get("type", 1)
            item = {
                "id": previous.get((kind, command["name"])) or str(p.snowflake()),
                "application_id": str(self.application_id),
                "version": str(p.snowflake()),
                "type": kind,
                "name": command["name"],
                "description": command.get("description", ""),
                "options": command.get("options") or [],
                "default_member_permissions": command.get("default_member_permissions"),
                "dm_permission": command.get("dm_permission", True),
                "nsfw": command.get("nsfw", False),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types", [0]),
            }
            if guild_id is not None:
                item["guild_id"] = str(guild_id)
            stored.append(item)
        self.commands[guild_id] = stored
        return stored

    async def _put_guild_commands(
        self, request: web.Request, body: Any, application_id: str, guild_id: str
    ) -> web.Response:
        if application_id != str(self.application_id):
            return _error(403, 50001, "Missing Access")
        if int(guild_id) not in self.guilds:
            return _error(403, 50001, "Missing Access")
        problem = self.validate_commands(body)
        if problem is not None:
            return _error(400, 50035, "Invalid Form Body", problem)
        return _json(self._stored_commands(body, int(guild_id)))

    async def _get_guild_commands(
        self, request: web.Request, body: Any, application_id: str, guild_id: str
    ) -> web.Response:
        return _json(self.commands.get(int(guild_id), []))

    async def _put_global_commands(
        self, request: web.Request, body: Any, application_id: str
    ) -> web.Response:
        problem = self.validate_commands(body)
        if problem is not None:
            return _error(400, 50035, "Invalid Form Body", problem)
        return _json(self._stored_commands(body, None))

    async def _get_global_commands(
        self, request: web.Request, body: Any, application_id: str
    ) -> web.Response:
        return _json(self.commands.get(None, []))

    # -- gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        if request.query.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"Error while decoding payload.")
            return ws
        compress = request.query.get("compress")
        if compress not in (None, "zlib-stream"):
            await ws.close(code=4002, message=b"Unsupported compression.")
            return ws
        connection = Session(session_id="", intents=0, shard=(0, 1), ws=ws)
        if compress == "zlib-stream":
            connection.compressor = zlib.compressobj()
        self.connections.append(connection)
        session: Session | None = None
        try:
            await self._send(
                connection,
                {
                    "op": 10,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                },
            )
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                self.gateway_log.append(("recv", payload))
                await self._notify()
                op = payload.get("op")
                if op == 1:
                    await self._send(connection, {"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    session = await self._identify(connection, payload["d"])
                elif op == 6:
                    session = await self._resume(connection, payload["d"])
                elif op == 8 and session is not None:
                    await self._members_chunk(session, payload["d"])
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
                if ws.close_code in (1000, 1001) and not self._closing:
                    # A client closing with 1000/1001 ends its session: no RESUME later.
                    self.sessions.pop(session.session_id, None)
            await self._notify()
        return ws

    async def _send(self, session: Session, payload: dict[str, Any]) -> None:
        """Send one gateway payload, compressed into the connection's zlib stream."""
        ws = session.ws
        if ws is None or ws.closed:
            return
        data = json.dumps(payload)
        self.gateway_log.append(("send", payload))
        if session.compressor is not None:
            chunk = session.compressor.compress(data.encode()) + session.compressor.flush(
                zlib.Z_SYNC_FLUSH
            )
            await ws.send_bytes(chunk)
        else:
            await ws.send_str(data)

    async def _identify(self, connection: Session, data: dict[str, Any]) -> Session | None:
        ws = connection.ws
        assert ws is not None
        if data.get("token") not in (self.token, f"Bot {self.token}"):
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        for intent, flags in PRIVILEGED.items():
            if intents & intent and not self.application_flags & flags:
                await ws.close(code=4014, message=b"Disallowed intent(s).")
                return None
        shard = tuple(data.get("shard") or (0, 1))
        if len(shard) != 2 or not 0 <= shard[0] < shard[1]:
            await ws.close(code=4010, message=b"Invalid shard.")
            return None
        session = Session(
            session_id=p.snowflake().to_bytes(8, "big").hex(),
            intents=intents,
            shard=(int(shard[0]), int(shard[1])),
            ws=ws,
            compressor=connection.compressor,
        )
        self.sessions[session.session_id] = session
        guilds = [g for g in self.guilds.values() if self._on_shard(session, g.id)]
        await self._dispatch_to(
            session,
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "shard": list(session.shard),
                "application": {"id": str(self.application_id), "flags": self.application_flags},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "auth": {},
                "user_settings": {},
                "_trace": ["fake-discord"],
            },
        )
        for guild in guilds:
            await self._dispatch_to(session, "GUILD_CREATE", guild.payload(lazy=True))
        session.ready = True
        await self._notify()
        return session

    async def _resume(self, connection: Session, data: dict[str, Any]) -> Session | None:
        ws = connection.ws
        assert ws is not None
        session = self.sessions.get(data.get("session_id", ""))
        if data.get("token") != self.token or session is None:
            await self._send(connection, {"op": 9, "d": False, "s": None, "t": None})
            return None
        session.ws = ws
        session.compressor = connection.compressor
        for payload in session.sent:
            if payload["s"] > int(data.get("seq") or 0):
                await self._send(session, payload)
        await self._dispatch_to(session, "RESUMED", {"_trace": ["fake-discord"]})
        return session

    async def _members_chunk(self, session: Session, data: dict[str, Any]) -> None:
        guild = self.guilds.get(int(data["guild_id"]))
        members = list(guild.members.values()) if guild else []
        await self._dispatch_to(
            session,
            "GUILD_MEMBERS_CHUNK",
            {
                "guild_id": data["guild_id"],
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
                **({"nonce": data["nonce"]} if data.get("nonce") else {}),
            },
        )

    def _on_shard(self, session: Session, guild_id: int | None) -> bool:
        shard_id, count = session.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    async def _dispatch_to(self, session: Session, event: str, data: dict[str, Any]) -> None:
        async with session.lock:
            session.seq += 1
            payload = {"op": 0, "s": session.seq, "t": event, "d": data}
            session.sent.append(payload)
            await self._send(session, payload)

    @staticmethod
    def _wants(session: Session, event: str, guild_id: int | None) -> bool:
        intents = session.intents
        if event.startswith("GUILD_MEMBER"):
            return bool(intents & GUILD_MEMBERS)
        if event.startswith("MESSAGE_REACTION"):
            return bool(
                intents & (GUILD_MESSAGE_REACTIONS if guild_id else DIRECT_MESSAGE_REACTIONS)
            )
        if event.startswith("MESSAGE_"):
            return bool(intents & (GUILD_MESSAGES if guild_id else DIRECT_MESSAGES))
        if event.startswith("GUILD_SCHEDULED_EVENT"):
            return bool(intents & GUILD_SCHEDULED_EVENTS)
        if event.startswith("GUILD_") or event.startswith("CHANNEL_"):
            return bool(intents & GUILDS)
        return True

    def _without_content(
        self, session: Session, event: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Without MESSAGE_CONTENT, Discord blanks what a message says (except DMs and
        messages that mention the bot)."""
        if session.intents & MESSAGE_CONTENT or event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
            return data
        if not data.get("guild_id") or data.get("author", {}).get("id") == self.bot_user["id"]:
            return data
        if f"<@{self.bot_id}>" in data.get("content", ""):
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    async def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None) -> int:
        """Send a dispatch to every ready session that should get it; returns how many.

        A session whose connection dropped still gets it queued, and a RESUME replays it,
        as Discord does."""
        count = 0
        for session in list(self.sessions.values()):
            if not session.ready:
                continue
            if not self._on_shard(session, guild_id) or not self._wants(session, event, guild_id):
                continue
            await self._dispatch_to(session, event, self._without_content(session, event, data))
            count += 1
        return count

    async def close_gateway(self, code: int = 4000) -> None:
        """Close every live gateway connection with ``code`` (clients resume afterwards)."""
        for session in list(self.sessions.values()):
            if session.ws is not None:
                ws, session.ws = session.ws, None
                await ws.close(code=code)

    # -- scenario helpers (what a user does in the Discord client) -------------------------

    def _member_of(self, guild: Guild, user_id: int) -> dict[str, Any]:
        return guild.members[user_id]

    async def member_joins(
        self,
        guild: Guild,
        username: str,
        *,
        nick: str | None = None,
        global_name: str | None = None,
    ) -> dict[str, Any]:
        member = self.add_member(guild, username, nick=nick, global_name=global_name)
        await self.dispatch(
            "GUILD_MEMBER_ADD", {**member, "guild_id": str(guild.id)}, guild_id=guild.id
        )
        return member

    async def member_leaves(self, guild: Guild, user_id: int) -> None:
        member = guild.members.pop(user_id)
        await self.dispatch(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild.id), "user": member["user"]},
            guild_id=guild.id,
        )

    async def post(
        self,
        guild: Guild,
        channel_name: str,
        user_id: int,
        content: str,
        *,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A member writes in a channel: stored, then MESSAGE_CREATE dispatched."""
        channel = guild.channel(channel_name)
        member = self._member_of(guild, user_id)
        message = p.message(
            channel_id=int(channel["id"]),
            author=member["user"],
            content=content,
            guild_id=guild.id,
            member_payload=member,
            referenced=reply_to and self._public(reply_to),
        )
        self.messages[int(message["id"])] = message
        await self.dispatch("MESSAGE_CREATE", message, guild_id=guild.id)
        return message

    async def direct_message(self, user_id: int, content: str) -> dict[str, Any]:
        """A user writes to the bot in private (MESSAGE_CREATE without ``guild_id``)."""
        user = self.users[user_id]
        existing = next(
            (
                c
                for c in self.channels.values()
                if c["type"] == 1 and c["recipients"][0]["id"] == str(user_id)
            ),
            None,
        )
        channel = existing or p.dm_channel(p.snowflake(), user)
        self.channels[int(channel["id"])] = channel
        message = p.message(channel_id=int(channel["id"]), author=user, content=content)
        self.messages[int(message["id"])] = message
        await self.dispatch("MESSAGE_CREATE", message, guild_id=None)
        return message

    async def edit(self, guild: Guild, message: dict[str, Any], content: str) -> None:
        message["content"] = content
        message["edited_timestamp"] = p.iso()
        await self.dispatch("MESSAGE_UPDATE", dict(message), guild_id=guild.id)

    async def delete(self, guild: Guild, message: dict[str, Any]) -> None:
        message["deleted"] = True
        await self.dispatch(
            "MESSAGE_DELETE",
            {"id": message["id"], "channel_id": message["channel_id"], "guild_id": str(guild.id)},
            guild_id=guild.id,
        )

    async def react(self, guild: Guild, message: dict[str, Any], user_id: int, emoji: str) -> None:
        member = self._member_of(guild, user_id)
        await self.dispatch(
            "MESSAGE_REACTION_ADD",
            {
                "type": 0,
                "user_id": str(user_id),
                "channel_id": message["channel_id"],
                "message_id": message["id"],
                "guild_id": str(guild.id),
                "member": member,
                "message_author_id": message["author"]["id"],
                "emoji": {"id": None, "name": emoji},
                "burst": False,
                "burst_colors": [],
            },
            guild_id=guild.id,
        )

    async def bot_added(self, guild: Guild) -> None:
        """The bot is invited into ``guild`` (GUILD_CREATE without ``unavailable``)."""
        self.guilds[guild.id] = guild
        await self.dispatch("GUILD_CREATE", guild.payload(lazy=False), guild_id=guild.id)

    async def bot_removed(self, guild: Guild) -> None:
        self.guilds.pop(guild.id, None)
        await self.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)

    async def _interact(
        self,
        guild: Guild,
        channel_name: str,
        user_id: int,
        interaction_type: int,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> FakeInteraction:
        channel = guild.channel(channel_name)
        member = dict(self._member_of(guild, user_id))
        member["permissions"] = str(self.member_permissions(guild, user_id))
        payload = p.interaction(
            application_id=self.application_id,
            interaction_type=interaction_type,
            data=data,
            guild_id=guild.id,
            channel=channel,
            member_payload=member,
            message_payload=self._public(message) if message else None,
        )
        interaction = FakeInteraction(payload=payload, dispatched_at=time.monotonic())
        self.interactions[int(payload["id"])] = interaction
        await self.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id)
        return interaction

    def registered_command(self, guild: Guild, name: str, kind: int = 1) -> dict[str, Any]:
        return next(
            c for c in self.commands.get(guild.id, []) if c["name"] == name and c["type"] == kind
        )

    async def slash(
        self,
        guild: Guild,
        channel_name: str,
        user_id: int,
        command_line: str,
        **values: str | bool,
    ) -> FakeInteraction:
        """A member runs ``/command_line`` (``"poll create"``: command, then subcommand
        group/subcommand) filling ``values`` in the options Discord shows.

        Like the Discord client, only what the registered command defines can be sent:
        unknown options, wrong types and missing required options fail the test here."""
        words = command_line.split()
        command = self.registered_command(guild, words[0])
        schema: list[dict[str, Any]] = command.get("options") or []
        nesting: list[dict[str, Any]] = []
        for word in words[1:]:
            sub = next((o for o in schema if o["name"] == word and o["type"] in (1, 2)), None)
            assert sub is not None, f"/{command_line}: {word!r} is not a registered subcommand"
            nesting.append({"type": sub["type"], "name": word})
            schema = sub.get("options") or []
        assert not any(o["type"] in (1, 2) for o in schema), f"/{command_line} needs a subcommand"
        options: list[dict[str, Any]] = []
        for name, value in values.items():
            spec = next((o for o in schema if o["name"] == name), None)
            assert spec is not None, f"/{command_line} has no option {name!r}"
            expected = bool if spec["type"] == 5 else str
            assert isinstance(value, expected), f"option {name} must be {expected.__name__}"
            options.append({"type": spec["type"], "name": name, "value": value})
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
        assert not missing, f"/{command_line}: required options missing: {missing}"
        for level in reversed(nesting):
            level["options"] = options
            options = [level]
        data: dict[str, Any] = {
            "id": command["id"],
            "name": words[0],
            "type": 1,
            "guild_id": str(guild.id),
        }
        if options:
            data["options"] = options
        return await self._interact(guild, channel_name, user_id, 2, data)

    async def message_command(
        self, guild: Guild, channel_name: str, user_id: int, name: str, target: dict[str, Any]
    ) -> FakeInteraction:
        """A member picks ``name`` from a message's Apps context menu."""
        command = self.registered_command(guild, name, kind=3)
        data = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "guild_id": str(guild.id),
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: self._public(target)}},
        }
        return await self._interact(guild, channel_name, user_id, 2, data)

    async def press(
        self, guild: Guild, message: dict[str, Any], user_id: int, custom_id: str
    ) -> FakeInteraction:
        """A member presses the button ``custom_id`` on ``message``."""
        channel = self.channels[int(message["channel_id"])]
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(guild, channel["name"], user_id, 3, data, message=message)

    async def submit_modal(
        self, guild: Guild, opened: FakeInteraction, text: str, *, user_id: int | None = None
    ) -> FakeInteraction:
        """The member submits the modal ``opened`` was answered with, typing ``text`` in
        its (first) text input: INTERACTION_CREATE type 5 (MODAL_SUBMIT), from the
        message the modal was opened on, as the Discord client sends it.

        ``user_id`` defaults to whoever opened it (only they see the modal); another id
        stands for a crafted submission. A value outside the input's length limits fails
        the test here: the client would not let the member submit it."""
        modal = opened.modal
        assert modal is not None, "this interaction was not answered with a modal"
        components: list[dict[str, Any]] = []
        for index, component in enumerate(modal["components"]):
            field = (
                component["component"] if component["type"] == 18 else component["components"][0]
            )
            value = text if index == 0 else ""
            low, high = field.get("min_length") or 0, field.get("max_length") or 4000
            if field.get("required", True) or value:
                assert low <= len(value) <= high, f"the client refuses {len(value)} characters"
            submitted = {
                "type": 4,
                "id": index + 2,
                "custom_id": field["custom_id"],
                "value": value,
            }
            if component["type"] == 18:
                components.append({"type": 18, "id": index + 1, "component": submitted})
            else:
                components.append({"type": 1, "id": index + 1, "components": [submitted]})
        who = user_id if user_id is not None else int(opened.payload["member"]["user"]["id"])
        member = dict(self._member_of(guild, who))
        member["permissions"] = str(self.member_permissions(guild, who))
        payload = p.interaction(
            application_id=self.application_id,
            interaction_type=5,
            data={"custom_id": modal["custom_id"], "components": components},
            guild_id=guild.id,
            channel=opened.payload["channel"],
            member_payload=member,
            message_payload=opened.payload.get("message"),
        )
        interaction = FakeInteraction(payload=payload, dispatched_at=time.monotonic())
        self.interactions[int(payload["id"])] = interaction
        await self.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id)
        return interaction

    def messages_in(self, channel_id: int | str) -> list[dict[str, Any]]:
        return [
            m
            for m in self.messages.values()
            if m["channel_id"] == str(channel_id) and not m.get("deleted") and not m["flags"] & 64
        ]

    def bot_messages(self) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if m["author"]["id"] == self.bot_user["id"]]

    def everyone_pings(self) -> list[dict[str, Any]]:
        """Every bot message that would have pinged @everyone/@here or a role."""
        return [m for m in self.bot_messages() if m["pings"]["everyone"] or m["pings"]["roles"]]
