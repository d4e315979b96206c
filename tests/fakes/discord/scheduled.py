"""The fake's guild scheduled events (what ``/event`` mirrors on Discord).

* ``POST /guilds/{id}/scheduled-events``: the bot needs Manage Events (or Create Events,
  guild level; the fake has no overwrites). Checked as Discord does for an external event
  (entity type 3): a name of 1-100 characters, ``entity_metadata.location`` of 1-100, a
  start in the future and an end after it, privacy level 2; else 400 (code 50035). The
  event is dispatched as GUILD_SCHEDULED_EVENT_CREATE.
* ``PATCH /guilds/{id}/scheduled-events/{event}``: the same checks on what is given;
  ``status`` 4 cancels a scheduled event (only a scheduled one: 400 otherwise).
  Dispatched as GUILD_SCHEDULED_EVENT_UPDATE.
* ``GET /guilds/{id}/scheduled-events``: the guild's events, and ``GET
  .../scheduled-events/{event}`` one; ``user_count`` with ``?with_user_count=true``.
* :meth:`ScheduledEvents.mark_interested`: a member marks an event "Interested" (or
  takes it back): ``user_count`` changes and GUILD_SCHEDULED_EVENT_USER_ADD / _REMOVE is
  dispatched (intent GUILD_SCHEDULED_EVENTS, as every GUILD_SCHEDULED_EVENT_* is).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.discord import payloads as p

if TYPE_CHECKING:
    from tests.fakes.discord.server import Guild

MANAGE_EVENTS = 1 << 33
CREATE_EVENTS = 1 << 44
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4


class ScheduledEvents:
    """Mixed into :class:`tests.fakes.discord.server.FakeDiscord`."""

    guilds: dict[int, Guild]
    bot_id: int

    if TYPE_CHECKING:

        def member_permissions(self, guild: Guild, user_id: int) -> int: ...

        async def dispatch(
            self, event: str, data: dict[str, Any], *, guild_id: int | None
        ) -> int: ...

    def init_scheduled_events(self) -> None:
        self.scheduled_events: dict[int, dict[str, Any]] = {}
        """Every guild scheduled event, by id."""
        self.scheduled_calls: list[tuple[str, dict[str, Any]]] = []
        """``(method, body)`` of each scheduled-event call that succeeded, in order."""
        self.interested: dict[int, set[int]] = {}
        """Who marked each scheduled event "Interested"."""

    def scheduled_event_routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("POST", r"/guilds/(\d+)/scheduled-events", self._create_scheduled_event),
            ("GET", r"/guilds/(\d+)/scheduled-events", self._list_scheduled_events),
            ("GET", r"/guilds/(\d+)/scheduled-events/(\d+)", self._get_scheduled_event),
            ("PATCH", r"/guilds/(\d+)/scheduled-events/(\d+)", self._modify_scheduled_event),
        ]

    def _may_schedule(self, guild: Guild) -> bool:
        allowed = self.member_permissions(guild, self.bot_id)
        return bool(allowed & (MANAGE_EVENTS | CREATE_EVENTS | 0x8))

    async def _create_scheduled_event(
        self, request: web.Request, body: Any, guild_id: str
    ) -> web.Response:
        guild = self.guilds.get(int(guild_id))
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        if not self._may_schedule(guild):
            return _error(403, 50013, "Missing Permissions")
        problem = _invalid(body, creating=True)
        if problem:
            return _error(400, 50035, f"Invalid Form Body: {problem}")
        event = {
            "id": str(p.snowflake()),
            "guild_id": guild_id,
            "channel_id": None,
            "creator_id": str(self.bot_id),
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body["scheduled_end_time"],
            "privacy_level": body["privacy_level"],
            "status": SCHEDULED,
            "entity_type": body["entity_type"],
            "entity_id": None,
            "entity_metadata": body["entity_metadata"],
            "user_count": 0,
        }
        self.scheduled_events[int(event["id"])] = event
        self.scheduled_calls.append(("POST", body))
        await self.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event, guild_id=guild.id)
        return _json(event)

    async def _list_scheduled_events(
        self, request: web.Request, body: Any, guild_id: str
    ) -> web.Response:
        counted = request.query.get("with_user_count") == "true"
        found = [
            {k: v for k, v in event.items() if counted or k != "user_count"}
            for event in self.scheduled_events.values()
            if event["guild_id"] == guild_id
        ]
        return _json(found)

    async def _get_scheduled_event(
        self, request: web.Request, body: Any, guild_id: str, event_id: str
    ) -> web.Response:
        event = self.scheduled_events.get(int(event_id))
        if event is None or event["guild_id"] != guild_id:
            return _error(404, 10070, "Unknown Guild Scheduled Event")
        counted = request.query.get("with_user_count") == "true"
        return _json({k: v for k, v in event.items() if counted or k != "user_count"})

    async def mark_interested(self, event_id: int | str, user_id: int, *, on: bool = True) -> None:
        """``user_id`` marks the scheduled event "Interested" (``on``) or takes it back."""
        event = self.scheduled_events[int(event_id)]
        users = self.interested.setdefault(int(event_id), set())
        if on == (user_id in users):
            return
        (users.add if on else users.discard)(user_id)
        event["user_count"] = len(users)
        kind = "GUILD_SCHEDULED_EVENT_USER_ADD" if on else "GUILD_SCHEDULED_EVENT_USER_REMOVE"
        data = {
            "guild_scheduled_event_id": str(event["id"]),
            "user_id": str(user_id),
            "guild_id": event["guild_id"],
        }
        await self.dispatch(kind, data, guild_id=int(event["guild_id"]))

    async def _modify_scheduled_event(
        self, request: web.Request, body: Any, guild_id: str, event_id: str
    ) -> web.Response:
        guild = self.guilds.get(int(guild_id))
        event = self.scheduled_events.get(int(event_id))
        if guild is None or event is None or event["guild_id"] != guild_id:
            return _error(404, 10070, "Unknown Guild Scheduled Event")
        if not self._may_schedule(guild):
            return _error(403, 50013, "Missing Permissions")
        problem = _invalid(body, creating=False)
        if problem:
            return _error(400, 50035, f"Invalid Form Body: {problem}")
        status = body.get("status")
        if status is not None:
            if status != CANCELED or event["status"] != SCHEDULED:
                return _error(400, 180000, "Cannot update event status")
            event["status"] = CANCELED
        for key in ("name", "description", "scheduled_start_time", "scheduled_end_time"):
            if key in body:
                event[key] = body[key]
        if "entity_metadata" in body:
            event["entity_metadata"] = body["entity_metadata"]
        self.scheduled_calls.append(("PATCH", body))
        await self.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event, guild_id=guild.id)
        return _json(event)


def _invalid(body: Any, *, creating: bool) -> str | None:
    if not isinstance(body, dict):
        return "body"
    required = ("name", "scheduled_start_time", "privacy_level", "entity_type")
    if creating and any(key not in body for key in required):
        return "missing fields"
    name = body.get("name")
    if name is not None and not 1 <= len(name) <= 100:
        return "name"
    location = (body.get("entity_metadata") or {}).get("location")
    if (creating or "entity_metadata" in body) and not (
        isinstance(location, str) and 1 <= len(location) <= 100
    ):
        return "entity_metadata.location"
    if body.get("description") is not None and len(body["description"]) > 1000:
        return "description"
    start, end = body.get("scheduled_start_time"), body.get("scheduled_end_time")
    if start is not None:
        begins = datetime.fromisoformat(start)
        if creating and begins <= datetime.now(UTC):
            return "scheduled_start_time"
        if end is None and creating:
            return "scheduled_end_time"
        if end is not None and datetime.fromisoformat(end) <= begins:
            return "scheduled_end_time"
    if creating and (body.get("entity_type") != 3 or body.get("privacy_level") != 2):
        return "entity_type"
    return None


def _json(body: Any, status: int = 200) -> web.Response:
    """Content-Type exactly ``application/json``, as discord.py reads it."""
    return web.Response(
        body=json.dumps(body).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status)
