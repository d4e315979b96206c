"""Actions on the dashboard enter the core as events of the manager's own identity.

A click on "Claim" becomes the :class:`~core.events.CommandIssued` ``/case 12 claim`` of
the manager's account on the case's platform, in the case's community, submitted to the
same pipeline chat commands take: the dispatcher resolves the manager's role from the
grant (a platform admin's standing, as the platform reported it when they sent
``/dashboard`` there), the feature authorizes, audits, edits the card and queues what it
sends in the outbox, and the event id (``web:<session>:<form nonce>``) is de-duplicated
like a platform's, so a form sent twice acts once. Nothing here writes to storage.

The event's channel is a ``web:`` channel: what the feature answers the caller comes back
to the page (:mod:`core.dashboard.answers`) instead of going to a chat.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from townsquare.core.dashboard.rules import WEB_CHANNEL_PREFIX, WEB_EVENT_PREFIX
from townsquare.core.dashboard.store import Grant
from townsquare.core.events import CommandIssued
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, PlatformRole
from townsquare.core.roles import Role
from townsquare.web.auth import Viewer, now

SUBMIT_TIMEOUT = 30.0
_NONCE = re.compile(r"[A-Za-z0-9_-]{8,32}")


NOT_RUNNING = "actions need the bots: this process (townsquare web) does not run them"


def web_event(
    viewer: Viewer,
    grant: Grant,
    platform: str,
    nonce: str,
    name: str,
    argv: Sequence[str],
) -> CommandIssued:
    """The command ``/name argv`` as the manager of ``grant`` would type it in its
    community (``platform``: the bot's, e.g. ``telegram-ptb``)."""
    role = PlatformRole.OWNER if grant.role >= Role.OWNER else PlatformRole.ADMIN
    return CommandIssued(
        platform=platform,
        bot=grant.bot,
        event_id=f"{WEB_EVENT_PREFIX}{viewer.session.id}:{nonce}",
        occurred_at=now(),
        community=CommunityRef(
            grant.community_platform, grant.community_id, title=grant.community_title
        ),
        channel=ChannelRef(f"{WEB_CHANNEL_PREFIX}{viewer.session.id}", title="dashboard"),
        actor=Actor(grant.user_id, grant.display_name or grant.user_id, platform_role=role),
        name=name,
        argv=tuple(argv),
        raw={"source": "web", "session": viewer.session.id},
    )


def form_nonce(form: Any) -> str:
    value = form.get("nonce", "")
    if not isinstance(value, str) or not _NONCE.fullmatch(value):
        raise web.HTTPBadRequest(text="this form is missing its id; reload the page")
    return value


async def submit(
    request: web.Request, viewer: Viewer, grant: Grant, nonce: str, name: str, argv: Sequence[str]
) -> list[str] | None:
    """Submit the command; what the core answered (None: this form was sent before, and
    acted then). Answers 503 where no bot runs (``townsquare web``)."""
    from townsquare.web.app import RUNTIME

    runtime = request.app[RUNTIME]
    pipeline = getattr(runtime, "pipeline", None)
    dispatcher = getattr(runtime, "dispatcher", None)
    answers = getattr(dispatcher, "answers", None)
    bot = next((b for b in runtime.config.bots if b.name == grant.bot and b.enabled), None)
    if pipeline is None or answers is None or bot is None:
        raise web.HTTPServiceUnavailable(text=NOT_RUNNING)
    event = web_event(viewer, grant, bot.platform, nonce, name, argv)
    async with asyncio.timeout(SUBMIT_TIMEOUT):
        await pipeline.submit(event)
    result: list[str] | None = answers.take(event.event_id)
    return result
