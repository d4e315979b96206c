"""Bot REST calls for the core's actions, and Discord's errors as the core's.

Calls go through discord.py's ``HTTPClient``, which keeps Discord's per-route buckets and
honours 429s (sleeping ``retry_after`` when Discord's edge marks them with ``Via``; a wait
over 30 s or an unmarked 429 surfaces as :class:`core.errors.RateLimited` for the
delivery worker to schedule).

Idempotent sends: a message create carries ``nonce`` and ``enforce_nonce: true`` built from
the outbox row's ``idempotency_key``, so a send repeated after a crash (the first attempt
reached Discord, its answer never reached the outbox) returns the message already created
instead of posting it twice: Discord keeps a nonce of one author for a few minutes.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, assert_never

import aiohttp
import discord
from discord.http import Route

from townsquare.adapters.discord import outbound
from townsquare.adapters.discord.errors import UNKNOWN_MESSAGE, delivery_error
from townsquare.core.actions import (
    CancelScheduledEvent,
    CreateScheduledEvent,
    DeleteMessage,
    EditMessage,
    GiveRole,
    RemoveMember,
    RestrictMember,
    ScheduledEventAction,
    SendFile,
    TakeRole,
    UnrestrictMember,
    UpdateScheduledEvent,
)
from townsquare.core.errors import (
    PermanentDeliveryError,
)
from townsquare.core.images import shown_name
from townsquare.core.ports import Delivered
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.core.text import Text

log = logging.getLogger(__name__)

MemberChange = RestrictMember | UnrestrictMember | RemoveMember | GiveRole | TakeRole

MAX_NONCE = 25
"""Characters Discord allows in a message ``nonce``."""


def int_id(value: str, what: str) -> int:
    if not outbound.is_snowflake(value):
        raise PermanentDeliveryError(f"{what} {value!r} is not a Discord id")
    return int(value)


MAX_AUDIT_REASON = 512
"""Characters Discord keeps of an ``X-Audit-Log-Reason``."""


def audit_reason(why: str) -> str:
    """``why`` for the guild's audit log: one line (a header cannot hold a line break; the
    text may come from a manager), at most :data:`MAX_AUDIT_REASON` characters."""
    line = " ".join(f"townsquare: {why}".split())
    return line if len(line) <= MAX_AUDIT_REASON else line[: MAX_AUDIT_REASON - 1] + "…"


def target(channel: ChannelRef) -> int:
    return int_id(channel.thread_id or channel.id, "channel")


def nonce(key: str, part: int) -> str:
    """The ``nonce`` of the ``part``-th message of the send keyed ``key`` (at most 25
    characters: a long key is hashed)."""
    value = f"{key}.{part}"
    if len(value) <= MAX_NONCE:
        return value
    digest = hashlib.blake2b(key.encode(), digest_size=9).hexdigest()
    return f"{digest}.{part}"[-MAX_NONCE:]


def _idempotent(body: dict[str, Any], key: str | None, part: int) -> dict[str, Any]:
    if key is None:
        return body
    return {**body, "nonce": nonce(key, part), "enforce_nonce": True}


class Rest:
    """The bot's REST calls for one adapter; ``http`` gives the connected client's
    ``HTTPClient`` or raises :class:`TransientDeliveryError` before it is connected."""

    def __init__(self, bot: str, http: Callable[[], discord.http.HTTPClient]) -> None:
        self.bot = bot
        self._http = http

    async def request(self, route: Route, what: str, **kwargs: Any) -> Any:
        http = self._http()
        try:
            return await http.request(route, **kwargs)
        except (TimeoutError, discord.DiscordException, aiohttp.ClientError, OSError) as error:
            raise delivery_error(error, what) from error

    async def _create(
        self, channel_id: int, body: dict[str, Any], what: str, **kwargs: Any
    ) -> dict[str, Any]:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        data: dict[str, Any] = await self.request(route, what, json=body, **kwargs)
        return data

    async def post(
        self,
        channel: ChannelRef,
        text: Text,
        buttons: Any = (),
        *,
        reply_to: MessageRef | None = None,
        silent: bool = False,
        key: str | None = None,
    ) -> Delivered:
        """The text as one or more messages (buttons on the last); ``key`` makes the
        messages idempotent (see the module docstring)."""
        channel_id = target(channel)
        try:
            bodies = outbound.message_payloads(text, buttons, reply_to=reply_to, silent=silent)
        except ValueError as error:
            raise PermanentDeliveryError(str(error)) from error
        refs: list[MessageRef] = []
        for part, body in enumerate(bodies):
            data = await self._create(
                channel_id, _idempotent(body, key, part), f"send to channel {channel_id}"
            )
            refs.append(MessageRef(channel, str(data["id"])))
        return Delivered(tuple(refs))

    async def direct_channel(self, user: str) -> ChannelRef:
        user_id = int_id(user, "user")
        route = Route("POST", "/users/@me/channels")
        channel = await self.request(
            route, f"open DM with {user_id}", json={"recipient_id": str(user_id)}
        )
        return ChannelRef(str(channel["id"]), is_direct=True)

    async def send_file(self, action: SendFile, key: str | None) -> Delivered:
        """A message with the file attached (multipart: ``payload_json`` and
        ``files[0]``, built by discord.py from a :class:`discord.File`). Discord shows an
        image attachment inline, judging by its name: a picture's gets its extension."""
        if action.user_id is not None:
            channel = await self.direct_channel(action.user_id)
        else:
            assert action.channel is not None
            channel = action.channel
        channel_id = target(channel)
        filename = shown_name(action.filename, action.mime_type)  # a picture shows inline
        before, body = outbound.file_payloads(action.caption, filename)
        refs: list[MessageRef] = []
        for part, chunk in enumerate(before):
            data = await self._create(
                channel_id, _idempotent(chunk, key, part), f"send to channel {channel_id}"
            )
            refs.append(MessageRef(channel, str(data["id"])))
        body = _idempotent(body, key, len(before))
        file = discord.File(io.BytesIO(action.data), filename=filename)
        form = [
            {"name": "payload_json", "value": json.dumps(body)},
            {
                "name": "files[0]",
                "value": file.fp,
                "filename": file.filename,
                "content_type": action.mime_type,
            },
        ]
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        try:
            data = await self.request(
                route, f"send {filename} to channel {channel_id}", files=[file], form=form
            )
        finally:
            file.close()
        refs.append(MessageRef(channel, str(data["id"])))
        return Delivered(tuple(refs))

    async def edit(self, action: EditMessage) -> Delivered:
        if action.message is None:
            raise PermanentDeliveryError("edit without a resolved message")
        channel_id = target(action.message.channel)
        message_id = int_id(action.message.message_id, "message")
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
        await self.request(route, f"edit message {message_id}", json=body)
        return Delivered((action.message,))

    async def delete(self, action: DeleteMessage) -> Delivered:
        if action.message is None:
            raise PermanentDeliveryError("delete without a resolved message")
        channel_id = target(action.message.channel)
        message_id = int_id(action.message.message_id, "message")
        route = Route(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )
        try:
            await self.request(route, f"delete message {message_id}")
        except PermanentDeliveryError as error:
            cause = error.__cause__
            if isinstance(cause, discord.HTTPException) and cause.code == UNKNOWN_MESSAGE:
                return Delivered()  # already gone: the wanted outcome
            raise
        return Delivered()

    async def _timeout(self, community: str, user: str, until: datetime | None, why: str) -> None:
        guild_id = int_id(community, "guild")
        user_id = int_id(user, "user")
        route = Route(
            "PATCH", "/guilds/{guild_id}/members/{user_id}", guild_id=guild_id, user_id=user_id
        )
        value = until.astimezone(UTC).isoformat() if until is not None else None
        await self.request(
            route,
            f"{why} member {user_id}",
            json={"communication_disabled_until": value},
            reason=f"townsquare: {why}",
        )

    async def _role(self, community: str, user: str, role: str, *, give: bool, why: str) -> None:
        """Give or take a member's role (the bot needs Manage Roles and a higher role);
        ``why`` goes to the guild's audit log."""
        guild_id = int_id(community, "guild")
        user_id = int_id(user, "user")
        role_id = int_id(role, "role")
        route = Route(
            "PUT" if give else "DELETE",
            "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
            guild_id=guild_id,
            user_id=user_id,
            role_id=role_id,
        )
        await self.request(
            route,
            f"{'give' if give else 'take'} role {role_id}",
            reason=audit_reason(why),
        )

    async def role(self, action: GiveRole | TakeRole) -> Delivered:
        """A role reward given or taken (:class:`~core.actions.GiveRole`); taking a role
        the member lacks is answered 204 like any other, so a repeat is harmless."""
        give = isinstance(action, GiveRole)
        why = action.reason or ("role given" if give else "role taken")
        await self._role(action.community.id, action.user_id, action.role_id, give=give, why=why)
        return Delivered()

    async def guild(self, action: MemberChange | ScheduledEventAction) -> Delivered:
        """A change in a guild: to a member, or to a scheduled event."""
        if isinstance(action, CreateScheduledEvent | UpdateScheduledEvent | CancelScheduledEvent):
            return await self.scheduled_event(action)
        return await self.member(action)

    async def member(self, action: MemberChange) -> Delivered:
        """A change to a guild member: a mute, its end, a removal, a role given or taken."""
        match action:
            case RestrictMember():
                return await self.restrict(action)
            case UnrestrictMember():
                return await self.unrestrict(action)
            case RemoveMember():
                return await self.remove(action)
            case GiveRole() | TakeRole():
                return await self.role(action)
            case _:
                assert_never(action)

    async def restrict(self, action: RestrictMember) -> Delivered:
        """Mute as a Discord timeout, or give the member ``role_id`` (a role the guild's
        channel permissions keep from writing). Timeouts last at most 28 days: a mute
        without end (``until=None``) or a longer one becomes the longest Discord allows."""
        if action.role_id is not None:
            why = "verification role"
            await self._role(
                action.community.id, action.user_id, action.role_id, give=True, why=why
            )
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

    async def unrestrict(self, action: UnrestrictMember) -> Delivered:
        if action.role_id is not None:
            why = "verification accepted"
            await self._role(
                action.community.id, action.user_id, action.role_id, give=False, why=why
            )
            return Delivered()
        await self._timeout(action.community.id, action.user_id, None, "unmute")
        return Delivered()

    async def remove(self, action: RemoveMember) -> Delivered:
        guild_id = int_id(action.community.id, "guild")
        user_id = int_id(action.user_id, "user")
        route = Route(
            "DELETE", "/guilds/{guild_id}/members/{user_id}", guild_id=guild_id, user_id=user_id
        )
        await self.request(route, f"remove member {user_id}", reason="townsquare: remove")
        return Delivered()

    async def scheduled_event(self, action: ScheduledEventAction) -> Delivered:
        """A guild scheduled event mirroring one of ours: an external event (entity type 3)
        whose location is the place, visible to the guild's members (privacy level 2).
        Discord's limits: a name and a location of 100 characters, a description of
        1000. Cancelling sets its status to 4 (cancelled)."""
        guild_id = int_id(action.community.id, "guild")
        if isinstance(action, CreateScheduledEvent):
            route = Route("POST", "/guilds/{guild_id}/scheduled-events", guild_id=guild_id)
            body = {**_scheduled_body(action), "privacy_level": 2, "entity_type": 3}
            data = await self.request(route, "create scheduled event", json=body)
            event = ChannelRef(str(guild_id))
            return Delivered((MessageRef(event, str(data["id"])),))
        assert action.message is not None, "the delivery worker resolves the key first"
        route = Route(
            "PATCH",
            "/guilds/{guild_id}/scheduled-events/{event_id}",
            guild_id=guild_id,
            event_id=int_id(action.message.message_id, "scheduled event"),
        )
        if isinstance(action, UpdateScheduledEvent):
            await self.request(route, "update scheduled event", json=_scheduled_body(action))
        else:
            assert isinstance(action, CancelScheduledEvent)
            await self.request(route, "cancel scheduled event", json={"status": 4})
        return Delivered()


def _scheduled_body(action: CreateScheduledEvent | UpdateScheduledEvent) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": _cut(action.name, 100),
        "scheduled_start_time": action.starts_at.astimezone(UTC).isoformat(),
        "scheduled_end_time": action.ends_at.astimezone(UTC).isoformat(),
        "entity_metadata": {"location": _cut(action.location, 100)},
    }
    if action.description:
        body["description"] = _cut(action.description, 1000)
    return body


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
